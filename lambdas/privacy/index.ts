/**
 * The privacy domain's public module. It reads other domains only through their own public
 * modules (their export queries); nothing in it is for other domains yet except the coverage map.
 */
export { exportCoverage, type ExportDecision } from './export-coverage.ts';
