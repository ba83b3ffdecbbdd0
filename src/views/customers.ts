/**
 * funnel customers — value per customer and LTV. Customers are grouped by the period of
 * their first won deal (acquisition cohort); orders and revenue count all their won deals, any date.
 * CAC takes the spend of the same group and period (so --by may only use source and campaign for
 * it; with another column CAC and what builds on it are null). Payback and predictive LTV use the
 * mrr view's ARPA (last listed month) and customer churn rate (totals), with subscriptions only.
 * Memory: one state per customer (first and last win, orders, revenue) and per group × period of spend.
 */
import type { Deal, Spend } from '../ingest/schemas.js';
import { Groups } from '../engine/groups.js';
import { inRange, NOT_SET, type ViewParams } from '../engine/params.js';
import { divide, valueOf, type Metric } from '../metrics/types.js';
import { exactAdd, exactMerge, exactValue, type ExactSum } from '../engine/exact-sum.js';
import { groupRows, totalsRow as totalsRowOf } from './rows.js';
import { afterLeadInfo, dealGroup, leadInfoStep, type LeadInfo } from './deals.js';
import { MARKETING_GROUP_COLUMNS } from './marketing.js';
import { MrrFold, monthly } from './mrr.js';
import { pick, unreadText, withoutMissingInputs, type ViewDef } from './view.js';

const DAY = 86_400_000;

export interface CustomerMeasures {
  customers: number;
  orders: number;
  /** Money (and days) are summed exactly (engine/exact-sum): the same bits in any reading order. */
  revenue: ExactSum;
  lifespanDays: ExactSum;
  spend: ExactSum;
  /** False when --by uses a column that spend does not have. */
  spendComparable: boolean;
  grossMargin: number;
  arpa: number | null;
  churnRate: number | null;
}

const CUSTOMERS: Metric<CustomerMeasures> = { key: 'customers', formula: 'customers whose first won deal closes in the period (acquisition cohort)', unit: 'count', inputs: ['deals'], result: (m) => m.customers };
const ORDERS: Metric<CustomerMeasures> = { key: 'orders', formula: 'all won deals of those customers (any date)', unit: 'count', inputs: ['deals'], result: (m) => m.orders };
const REVENUE: Metric<CustomerMeasures> = { key: 'revenue', formula: 'sum of amount of all won deals of those customers', unit: 'money', inputs: ['deals'], result: (m) => exactValue(m.revenue) };
const LTV: Metric<CustomerMeasures> = { key: 'ltv', formula: 'historical LTV = revenue / customers', unit: 'money', inputs: ['deals'], result: (m, ctx) => divide(valueOf(REVENUE, m, ctx), valueOf(CUSTOMERS, m, ctx)) };
const CAC: Metric<CustomerMeasures> = {
  key: 'cac', formula: 'spend in the same group and period / customers', unit: 'money', inputs: ['deals', 'spend'], needs: ['spend'],
  result: (m, ctx) => (m.spendComparable ? divide(exactValue(m.spend), valueOf(CUSTOMERS, m, ctx)) : null),
};

export const CUSTOMER_METRICS: Metric<CustomerMeasures>[] = [
  CUSTOMERS, ORDERS, REVENUE,
  { key: 'orders_per_customer', formula: 'orders / customers', unit: 'ratio', inputs: ['deals'], result: (m, ctx) => divide(valueOf(ORDERS, m, ctx), valueOf(CUSTOMERS, m, ctx)) },
  { key: 'avg_order_value', formula: 'revenue / orders', unit: 'money', inputs: ['deals'], result: (m, ctx) => divide(valueOf(REVENUE, m, ctx), valueOf(ORDERS, m, ctx)) },
  LTV,
  { key: 'avg_lifespan_days', formula: 'mean of (last won closed_at − first won closed_at)', unit: 'days', inputs: ['deals'], result: (m, ctx) => divide(exactValue(m.lifespanDays), valueOf(CUSTOMERS, m, ctx)) },
  CAC,
  {
    key: 'ltv_to_cac', formula: 'ltv × grossMargin / cac', unit: 'ratio', inputs: ['deals', 'spend'], needs: ['spend'],
    result: (m, ctx) => { const ltv = valueOf(LTV, m, ctx), cac = valueOf(CAC, m, ctx); return ltv === null || cac === null || cac === 0 ? null : (ltv * m.grossMargin) / cac; },
  },
  {
    key: 'cac_payback_months', formula: "cac / (arpa × grossMargin); arpa = the mrr view's last listed month (with subscriptions only)", unit: 'months', inputs: ['deals', 'spend', 'subscriptions'], needs: ['spend', 'subscriptions'],
    result: (m, ctx) => { const cac = valueOf(CAC, m, ctx); return cac === null || m.arpa === null || m.arpa * m.grossMargin === 0 ? null : cac / (m.arpa * m.grossMargin); },
  },
  {
    key: 'predictive_ltv', formula: "arpa × grossMargin / monthly customer churn rate (the mrr view's totals; with subscriptions only)", unit: 'money', inputs: ['subscriptions'], needs: ['subscriptions'],
    result: (m) => (m.arpa === null || m.churnRate === null || m.churnRate === 0 ? null : (m.arpa * m.grossMargin) / m.churnRate),
  },
];

interface CustomerState { first: number; last: number; orders: number; revenue: ExactSum; by: string[] }

export class CustomersFold {
  readonly customers = new Map<string, CustomerState>();
  readonly spend = new Groups((): { spend: ExactSum } => ({ spend: [] }));
  private readonly spendComparable: boolean;

  constructor(readonly params: ViewParams, private readonly leadInfo?: LeadInfo) {
    this.spendComparable = params.by.every((c) => MARKETING_GROUP_COLUMNS.includes(c));
  }

  addDeal(d: Deal): void {
    if (d.status !== 'won') return;
    const closed = d.closedAt!;
    const c = this.customers.get(d.customerId);
    if (!c) { this.customers.set(d.customerId, { first: closed, last: closed, orders: 1, revenue: [d.amount!], by: dealGroup(d, this.params.by, this.leadInfo) }); return; }
    c.orders++; exactAdd(c.revenue, d.amount!);
    if (closed < c.first) { c.first = closed; c.by = dealGroup(d, this.params.by, this.leadInfo); }
    if (closed > c.last) c.last = closed;
  }

  addSpend(s: Spend): void {
    if (!this.spendComparable || !inRange(this.params, s.date)) return;
    const by = this.params.by.map((col) => (col === 'source' ? s.source : s.campaign) ?? NOT_SET);
    exactAdd(this.spend.get(by, this.params.scheme.index(s.date)).spend, s.amount);
  }

  merge(other: CustomersFold): void {
    this.mergeCustomers(other.customers, true);
    this.spend.mergeFrom(other.spend, (a, b) => { exactMerge(a.spend, b.spend); });
  }

  /** Customers of a later part of the deals (a first win tied with this part's keeps this part's); `copy` when the later part is kept. */
  private mergeCustomers(later: Iterable<[string, CustomerState]>, copy: boolean): void {
    for (const [id, c] of later) {
      const mine = this.customers.get(id);
      if (!mine) { this.customers.set(id, copy ? { ...c, revenue: [...c.revenue] } : c); continue; }
      mine.orders += c.orders; exactMerge(mine.revenue, c.revenue);
      if (c.first < mine.first) { mine.first = c.first; mine.by = c.by; }
      if (c.last > mine.last) mine.last = c.last;
    }
  }

  /** The state as plain data, to send from a worker thread (it reads deals only: its customers). */
  exportState(): [string, CustomerState][] {
    return [...this.customers];
  }

  /** Merges the customers of a reading thread's deals (read later in the file than those merged already). */
  mergeState(state: [string, CustomerState][]): void {
    this.mergeCustomers(state, false);
  }

  result(metrics: Metric<CustomerMeasures>[], mrr: { arpa: number | null; churnRate: number | null } | undefined) {
    const p = this.params;
    const base = (): CustomerMeasures => ({
      customers: 0, orders: 0, revenue: [], lifespanDays: [], spend: [], spendComparable: this.spendComparable,
      grossMargin: p.config.grossMargin, arpa: mrr?.arpa ?? null, churnRate: mrr?.churnRate ?? null,
    });
    const groups = new Groups(base);
    const totals = base();
    for (const c of this.customers.values()) {
      if (!inRange(p, c.first)) continue;
      for (const m of [groups.get(c.by, p.scheme.index(c.first)), totals]) {
        m.customers++; m.orders += c.orders; exactMerge(m.revenue, c.revenue); exactAdd(m.lifespanDays, (c.last - c.first) / DAY);
      }
    }
    for (const cell of this.spend.cells.values()) {
      exactMerge(totals.spend, cell.m.spend);
      const g = groups.find(cell.by, cell.period);
      if (g) exactMerge(g.spend, cell.m.spend);
    }
    const rows = groupRows(groups.sorted(), p, metrics);
    const totalsRow = totalsRowOf(totals, metrics);
    return { rows, totals: totalsRow };
  }
}

/** The customers view's row of the views table. */
export const CUSTOMERS_VIEW: ViewDef<'customers'> = {
  name: 'customers',
  title: 'Customers and lifetime value',
  description: 'customers, orders, historical and predictive LTV, CAC, LTV:CAC and payback',
  help: `
Customers are grouped by the period of their first won deal. CAC uses spend of the same group and
period (group by source and/or campaign for it); payback and predictive LTV need --subscriptions.

Examples:
  $ funnel customers --deals deals.csv --spend spend.csv --by source --period quarter
  $ funnel customers --deals deals.csv --spend spend.csv --subscriptions subs.csv --gross-margin 0.8
`,
  requires: 'deals',
  reads: ['leads', 'deals', 'spend', 'subscriptions'],
  byKinds: ['deals'], byFromLeads: true,
  metrics: CUSTOMER_METRICS,
  start({ flags, params, selected }) {
    const leads: LeadInfo = new Map();
    const fold = new CustomersFold(params, leads);
    // ARPA and churn for payback and predictive LTV: the mrr view over the same range, no grouping;
    // when neither is asked for, the subscriptions are read (checked, their rejections reported) but not folded.
    const subscriptionsUsed = pick(CUSTOMER_METRICS, selected).some((m) => m.needs?.includes('subscriptions'));
    const mrr = flags.subscriptions.length && subscriptionsUsed ? new MrrFold({ ...monthly(params), by: [] }) : undefined;
    // The fold reads a deal's own source, campaign and owner for --by only, a lead's source and campaign (its deals' fallback) only for --by, and no contact field.
    const unreadDeals = unreadText(['source', 'campaign', 'owner'], params);
    const unreadLeads = unreadText(['source', 'campaign', 'owner', 'name', 'email', 'phone', 'company'], params);
    return {
      steps: [
        leadInfoStep(leads),
        { kind: 'deals', after: afterLeadInfo(params.by), handle: (rows) => { for (const d of rows) fold.addDeal(d); } },
        { kind: 'spend', after: [], handle: (rows) => { for (const s of rows) fold.addSpend(s); } },
        { kind: 'subscriptions', after: [], handle: (rows) => { for (const s of rows) mrr?.add(s); } },
      ],
      unread: { deals: unreadDeals, leads: unreadLeads },
      parallel: {
        viewInput: () => [...leads], metrics: pick(CUSTOMER_METRICS, selected).map((m) => m.key), unread: unreadDeals,
        mergeState: (s) => fold.mergeState(s as [string, CustomerState][]),
      },
      result: () => {
        const { metrics, empty } = withoutMissingInputs(pick(CUSTOMER_METRICS, selected), flags);
        const { rows, totals } = fold.result(metrics, mrr?.result([]));
        // Spend has source and campaign only: with another --by column CAC has no spend to divide.
        const unmatched = params.by.filter((c) => !MARKETING_GROUP_COLUMNS.includes(c));
        const spendKeys = flags.spend.length ? metrics.filter((m) => m.needs?.includes('spend') && !empty.some((e) => e.keys.includes(m.key))).map((m) => m.key) : [];
        if (unmatched.length && spendKeys.length) empty.push({ missing: [], keys: spendKeys, why: `spend has no ${unmatched.join(', ')} column to match (group by source and/or campaign for them)` });
        return { rows, totals, empty };
      },
    };
  },
  parallel: {
    kind: 'deals',
    // A customer's group is its first won deal's, the one read first on a tie: each range is folded alone, merged in file order.
    perRange: true,
    fold(params, viewInput) {
      const fold = new CustomersFold(params, new Map(viewInput as [string, { source?: string; campaign?: string }][]));
      return { handle: (rows: Deal[]) => { for (const d of rows) fold.addDeal(d); }, exportState: () => fold.exportState() };
    },
  },
};
