/**
 * Running a view from its row of the views table: read the inputs it needs in the order it reads
 * them (its main input in parallel when it can be), fold, and build the report.
 */
import type { Config, InputKind } from '../ingest/config.js';
import { readSettings } from '../ingest/settings.js';
import { readInputs, type Io, type ReadResult, type ReadStep } from '../ingest/inputs.js';
import { paramsReport, type ViewParams } from '../engine/params.js';
import { inputsReport } from '../ingest/inputs-report.js';
import type { Column, ViewReport } from '../output/report.js';
import { parallelOf, parallelStartOf, type EmptyMetrics, type ParallelStart, type ViewDef, type ViewFlags, type ViewState } from '../views/view.js';
import type { ViewName } from '../views/table.js';
import { showValue, usageError } from '../core/errors.js';
import { DEFAULT_MIN_BYTES, parallelPlan, readInParallel, type ParallelPlan } from '../parallel/run.js';

export interface ViewRun {
  report: ViewReport;
  read: ReadResult;
  /** Metrics shown empty (null) because an input they need was not given: per set of missing inputs, their keys. */
  empty?: EmptyMetrics[];
}

/**
 * Runs one view: `selected`, the metrics to compute (all when undefined); `silentKinds`, inputs
 * whose rejected rows an earlier view of the same run has reported.
 */
export async function runView(def: ViewDef<ViewName>, flags: ViewFlags, config: Config, params: ViewParams, io: Io, selected?: Set<string>, silentKinds?: ReadonlySet<InputKind>): Promise<ViewRun> {
  const state = def.start({ flags, config, params, selected });
  const kinds = state.steps.map((s) => s.kind);
  // The main input, and a side input the view can fold in a worker (ViewDef.sides), may be read in parallel.
  const steps = state.steps.map((s) => {
    const start = parallelStartOf(def, state, s.kind);
    const plan = start && !feedsEvents(s.kind, kinds, flags, config) ? parallelPlan(flags[s.kind], planFlags(flags, s.kind), io.env, parallelOf(def, s.kind)?.minBytes) : undefined;
    return plan ? { ...s, parallel: parallelRead(s.kind, [{ def, start: start! }], plan, flags, config, params) } as ReadStep : s;
  });
  const read = await readInputs(flags, config, io, steps, {
    silentKinds, dims: new Set(params.by), unread: state.unread, asOf: params.asOf, checkBy: byCheck(def, params),
  });
  return finishView(def, state, read, params, selected);
}

/**
 * Whether a read of `kind` must go row by row through the main thread: the leads, when stage events
 * with lead ids are read after them (readInputs checks each event's lead id against the leads read;
 * the stages view decides so for its own leads, see views/stages.ts).
 */
const feedsEvents = (kind: InputKind, kinds: readonly InputKind[], flags: ViewFlags, config: Config) =>
  kind === 'leads' && flags.events.length > 0 && config.columns.events?.lead_id !== null && kinds.indexOf('events') > kinds.indexOf('leads');

/** The flags a parallel plan reads: a file the config's `inputs` lists may set its own format. */
const planFlags = (flags: ViewFlags, kind: InputKind): ViewFlags => ({ ...flags, inputFormat: flags.inputFormat ?? flags.listed?.[kind]?.[0]?.format });

/** What --by is checked against for a view (readInputs' checkBy): its byKinds, and the leads for a deal's source and campaign. */
const byCheck = (def: ViewDef<ViewName>, params: ViewParams) => ({
  view: def.name, by: params.by, reads: def.reads,
  kinds: (col: string): InputKind[] => (def.byFromLeads && (col === 'source' || col === 'campaign') ? [...def.byKinds, 'leads'] : [...def.byKinds]),
});

/**
 * Runs several views (report) reading each file once where their steps allow: a file's rows go to
 * every view that reads it, from one read (in parallel when every one of them reads that input in
 * parallel). A view whose step must come after another input that is read later than the file
 * (the deals view grouping by a lead's source needs the leads first; the stages view, reading the
 * deals first, has read them before) has the file read again for it; that read reports nothing
 * (its rejections, counts and notes are the first read's). Each view sees the rows it sees alone,
 * in the same order; rejections and the inputs' counts are the same whichever views read a file.
 */
export async function runViews(defs: readonly ViewDef<ViewName>[], flags: ViewFlags, config: Config, params: ViewParams, io: Io, selected?: Set<string>, readableOnce: (file: string) => boolean = () => false): Promise<ViewRun[]> {
  const states = defs.map((def) => def.start({ flags, config, params, selected }));
  const reads = shareReads(states.map((s) => s.steps), (kind) => flags[kind].length > 0);
  // Stdin or a pipe can be read once: refused before anything is read when a view needs it again.
  for (const again of reads.filter((r) => r.silent)) {
    const once = flags[again.kind].find((f) => f === '-' || readableOnce(f));
    if (once === undefined) continue;
    const view = defs[again.takers[0].view], step = states[again.takers[0].view].steps[again.takers[0].step];
    const after = (step.after ?? []).map((k) => `--${k}`).join(', ') || 'its other inputs';
    const first = defs[reads.find((r) => r.kind === again.kind)!.takers[0].view];
    throw usageError('STDIN_IN_REPORT', `report reads --${again.kind} twice here (the ${first.name} view needs it before ${after}, the ${view.name} view after), so it needs a file, not ${once === '-' ? 'stdin (-)' : `a pipe (${showValue(once)})`}; save it to a file first`);
  }
  const steps = reads.map(({ kind, takers, silent }): ReadStep => {
    const handles = takers.map((t) => states[t.view].steps[t.step].handle as ((rows: unknown[]) => void) | undefined).filter((h) => h !== undefined);
    const handle = handles.length === 1 ? handles[0] : (rows: unknown[]) => { for (const h of handles) h(rows); };
    const parts = takers.map((t) => ({ def: defs[t.view], start: parallelStartOf(defs[t.view], states[t.view], kind)! }));
    const along = parts.every((p) => p.start !== undefined) && !feedsEvents(kind, reads.map((r) => r.kind), flags, config);
    // A file several views fold is worth splitting at the smallest size any of them gains on.
    const minBytes = Math.min(...parts.map((p) => parallelOf(p.def, kind)?.minBytes ?? DEFAULT_MIN_BYTES));
    const plan = along ? parallelPlan(flags[kind], planFlags(flags, kind), io.env, minBytes) : undefined;
    return { kind, silent, handle, parallel: plan && parallelRead(kind, parts, plan, flags, config, params) } as ReadStep;
  });
  // A column is left unread only when no view reads it.
  const unread: Partial<Record<InputKind, ReadonlySet<string>>> = {};
  for (const kind of new Set(reads.map((r) => r.kind))) {
    const sets = states.filter((s) => s.steps.some((step) => step.kind === kind)).map((s) => s.unread?.[kind] ?? new Set<string>());
    unread[kind] = new Set([...sets[0]].filter((c) => sets.every((set) => set.has(c))));
  }
  const read = await readInputs(flags, config, io, steps, {
    dims: new Set(params.by), unread, asOf: params.asOf, checkBy: defs.map((def) => byCheck(def, params)),
  });
  return defs.map((def, i) => finishView(def, states[i], { ...read, stats: read.stats.filter((s) => def.reads.includes(s.kind)) }, params, selected));
}

/**
 * The reads of a run of several views: for each view's step in turn (the views in order), the
 * first read of its input that comes after the reads of the inputs the step needs before it
 * (ReadStep.after; all its earlier steps' when unsaid), or a new read at the end — `silent` when
 * the input was read before. `takers`: the steps that take its rows (view and step index).
 */
export function shareReads(viewSteps: readonly (readonly ReadStep[])[], given: (kind: InputKind) => boolean): { kind: InputKind; silent: boolean; takers: { view: number; step: number }[] }[] {
  const reads: { kind: InputKind; silent: boolean; takers: { view: number; step: number }[] }[] = [];
  viewSteps.forEach((steps, view) => {
    const placed = new Map<InputKind, number>();
    steps.forEach((step, index) => {
      if (!given(step.kind)) return;
      const needs = step.after ?? [...placed.keys()];
      const notBefore = Math.max(-1, ...needs.map((k) => placed.get(k) ?? -1));
      let at = reads.findIndex((r, i) => i > notBefore && r.kind === step.kind);
      if (at < 0) at = reads.push({ kind: step.kind, silent: reads.some((r) => r.kind === step.kind), takers: [] }) - 1;
      reads[at].takers.push({ view, step: index });
      placed.set(step.kind, at);
    });
  });
  return reads;
}

/** A view's report from its folds, once its inputs are read. */
function finishView(def: ViewDef<ViewName>, state: ViewState, read: ReadResult, params: ViewParams, selected: Set<string> | undefined): ViewRun {
  const result = state.result(read);
  const p = result.params ?? params;
  const columns = columnsFor(def, p, selected, result.extraColumns).filter((c) => !result.omit?.(c));
  const totals = Array.isArray(result.totals) ? keepColumns(result.totals, columns) : keepColumns([result.totals], columns)[0];
  return {
    read,
    report: { view: def.name, title: def.title, params: paramsReport(p, result.reportParams), inputs: inputsReport(read.stats), columns, rows: keepColumns(result.rows, columns), totals },
    empty: result.empty,
  };
}

/**
 * The parallel read of an input that is the main input of every view in `parts` (one, or several
 * in a report): the workers' states merged into each view's fold.
 */
function parallelRead(kind: InputKind, parts: { def: ViewDef<ViewName>; start: ParallelStart }[], plan: ParallelPlan, flags: ViewFlags, config: Config, params: ViewParams) {
  return async (onProgress?: Parameters<typeof readInParallel>[3], onHeader?: (header: string[]) => void, currency?: string) => {
    // A file the config's `inputs` lists is read with its own settings (the flags' win).
    const listed = flags.listed?.[kind]?.[0];
    const settings = listed?.settings ?? readSettings(config, kind, flags);
    const unread = [...parts[0].start.unread].filter((c) => parts.every((p) => p.start.unread.has(c)));
    const read = { format: flags.inputFormat ?? listed?.format, delimiter: flags.delimiter ?? listed?.delimiter ?? settings.delimiter, settings, unread };
    const plain = { by: params.by, period: params.period, from: params.from, to: params.to, asOf: params.asOf };
    const [first, ...rest] = parts;
    const also = rest.length ? { also: rest.map((p) => ({ view: p.def.name, viewInput: p.start.viewInput(), metrics: p.start.metrics })) } : {};
    const out = await readInParallel(kind, plan, { view: first.def.name, kind, config: listed?.config ?? config, read, params: plain, currency, viewInput: first.start.viewInput(), metrics: first.start.metrics, ...also }, onProgress, onHeader);
    // With several views, a state is each one's fold's, in the parts' order.
    for (const s of out?.states ?? []) {
      if (rest.length) parts.forEach((p, i) => p.start.mergeState((s as unknown[])[i]));
      else first.start.mergeState(s);
    }
    return out;
  };
}

function columnsFor(def: ViewDef<ViewName>, params: ViewParams, selected: Set<string> | undefined, extra: Column[] = []): Column[] {
  const cols: Column[] = [];
  if (params.period !== 'none') cols.push({ key: 'period', unit: 'text' });
  for (const b of params.by) cols.push({ key: b, unit: 'text' });
  cols.push(...extra);
  for (const m of def.metrics) if (!selected || selected.has(m.key)) cols.push({ key: m.key, unit: m.unit });
  return cols;
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
