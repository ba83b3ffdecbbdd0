/**
 * funnel mrr — recurring revenue movements (needs --subscriptions). Always monthly.
 * Memory: the subscription periods, grouped by customer.
 */
import type { Io } from '../ingest/inputs.js';
import { viewCommand } from './view-options.js';
import { runMrr } from '../views/run.js';

const HELP = `
Every month from the first subscription's start month to the month of --as-of (bounded by
--from/--to) is listed, months with zero MRR included. --period is ignored: the view is monthly.

Examples:
  $ funnel mrr --subscriptions subs.csv --as-of 2026-01-01
  $ funnel mrr --subscriptions subs.csv --by plan --format csv > mrr.csv
`;

export const mrrCommand = (io: Io, setExitCode: (code: number) => void) => viewCommand({
  name: 'mrr',
  description: 'MRR and ARR, new/expansion/contraction/churn/reactivation, churn rate, NRR, GRR, ARPA, quick ratio',
  help: HELP, requires: 'subscriptions', reads: ['subscriptions'], run: runMrr,
}, io, setExitCode);
