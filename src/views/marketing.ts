/**
 * funnel marketing — spend, acquisition cost, return. Groups by source and/or campaign
 * only. Spend by date; leads by created_at; customers and revenue by closed_at. A customer counts
 * as new in the period of its first won deal over all the input (not only the listed range).
 * Memory: one state per group × period, plus each customer's first won deal.
 */
import type { Deal, Lead, Spend } from '../ingest/schemas.js';
import { Groups } from '../engine/groups.js';
import { inRange, NOT_SET, type ViewParams } from '../engine/params.js';
import { divide, ratio, valueOf, type Metric } from '../metrics/types.js';
import { exactAdd, exactMerge, exactValue, type ExactSum } from '../engine/exact-sum.js';
import { groupRows, totalsRow as totalsRowOf } from './rows.js';
import { afterLeadInfo, dealGroup, leadInfoStep, leadLinksFold, leadLinksSide, LEAD_COLUMNS_UNREAD } from './deals.js';
import { LeadLinks, type LeadLookup } from './lead-links.js';
import { pick, withoutMissingInputs, type ViewDef } from './view.js';

export const MARKETING_GROUP_COLUMNS = ['source', 'campaign'];

export interface MarketingMeasures {
  /** Money is summed exactly (engine/exact-sum): the same bits in any reading order. */
  spend: ExactSum;
  marketingSpend: ExactSum;
  salesSpend: ExactSum;
  leads: number;
  newCustomers: number;
  revenue: ExactSum;
}

const init = (): MarketingMeasures => ({ spend: [], marketingSpend: [], salesSpend: [], leads: 0, newCustomers: 0, revenue: [] });
export function mergeMarketing(into: MarketingMeasures, from: MarketingMeasures): void {
  exactMerge(into.spend, from.spend); exactMerge(into.marketingSpend, from.marketingSpend); exactMerge(into.salesSpend, from.salesSpend);
  into.leads += from.leads; into.newCustomers += from.newCustomers; exactMerge(into.revenue, from.revenue);
}

const INPUTS = ['spend', 'leads', 'deals'] as const;
const SPEND: Metric<MarketingMeasures> = { key: 'spend', formula: 'sum of spend amount (all categories; refunds negative) with date in the period', unit: 'money', inputs: ['spend'], needs: ['spend'], result: (m) => exactValue(m.spend) };
const LEADS: Metric<MarketingMeasures> = { key: 'leads', formula: 'leads with created_at in the period', unit: 'count', inputs: ['leads'], needs: ['leads'], result: (m) => m.leads };
const NEW_CUSTOMERS: Metric<MarketingMeasures> = { key: 'new_customers', formula: 'customers whose first won deal (over all input data) closes in the period', unit: 'count', inputs: ['deals'], needs: ['deals'], result: (m) => m.newCustomers };
const REVENUE: Metric<MarketingMeasures> = { key: 'revenue', formula: 'sum of amount of won deals closed in the period', unit: 'money', inputs: ['deals'], needs: ['deals'], result: (m) => exactValue(m.revenue) };

export const MARKETING_METRICS: Metric<MarketingMeasures>[] = [
  SPEND,
  { key: 'marketing_spend', formula: 'spend of category marketing', unit: 'money', inputs: ['spend'], needs: ['spend'], result: (m) => exactValue(m.marketingSpend) },
  { key: 'sales_spend', formula: 'spend of category sales', unit: 'money', inputs: ['spend'], needs: ['spend'], result: (m) => exactValue(m.salesSpend) },
  LEADS,
  { key: 'cost_per_lead', formula: 'spend / leads', unit: 'money', inputs: ['spend', 'leads'], needs: ['spend', 'leads'], result: (m, ctx) => divide(valueOf(SPEND, m, ctx), valueOf(LEADS, m, ctx)) },
  NEW_CUSTOMERS,
  { key: 'cac', formula: 'spend / new_customers', unit: 'money', inputs: INPUTS, needs: ['spend', 'deals'], result: (m, ctx) => divide(valueOf(SPEND, m, ctx), valueOf(NEW_CUSTOMERS, m, ctx)) },
  REVENUE,
  {
    key: 'roi', formula: '(revenue − spend) / spend', unit: 'ratio', inputs: ['spend', 'deals'], needs: ['spend', 'deals'],
    result: (m, ctx) => { const revenue = valueOf(REVENUE, m, ctx), spend = valueOf(SPEND, m, ctx); return revenue === null || spend === null ? null : ratio(revenue - spend, spend); },
  },
  { key: 'roas', formula: 'revenue / spend', unit: 'ratio', inputs: ['spend', 'deals'], needs: ['spend', 'deals'], result: (m, ctx) => divide(valueOf(REVENUE, m, ctx), valueOf(SPEND, m, ctx)) },
  { key: 'revenue_per_lead', formula: 'revenue / leads', unit: 'money', inputs: ['leads', 'deals'], needs: ['leads', 'deals'], result: (m, ctx) => divide(valueOf(REVENUE, m, ctx), valueOf(LEADS, m, ctx)) },
];

/** Each customer's first won deal: when it closed and the group it belongs to. */
export type FirstWins = Map<string, { closedAt: number; by: string[] }>;

export function recordFirstWin(first: FirstWins, customerId: string, closedAt: number, by: string[]): void {
  const seen = first.get(customerId);
  if (!seen || closedAt < seen.closedAt) first.set(customerId, { closedAt, by }); // a tie keeps the one read first
}

export function mergeFirstWins(into: FirstWins, from: FirstWins): void {
  for (const [id, w] of from) recordFirstWin(into, id, w.closedAt, w.by);
}

/** A reading thread's fold of the spend as it hands it over: its cells. */
type MarketingState = { by: string[]; period: number; m: MarketingMeasures }[];

export class MarketingFold {
  readonly groups = new Groups(init);
  readonly firstWins: FirstWins = new Map();
  constructor(readonly params: ViewParams, private readonly leadInfo?: LeadLookup) {}

  private group(row: { source?: string; campaign?: string }): string[] {
    return this.params.by.map((col) => (col === 'source' ? row.source : row.campaign) ?? NOT_SET);
  }

  addSpend(s: Spend): void {
    if (!inRange(this.params, s.date)) return;
    const m = this.groups.get(this.group(s), this.params.scheme.index(s.date));
    exactAdd(m.spend, s.amount);
    exactAdd(s.category === 'sales' ? m.salesSpend : m.marketingSpend, s.amount);
  }

  addLead(l: Lead): void {
    if (!inRange(this.params, l.createdAt)) return;
    this.groups.get(this.group(l), this.params.scheme.index(l.createdAt)).leads++;
  }

  addDeal(d: Deal): void {
    if (d.status !== 'won') return;
    const by = dealGroup(d, this.params.by, this.leadInfo);
    recordFirstWin(this.firstWins, d.customerId, d.closedAt!, by);
    if (inRange(this.params, d.closedAt!)) exactAdd(this.groups.get(by, this.params.scheme.index(d.closedAt!)).revenue, d.amount!);
  }

  /** The state as plain data, to send from a worker thread (it reads the spend or the leads: its cells). */
  exportState(): MarketingState {
    return [...this.groups.cells.values()].map(({ by, period, m }) => ({ by, period, m }));
  }

  /** Merges the state of a reading thread's spend or leads rows (their counts add up in any order). */
  mergeState(state: MarketingState): void {
    for (const c of state) mergeMarketing(this.groups.get(c.by, c.period), c.m);
  }

  merge(other: MarketingFold): void {
    this.groups.mergeFrom(other.groups, mergeMarketing);
    mergeFirstWins(this.firstWins, other.firstWins);
  }

  result(metrics: Metric<MarketingMeasures>[]) {
    // New customers are placed only now, once every deal has been seen.
    const groups = new Groups(init);
    groups.mergeFrom(this.groups, mergeMarketing);
    for (const w of this.firstWins.values()) {
      if (inRange(this.params, w.closedAt)) groups.get(w.by, this.params.scheme.index(w.closedAt)).newCustomers++;
    }
    const totals = init();
    const cells = groups.sorted();
    for (const cell of cells) mergeMarketing(totals, cell.m);
    const rows = groupRows(cells, this.params, metrics);
    const totalsRow = totalsRowOf(totals, metrics);
    return { rows, totals: totalsRow };
  }
}

/** The marketing view's row of the views table. */
export const MARKETING_VIEW: ViewDef<'marketing'> = {
  name: 'marketing',
  title: 'Marketing spend, acquisition cost and return',
  description: 'spend, cost per lead, CAC, revenue, ROI and ROAS by source and campaign',
  help: `
Spend by date; leads by created_at; customers and revenue by closed_at. --by may name source
and/or campaign only: those are the columns spend shares with leads and deals.

Examples:
  $ funnel marketing --spend spend.csv --leads leads.csv --deals deals.csv --by source --period month
  $ funnel marketing --spend spend.csv --leads leads.csv --deals deals.csv --by campaign --alert 'cac > 5000'
`,
  requires: 'spend',
  reads: ['leads', 'deals', 'spend'],
  byKinds: ['leads', 'deals', 'spend'],
  metrics: MARKETING_METRICS,
  groupsOnly: { columns: MARKETING_GROUP_COLUMNS, why: 'spend rows have no such column' },
  start({ flags, params, selected }) {
    const leads = new LeadLinks();
    const fold = new MarketingFold(params, leads);
    return {
      steps: [
        leadInfoStep(leads, (rows) => { for (const l of rows) fold.addLead(l); }, afterLeadInfo(params.by).length > 0),
        { kind: 'deals', after: afterLeadInfo(params.by), handle: (rows) => { for (const d of rows) fold.addDeal(d); } },
        { kind: 'spend', after: [], handle: (rows) => { for (const s of rows) fold.addSpend(s); } },
      ],
      unread: { leads: LEAD_COLUMNS_UNREAD },
      parallel: { viewInput: () => undefined, metrics: pick(MARKETING_METRICS, selected).map((m) => m.key), unread: new Set(), mergeState: (s) => fold.mergeState(s as MarketingState) },
      // The leads' counts per group and period (cells as the spend's) and their links.
      sides: { leads: leadLinksSide(leads, [], (s) => fold.mergeState(s as MarketingState)) },
      result: () => {
        const { metrics, empty } = withoutMissingInputs(pick(MARKETING_METRICS, selected), flags);
        return { ...fold.result(metrics), empty };
      },
    };
  },
  parallel: {
    kind: 'spend',
    fold(params) {
      const fold = new MarketingFold(params);
      return { handle: (rows: Spend[]) => { for (const s of rows) fold.addSpend(s); }, exportState: () => fold.exportState() };
    },
  },
  sides: [{
    kind: 'leads',
    fold(params) {
      const fold = new MarketingFold(params);
      return leadLinksFold(params, { handle: (rows) => { for (const l of rows) fold.addLead(l); }, exportState: () => fold.exportState() });
    },
  }],
};
