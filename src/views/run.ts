/**
 * Running a view: read the inputs it needs in the order it needs them, fold, and build the report.
 * Read orders: stages reads deals (the lead↔deal link), then leads, then events (checked against
 * the accepted lead ids); deals reads leads (a deal without source takes its lead's), then deals.
 */
import type { Config, InputKind } from '../config.js';
import { readInputs, type InputFlags, type Io, type ReadResult } from '../commands/common.js';
import type { ViewParams } from '../engine/params.js';
import { paramsReport } from '../engine/params.js';
import type { Lead } from '../ingest/schemas.js';
import { readSettings } from '../ingest/settings.js';
import { inputsReport } from '../report/inputs.js';
import type { Column, ViewReport } from '../output/report.js';
import { VIEW_METRICS, type ViewName } from '../metrics/registry.js';
import { DealsFold, DEAL_METRICS, type LeadInfo } from './deals.js';
import { StagesFold, STAGE_METRICS, type Attribution, type DealLink, type LeadEvents } from './stages.js';
import { MarketingFold, MARKETING_GROUP_COLUMNS, MARKETING_METRICS } from './marketing.js';
import { CustomersFold, CUSTOMER_METRICS } from './customers.js';
import { MrrFold, MRR_METRICS } from './mrr.js';
import { QualityFold, QUALITY_METRICS } from './quality.js';
import { PeriodScheme } from '../engine/periods.js';
import type { Row } from '../output/report.js';
import type { Metric } from '../metrics/types.js';
import { parallelPlan, readInParallel } from '../parallel/run.js';

export interface ViewFlags extends InputFlags {
  attribution?: Attribution;
  window?: number;
}

export interface ViewRun {
  report: ViewReport;
  read: ReadResult;
  /** Metrics shown empty (null) because an input they need was not given: per set of missing inputs, their keys. */
  empty?: EmptyMetrics[];
}

/** `why`, when the inputs were given but cannot fill the metrics (said instead of the flags they need). */
export interface EmptyMetrics { missing: InputKind[]; keys: string[]; why?: string }

const TITLES: Record<ViewName, string> = {
  stages: 'Lead funnel by stage', deals: 'Pipeline and sales outcomes', marketing: 'Marketing spend, acquisition cost and return',
  customers: 'Customers and lifetime value', mrr: 'Recurring revenue (MRR) movements', quality: 'Lead data quality',
};

function columnsFor(view: ViewName, params: ViewParams, selected: Set<string> | undefined, extra: Column[] = []): Column[] {
  const cols: Column[] = [];
  if (params.period !== 'none') cols.push({ key: 'period', unit: 'text' });
  for (const b of params.by) cols.push({ key: b, unit: 'text' });
  cols.push(...extra);
  for (const m of VIEW_METRICS[view]) if (!selected || selected.has(m.key)) cols.push({ key: m.key, unit: m.unit });
  return cols;
}

function pick<T extends { key: string }>(metrics: T[], selected: Set<string> | undefined): T[] {
  return selected ? metrics.filter((m) => selected.has(m.key)) : metrics;
}

/**
 * The metrics whose `needs` were not all given become null on every row and in totals (a metric
 * made from an input nobody gave would read as a real 0); `empty` says which, per missing inputs.
 */
function withoutMissingInputs<M>(metrics: Metric<M>[], flags: InputFlags): { metrics: Metric<M>[]; empty: EmptyMetrics[] } {
  const empty = new Map<string, EmptyMetrics>();
  const out = metrics.map((m) => {
    const missing = (m.needs ?? []).filter((k) => flags[k].length === 0);
    if (!missing.length) return m;
    const entry = empty.get(missing.join()) ?? { missing, keys: [] };
    entry.keys.push(m.key);
    empty.set(missing.join(), entry);
    return { ...m, result: () => null };
  });
  return { metrics: out, empty: [...empty.values()] };
}

/** The rows with the columns' keys only, in the columns' order: a row that already is so is kept as it is (a million rows are not copied). */
export function keepColumns(rows: Record<string, unknown>[], columns: Column[]) {
  const keys = columns.map((c) => c.key);
  return rows.map((r) => {
    if (hasKeys(r, keys)) return r;
    const out: Record<string, unknown> = {};
    for (const k of keys) if (k in r) out[k] = r[k];
    return out;
  });
}

/** Whether a row's keys, as they are enumerated, are exactly `keys`. */
function hasKeys(row: Record<string, unknown>, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in row) if (k !== keys[i++]) return false;
  return i === keys.length;
}

export async function runStages(flags: ViewFlags, config: Config, params: ViewParams, io: Io, selected?: Set<string>, silentKinds?: ReadonlySet<InputKind>): Promise<ViewRun> {
  const link: DealLink = new Map();
  const events: LeadEvents = new Map();
  const options = { attribution: flags.attribution ?? 'cohort', windowDays: flags.window } as const;
  const withEvents = flags.events.length > 0;
  // Without events each lead is folded as it is read; with events, leads wait for their events.
  const metrics = pick(STAGE_METRICS, selected);
  const fold = new StagesFold(params, options, link, events, metrics.map((m) => m.key));
  const waiting: Lead[] = [];
  const plan = withEvents ? undefined : parallelPlan(flags.leads, flags, io.env);
  // The fold reads a lead's id, times and --by values only.
  const unreadLeads = unreadText(['source', 'campaign', 'owner', 'name', 'email', 'phone', 'company'], params);
  const read = await readInputs(flags, config, io, [
    { kind: 'deals', handle: (rows) => { for (const d of rows) if (d.leadId !== undefined) addLink(link, d.leadId, d.createdAt, d.status === 'won' ? d.closedAt : undefined); } },
    {
      kind: 'leads', handle: (rows) => { if (withEvents) waiting.push(...rows); else for (const l of rows) fold.add(l); },
      parallel: plan && (async (onProgress, onHeader) => {
        const out = await readInParallel<ReturnType<StagesFold['exportState']>>('leads', plan, { view: 'stages', config, read: { ...readOptions(flags, config, 'leads'), unread: [...unreadLeads] }, params: plainParams(params), link: [...link], stageOptions: options, metrics: metrics.map((m) => m.key) }, onProgress, onHeader);
        out?.states.forEach((s) => fold.mergeState(s));
        return out;
      }),
    },
    { kind: 'events', handle: (rows) => { for (const e of rows) addEvent(events, e.leadId, e.stageIndex, e.at, config.stages.length); } },
  ], { silentKinds, dims: new Set(params.by), unread: { leads: unreadLeads }, asOf: params.asOf, checkBy: checkBy('stages', params, ['leads']) });
  for (const lead of waiting) fold.add(lead);
  const { rows, totals } = fold.result(metrics, !selected || selected.has('mature'));
  const columns = columnsFor('stages', params, selected, [{ key: 'stage', unit: 'text' }]);
  const shown = columns.filter((c) => c.key !== 'mature' || rows.some((r) => 'mature' in r));
  return {
    read,
    report: {
      view: 'stages', title: TITLES.stages,
      params: paramsReport(params, { attribution: options.attribution, window: options.windowDays ?? null }),
      inputs: inputsReport(read.stats), columns: shown, rows: keepColumns(rows, shown), totals: keepColumns(totals, shown),
    },
  };
}

export async function runDeals(flags: ViewFlags, config: Config, params: ViewParams, io: Io, selected?: Set<string>, silentKinds?: ReadonlySet<InputKind>): Promise<ViewRun> {
  const leads: LeadInfo = new Map();
  const metrics = pick(DEAL_METRICS, selected);
  const fold = new DealsFold(params, leads, metrics.map((m) => m.key));
  const plan = parallelPlan(flags.deals, flags, io.env);
  // The fold reads source and campaign (with their lead's as fallback), owner and the rest only for --by; stage and lead_id always.
  const unreadDeals = unreadText(['source', 'campaign', 'owner', 'customer_id'], params);
  const read = await readInputs(flags, config, io, [
    leadInfoStep(leads),
    {
      kind: 'deals', handle: (rows) => { for (const d of rows) fold.add(d); },
      parallel: plan && (async (onProgress, onHeader) => {
        const out = await readInParallel<ReturnType<DealsFold['exportState']>>('deals', plan, { view: 'deals', config, read: { ...readOptions(flags, config, 'deals'), unread: [...unreadDeals] }, params: plainParams(params), leadInfo: [...leads], metrics: fold.metrics }, onProgress, onHeader);
        out?.states.forEach((s) => fold.mergeState(s));
        return out;
      }),
    },
  ], { silentKinds, dims: new Set(params.by), unread: { deals: unreadDeals }, asOf: params.asOf, checkBy: checkBy('deals', params, ['deals'], true) });
  const { rows, totals } = fold.result(metrics);
  return simpleReport('deals', params, read, selected, rows, totals);
}

/**
 * The --by check of a view: each column must be in a file of the kinds its groups come from
 * (`leadFallback`: a deal's source and campaign may also come from its lead).
 */
const checkBy = (view: ViewName, params: ViewParams, kinds: InputKind[], leadFallback = false) => ({
  view, by: params.by,
  kinds: (col: string): InputKind[] => (leadFallback && (col === 'source' || col === 'campaign') ? [...kinds, 'leads'] : kinds),
});

/** Of a view's optional text columns, those --by does not name: nothing reads them (see ReadOptions.unread). */
const unreadText = (columns: string[], params: ViewParams): Set<string> => new Set(columns.filter((c) => !params.by.includes(c)));

const readOptions = (flags: ViewFlags, config: Config, kind: InputKind) => ({ format: flags.inputFormat, delimiter: flags.delimiter, settings: readSettings(config, kind, flags) });
const plainParams = (p: ViewParams) => ({ by: p.by, period: p.period, from: p.from, to: p.to, asOf: p.asOf });

function addLink(link: DealLink, leadId: string, created: number, won: number | undefined): void {
  const l = link.get(leadId);
  if (!l) { link.set(leadId, { created, won }); return; }
  if (l.created === undefined || created < l.created) l.created = created;
  if (won !== undefined && (l.won === undefined || won < l.won)) l.won = won;
}

function addEvent(events: LeadEvents, leadId: string, stage: number, at: number, stages: number): void {
  let times = events.get(leadId);
  if (!times) { times = new Array(stages).fill(undefined); events.set(leadId, times); }
  if (times[stage] === undefined || at < times[stage]!) times[stage] = at;
}

/** A report for the simple views: one totals row, the view's columns. */
function simpleReport(view: ViewName, params: ViewParams, read: ReadResult, selected: Set<string> | undefined, rows: Row[], totals: Row): ViewRun {
  const columns = columnsFor(view, params, selected);
  return {
    read,
    report: { view, title: TITLES[view], params: paramsReport(params), inputs: inputsReport(read.stats), columns, rows: keepColumns(rows, columns), totals: keepColumns([totals], columns)[0] },
  };
}

const leadInfoStep = (leads: LeadInfo, also?: (rows: Lead[]) => void) => ({
  kind: 'leads' as const,
  handle: (rows: Lead[]) => { for (const l of rows) leads.set(l.id, { source: l.source, campaign: l.campaign }); also?.(rows); },
});

export async function runMarketing(flags: ViewFlags, config: Config, params: ViewParams, io: Io, selected?: Set<string>, silentKinds?: ReadonlySet<InputKind>): Promise<ViewRun> {
  const leads: LeadInfo = new Map();
  const fold = new MarketingFold(params, leads);
  const read = await readInputs(flags, config, io, [
    leadInfoStep(leads, (rows) => { for (const l of rows) fold.addLead(l); }),
    { kind: 'deals', handle: (rows) => { for (const d of rows) fold.addDeal(d); } },
    { kind: 'spend', handle: (rows) => { for (const s of rows) fold.addSpend(s); } },
  ], { silentKinds, dims: new Set(params.by), asOf: params.asOf, checkBy: checkBy('marketing', params, ['leads', 'deals', 'spend']) });
  const { metrics, empty } = withoutMissingInputs(pick(MARKETING_METRICS, selected), flags);
  const { rows, totals } = fold.result(metrics);
  return { ...simpleReport('marketing', params, read, selected, rows, totals), empty };
}

/** The mrr view always runs monthly. */
const monthly = (params: ViewParams): ViewParams => ({ ...params, period: 'month', scheme: new PeriodScheme('month') });

export async function runMrr(flags: ViewFlags, config: Config, params: ViewParams, io: Io, selected?: Set<string>, silentKinds?: ReadonlySet<InputKind>): Promise<ViewRun> {
  const p = monthly(params);
  const fold = new MrrFold(p);
  const read = await readInputs(flags, config, io, [
    { kind: 'subscriptions', handle: (rows) => { for (const s of rows) fold.add(s); } },
  ], { silentKinds, dims: new Set(params.by), asOf: params.asOf, checkBy: checkBy('mrr', params, ['subscriptions']) });
  const { rows, totals } = fold.result(pick(MRR_METRICS, selected));
  return simpleReport('mrr', p, read, selected, rows, totals);
}

export async function runCustomers(flags: ViewFlags, config: Config, params: ViewParams, io: Io, selected?: Set<string>, silentKinds?: ReadonlySet<InputKind>): Promise<ViewRun> {
  const leads: LeadInfo = new Map();
  const fold = new CustomersFold(params, leads);
  // ARPA and churn for payback and predictive LTV: the mrr view over the same range, no grouping.
  const mrr = flags.subscriptions.length ? new MrrFold({ ...monthly(params), by: [] }) : undefined;
  const read = await readInputs(flags, config, io, [
    leadInfoStep(leads),
    { kind: 'deals', handle: (rows) => { for (const d of rows) fold.addDeal(d); } },
    { kind: 'spend', handle: (rows) => { for (const s of rows) fold.addSpend(s); } },
    { kind: 'subscriptions', handle: (rows) => { for (const s of rows) mrr?.add(s); } },
  ], { silentKinds, dims: new Set(params.by), asOf: params.asOf, checkBy: checkBy('customers', params, ['deals'], true) });
  const { metrics, empty } = withoutMissingInputs(pick(CUSTOMER_METRICS, selected), flags);
  const { rows, totals } = fold.result(metrics, mrr?.result([]));
  // Spend has source and campaign only: with another --by column CAC has no spend to divide.
  const unmatched = params.by.filter((c) => !MARKETING_GROUP_COLUMNS.includes(c));
  const spendKeys = flags.spend.length ? metrics.filter((m) => m.needs?.includes('spend') && !empty.some((e) => e.keys.includes(m.key))).map((m) => m.key) : [];
  if (unmatched.length && spendKeys.length) empty.push({ missing: [], keys: spendKeys, why: `spend has no ${unmatched.join(', ')} column to match (group by source and/or campaign for them)` });
  return { ...simpleReport('customers', params, read, selected, rows, totals), empty };
}

export async function runQuality(flags: ViewFlags, config: Config, params: ViewParams, io: Io, selected?: Set<string>, silentKinds?: ReadonlySet<InputKind>): Promise<ViewRun> {
  const fold = new QualityFold(params);
  const read = await readInputs(flags, config, io, [
    { kind: 'leads', handle: (rows) => { for (const l of rows) fold.add(l); } },
  ], { silentKinds, dims: new Set(params.by), asOf: params.asOf, checkBy: checkBy('quality', params, ['leads']) });
  const { rows, totals } = fold.result(pick(QUALITY_METRICS, selected));
  return simpleReport('quality', params, read, selected, rows, totals);
}
