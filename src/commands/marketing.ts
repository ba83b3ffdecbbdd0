/**
 * funnel marketing — spend, acquisition cost, return.
 * Memory: one state per group × period, each customer's first won deal and, with --leads, each
 * lead's source and campaign.
 */
import type { Io } from '../ingest/inputs.js';
import { viewCommand } from './view-options.js';
import { runMarketing } from '../views/run.js';
import { MARKETING_GROUP_COLUMNS } from '../views/marketing.js';
import { usageError } from '../errors.js';

const HELP = `
Spend by date; leads by created_at; customers and revenue by closed_at. --by may name source
and/or campaign only: those are the columns spend shares with leads and deals.

Examples:
  $ funnel marketing --spend spend.csv --leads leads.csv --deals deals.csv --by source --period month
  $ funnel marketing --spend spend.csv --leads leads.csv --deals deals.csv --by campaign --alert 'cac > 5000'
`;

export const marketingCommand = (io: Io, setExitCode: (code: number) => void) => viewCommand({
  name: 'marketing',
  description: 'spend, cost per lead, CAC, revenue, ROI and ROAS by source and campaign',
  help: HELP, requires: 'spend', reads: ['spend', 'leads', 'deals'], run: runMarketing,
  check: (params) => {
    const other = params.by.filter((c) => !MARKETING_GROUP_COLUMNS.includes(c));
    if (other.length) throw usageError('BAD_BY', `the marketing view groups by source and/or campaign only, not ${other.map((c) => `"${c}"`).join(', ')} (spend rows have no such column)`);
  },
}, io, setExitCode);
