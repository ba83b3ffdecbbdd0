/**
 * funnel stages, deals, marketing, customers, mrr, quality — one command per row of the views
 * table (views/table.ts): its description, help text and inputs come from the row. What each view
 * counts, and what it keeps in memory, is said at the top of its file in views/.
 */
import { Command, Option } from 'commander';
import type { Io } from '../ingest/inputs.js';
import { positiveDays, viewCommand } from './view-options.js';
import { VIEWS, type ViewName } from '../views/table.js';

/** The flags of one view alone. */
const OPTIONS: Partial<Record<ViewName, (cmd: Command) => void>> = {
  stages: (cmd) => cmd
    .addOption(new Option('--attribution <mode>', 'cohort: by created_at; period: each stage entry in its own period').choices(['cohort', 'period']).default('cohort'))
    .option('--window <days>', 'a stage counts only if reached within this many days of created_at', positiveDays),
};

export const viewCommands = (io: Io, setExitCode: (code: number) => void): Command[] =>
  VIEWS.map((view) => viewCommand(view, io, setExitCode, OPTIONS[view.name]));
