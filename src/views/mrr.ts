/**
 * funnel mrr — recurring revenue movements (needs --subscriptions). Always monthly.
 * A subscription is active in month M when start_date ≤ the first day of M and (no end_date or
 * end_date > the first day of M): active months are [ceil(start), ceil(end)) in month indexes.
 * Comparing each customer's MRR in M with M−1 classifies new, reactivation, expansion, contraction
 * and churn (a churn shows in the month after the last active month, as in the dbt mrr-playbook).
 * Memory: the subscription periods, grouped by customer (the state is mergeable: lists concatenate).
 */
import type { Subscription } from '../ingest/schemas.js';
import { groupValue, type ViewParams } from '../engine/params.js';
import { PeriodScheme } from '../engine/periods.js';
import { MAX_GROUP_CELLS, compareLists } from '../engine/groups.js';
import { dataError } from '../core/errors.js';
import { ratio, type Metric } from '../metrics/types.js';
import { pick, type ViewDef } from './view.js';
import { exactAdd, exactMerge, exactValue, type ExactSum } from '../engine/exact-sum.js';

export interface MrrMeasures {
  /** Money is summed exactly (engine/exact-sum): the same bits whatever order the customers come in. */
  mrr: ExactSum;
  customers: number;
  newMrr: ExactSum;
  reactivationMrr: ExactSum;
  expansionMrr: ExactSum;
  contractionMrr: ExactSum;
  churnedMrr: ExactSum;
  newCustomers: number;
  churnedCustomers: number;
  /** MRR and paying customers of M−1: the denominators of churn and retention. */
  previousMrr: ExactSum;
  previousCustomers: number;
}

const initMrr = (): MrrMeasures => ({
  mrr: [], customers: 0, newMrr: [], reactivationMrr: [], expansionMrr: [], contractionMrr: [], churnedMrr: [],
  newCustomers: 0, churnedCustomers: 0, previousMrr: [], previousCustomers: 0,
});

const S = ['subscriptions'] as const;
const NO_CONTEXT = { holdsAsOf: true };
const money = (key: string, formula: string, sum: (m: MrrMeasures) => ExactSum): Metric<MrrMeasures> => ({ key, formula, unit: 'money', inputs: S, result: (m) => exactValue(sum(m)) });
const MRR = money('mrr', 'sum of the mrr of subscriptions active on the first day of the month', (m) => m.mrr);
const CUSTOMERS: Metric<MrrMeasures> = { key: 'customers', formula: 'customers with MRR > 0 in the month', unit: 'count', inputs: S, result: (m) => m.customers };
const NEW = money('new_mrr', 'MRR of customers with MRR > 0 in the month and never before', (m) => m.newMrr);
const REACTIVATION = money('reactivation_mrr', 'MRR of customers with 0 in M−1, > 0 in M, and > 0 in some earlier month', (m) => m.reactivationMrr);
const EXPANSION = money('expansion_mrr', 'sum of increases of customers with MRR > 0 in both months', (m) => m.expansionMrr);
const CONTRACTION = money('contraction_mrr', 'sum of decreases (positive) of customers with MRR > 0 in both months', (m) => m.contractionMrr);
const CHURNED = money('churned_mrr', 'MRR in M−1 of customers with 0 in M (positive)', (m) => m.churnedMrr);
const NEW_CUSTOMERS: Metric<MrrMeasures> = { key: 'new_customers', formula: 'customers counted in new_mrr', unit: 'count', inputs: S, result: (m) => m.newCustomers };
const CHURNED_CUSTOMERS: Metric<MrrMeasures> = { key: 'churned_customers', formula: 'customers counted in churned_mrr', unit: 'count', inputs: S, result: (m) => m.churnedCustomers };

/** The values of metrics that are always numbers (sums and counts): what the ratios here are built from. */
const values = (m: MrrMeasures, ...metrics: Metric<MrrMeasures>[]) => metrics.map((metric) => metric.result(m, NO_CONTEXT) as number);
const previousMrr = (m: MrrMeasures) => exactValue(m.previousMrr);

const CHURN_RATE: Metric<MrrMeasures> = { key: 'customer_churn_rate', formula: 'churned_customers / customers of M−1', unit: 'rate', inputs: S, result: (m) => ratio(values(m, CHURNED_CUSTOMERS)[0], m.previousCustomers) };
const ARPA: Metric<MrrMeasures> = { key: 'arpa', formula: 'mrr / customers', unit: 'money', inputs: S, result: (m) => { const [mrr, customers] = values(m, MRR, CUSTOMERS); return ratio(mrr, customers); } };

export const MRR_METRICS: Metric<MrrMeasures>[] = [
  MRR,
  { key: 'arr', formula: '12 × mrr', unit: 'money', inputs: S, result: (m) => 12 * values(m, MRR)[0] },
  CUSTOMERS, NEW, REACTIVATION, EXPANSION, CONTRACTION, CHURNED,
  {
    key: 'net_new_mrr', formula: 'new + reactivation + expansion − contraction − churned', unit: 'money', inputs: S,
    result: (m) => { const [n, r, e, c, ch] = values(m, NEW, REACTIVATION, EXPANSION, CONTRACTION, CHURNED); return n + r + e - c - ch; },
  },
  NEW_CUSTOMERS, CHURNED_CUSTOMERS,
  CHURN_RATE,
  {
    key: 'gross_revenue_retention', formula: '(mrr(M−1) − contraction − churned) / mrr(M−1)', unit: 'rate', inputs: S,
    result: (m) => { const [c, ch] = values(m, CONTRACTION, CHURNED), prev = previousMrr(m); return ratio(prev - c - ch, prev); },
  },
  {
    key: 'net_revenue_retention', formula: '(mrr(M−1) + expansion − contraction − churned) / mrr(M−1)', unit: 'rate', inputs: S,
    result: (m) => { const [e, c, ch] = values(m, EXPANSION, CONTRACTION, CHURNED), prev = previousMrr(m); return ratio(prev + e - c - ch, prev); },
  },
  ARPA,
  {
    key: 'quick_ratio', formula: '(new + reactivation + expansion) / (contraction + churned)', unit: 'ratio', inputs: S,
    result: (m) => { const [n, r, e, c, ch] = values(m, NEW, REACTIVATION, EXPANSION, CONTRACTION, CHURNED); return ratio(n + r + e, c + ch); },
  },
];

interface CustomerHistory { by: string[]; periods: { from: number; until: number; mrr: number }[] }

/** A fold's state as a reading thread hands it over. */
interface MrrState { firstMonth: number; customers: [string, CustomerHistory][] }

/** Money per customer-month is kept to 1e-6, so 0.1 + 0.2 and 0.3 are the same MRR (no phantom expansion). */
const cents = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * The most months the view lists: a century. More is a typo in a date (`--as-of 9999-12-31`, a
 * start in year 1), and each month costs time for every customer. Groups × months is bounded by
 * MAX_GROUP_CELLS (a cell costs about 1 KB here).
 */
export const MAX_MRR_MONTHS = 1200;

const count = (n: number) => n.toLocaleString('en-US');

export class MrrFold {
  readonly customers = new Map<string, CustomerHistory>();
  private readonly months = new PeriodScheme('month');
  /** Month index of the earliest start_date read. */
  firstMonth = Infinity;

  constructor(readonly params: ViewParams) {}

  /** First month index whose first day is at or after t. */
  private ceilMonth(t: number): number {
    const i = this.months.index(t);
    return this.months.start(i) === t ? i : i + 1;
  }

  add(sub: Subscription): void {
    this.firstMonth = Math.min(this.firstMonth, this.months.index(sub.startDate));
    let c = this.customers.get(sub.customerId);
    if (!c) {
      // A customer's group is taken from its first subscription row.
      c = { by: this.params.by.map((col) => groupValue(sub, col, { customer_id: sub.customerId })), periods: [] };
      this.customers.set(sub.customerId, c);
    }
    const from = this.ceilMonth(sub.startDate);
    const until = sub.endDate === undefined ? Infinity : this.ceilMonth(sub.endDate);
    if (until > from && sub.mrr > 0) c.periods.push({ from, until, mrr: sub.mrr });
  }

  merge(other: MrrFold): void {
    this.firstMonth = Math.min(this.firstMonth, other.firstMonth);
    for (const [id, c] of other.customers) {
      const mine = this.customers.get(id);
      if (mine) mine.periods.push(...c.periods);
      else this.customers.set(id, { by: c.by, periods: [...c.periods] });
    }
  }

  /** The state as plain data, to send from a worker thread. */
  exportState(): MrrState {
    return { firstMonth: this.firstMonth, customers: [...this.customers] };
  }

  /** Merges a state exported by another fold of the same parameters (read later in the input: a customer's group stays this part's). */
  mergeState(state: MrrState): void {
    this.firstMonth = Math.min(this.firstMonth, state.firstMonth);
    for (const [id, c] of state.customers) {
      const mine = this.customers.get(id);
      if (mine) { for (const period of c.periods) mine.periods.push(period); } else this.customers.set(id, c);
    }
  }

  /** The listed months: first subscription month to the month of --as-of, bounded by [from, to). */
  listedMonths(): [number, number] {
    const p = this.params;
    let first = this.firstMonth, last = this.months.index(p.asOf);
    if (p.from !== undefined) first = Math.max(first, this.ceilMonth(p.from));
    if (p.to !== undefined) last = Math.min(last, this.ceilMonth(p.to) - 1);
    return [first, last];
  }

  measures(): { groups: { by: string[]; months: MrrMeasures[] }[]; totals: MrrMeasures; first: number; last: number } {
    const [first, last] = this.listedMonths();
    const start = this.firstMonth;
    const byGroup = new Map<string, { by: string[]; months: MrrMeasures[] }>();
    const count = Math.max(0, last - first + 1);
    this.checkSize(first, last, count);
    // A customer's MRR in a month: its active subscriptions' summed exactly (in any order of its rows).
    const active: ExactSum = [];
    if (count > 0) {
      for (const c of this.customers.values()) {
        const key = c.by.join('\u0000');
        let g = byGroup.get(key);
        if (!g) { g = { by: c.by, months: Array.from({ length: count }, initMrr) }; byGroup.set(key, g); }
        let prev = 0, everBefore = false;
        for (let m = start; m <= last; m++) {
          active.length = 0;
          for (const s of c.periods) if (m >= s.from && m < s.until) exactAdd(active, s.mrr);
          const cur = cents(exactValue(active));
          if (m >= first) {
            const x = g.months[m - first];
            if (cur !== 0) exactAdd(x.mrr, cur);
            if (prev !== 0) exactAdd(x.previousMrr, prev);
            if (cur > 0) x.customers++;
            if (prev > 0) x.previousCustomers++;
            if (cur > 0 && prev === 0) {
              if (everBefore) exactAdd(x.reactivationMrr, cur); else { exactAdd(x.newMrr, cur); x.newCustomers++; }
            } else if (cur > 0 && prev > 0) {
              if (cur > prev) exactAdd(x.expansionMrr, cur - prev); else if (cur < prev) exactAdd(x.contractionMrr, prev - cur);
            } else if (cur === 0 && prev > 0) { exactAdd(x.churnedMrr, prev); x.churnedCustomers++; }
          }
          if (prev > 0) everBefore = true;
          prev = cur;
        }
      }
    }
    const groups = [...byGroup.values()].sort((a, b) => compareLists(a.by, b.by));
    // Totals: flows and M−1 denominators summed over the listed months; stocks of the last month.
    const totals = initMrr();
    for (const g of groups) {
      g.months.forEach((x, i) => {
        exactMerge(totals.newMrr, x.newMrr); exactMerge(totals.reactivationMrr, x.reactivationMrr); exactMerge(totals.expansionMrr, x.expansionMrr);
        exactMerge(totals.contractionMrr, x.contractionMrr); exactMerge(totals.churnedMrr, x.churnedMrr);
        totals.newCustomers += x.newCustomers; totals.churnedCustomers += x.churnedCustomers;
        exactMerge(totals.previousMrr, x.previousMrr); totals.previousCustomers += x.previousCustomers;
        if (i === count - 1) { exactMerge(totals.mrr, x.mrr); totals.customers += x.customers; }
      });
    }
    return { groups, totals, first, last };
  }

  /** Stops a run whose months, or groups × months, would not fit in memory (before any is made). */
  private checkSize(first: number, last: number, months: number): void {
    if (months > MAX_MRR_MONTHS) {
      throw dataError('TOO_MANY_MONTHS', `mrr would list ${count(months)} months, ${this.months.label(first)} to ${this.months.label(last)} (the first subscription's start to --as-of), more than ${count(MAX_MRR_MONTHS)}; use a nearer --as-of or --from/--to`);
    }
    if (this.params.by.length === 0 || this.customers.size * months <= MAX_GROUP_CELLS) return;
    const groups = new Set<string>();
    for (const c of this.customers.values()) groups.add(c.by.join('\u0000'));
    if (groups.size * months > MAX_GROUP_CELLS) {
      throw dataError('TOO_MANY_GROUPS', `--by ${this.params.by.join(',')} makes ${count(groups.size)} groups × ${count(months)} months, more than ${count(MAX_GROUP_CELLS)} rows; use --from/--to or a coarser --by`);
    }
  }

  result(metrics: Metric<MrrMeasures>[]) {
    const { groups, totals, first, last } = this.measures();
    const rows: Record<string, unknown>[] = [];
    // Rows by month, then group (the order of every view: period first).
    for (let m = first; m <= last; m++) {
      for (const g of groups) {
        const row: Record<string, unknown> = { period: this.months.label(m) };
        this.params.by.forEach((col, i) => { row[col] = g.by[i]; });
        for (const metric of metrics) row[metric.key] = metric.result(g.months[m - first], { holdsAsOf: true });
        rows.push(row);
      }
    }
    const totalsRow: Record<string, unknown> = {};
    for (const metric of metrics) totalsRow[metric.key] = metric.result(totals, { holdsAsOf: true });
    // The last listed month's ARPA and the totals' churn rate feed customers' payback and LTV.
    const lastMonth = initMrr();
    for (const g of groups) { const x = g.months[last - first]; if (x) { exactMerge(lastMonth.mrr, x.mrr); lastMonth.customers += x.customers; } }
    return { rows, totals: totalsRow, arpa: ARPA.result(lastMonth, NO_CONTEXT) as number | null, churnRate: CHURN_RATE.result(totals, NO_CONTEXT) as number | null };
  }
}

/** The mrr view always runs monthly. */
export const monthly = (params: ViewParams): ViewParams => ({ ...params, period: 'month', scheme: new PeriodScheme('month') });

/** The mrr view's row of the views table. */
export const MRR_VIEW: ViewDef<'mrr'> = {
  name: 'mrr',
  title: 'Recurring revenue (MRR) movements',
  description: 'MRR and ARR, new/expansion/contraction/churn/reactivation, churn rate, NRR, GRR, ARPA, quick ratio',
  help: `
Every month from the first subscription's start month to the month of --as-of (bounded by
--from/--to) is listed, months with zero MRR included. --period is ignored: the view is monthly.

Examples:
  $ funnel mrr --subscriptions subs.csv --as-of 2026-01-01
  $ funnel mrr --subscriptions subs.csv --by plan --format csv > mrr.csv
`,
  requires: 'subscriptions',
  reads: ['subscriptions'],
  byKinds: ['subscriptions'],
  metrics: MRR_METRICS,
  start({ params, selected }) {
    const p = monthly(params);
    const fold = new MrrFold(p);
    return {
      steps: [{ kind: 'subscriptions', handle: (rows) => { for (const s of rows) fold.add(s); } }],
      parallel: { viewInput: () => undefined, metrics: pick(MRR_METRICS, selected).map((m) => m.key), unread: new Set(), mergeState: (s) => fold.mergeState(s as MrrState) },
      result: () => {
        const { rows, totals } = fold.result(pick(MRR_METRICS, selected));
        return { rows, totals, params: p };
      },
    };
  },
  parallel: {
    kind: 'subscriptions',
    // A customer's group is its first subscription row's: each range is folded alone, merged in file order.
    perRange: true,
    fold(params) {
      const fold = new MrrFold(monthly(params));
      return { handle: (rows: Subscription[]) => { for (const s of rows) fold.add(s); }, exportState: () => fold.exportState() };
    },
  },
};
