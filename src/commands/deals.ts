/**
 * funnel deals — pipeline and sales outcomes.
 * Memory: one state per group × period, plus the cycle days of won deals (exact medians) and, with
 * --leads, each lead's source and campaign (a deal without its own takes its lead's).
 */
import type { Io } from '../ingest/inputs.js';
import { viewCommand } from './view-options.js';
import { runDeals } from '../views/run.js';

const HELP = `
Attribution: created by created_at; won, lost, revenue and cycle by closed_at; pipeline at each
period's end (at --as-of with --period none).

Examples:
  $ funnel deals --deals deals.csv --by owner --period quarter --as-of 2026-01-01
  $ funnel deals --deals deals.csv --leads leads.csv --by source --metrics win_rate,revenue --format csv > won.csv
  $ funnel deals --deals deals.csv --period month --alert 'win_rate < 0.2' --format json --output deals.json
`;

export const dealsCommand = (io: Io, setExitCode: (code: number) => void) => viewCommand({
  name: 'deals',
  description: 'pipeline and sales outcomes: win rate, revenue, deal size, cycle, pipeline, velocity',
  help: HELP, requires: 'deals', reads: ['deals', 'leads'], run: runDeals,
}, io, setExitCode);
