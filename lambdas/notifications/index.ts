/**
 * The notifications domain's public module. Other domains will hand it messages through events;
 * for now what it exports is the template catalog (names and data keys) for their tests and docs.
 */
export { TEMPLATES, type TemplateName } from './templates/catalog.ts';
export { notificationsExportSection } from './notifications-export.query.ts';
export { isEmailSuppressed } from './suppressions.query.ts';
