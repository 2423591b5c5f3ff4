/** Renders a template to subject + HTML + text: the compiled MJML layout with its slots filled. */
import { TEMPLATES, type TemplateData, type TemplateName } from './catalog.ts';
import { COMPILED_LAYOUT } from './layout.compiled.ts';

export interface RenderedMessage {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

function fill(template: string, values: Readonly<Record<string, string>>, escape: (value: string) => string): string {
  // `{{ name }}` and `{{name}}` both: the MJML compiler keeps the spacing the layout was written with.
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template value ${key} is missing`);
    return escape(value);
  });
}

export function renderTemplate<N extends TemplateName>(
  name: N,
  data: TemplateData<N>,
  options: { webBaseUrl: string; footer: string },
): RenderedMessage {
  const definition = TEMPLATES[name];
  const values: Record<string, string> = {};
  for (const key of definition.keys) values[key] = String((data as Record<string, string | number>)[key]);
  const actionUrl = new URL(fill(definition.actionPath, values, encodeURIComponent), options.webBaseUrl).toString();
  const plain = { ...values, actionUrl };
  const subject = fill(definition.subject, plain, (value) => value);
  const slots: Record<string, string> = {
    subject,
    preview: fill(definition.body, plain, (value) => value),
    heading: fill(definition.heading, plain, (value) => value),
    body: fill(definition.body, plain, (value) => value),
    actionUrl,
    actionLabel: definition.actionLabel,
    footer: options.footer,
  };
  return {
    subject,
    // Slot values are escaped once, here: the layout's own markup is trusted, the values are not.
    html: fill(COMPILED_LAYOUT, slots, escapeHtml),
    text: `${fill(definition.text, plain, (value) => value)}\n\n${options.footer}\n`,
  };
}
