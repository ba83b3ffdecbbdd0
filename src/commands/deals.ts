/**
 * funnel deals — pipeline and sales outcomes (SPEC §3.2).
 * Memory: one state per group × period, plus the cycle days of won deals (exact medians) and, with
 * --leads, each lead's source and campaign (a deal without its own takes its lead's).
 */
import { Command } from 'commander';
import { loadConfig, type Io } from './common.js';
import { addViewOptions, writeReports, type OutputFlags } from './view-options.js';
import { makeParams } from '../engine/params.js';
import { selectMetrics } from '../metrics/registry.js';
import { runDeals, type ViewFlags } from '../views/run.js';
import { requireInput, warnUnused } from './view-checks.js';

const HELP = `
Attribution: created by created_at; won, lost, revenue and cycle by closed_at; pipeline at each
period's end (at --as-of with --period none).

Examples:
  $ funnel deals --deals deals.csv --by owner --period quarter --as-of 2026-01-01
  $ funnel deals --deals deals.csv --leads leads.csv --by source --metrics win_rate,revenue --format csv > won.csv
`;

export function dealsCommand(io: Io): Command {
  const cmd = new Command('deals').description('pipeline and sales outcomes: win rate, revenue, deal size, cycle, pipeline, velocity');
  addViewOptions(cmd).addHelpText('after', HELP).action(async (flags: ViewFlags & OutputFlags) => {
    const selected = selectMetrics(flags.metrics, ['deals']);
    const config = await loadConfig(flags, io);
    const params = makeParams(flags, config, Date.now());
    requireInput(flags, 'deals', 'deals');
    warnUnused(flags, ['deals', 'leads'], 'deals', io);
    const { report } = await runDeals(flags, config, params, io, selected);
    await writeReports([report], flags, io);
  });
  return cmd;
}
