/**
 * funnel deals — pipeline and sales outcomes.
 * Attribution: created by created_at; won, lost, revenue and cycle by closed_at; pipeline at each
 * period's end (at --as-of with --period none). Memory: one state per group × period, the cycle
 * days of won deals (exact medians), and per group a map of pipeline changes per period.
 */
import type { Deal, Lead } from '../ingest/schemas.js';
import type { InputKind } from '../core/kinds.js';
import { groupKey } from '../engine/groups.js';
import { CellStore, type ExactSums, type PeriodSlots, type ValueLog } from '../engine/cell-store.js';
import { inRange, NOT_SET, type ViewParams } from '../engine/params.js';
import { divide, mean, median, p90, ratio, tracked, valueOf, type Metric } from '../metrics/types.js';
import { mergeValues, newValues, takeValues, type Values } from '../metrics/values.js';
import { exactAdd, exactMerge, exactValue, type ExactSum } from '../engine/exact-sum.js';
import { DealTaker, packDealsState, unpackDealsState, type PackedDealsState } from './deals-take.js';
import { pick, unreadText, type ParallelStart, type RangeFold, type ViewDef } from './view.js';
import { LeadLinks, LeadLinksTaker, type LeadLookup, type PackedLeadLinks } from './lead-links.js';

const DAY = 86_400_000;

export interface DealMeasures {
  created: number;
  won: number;
  lost: number;
  /** Money is summed exactly (engine/exact-sum): the same bits in any reading order. */
  revenue: ExactSum;
  /** Deals created in the period that were won with closed_at before --as-of (close_rate). */
  createdThenWon: number;
  cycleDays: Values;
  /** Open deals at the period's end; filled from the pipeline changes when results are made. */
  openDeals: number;
  pipelineValue: ExactSum;
  weightedPipeline: ExactSum;
  stalledDeals: number;
}

export const initDealMeasures = (): DealMeasures => ({
  created: 0, won: 0, lost: 0, revenue: [], createdThenWon: 0, cycleDays: newValues(),
  openDeals: 0, pipelineValue: [], weightedPipeline: [], stalledDeals: 0,
});

/** `take`: `from` is not used afterwards (a worker's state), so its kept values may be taken over, not copied. */
export function mergeDealMeasures(into: DealMeasures, from: DealMeasures, take = false): void {
  into.created += from.created; into.won += from.won; into.lost += from.lost; exactMerge(into.revenue, from.revenue);
  into.createdThenWon += from.createdThenWon;
  (take ? takeValues : mergeValues)(into.cycleDays, from.cycleDays);
  into.openDeals += from.openDeals; exactMerge(into.pipelineValue, from.pipelineValue);
  exactMerge(into.weightedPipeline, from.weightedPipeline); into.stalledDeals += from.stalledDeals;
}

/** Open-pipeline changes of one group: at period index p, +count/+value when deals open, − when they close. */
export interface PipelineDelta { count: number; value: ExactSum; weighted: ExactSum }
const initDelta = (): PipelineDelta => ({ count: 0, value: [], weighted: [] });
type PipelineChanges = Map<number, PipelineDelta>;

/** A --by group's entry: its values, its group in the fold's cells, pipeline changes, state at --as-of, and its cells by period. */
export interface DealGroupEntry { by: string[]; index: number; changes: PipelineChanges; atAsOf: DealMeasures; periods: PeriodSlots }

/**
 * A cell's numbers in the fold's CellStore (engine/cell-store): its counts side by side; its revenue
 * is the store's exact sum 0, its cycle days the store's value log 0.
 */
const N_CREATED = 0, N_WON = 1, N_LOST = 2, N_CREATED_THEN_WON = 3, WIDTH = 4;

/** Lead fields a deal falls back on when it has no source or campaign of its own, as a Map (see LeadLinks for the typed table). */
export type LeadInfo = Map<string, { source?: string; campaign?: string }>;

/** A deal's --by values; source and campaign fall back on its linked lead's. */
export function dealGroup(deal: Deal, by: readonly string[], leads?: LeadLookup): string[] {
  const out = new Array<string>(by.length);
  for (let i = 0; i < by.length; i++) out[i] = dealGroupValue(deal, by[i], leads);
  return out;
}

/** A source or campaign: the deal's own, else its linked lead's. */
const ownOrLead = (own: string | undefined, col: 'source' | 'campaign', leadId: string | undefined, leads: LeadLookup | undefined) =>
  own ?? (leadId !== undefined ? leads?.get(leadId)?.[col] : undefined);
const orNotSet = (v: string | undefined) => (v === undefined || v === '' ? NOT_SET : v);

/** A deal's value of one --by column (NOT_SET when missing). */
export function dealGroupValue(deal: Deal, col: string, leads?: LeadLookup): string {
  let own: string | undefined;
  switch (col) {
    case 'source': own = deal.source; break;
    case 'campaign': own = deal.campaign; break;
    case 'owner': own = deal.owner; break;
    case 'stage': own = deal.stage; break;
    case 'type': own = deal.type; break;
    case 'status': own = deal.status; break;
    default: own = deal.dims[col];
  }
  return dealColumnValue(col, own, deal.leadId, leads);
}

/** A deal's value of one --by column from the deal's own value `own`: source and campaign fall back on its linked lead's. */
function dealColumnValue(col: string, own: string | undefined, leadId: string | undefined, leads: LeadLookup | undefined): string {
  return orNotSet(col === 'source' || col === 'campaign' ? ownOrLead(own, col, leadId, leads) : own);
}

const DEALS = ['deals'] as const;
const CREATED: Metric<DealMeasures> = { key: 'created', formula: 'deals with created_at in the period', unit: 'count', inputs: DEALS, result: (m) => m.created };
const WON: Metric<DealMeasures> = { key: 'won', formula: 'deals won with closed_at in the period', unit: 'count', inputs: DEALS, result: (m) => m.won };
const LOST: Metric<DealMeasures> = { key: 'lost', formula: 'deals lost with closed_at in the period', unit: 'count', inputs: DEALS, result: (m) => m.lost };
const WIN_RATE: Metric<DealMeasures> = {
  key: 'win_rate', formula: 'won / (won + lost)', unit: 'rate', inputs: DEALS,
  result: (m, ctx) => { const won = valueOf(WON, m, ctx), lost = valueOf(LOST, m, ctx); return won === null || lost === null ? null : ratio(won, won + lost); },
};
const REVENUE: Metric<DealMeasures> = { key: 'revenue', formula: 'sum of amount of won deals closed in the period', unit: 'money', inputs: DEALS, result: (m) => exactValue(m.revenue) };
const AVG_DEAL_SIZE: Metric<DealMeasures> = { key: 'avg_deal_size', formula: 'revenue / won', unit: 'money', inputs: DEALS, result: (m, ctx) => divide(valueOf(REVENUE, m, ctx), valueOf(WON, m, ctx)) };
const MEAN_CYCLE_DAYS: Metric<DealMeasures> = { key: 'mean_cycle_days', formula: 'mean of closed_at − created_at of won deals closed in the period (days)', unit: 'days', inputs: DEALS, tracks: ['ordered'], result: (m) => mean(m.cycleDays) };
const OPEN_DEALS: Metric<DealMeasures> = { key: 'open_deals', formula: "deals open at the period's end (--as-of without a period): created before it and status open or closed at/after it", unit: 'count', inputs: DEALS, tracks: ['pipeline'], result: (m) => m.openDeals };

export const DEAL_METRICS: Metric<DealMeasures>[] = [
  CREATED, WON, LOST, WIN_RATE,
  { key: 'close_rate', formula: 'of the deals created in the period, the fraction won with closed_at before --as-of', unit: 'rate', inputs: DEALS, result: (m) => ratio(m.createdThenWon, m.created) },
  REVENUE, AVG_DEAL_SIZE,
  { key: 'median_cycle_days', formula: 'median of closed_at − created_at of won deals closed in the period (days)', unit: 'days', inputs: DEALS, result: (m) => median(m.cycleDays) },
  MEAN_CYCLE_DAYS,
  { key: 'p90_cycle_days', formula: 'nearest-rank 90th percentile of closed_at − created_at of won deals closed in the period (days)', unit: 'days', inputs: DEALS, result: (m) => p90(m.cycleDays) },
  OPEN_DEALS,
  { key: 'pipeline_value', formula: 'sum of amount of the open deals (missing amount counts 0)', unit: 'money', inputs: DEALS, tracks: ['pipeline'], result: (m) => exactValue(m.pipelineValue) },
  { key: 'weighted_pipeline', formula: "sum of amount × probability of the open deals (the row's probability, else the config's stage probability, else 0)", unit: 'money', inputs: DEALS, tracks: ['pipeline'], result: (m) => exactValue(m.weightedPipeline) },
  { key: 'stalled_deals', formula: 'deals open at --as-of whose age (as-of − created_at) exceeds stallDays; on the row holding --as-of, else null', unit: 'count', inputs: DEALS, tracks: ['pipeline'], result: (m, ctx) => (ctx.holdsAsOf ? m.stalledDeals : null) },
  {
    key: 'sales_velocity', formula: 'open_deals × win_rate × avg_deal_size / mean_cycle_days (revenue per day)', unit: 'money_per_day', inputs: DEALS, tracks: ['pipeline', 'ordered'],
    result: (m, ctx) => {
      const open = valueOf(OPEN_DEALS, m, ctx), winRate = valueOf(WIN_RATE, m, ctx), size = valueOf(AVG_DEAL_SIZE, m, ctx), cycle = valueOf(MEAN_CYCLE_DAYS, m, ctx);
      return open === null || winRate === null || size === null || cycle === null || cycle === 0 ? null : (open * winRate * size) / cycle;
    },
  },
  {
    key: 'revenue_growth', formula: "(revenue − previous period's revenue) / previous period's revenue, same group; null without --period or when that is 0 or has no row", unit: 'rate', inputs: DEALS,
    result: (m, ctx) => {
      const prev = ctx.previous === undefined ? null : valueOf(REVENUE, ctx.previous, ctx), revenue = valueOf(REVENUE, m, ctx);
      return prev === null || prev === 0 || revenue === null ? null : (revenue - prev) / prev;
    },
  },
];

/** The fold of the deals view: typed deals in, group states out. Pure; no I/O. */
export class DealsFold {
  /** The group × period cells: counts (N_CREATED …), revenue (exact sum 0), cycle days (value log 0). */
  readonly cells = new CellStore(WIDTH, 1, 1);
  private readonly revenue: ExactSums = this.cells.sums[0];
  private readonly cycleDays: ValueLog = this.cells.logs[0];
  readonly totals = initDealMeasures();
  /** Per --by group: pipeline changes by period index, and the state at --as-of. */
  readonly pipeline = new Map<string, DealGroupEntry>();
  /** The same entries by their group's index in `cells`. */
  private readonly entries: DealGroupEntry[] = [];
  private readonly stageProbability: Map<string, number>;

  /** Whether the open pipeline is tracked: only when a metric shown needs it (its changes per period cost on every deal). */
  private readonly trackPipeline: boolean;
  /** The fast route of a parallel worker (views/deals-take.ts). */
  private readonly taker: DealTaker;

  /** `metrics`: the keys of the metrics result() will be asked for; all when undefined. */
  constructor(readonly params: ViewParams, private readonly leads?: LeadLookup, readonly metrics?: readonly string[]) {
    this.trackPipeline = tracked(DEAL_METRICS, metrics, 'pipeline');
    this.stageProbability = new Map(Object.entries(params.config.stageProbability).map(([k, v]) => [k.trim().toLowerCase(), v]));
    this.taker = new DealTaker(this);
  }

  add(deal: Deal): void {
    const p = this.params;
    // The group is found by its key; its --by values are made once, with its pipeline entry.
    const key = p.by.length === 1 ? dealGroupValue(deal, p.by[0], this.leads) : groupKey(dealGroup(deal, p.by, this.leads));
    const g = this.pipeline.get(key) ?? this.newGroup(key, dealGroup(deal, p.by, this.leads));
    this.addTo(g, deal.createdAt, deal.status, deal.closedAt, deal.amount, deal.probability, deal.stage);
  }

  /** The reader's way in without a row object (ingest/read Taker): see DealTaker. */
  take(values: readonly unknown[]): boolean {
    return this.taker.take(values);
  }

  get takesId(): boolean { return this.taker.takesId; }

  /** A deal's value of one --by column from its own value (dealGroupValue's rule), for the typed route. */
  columnValue(col: string, own: string | undefined, leadId: string | undefined): string {
    return dealColumnValue(col, own, leadId, this.leads);
  }

  /** A new --by group, with its pipeline entry (`key`: groupKey(by)). */
  newGroup(key: string, by: string[]): DealGroupEntry {
    const index = this.cells.addGroup(by);
    const g = { by, index, changes: new Map() as PipelineChanges, atAsOf: initDealMeasures(), periods: this.cells.periods[index] };
    this.pipeline.set(key, g);
    this.entries.push(g);
    return g;
  }

  /** The index in `cells` of a group known by its --by values (made when new). */
  private groupIndex(by: string[]): number {
    const key = groupKey(by);
    return (this.pipeline.get(key) ?? this.newGroup(key, by)).index;
  }

  /**
   * One deal, settled (closedAt undefined when open), into its group `g`: the one step of the row
   * route (add) and the typed route (DealTaker.take), where every measure of a deal is counted.
   */
  addTo(
    g: DealGroupEntry, createdAt: number, status: Deal['status'],
    closedAt: number | undefined, amount: number | undefined, probability: number | undefined, stage: string | undefined,
  ): void {
    const p = this.params, scheme = p.scheme, cells = this.cells;
    const createdIndex = scheme.index(createdAt);
    const closedIndex = status === 'open' ? Infinity : scheme.index(closedAt!);
    if (inRange(p, createdAt)) {
      let c = g.periods.get(createdIndex);
      if (c < 0) c = cells.add(g.index, createdIndex);
      const n = cells.numbers;
      n[c * WIDTH + N_CREATED]++; this.totals.created++;
      if (status === 'won' && closedAt! < p.asOf) { n[c * WIDTH + N_CREATED_THEN_WON]++; this.totals.createdThenWon++; }
    }
    if (status !== 'open' && inRange(p, closedAt!)) {
      let c = g.periods.get(closedIndex);
      if (c < 0) c = cells.add(g.index, closedIndex);
      if (status === 'won') {
        const cycle = (closedAt! - createdAt) / DAY;
        // The totals' cycle days and revenue are their cells' (see result()): kept and summed once, not twice.
        cells.numbers[c * WIDTH + N_WON]++; this.revenue.add(c, amount!); this.cycleDays.push(c, cycle);
        this.totals.won++;
      } else { cells.numbers[c * WIDTH + N_LOST]++; this.totals.lost++; }
    }
    if (this.trackPipeline) this.addPipeline(g, createdAt, status, closedAt, amount, probability, stage, createdIndex, closedIndex);
  }

  private addPipeline(
    g: { changes: PipelineChanges; atAsOf: DealMeasures }, createdAt: number, status: Deal['status'], closedAt: number | undefined,
    amount: number | undefined, rowProbability: number | undefined, stage: string | undefined, from: number, until: number,
  ): void {
    const p = this.params;
    const value = amount ?? 0;
    const probability = rowProbability ?? (stage !== undefined ? this.stageProbability.get(stage.toLowerCase()) : undefined) ?? 0;
    const weighted = value * probability;
    // Open at time T: created before T and (status open, or closed at/after T).
    if (createdAt < p.asOf && (status === 'open' || closedAt! >= p.asOf)) {
      g.atAsOf.openDeals++; exactAdd(g.atAsOf.pipelineValue, value); exactAdd(g.atAsOf.weightedPipeline, weighted);
      if ((p.asOf - createdAt) / DAY > p.config.stallDays) g.atAsOf.stalledDeals++;
    }
    if (p.period === 'none') return;
    // Open at the end of period P ⟺ index(created) ≤ P < index(closed): record +/− changes.
    if (until <= from) return;
    bumpBy(g.changes, from, 1, value, weighted);
    if (until !== Infinity) bumpBy(g.changes, until, -1, -value, -weighted);
  }

  merge(other: DealsFold): void {
    this.cells.merge(other.cells.pack(), (by) => this.groupIndex([...by]));
    mergeDealMeasures(this.totals, other.totals);
    for (const [key, g] of other.pipeline) {
      const mine = this.pipeline.get(key) ?? this.newGroup(key, [...g.by]);
      mergeDealMeasures(mine.atAsOf, g.atAsOf);
      for (const [i, d] of g.changes) bump(mine.changes, i, d.count, d.value, d.weighted);
    }
  }

  /** The state as packed data (engine/packed), to send from a worker thread. */
  exportState(): PackedDealsState {
    return packDealsState(this, initDealMeasures(), initDelta());
  }

  /** Merges a state exported by another fold of the same parameters (read later in the input). */
  mergeState(state: PackedDealsState): void {
    const parts = unpackDealsState(state, initDealMeasures, initDelta);
    this.cells.merge(parts.cells, (by) => this.groupIndex(by), true);
    mergeDealMeasures(this.totals, parts.totals);
    const entry = (by: string[]) => {
      const key = groupKey(by);
      return this.pipeline.get(key) ?? this.newGroup(key, by);
    };
    for (const g of parts.atAsOf) mergeDealMeasures(entry(g.by).atAsOf, g.m);
    for (const d of parts.changes) bump(entry(d.by).changes, d.period, d.m.count, d.m.value, d.m.weighted);
  }

  /**
   * A cell's measures (created, won, lost, close rate's count, revenue, cycle days) into `m`: the
   * cycle days are the cell's stretch of `cycles` (ValueLog.byCell), selected in place.
   */
  private measuresOf(c: number, cycles: { values: Float64Array; offsets: Int32Array }, m: DealMeasures): DealMeasures {
    const n = this.cells.numbers, at = c * WIDTH;
    m.created = n[at + N_CREATED]; m.won = n[at + N_WON]; m.lost = n[at + N_LOST]; m.createdThenWon = n[at + N_CREATED_THEN_WON];
    m.revenue = this.revenue.partialsOf(c);
    const from = cycles.offsets[c], to = cycles.offsets[c + 1];
    m.cycleDays = from === to ? newValues() : { data: cycles.values.subarray(from, to), length: to - from, sorted: false };
    return m;
  }

  /** Rows and totals as plain objects, metrics in registry order. */
  result(metrics: Metric<DealMeasures>[]): { rows: Record<string, unknown>[]; totals: Record<string, unknown> } {
    const p = this.params;
    const untracked = this.trackPipeline ? undefined : metrics.find((m) => m.tracks?.includes('pipeline'));
    if (untracked) throw new Error(`deals: ${untracked.key} was not among the metrics this fold was made for`);
    const asOfIndex = p.scheme.index(p.asOf);
    // Pipeline at each period end: prefix sums of the group's changes up to that period.
    const pipelineAt: { indexes: number[]; sums: PipelineDelta[] }[] = [];
    for (const g of this.entries) {
      const indexes = [...g.changes.keys()].sort((a, b) => a - b);
      const sums: PipelineDelta[] = [];
      let acc: PipelineDelta = { count: 0, value: [], weighted: [] };
      for (const i of indexes) {
        const d = g.changes.get(i)!;
        acc = { count: acc.count + d.count, value: [...acc.value], weighted: [...acc.weighted] };
        exactMerge(acc.value, d.value); exactMerge(acc.weighted, d.weighted);
        sums.push(acc);
      }
      pipelineAt[g.index] = { indexes, sums };
    }
    const cells = this.cells, rows: Record<string, unknown>[] = new Array(cells.count);
    // The cells' cycle days, laid out by cell; each row's measures are made for it (and its previous period's when a metric reads them).
    const cycles = this.cycleDays.byCell(cells.count);
    const m = initDealMeasures(), before = initDealMeasures();
    const order = cells.sorted();
    for (let r = 0; r < order.length; r++) {
      const c = order[r], period = cells.period[c];
      const g = this.entries[cells.group[c]];
      this.measuresOf(c, cycles, m);
      if (p.period === 'none') {
        m.openDeals = g.atAsOf.openDeals; m.pipelineValue = g.atAsOf.pipelineValue;
        m.weightedPipeline = g.atAsOf.weightedPipeline;
      } else {
        const at = pipelineAt[g.index];
        const last = lastAtOrBefore(at.indexes, period);
        const s = last < 0 ? { count: 0, value: [], weighted: [] } : at.sums[last];
        m.openDeals = s.count; m.pipelineValue = s.value; m.weightedPipeline = s.weighted;
      }
      m.stalledDeals = g.atAsOf.stalledDeals;
      const row: Record<string, unknown> = {};
      if (p.period !== 'none') row.period = p.scheme.label(period);
      for (let i = 0; i < p.by.length; i++) row[p.by[i]] = g.by[i];
      const previousCell = p.period === 'none' ? -1 : cells.find(g.index, period - 1);
      const previous = previousCell < 0 ? undefined : this.measuresOf(previousCell, cycles, before);
      const ctx = { previous, holdsAsOf: p.period === 'none' || period === asOfIndex };
      for (const metric of metrics) row[metric.key] = metric.result(m, ctx);
      rows[r] = row;
    }
    const t = this.totals;
    t.cycleDays = cycles.values.length === 0 ? newValues() : { data: cycles.values, length: cycles.values.length, sorted: false };
    // An exact sum does not depend on how its terms are grouped: the cells' sums summed are the total's.
    t.revenue = this.revenue.total(cells.count);
    t.openDeals = 0; t.pipelineValue = []; t.weightedPipeline = []; t.stalledDeals = 0;
    for (const g of this.pipeline.values()) {
      t.openDeals += g.atAsOf.openDeals; exactMerge(t.pipelineValue, g.atAsOf.pipelineValue);
      exactMerge(t.weightedPipeline, g.atAsOf.weightedPipeline); t.stalledDeals += g.atAsOf.stalledDeals;
    }
    const totals: Record<string, unknown> = {};
    for (const metric of metrics) totals[metric.key] = metric.result(t, { holdsAsOf: true });
    return { rows, totals };
  }
}

/** One deal opening (+) or closing (−) at a period: no arrays allocated on this per-row path. */
function bumpBy(changes: PipelineChanges, index: number, count: number, value: number, weighted: number): void {
  let d = changes.get(index);
  if (!d) { d = { count: 0, value: [], weighted: [] }; changes.set(index, d); }
  d.count += count;
  if (value !== 0) exactAdd(d.value, value);
  if (weighted !== 0) exactAdd(d.weighted, weighted);
}

function bump(changes: PipelineChanges, index: number, count: number, value: ExactSum, weighted: ExactSum): void {
  const d = changes.get(index);
  if (d) { d.count += count; exactMerge(d.value, value); exactMerge(d.weighted, weighted); }
  else changes.set(index, { count, value: [...value], weighted: [...weighted] });
}

/** Position of the last index ≤ target in a sorted list, or −1. */
function lastAtOrBefore(sorted: number[], target: number): number {
  let lo = 0, hi = sorted.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= target) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

/**
 * Reading leads for their source and campaign (a deal without its own takes its lead's); `also`:
 * what else the view does with them. A LeadLinks table is filled only when `linked` (a --by column
 * may come from the lead: afterLeadInfo); the leads are read all the same (their rejections and counts).
 */
export const leadInfoStep = (leads: LeadInfo | LeadLinks, also?: (rows: Lead[]) => void, linked = true) => ({
  kind: 'leads' as const,
  handle: leads instanceof LeadLinks
    ? (rows: Lead[]) => { if (linked) addLeadLinks(leads, rows); also?.(rows); }
    : (rows: Lead[]) => { for (const l of rows) if (l.id !== undefined) leads.set(l.id, { source: l.source, campaign: l.campaign }); also?.(rows); },
});

/** The leads' sources and campaigns by id (those with an id: a file without ids links no deal). */
export function addLeadLinks(links: LeadLinks, rows: readonly Lead[]): void {
  for (const l of rows) if (l.id !== undefined) links.add(l.id, l.source, l.campaign);
}

/** Lead columns no deal's fold reads: a deal falls back on its lead's source and campaign only. */
export const LEAD_COLUMNS_UNREAD: ReadonlySet<string> = new Set(['owner', 'name', 'email', 'phone', 'company']);

/**
 * The parallel read of the leads for their links (ViewDef.sides): `leads` takes each reading
 * thread's table; `also` merges what else the view's worker fold hands back (LeadsSideState.also).
 */
export const leadLinksSide = (leads: LeadLinks, metrics: readonly string[], also?: (state: unknown) => void): ParallelStart => ({
  viewInput: () => undefined, metrics, unread: LEAD_COLUMNS_UNREAD,
  mergeState: (s) => {
    const state = s as LeadsSideState;
    for (const part of state.links) leads.addPacked(part);
    also?.(state.also);
  },
});

/** What a worker's fold of the leads hands back: its leads' links (none unless --by may come from a deal's lead), and the view's own state. */
export interface LeadsSideState { links: PackedLeadLinks[]; also?: unknown }

/** A worker's fold of the leads for their links (leadInfoStep's), with `also`'s fold of the same rows. */
export function leadLinksFold(params: ViewParams, also?: { handle: (rows: Lead[]) => void; range?(index: number, bytes: number): void; exportState(): unknown }): RangeFold {
  const links = new LeadLinks(), linked = afterLeadInfo(params.by).length > 0;
  return {
    handle: (rows: Lead[]) => { if (linked) addLeadLinks(links, rows); also?.handle(rows); },
    // Without another fold of the rows, a lead's typed values go straight into the table (no row object).
    taker: also === undefined ? new LeadLinksTaker(linked ? links : undefined) : undefined,
    // Room ahead for the range's leads (also's fold makes its own).
    range: (i, bytes) => { if (linked) links.expect(bytes); also?.range?.(i, bytes); },
    exportState: (): LeadsSideState => ({ links: links.pack(), also: also?.exportState() }),
  };
}

/** The inputs a deals step needs read before it: the leads when a --by column may come from a deal's lead (source, campaign). */
export const afterLeadInfo = (by: readonly string[]): InputKind[] => (by.some((c) => c === 'source' || c === 'campaign') ? ['leads'] : []);

/** The deals view's row of the views table. */
export const DEALS_VIEW: ViewDef<'deals'> = {
  name: 'deals',
  title: 'Pipeline and sales outcomes',
  description: 'pipeline and sales outcomes: win rate, revenue, deal size, cycle, pipeline, velocity',
  help: `
Attribution: created by created_at; won, lost, revenue and cycle by closed_at; pipeline at each
period's end (at --as-of with --period none).

Examples:
  $ funnel deals --deals deals.csv --by owner --period quarter --as-of 2026-01-01
  $ funnel deals --deals deals.csv --leads leads.csv --by source --metrics win_rate,revenue --format csv > won.csv
  $ funnel deals --deals deals.csv --period month --alert 'win_rate < 0.2' --format json --output deals.json
`,
  requires: 'deals',
  // Leads first: a deal without source takes its lead's.
  reads: ['leads', 'deals'],
  byKinds: ['deals'], byFromLeads: true,
  metrics: DEAL_METRICS,
  start({ params, selected }) {
    const leads = new LeadLinks();
    const metrics = pick(DEAL_METRICS, selected);
    const fold = new DealsFold(params, leads, metrics.map((m) => m.key));
    // The fold reads source and campaign (with their lead's as fallback), owner and the rest only for --by; stage and lead_id always.
    const unread = unreadText(['source', 'campaign', 'owner', 'customer_id'], params);
    return {
      steps: [leadInfoStep(leads, undefined, afterLeadInfo(params.by).length > 0), { kind: 'deals', after: afterLeadInfo(params.by), handle: (rows) => { for (const d of rows) fold.add(d); } }],
      unread: { deals: unread, leads: LEAD_COLUMNS_UNREAD },
      parallel: { viewInput: () => leads.share(), metrics: fold.metrics!, unread, mergeState: (s) => fold.mergeState(s as ReturnType<DealsFold['exportState']>) },
      sides: { leads: leadLinksSide(leads, fold.metrics!) },
      result: () => fold.result(metrics),
    };
  },
  parallel: {
    kind: 'deals',
    fold(params, viewInput, metrics) {
      const fold = new DealsFold(params, LeadLinks.of(viewInput as PackedLeadLinks[] | undefined), metrics);
      return { handle: (rows: Deal[]) => { for (const d of rows) fold.add(d); }, taker: fold, exportState: () => fold.exportState() };
    },
  },
  sides: [{ kind: 'leads', fold: (params) => leadLinksFold(params) }],
};
