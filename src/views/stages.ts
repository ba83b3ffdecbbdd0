/**
 * funnel stages — the lead funnel, by cohort or by period attribution.
 * A lead reached stage k if it has a timestamp for k or for any later stage; an implied stage's
 * entry time is that of the nearest later stage with a timestamp (used for period attribution and
 * the window, never for durations). Cohort attribution puts a lead in the period of its created_at;
 * period attribution puts each stage entry in the period of its entry time.
 * Memory: one state per group × period (counts per stage, and the durations kept for exact medians),
 * plus, when given, earliest deal dates and stage events per lead id.
 */
import type { Lead, StageEvent } from '../ingest/schemas.js';
import { usageError } from '../core/errors.js';
import { Groups, groupKey } from '../engine/groups.js';
import { inRange, leadGroup, leadGroupValue, type ViewParams } from '../engine/params.js';
import { mean, median, p90, ratio, tracked, type Metric } from '../metrics/types.js';
import { mergeValues, newValues, pushValue, takeValues, unionValues, type Values } from '../metrics/values.js';
import { StageTaker, packStagesState, unpackStagesState, type PackedStagesState } from './stages-take.js';
import { pick, unreadText, type ViewDef } from './view.js';
import type { Config } from '../ingest/config.js';
import type { Taker } from '../ingest/read.js';

const DAY = 86_400_000;

/** The state of one group × period: per stage index. */
export interface StageMeasures {
  reached: number[];
  inStage: number[];
  stalled: number[];
  durations: Values[];
  /** Anonymous stage entries counted in `reached` (rows without ids: no duration, in_stage or stalled). */
  anonymous: number;
}

export const initStageMeasures = (stages: number) => (): StageMeasures => ({
  reached: new Array(stages).fill(0), inStage: new Array(stages).fill(0), stalled: new Array(stages).fill(0),
  durations: Array.from({ length: stages }, newValues), anonymous: 0,
});

/** `take`: `from` is not used afterwards (a worker's state), so its kept values may be taken over, not copied. */
export function mergeStageMeasures(into: StageMeasures, from: StageMeasures, take = false): void {
  for (let k = 0; k < into.reached.length; k++) {
    into.reached[k] += from.reached[k]; into.inStage[k] += from.inStage[k]; into.stalled[k] += from.stalled[k];
    (take ? takeValues : mergeValues)(into.durations[k], from.durations[k]);
  }
  into.anonymous += from.anonymous;
}

/**
 * Whether every entry of a group × period (or of the totals) is anonymous: its in_stage and stalled
 * are then unknown (null), not 0 (nobody can say where an anonymous entry went next).
 */
const onlyAnonymous = (m: StageMeasures): boolean => m.anonymous > 0 && m.anonymous === m.reached.reduce((a, b) => a + b, 0);

/** What a metric of this view sees: the group's state and the stage it is the row of. */
export interface StageRow { m: StageMeasures; k: number }

const REACHED: Metric<StageRow> = { key: 'reached', formula: 'leads of the cohort that reached the stage (or, with --attribution period, stage entries in the period)', unit: 'count', inputs: ['leads', 'events', 'deals'], result: (r) => r.m.reached[r.k] };
/** reached of stage k of the same group and period (the rates and drops are built from it). */
const reachedAt = (r: StageRow, k: number) => REACHED.result({ m: r.m, k }, { holdsAsOf: true }) as number;

export const STAGE_METRICS: Metric<StageRow>[] = [
  REACHED,
  { key: 'rate_from_previous', formula: 'reached(k) / reached(k−1); null for stage 0', unit: 'rate', inputs: ['leads', 'events', 'deals'], result: (r) => (r.k === 0 ? null : ratio(reachedAt(r, r.k), reachedAt(r, r.k - 1))) },
  { key: 'rate_from_start', formula: 'reached(k) / reached(0)', unit: 'rate', inputs: ['leads', 'events', 'deals'], result: (r) => ratio(reachedAt(r, r.k), reachedAt(r, 0)) },
  { key: 'dropped', formula: 'reached(k−1) − reached(k); null for stage 0', unit: 'count', inputs: ['leads', 'events', 'deals'], result: (r) => (r.k === 0 ? null : reachedAt(r, r.k - 1) - reachedAt(r, r.k)) },
  { key: 'median_days_from_previous', formula: 'median of t(k) − t(k−1) over leads with timestamps for both (stage 0 = created_at), in days', unit: 'days', inputs: ['leads', 'events', 'deals'], result: (r) => median(r.m.durations[r.k]) },
  { key: 'mean_days_from_previous', formula: 'mean of t(k) − t(k−1) over leads with timestamps for both, in days', unit: 'days', inputs: ['leads', 'events', 'deals'], tracks: ['ordered'], result: (r) => mean(r.m.durations[r.k]) },
  { key: 'p90_days_from_previous', formula: 'nearest-rank 90th percentile of t(k) − t(k−1) over leads with timestamps for both, in days', unit: 'days', inputs: ['leads', 'events', 'deals'], result: (r) => p90(r.m.durations[r.k]) },
  { key: 'in_stage', formula: 'leads whose furthest reached stage is k', unit: 'count', inputs: ['leads', 'events', 'deals'], result: (r) => (onlyAnonymous(r.m) ? null : r.m.inStage[r.k]) },
  { key: 'stalled', formula: 'of in_stage, those not in the last stage whose time since entering stage k at --as-of exceeds stallDays', unit: 'count', inputs: ['leads', 'events', 'deals'], result: (r) => (onlyAnonymous(r.m) ? null : r.m.stalled[r.k]) },
];

/** The `mature` flag is not a measure of the state: it depends on the row's period (see result()). */
export const MATURE_KEY = 'mature';
export const MATURE_FORMULA = 'with --window and a period: period end + window ≤ --as-of (every lead of the cohort had the full window); omitted otherwise';

export type Attribution = 'cohort' | 'period';

export interface StageOptions {
  attribution: Attribution;
  /** --window in days, or undefined. */
  windowDays?: number;
}

/** Per lead id: the earliest deal created_at and won closed_at (the lead↔deal link). */
export type DealLink = Map<string, { created?: number; won?: number }>;
/** Per lead id: the earliest event time per stage index. */
export type LeadEvents = Map<string, (number | undefined)[]>;

export class StagesFold {
  readonly groups: Groups<StageMeasures>;
  readonly totals: StageMeasures;
  private readonly stageCount: number;
  /** A fresh state of a group × period (all stages). */
  private readonly init: () => StageMeasures;
  private readonly createdStage: number;
  private readonly wonStage: number;
  /** The fast route of a parallel worker (views/stages-take.ts). */
  private readonly taker: StageTaker;
  /** Whether take() reads the lead's id (see Taker): only to look it up among the events and deal links, when there are any. */
  get takesId(): boolean { return (this.events?.size ?? 0) > 0 || (this.link?.size ?? 0) > 0; }

  /** Whether a metric shown reads the durations in order (a mean): a worker then sends them sorted. */
  private readonly ordered: boolean;

  /** `metrics`: the keys of the metrics result() will be asked for; all when undefined. */
  constructor(readonly params: ViewParams, readonly options: StageOptions, private readonly link?: DealLink, private readonly events?: LeadEvents, metrics?: readonly string[]) {
    this.ordered = tracked(STAGE_METRICS, metrics, 'ordered');
    const stages = params.config.stages.map((s) => s.toLowerCase());
    this.stageCount = stages.length;
    this.times = new Float64Array(this.stageCount); this.entries = new Float64Array(this.stageCount);
    this.rowGroup = (lead: Lead) => leadGroup(lead, params.by);
    this.eventGroup = (event: StageEvent) => leadGroup(event, params.by);
    this.init = initStageMeasures(this.stageCount);
    this.groups = new Groups(this.init);
    this.totals = this.init();
    const ds = params.config.dealStages;
    this.createdStage = ds?.created ? stages.indexOf(ds.created.toLowerCase()) : -1;
    this.wonStage = ds?.won ? stages.indexOf(ds.won.toLowerCase()) : -1;
    this.taker = new StageTaker(this, this.stageCount);
  }

  /** The lead's stage times: its own columns and events (earliest wins), else the deal link. */
  stageTimes(lead: Lead): (number | undefined)[] {
    return Array.from(this.timesOf(lead, new Float64Array(this.stageCount)), (v) => (v === v ? v : undefined));
  }

  /**
   * stageTimes into `t`, NaN where the lead has none: doubles in a typed array, where an array of
   * numbers and undefined would box each time on every lead.
   */
  private timesOf(lead: Lead, t: Float64Array): Float64Array {
    const at = lead.stageAt;
    for (let k = 0; k < this.stageCount; k++) { const v = at[k]; t[k] = v === undefined ? NaN : v; }
    return this.linkedTimes(lead.id, t);
  }

  /** The lead's own stage times `t` completed from its events (earliest wins) and the deal link. */
  linkedTimes(id: string | undefined, t: Float64Array): Float64Array {
    // (An empty map is not asked: hashing a new id string per lead costs.)
    const ev = this.events?.size && id !== undefined ? this.events.get(id) : undefined;
    // !(t ≤ e): t is missing (NaN) or later than the event.
    if (ev) for (let k = 1; k < this.stageCount; k++) { const e = ev[k]; if (e !== undefined && !(t[k] <= e)) t[k] = e; }
    const link = this.link?.size && id !== undefined ? this.link.get(id) : undefined;
    if (link) {
      if (this.createdStage > 0 && Number.isNaN(t[this.createdStage]) && link.created !== undefined) t[this.createdStage] = link.created;
      if (this.wonStage > 0 && Number.isNaN(t[this.wonStage]) && link.won !== undefined) t[this.wonStage] = link.won;
    }
    return t;
  }

  /** Scratch arrays of add(): the lead's stage times and entry times, NaN for none (every place is written each time). */
  private readonly times: Float64Array;
  private readonly entries: Float64Array;
  /** A lead's --by values from its row, for a group × period cell made new. */
  private readonly rowGroup: (lead: Lead) => string[];
  /** An anonymous event's --by values, from its own columns. */
  private readonly eventGroup: (event: StageEvent) => string[];

  add(lead: Lead): void {
    const by = this.params.by;
    const key = by.length === 0 ? '' : by.length === 1 ? leadGroupValue(lead, by[0]) : groupKey(leadGroup(lead, by));
    if (lead.id === undefined) { this.addAnonymousLead(key, lead, this.rowGroup, lead.stageAt, lead.file); return; }
    this.addTimes(key, lead, this.rowGroup, this.timesOf(lead, this.times), lead.createdAt);
  }

  /** A stage event without a lead id: one anonymous entry into its stage, grouped by its own columns. */
  addEntry(event: StageEvent): void {
    const by = this.params.by;
    const key = by.length === 0 ? '' : by.length === 1 ? leadGroupValue(event, by[0]) : groupKey(leadGroup(event, by));
    this.addAnonymous(key, event, this.eventGroup, event.stageIndex, event.at, event.file);
  }

  /**
   * A lead without an id (from a file whose rows have none): each of its stage times `t` (stage 0:
   * created_at; undefined or NaN: none) is an anonymous entry, as an event without a lead id is — no
   * stage implied, no duration, in_stage or stalled.
   */
  addAnonymousLead<L>(key: string, lead: L, groupOf: (lead: L) => string[], t: ArrayLike<number | undefined>, file: string): void {
    for (let k = 0; k < this.stageCount; k++) { const at = t[k]; if (at !== undefined && at === at) this.addAnonymous(key, lead, groupOf, k, at, file); }
  }

  /** One anonymous entry into stage k at `at` (period attribution only: see refuseAnonymous). */
  private addAnonymous<L>(key: string, row: L, groupOf: (row: L) => string[], k: number, at: number, file: string): void {
    if (this.options.attribution !== 'period' || this.options.windowDays !== undefined) refuseAnonymous(this.options, file);
    const p = this.params;
    if (!inRange(p, at)) return;
    const cell = this.cellFor(key, row, groupOf, p.scheme.index(at));
    cell.reached[k]++; cell.anonymous++;
    this.totals.reached[k]++; this.totals.anonymous++;
  }

  /** The reader's way in without a row object (ingest/read Taker): see StageTaker. */
  take(values: readonly unknown[]): boolean {
    return this.taker.take(values);
  }

  /** The same for the leads of a file without ids (Taker.anonymous). */
  get anonymous(): Taker { return this.taker.anonymous; }

  /**
   * One lead with its stage times `t` (NaN: none): the one step of the row route (add) and the typed
   * route (StageTaker.take), where every measure of a lead is counted. `key`: its group's key;
   * `groupOf(lead)`: its --by values, asked only for a group × period cell made new (`lead`: the row,
   * or its typed values).
   */
  addTimes<L>(key: string, lead: L, groupOf: (lead: L) => string[], t: Float64Array, created: number): void {
    const p = this.params, n = this.stageCount;
    // --window: a timestamp later than created_at + window counts for nothing, durations included.
    if (this.options.windowDays !== undefined) {
      const limit = created + this.options.windowDays * DAY;
      for (let k = 1; k < n; k++) if (t[k] > limit) t[k] = NaN;
    }
    // Entry times with implied stages: nearest later stage with a timestamp.
    const entry = this.entries;
    let furthest = 0, next = NaN;
    for (let k = n - 1; k >= 1; k--) {
      if (!Number.isNaN(t[k])) { next = t[k]; if (furthest === 0) furthest = k; }
      entry[k] = next;
    }
    entry[0] = t[0]; // created_at, or stage 0's own column
    const stalledAfter = p.config.stallDays * DAY;

    if (this.options.attribution === 'cohort') {
      if (!inRange(p, created)) return;
      const m = this.cellFor(key, lead, groupOf, p.scheme.index(created));
      this.fold(m, t, entry, furthest, stalledAfter, true);
      this.fold(this.totals, t, entry, furthest, stalledAfter, false);
      return;
    }
    // Period attribution: each stage entry (and the durations into it, and in_stage/stalled for
    // the furthest stage) belongs to the period in which the lead entered that stage.
    for (let k = 0; k <= furthest; k++) {
      const at = entry[k];
      if (!inRange(p, at)) continue;
      const cell = this.cellFor(key, lead, groupOf, p.scheme.index(at));
      if (k > 0) { const d = duration(t, t[0], k); if (!Number.isNaN(d)) pushValue(cell.durations[k], d); }
      for (const m of [cell, this.totals]) {
        m.reached[k]++;
        if (k === furthest) {
          m.inStage[k]++;
          if (k < n - 1 && p.asOf - at > stalledAfter) m.stalled[k]++;
        }
      }
    }
  }

  /** The group × period state of a lead whose group's key is `key` (its --by values made only for a new cell). */
  private cellFor<L>(key: string, lead: L, groupOf: (lead: L) => string[], period: number): StageMeasures {
    return this.groups.at(key, period) ?? this.groups.get(groupOf(lead), period);
  }

  /** Counts the lead in `m`; its durations go to cells only (the totals' are their cells', see result()). */
  private fold(m: StageMeasures, t: Float64Array, entry: Float64Array, furthest: number, stalledAfter: number, durations: boolean): void {
    const n = this.stageCount, asOf = this.params.asOf;
    for (let k = 0; k <= furthest; k++) m.reached[k]++;
    if (durations) for (let k = 1; k < n; k++) { const d = duration(t, entry[0], k); if (!Number.isNaN(d)) pushValue(m.durations[k], d); }
    m.inStage[furthest]++;
    if (furthest < n - 1 && asOf - entry[furthest] > stalledAfter) m.stalled[furthest]++;
  }

  /** The state as packed data (engine/packed), to send from a worker thread. */
  exportState(): PackedStagesState {
    return packStagesState(this, this.ordered, this.init());
  }

  /** Merges a state exported by another fold of the same parameters (read later in the input). */
  mergeState(state: PackedStagesState): void {
    for (const cell of unpackStagesState(state, this.init)) mergeStageMeasures(this.groups.get(cell.by, cell.period), cell.m, true);
    mergeStageMeasures(this.totals, state.totals);
  }

  merge(other: StagesFold): void {
    this.groups.mergeFrom(other.groups, mergeStageMeasures);
    mergeStageMeasures(this.totals, other.totals);
  }

  result(metrics: Metric<StageRow>[], withMature: boolean) {
    const p = this.params, stages = p.config.stages;
    const showMature = withMature && this.options.windowDays !== undefined && p.period !== 'none';
    const rows: Record<string, unknown>[] = [];
    for (const cell of this.groups.sorted()) {
      for (let k = 0; k < stages.length; k++) {
        const row: Record<string, unknown> = {};
        if (p.period !== 'none') row.period = p.scheme.label(cell.period);
        p.by.forEach((col, i) => { row[col] = cell.by[i]; });
        row.stage = stages[k];
        for (const metric of metrics) row[metric.key] = metric.result({ m: cell.m, k }, { holdsAsOf: true });
        if (showMature) row[MATURE_KEY] = p.scheme.end(cell.period) + this.options.windowDays! * DAY <= p.asOf;
        rows.push(row);
      }
    }
    const cells = [...this.groups.cells.values()];
    this.totals.durations = stages.map((_, k) => unionValues(cells.map((c) => c.m.durations[k])));
    const totals = stages.map((stage, k) => {
      const row: Record<string, unknown> = { stage };
      for (const metric of metrics) row[metric.key] = metric.result({ m: this.totals, k }, { holdsAsOf: true });
      return row;
    });
    return { rows, totals };
  }
}

/** t(k) − t(k−1) in days when the lead has timestamps for both (stage 0 = created_at); else NaN. */
function duration(t: Float64Array, created: number, k: number): number {
  return (t[k] - (k === 1 ? created : t[k - 1])) / DAY;
}

/**
 * Anonymous stage entries (rows without ids: ingest/config ANONYMOUS_ID) count under --attribution
 * period only, and not with --window: a usage error that says why, naming the file.
 */
export function refuseAnonymous(options: StageOptions, file: string): never {
  const why = options.attribution !== 'period'
    ? 'they count under --attribution period only (a cohort follows one lead from its creation, and a row without an id cannot be followed)'
    : 'they cannot be counted with --window (a window starts at the created_at of the lead, which an entry without an id does not name)';
  throw usageError('ANONYMOUS_ENTRIES', `${file}: its rows have no ids, so each is an anonymous stage entry; ${why}`);
}

/** Whether the config says the rows of `kind` have no ids (their id column mapped to null); a list ending in null may also find none (known when the file is read). */
const mappedToNull = (config: Config, kind: 'leads' | 'events'): boolean => config.columns[kind]?.[kind === 'leads' ? 'id' : 'lead_id'] === null;

const needsLeads = (file: string) => usageError('NO_INPUT', `${file}: events with lead ids count for their leads, so the stages view needs --leads (events without lead ids need none: map columns.events.lead_id to null; see funnel stages --help)`);

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

/** What a reading thread of the leads needs besides the run's parameters: the lead↔deal link and the attribution options. */
interface StagesInput { link: [string, { created?: number; won?: number }][]; options: StageOptions }

/** The stages view's row of the views table. */
export const STAGES_VIEW: ViewDef<'stages'> = {
  name: 'stages',
  title: 'Lead funnel by stage',
  description: 'lead funnel: reached, conversion, drop-off and time between stages, in stage order',
  help: `
A lead reached a stage if it has a timestamp for it or for any later stage. With --deals, a lead
also reaches the config's dealStages (opportunity at its first deal's created_at, customer at its
first won deal's closed_at) unless it has its own timestamp for them. Leads or events without ids
(their id column mapped to null) are anonymous stage entries: counted with --attribution period
only, one entry each, with no --leads needed for such events.

Examples:
  $ funnel stages --leads leads.csv --by source --period month --as-of 2026-01-01
  $ funnel stages --leads leads.csv --deals deals.csv --attribution period --period quarter
  $ funnel stages --leads leads.csv --window 90 --period month --format json --output funnel.json
`,
  requires: 'leads',
  // Anonymous stage entries (events without lead ids) need no leads.
  alsoRuns: ['events'],
  // Deals first (the lead↔deal link), then leads, then events (checked against the accepted lead ids).
  reads: ['deals', 'leads', 'events'],
  byKinds: ['leads', 'events'],
  metrics: [...STAGE_METRICS, { key: MATURE_KEY, formula: MATURE_FORMULA, unit: 'flag', inputs: ['leads'] }],
  start({ flags, config, params, selected }) {
    const link: DealLink = new Map();
    const events: LeadEvents = new Map();
    const options = { attribution: flags.attribution ?? 'cohort', windowDays: flags.window } as const;
    // Refused before anything is read when the config says so (a list ending in null: when a row is folded).
    if (options.attribution !== 'period' || options.windowDays !== undefined) {
      for (const kind of ['leads', 'events'] as const) if (flags[kind].length > 0 && mappedToNull(config, kind)) refuseAnonymous(options, flags[kind][0]);
    }
    const withLeads = flags.leads.length > 0;
    // Events with lead ids: leads wait for them (anonymous ones are folded as they are read).
    const withEvents = flags.events.length > 0 && !mappedToNull(config, 'events');
    // Without events each lead is folded as it is read; with events, leads wait for their events.
    const metrics = pick(STAGE_METRICS, selected);
    const fold = new StagesFold(params, options, link, events, metrics.map((m) => m.key));
    const waiting: Lead[] = [];
    // The fold reads a lead's id, times and --by values only.
    const unread = unreadText(['source', 'campaign', 'owner', 'name', 'email', 'phone', 'company'], params);
    return {
      steps: [
        { kind: 'deals', handle: (rows) => { for (const d of rows) if (d.leadId !== undefined) addLink(link, d.leadId, d.createdAt, d.status === 'won' ? d.closedAt : undefined); } },
        { kind: 'leads', handle: (rows) => { if (withEvents) waiting.push(...rows); else for (const l of rows) fold.add(l); } },
        {
          kind: 'events', handle: (rows) => {
            for (const e of rows) {
              if (e.leadId === undefined) fold.addEntry(e);
              else if (withLeads) addEvent(events, e.leadId, e.stageIndex, e.at, config.stages.length);
              else throw needsLeads(e.file);
            }
          },
        },
      ],
      unread: { leads: unread },
      parallel: withEvents ? undefined : {
        viewInput: (): StagesInput => ({ link: [...link], options }), metrics: metrics.map((m) => m.key), unread,
        mergeState: (s) => fold.mergeState(s as ReturnType<StagesFold['exportState']>),
      },
      result: () => {
        for (const lead of waiting) fold.add(lead);
        const { rows, totals } = fold.result(metrics, !selected || selected.has(MATURE_KEY));
        return {
          rows, totals, extraColumns: [{ key: 'stage', unit: 'text' }],
          omit: (c) => c.key === MATURE_KEY && !rows.some((r) => MATURE_KEY in r),
          reportParams: { attribution: options.attribution, window: options.windowDays ?? null },
        };
      },
    };
  },
  parallel: {
    kind: 'leads',
    fold(params, viewInput, metrics) {
      const input = viewInput as StagesInput;
      const fold = new StagesFold(params, input.options, new Map(input.link), undefined, metrics);
      return { handle: (rows: Lead[]) => { for (const l of rows) fold.add(l); }, taker: fold, exportState: () => fold.exportState() };
    },
  },
};
