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
import type { EmptyMetrics, ParallelStart, ViewDef, ViewFlags } from '../views/view.js';
import type { ViewName } from '../views/table.js';
import { parallelPlan, readInParallel, type ParallelPlan } from '../parallel/run.js';

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
  const along = def.parallel && state.parallel;
  const plan = along ? parallelPlan(flags[def.parallel!.kind], { ...flags, inputFormat: flags.inputFormat ?? flags.listed?.[def.parallel!.kind]?.[0]?.format }, io.env) : undefined;
  const steps = plan ? state.steps.map((s) => (s.kind === def.parallel!.kind ? { ...s, parallel: parallelRead(def, state.parallel!, plan, flags, config, params) } as ReadStep : s)) : state.steps;
  const read = await readInputs(flags, config, io, steps, {
    silentKinds, dims: new Set(params.by), unread: state.unread, asOf: params.asOf,
    checkBy: {
      view: def.name, by: params.by,
      kinds: (col: string): InputKind[] => (def.byFromLeads && (col === 'source' || col === 'campaign') ? [...def.byKinds, 'leads'] : [...def.byKinds]),
    },
  });
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

/** The parallel read of a view's main input: the workers' states merged into the run's fold. */
function parallelRead(def: ViewDef<ViewName>, start: ParallelStart, plan: ParallelPlan, flags: ViewFlags, config: Config, params: ViewParams) {
  return async (onProgress?: Parameters<typeof readInParallel>[3], onHeader?: (header: string[]) => void) => {
    // A file the config's `inputs` lists is read with its own settings (the flags' win).
    const listed = flags.listed?.[def.parallel!.kind]?.[0];
    const settings = listed?.settings ?? readSettings(config, def.parallel!.kind, flags);
    const read = {
      format: flags.inputFormat ?? listed?.format, delimiter: flags.delimiter ?? listed?.delimiter ?? settings.delimiter,
      settings, unread: [...start.unread],
    };
    const plain = { by: params.by, period: params.period, from: params.from, to: params.to, asOf: params.asOf };
    const out = await readInParallel(def.parallel!.kind, plan, { view: def.name, config: listed?.config ?? config, read, params: plain, viewInput: start.viewInput(), metrics: start.metrics }, onProgress, onHeader);
    out?.states.forEach((s) => start.mergeState(s));
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
