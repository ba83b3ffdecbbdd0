/**
 * funnel stages — the lead funnel (SPEC §3.1).
 * Memory: one state per group × period × stage, plus the stage durations (exact medians), the
 * earliest deal dates per linked lead id and, with --events, the leads and their events.
 */
import { Command, Option } from 'commander';
import { loadConfig, type Io } from './common.js';
import { addViewOptions, positiveDays, writeReports, type OutputFlags } from './view-options.js';
import { makeParams } from '../engine/params.js';
import { selectMetrics } from '../metrics/registry.js';
import { runStages, type ViewFlags } from '../views/run.js';
import { requireInput, warnUnused } from './view-checks.js';

const HELP = `
A lead reached a stage if it has a timestamp for it or for any later stage. With --deals, a lead
also reaches the config's dealStages (opportunity at its first deal's created_at, customer at its
first won deal's closed_at) unless it has its own timestamp for them.

Examples:
  $ funnel stages --leads leads.csv --by source --period month --as-of 2026-01-01
  $ funnel stages --leads leads.csv --deals deals.csv --attribution period --period quarter
  $ funnel stages --leads leads.csv --window 90 --period month --format json --output funnel.json
`;

export function stagesCommand(io: Io): Command {
  const cmd = new Command('stages').description('lead funnel: reached, conversion, drop-off and time between stages, in stage order');
  addViewOptions(cmd)
    .addOption(new Option('--attribution <mode>', 'cohort: by created_at; period: each stage entry in its own period').choices(['cohort', 'period']).default('cohort'))
    .option('--window <days>', 'a stage counts only if reached within this many days of created_at', positiveDays)
    .addHelpText('after', HELP)
    .action(async (flags: ViewFlags & OutputFlags) => {
      const selected = selectMetrics(flags.metrics, ['stages']);
      const config = await loadConfig(flags, io);
      const params = makeParams(flags, config, Date.now());
      requireInput(flags, 'leads', 'stages');
      warnUnused(flags, ['leads', 'events', 'deals'], 'stages', io);
      const { report } = await runStages(flags, config, params, io, selected);
      await writeReports([report], flags, io);
    });
  return cmd;
}
