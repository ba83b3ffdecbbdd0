/**
 * funnel stages — the lead funnel.
 * Memory: one state per group × period × stage, plus the stage durations (exact medians), the
 * earliest deal dates per linked lead id and, with --events, the leads and their events.
 */
import { Option } from 'commander';
import type { Io } from '../ingest/inputs.js';
import { positiveDays, viewCommand } from './view-options.js';
import { runStages } from '../views/run.js';

const HELP = `
A lead reached a stage if it has a timestamp for it or for any later stage. With --deals, a lead
also reaches the config's dealStages (opportunity at its first deal's created_at, customer at its
first won deal's closed_at) unless it has its own timestamp for them.

Examples:
  $ funnel stages --leads leads.csv --by source --period month --as-of 2026-01-01
  $ funnel stages --leads leads.csv --deals deals.csv --attribution period --period quarter
  $ funnel stages --leads leads.csv --window 90 --period month --format json --output funnel.json
`;

export const stagesCommand = (io: Io, setExitCode: (code: number) => void) => viewCommand({
  name: 'stages',
  description: 'lead funnel: reached, conversion, drop-off and time between stages, in stage order',
  help: HELP, requires: 'leads', reads: ['leads', 'events', 'deals'], run: runStages,
  options: (cmd) => cmd
    .addOption(new Option('--attribution <mode>', 'cohort: by created_at; period: each stage entry in its own period').choices(['cohort', 'period']).default('cohort'))
    .option('--window <days>', 'a stage counts only if reached within this many days of created_at', positiveDays),
}, io, setExitCode);
