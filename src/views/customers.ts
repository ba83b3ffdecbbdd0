/**
 * funnel customers — value per customer and LTV. Customers are grouped by the period of
 * their first won deal (acquisition cohort); orders and revenue count all their won deals, any date.
 * CAC takes the spend of the same group and period (so --by may only use source and campaign for
 * it; with another column CAC and what builds on it are null). Payback and predictive LTV use the
 * mrr view's ARPA (last listed month) and customer churn rate (totals), with subscriptions only.
 * Memory: one slot per customer in flat arrays (first and last win, orders, revenue, group) and a state per group × period of spend.
 */
import type { Deal, Spend } from '../ingest/schemas.js';
import { Groups, groupKey } from '../engine/groups.js';
import { inRange, NOT_SET, type ViewParams } from '../engine/params.js';
import { divide, valueOf, type Metric } from '../metrics/types.js';
import { exactAdd, exactMerge, exactValue, type ExactSum } from '../engine/exact-sum.js';
import { groupRows, totalsRow as totalsRowOf } from './rows.js';
import { afterLeadInfo, dealGroup, dealGroupValue, leadInfoStep, leadLinksFold, leadLinksSide } from './deals.js';
import { LeadLinks, type LeadLookup, type PackedLeadLinks } from './lead-links.js';
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

/**
 * Every customer's state, one slot each in typed arrays (no object per customer, so a million
 * customers cost a few flat arrays and move between threads without being copied one by one):
 * its first and last won close, its won deals, its group (the first won deal's, an index into
 * `groups`) and its revenue, summed exactly (engine/exact-sum): one double while its exact sum is
 * one partial (the common case), else the partials in `revenueMore`. Slots follow first sight.
 */
export class CustomerStore {
  /** Customer id → slot; its keys, in order, are the slots' ids. */
  readonly slots = new Map<string, number>();
  first = new Float64Array(64);
  last = new Float64Array(64);
  orders = new Int32Array(64);
  group = new Int32Array(64);
  revenue = new Float64Array(64);
  /** The revenue of a slot whose exact sum holds more than one partial. */
  readonly revenueMore = new Map<number, ExactSum>();
  /** The groups' --by values, by index; `groupAt`: groupKey → index. */
  readonly groups: string[][] = [];
  private readonly groupAt = new Map<string, number>();

  get size(): number { return this.slots.size; }

  /** The index of a group, known by its --by values. */
  groupIndex(by: string[]): number {
    const key = groupKey(by);
    let g = this.groupAt.get(key);
    if (g === undefined) { g = this.groups.push(by) - 1; this.groupAt.set(key, g); }
    return g;
  }

  /** The index of a group of one --by column, known by its value (the same as groupIndex([value]), with no array made unless the group is new). */
  groupIndexOne(value: string): number {
    const g = this.groupAt.get(value);
    return g !== undefined ? g : this.groupIndex([value]);
  }

  /** A new customer's slot. */
  add(id: string, first: number, last: number, orders: number, group: number, revenue: number): number {
    const s = this.slots.size;
    if (s === this.first.length) this.grow();
    this.slots.set(id, s);
    this.first[s] = first; this.last[s] = last; this.orders[s] = orders; this.group[s] = group; this.revenue[s] = revenue;
    return s;
  }

  /** Adds an amount to a slot's exact revenue. */
  addRevenue(s: number, value: number): void {
    const more = this.revenueMore.get(s);
    if (more !== undefined) { exactAdd(more, value); return; }
    // exactAdd's own fast case: the sum of two doubles with no rounding error stays one partial.
    const y = this.revenue[s], hi = value + y;
    const lo = Math.abs(value) < Math.abs(y) ? value - (hi - y) : y - (hi - value);
    if (lo === 0) { this.revenue[s] = hi; return; }
    const partials = [y];
    exactAdd(partials, value);
    this.revenueMore.set(s, partials);
  }

  /** A slot's revenue as exact-sum partials. */
  revenueOf(s: number): ExactSum {
    return this.revenueMore.get(s) ?? [this.revenue[s]];
  }

  private grow(): void {
    const n = this.first.length * 2;
    const f64 = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
    const i32 = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
    this.first = f64(this.first); this.last = f64(this.last); this.revenue = f64(this.revenue);
    this.orders = i32(this.orders); this.group = i32(this.group);
  }

  /**
   * The customers of a later part of the deals (a first win tied with this part's keeps this
   * part's group): orders and revenue add up, the earlier first win gives the group, the later last win stays.
   */
  mergeFrom(later: CustomerStore): void {
    const groups = later.groups.map((by) => this.groupIndex(by));
    let i = 0;
    for (const id of later.slots.keys()) { this.mergeOne(id, later, i, groups[later.group[i]]); i++; }
  }

  private mergeOne(id: string, later: CustomerColumns, i: number, group: number): void {
    const s = this.slots.get(id);
    const more = later.revenueMore.get(i);
    if (s === undefined) {
      const t = this.add(id, later.first[i], later.last[i], later.orders[i], group, more === undefined ? later.revenue[i] : 0);
      if (more !== undefined) this.revenueMore.set(t, [...more]);
      return;
    }
    this.orders[s] += later.orders[i];
    if (more === undefined) this.addRevenue(s, later.revenue[i]); else for (const p of more) this.addRevenue(s, p);
    if (later.first[i] < this.first[s]) { this.first[s] = later.first[i]; this.group[s] = group; }
    if (later.last[i] > this.last[s]) this.last[s] = later.last[i];
  }

  /** The store as flat arrays and one string of the ids (engine/packed's way: moved between threads, not cloned entry by entry). */
  pack(): PackedCustomers {
    const n = this.size, ids = [...this.slots.keys()], lengths = new Int32Array(n);
    for (let i = 0; i < n; i++) lengths[i] = ids[i].length;
    return {
      ids: ids.join(''), lengths, first: this.first.slice(0, n), last: this.last.slice(0, n), orders: this.orders.slice(0, n),
      group: this.group.slice(0, n), revenue: this.revenue.slice(0, n), revenueMore: [...this.revenueMore], groups: this.groups,
    };
  }

  /** Merges a packed store of a later part of the deals (see mergeFrom). */
  mergePacked(later: PackedCustomers): void {
    const groups = later.groups.map((by) => this.groupIndex(by));
    const view = { first: later.first, last: later.last, orders: later.orders, revenue: later.revenue, revenueMore: new Map(later.revenueMore) };
    for (let i = 0, at = 0; i < later.lengths.length; i++) {
      const end = at + later.lengths[i];
      this.mergeOne(later.ids.slice(at, end), view, i, groups[later.group[i]]);
      at = end;
    }
  }
}

/** The per-slot arrays of a store, or of a packed one. */
interface CustomerColumns { first: Float64Array; last: Float64Array; orders: Int32Array; revenue: Float64Array; revenueMore: ReadonlyMap<number, ExactSum> }

/** A CustomerStore as a reading thread hands it over: its arrays cut to its size, the ids joined (`lengths` cuts them apart). */
export interface PackedCustomers {
  ids: string; lengths: Int32Array; first: Float64Array; last: Float64Array; orders: Int32Array; group: Int32Array; revenue: Float64Array;
  revenueMore: [number, ExactSum][]; groups: string[][];
}

export class CustomersFold {
  readonly customers = new CustomerStore();
  readonly spend = new Groups((): { spend: ExactSum } => ({ spend: [] }));
  private readonly spendComparable: boolean;

  constructor(readonly params: ViewParams, private readonly leadInfo?: LeadLookup) {
    this.spendComparable = params.by.every((c) => MARKETING_GROUP_COLUMNS.includes(c));
  }

  addDeal(d: Deal): void {
    if (d.status !== 'won') return;
    const closed = d.closedAt!, store = this.customers;
    const s = store.slots.get(d.customerId);
    if (s === undefined) { store.add(d.customerId, closed, closed, 1, this.groupOf(d), d.amount!); return; }
    store.orders[s]++; store.addRevenue(s, d.amount!);
    if (closed < store.first[s]) { store.first[s] = closed; store.group[s] = this.groupOf(d); }
    if (closed > store.last[s]) store.last[s] = closed;
  }

  /** A deal's group index in the store (with one --by column, found by its value: no array per deal). */
  private groupOf(d: Deal): number {
    const by = this.params.by;
    return by.length === 1 ? this.customers.groupIndexOne(dealGroupValue(d, by[0], this.leadInfo)) : this.customers.groupIndex(dealGroup(d, by, this.leadInfo));
  }

  addSpend(s: Spend): void {
    if (!this.spendComparable || !inRange(this.params, s.date)) return;
    const period = this.params.scheme.index(s.date), cols = this.params.by;
    // One --by column: the cell found by its value (its group's key), with no array made unless the cell is new.
    if (cols.length === 1) {
      const value = (cols[0] === 'source' ? s.source : s.campaign) ?? NOT_SET;
      exactAdd((this.spend.at(value, period) ?? this.spend.get([value], period)).spend, s.amount);
      return;
    }
    const by = cols.map((col) => (col === 'source' ? s.source : s.campaign) ?? NOT_SET);
    exactAdd(this.spend.get(by, period).spend, s.amount);
  }

  merge(other: CustomersFold): void {
    this.customers.mergeFrom(other.customers);
    this.spend.mergeFrom(other.spend, (a, b) => { exactMerge(a.spend, b.spend); });
  }

  /** The state as packed data, to send from a worker thread (it reads deals only: its customers). */
  exportState(): PackedCustomers {
    return this.customers.pack();
  }

  /** Merges the customers of a reading thread's deals (read later in the file than those merged already). */
  mergeState(state: PackedCustomers): void {
    this.customers.mergePacked(state);
  }

  result(metrics: Metric<CustomerMeasures>[], mrr: { arpa: number | null; churnRate: number | null } | undefined) {
    const p = this.params;
    const base = (): CustomerMeasures => ({
      customers: 0, orders: 0, revenue: [], lifespanDays: [], spend: [], spendComparable: this.spendComparable,
      grossMargin: p.config.grossMargin, arpa: mrr?.arpa ?? null, churnRate: mrr?.churnRate ?? null,
    });
    const groups = new Groups(base);
    const totals = base();
    const c = this.customers;
    for (let s = 0; s < c.size; s++) {
      const first = c.first[s];
      if (!inRange(p, first)) continue;
      const revenue = c.revenueOf(s), lifespan = (c.last[s] - first) / DAY;
      for (const m of [groups.get(c.groups[c.group[s]], p.scheme.index(first)), totals]) {
        m.customers++; m.orders += c.orders[s]; exactMerge(m.revenue, revenue); exactAdd(m.lifespanDays, lifespan);
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
    const leads = new LeadLinks();
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
        leadInfoStep(leads, undefined, afterLeadInfo(params.by).length > 0),
        { kind: 'deals', after: afterLeadInfo(params.by), handle: (rows) => { for (const d of rows) fold.addDeal(d); } },
        { kind: 'spend', after: [], handle: (rows) => { for (const s of rows) fold.addSpend(s); } },
        { kind: 'subscriptions', after: [], handle: (rows) => { for (const s of rows) mrr?.add(s); } },
      ],
      unread: { deals: unreadDeals, leads: unreadLeads },
      parallel: {
        viewInput: () => leads.share(), metrics: pick(CUSTOMER_METRICS, selected).map((m) => m.key), unread: unreadDeals,
        mergeState: (s) => fold.mergeState(s as PackedCustomers),
      },
      sides: { leads: leadLinksSide(leads, pick(CUSTOMER_METRICS, selected).map((m) => m.key)) },
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
      const fold = new CustomersFold(params, LeadLinks.of(viewInput as PackedLeadLinks[] | undefined));
      return { handle: (rows: Deal[]) => { for (const d of rows) fold.addDeal(d); }, exportState: () => fold.exportState() };
    },
  },
  sides: [{ kind: 'leads', fold: (params) => leadLinksFold(params) }],
};
