/**
 * funnel quality — lead data quality.
 * Memory: one state per group × period and every e-mail seen (for duplicates).
 */
import type { Io } from '../ingest/inputs.js';
import { viewCommand } from './view-options.js';
import { runQuality } from '../views/run.js';

const HELP = `
Examples:
  $ funnel quality --leads leads.csv --by source
  $ funnel quality --leads leads.csv --period month --alert 'completeness < 0.6'
`;

export const qualityCommand = (io: Io, setExitCode: (code: number) => void) => viewCommand({
  name: 'quality',
  description: 'lead data quality: valid e-mails and phones, names, companies, completeness, duplicate e-mails',
  help: HELP, requires: 'leads', reads: ['leads'], run: runQuality,
}, io, setExitCode);
