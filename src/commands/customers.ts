/**
 * funnel customers — value per customer and LTV.
 * Memory: one state per customer (first and last win, orders, revenue), spend per group × period,
 * and with --subscriptions the subscription periods (for ARPA and churn).
 */
import type { Io } from '../ingest/inputs.js';
import { viewCommand } from './view-options.js';
import { runCustomers } from '../views/run.js';

const HELP = `
Customers are grouped by the period of their first won deal. CAC uses spend of the same group and
period (group by source and/or campaign for it); payback and predictive LTV need --subscriptions.

Examples:
  $ funnel customers --deals deals.csv --spend spend.csv --by source --period quarter
  $ funnel customers --deals deals.csv --spend spend.csv --subscriptions subs.csv --gross-margin 0.8
`;

export const customersCommand = (io: Io, setExitCode: (code: number) => void) => viewCommand({
  name: 'customers',
  description: 'customers, orders, historical and predictive LTV, CAC, LTV:CAC and payback',
  help: HELP, requires: 'deals', reads: ['deals', 'leads', 'spend', 'subscriptions'], run: runCustomers,
}, io, setExitCode);
