/**
 * What a view is, declared once at the end of its own file (its row of the views table,
 * views/table.ts): its name and title, the input that makes it run, the inputs it reads in the
 * order it reads them, its metrics, how a run of it starts (what it does with each input's rows,
 * and what it makes of them at the end), and, when its main input can be read in parallel, how a
 * reading thread builds and hands back its fold. The commands, `report`, `funnel metrics`, the
 * worker and run/view.ts (runView) find the views through the table only.
 */
import type { Config, InputKind } from '../ingest/config.js';
import type { InputFlags, ReadResult, ReadStep } from '../ingest/inputs.js';
import type { ViewParams } from '../engine/params.js';
import type { Taker } from '../ingest/read.js';
import type { Column, Row } from '../output/report.js';
import type { Metric, Unit } from '../metrics/types.js';

export interface MetricInfo { key: string; formula: string; unit: Unit; inputs: readonly InputKind[] }

/** The flags a view run reads: the inputs, and the stages view's --attribution and --window. */
export interface ViewFlags extends InputFlags {
  attribution?: 'cohort' | 'period';
  window?: number;
}

/** `why`, when the inputs were given but cannot fill the metrics (said instead of the flags they need). */
export interface EmptyMetrics { missing: InputKind[]; keys: string[]; why?: string }

/** What a view's start function is given: the run's flags, config and parameters, and the metrics asked for (all when undefined). */
export interface ViewStart { flags: ViewFlags; config: Config; params: ViewParams; selected?: Set<string> }

/** What a view makes of its folds once every input is read. */
export interface ViewResult {
  rows: Row[];
  /** One totals row, or one per stage (stages view). */
  totals: Row | Row[];
  /** The parameters the view ran with, when not the run's (mrr: always monthly). */
  params?: ViewParams;
  /** Columns between the --by columns and the metrics (stages: the stage). */
  extraColumns?: Column[];
  /** Metric columns left out of the report although asked for (stages: mature without a window). */
  omit?: (column: Column) => boolean;
  /** Entries of the report's params besides the common ones (stages: attribution, window). */
  reportParams?: Record<string, unknown>;
  /** Metrics shown empty (null) because an input they need was not given. */
  empty?: EmptyMetrics[];
}

/** What the main thread gives the parallel read of a view's main input: its fold to merge the workers' states into, and what the workers need. */
export interface ParallelStart<S = unknown> {
  /** The view's own data a worker builds its fold from (read once the earlier inputs are read). */
  viewInput: () => unknown;
  /** The keys of the metrics the fold is made for (it tracks only what they need). */
  metrics: readonly string[];
  /** Columns of the main input nothing reads (see ReadOptions.unread). */
  unread: ReadonlySet<string>;
  /** Merges a worker's exported state (read later in the file than what is merged already). */
  mergeState(state: S): void;
}

/** One run of a view: what it does with each input's rows, and its result at the end. */
export interface ViewState {
  /** Per input kind, in the order they are read (a kind the view does not read has no step). */
  steps: ReadStep[];
  /** Columns of an input nothing reads (see ReadOptions.unread). */
  unread?: Partial<Record<InputKind, ReadonlySet<string>>>;
  /** Present when the main input (ViewDef.parallel.kind) may be read in parallel in this run. */
  parallel?: ParallelStart;
  /** Per side input (ViewDef.sides) that may be read in parallel in this run: as `parallel` for the main input. */
  sides?: Partial<Record<InputKind, ParallelStart>>;
  result(read: ReadResult): ViewResult;
}

/**
 * A reading thread's fold of a view's main input: `handle` folds the rows the reader makes (a loop
 * calling the fold's own add, written in the view's file, so the call stays monomorphic), `taker`
 * takes typed values without a row object (ingest/read Taker), `exportState` hands the state to the main thread.
 */
export interface RangeFold {
  handle: (rows: never[]) => void;
  taker?: Taker;
  /**
   * Called before each range is read, with its index in the file (a thread's ranges come in file
   * order) and its size in bytes: for a fold whose merge depends on where rows were, or that makes room ahead.
   */
  range?(index: number, bytes: number): void;
  exportState(): unknown;
}

export interface ViewParallel {
  /** The input read in parallel (one regular CSV/TSV file of it). */
  kind: InputKind;
  /**
   * Whether a fold's merge depends on the order of the parts (a first row per key: its group):
   * then each range is folded on its own and the states are merged in file order. Otherwise a
   * reading thread folds all its ranges into one state, and the threads' states merge in any order.
   */
  perRange?: boolean;
  /**
   * The smallest file of this input read in parallel (DEFAULT_MIN_BYTES in parallel/run.ts when
   * unsaid): a fold whose merge costs more than a second thread saves on a smaller file says so.
   * FUNNEL_PARALLEL_MIN_BYTES, when set, is the threshold for every fold.
   */
  minBytes?: number;
  /** A worker's fold, from the job: the run's parameters, the view's own input (ParallelStart.viewInput) and the metric keys. */
  fold(params: ViewParams, viewInput: unknown, metrics: readonly string[] | undefined): RangeFold;
}

export interface ViewDef<N extends string = string> {
  name: N;
  title: string;
  /** The one-line description of its command. */
  description: string;
  /** Its command's help text after the options: what the view counts, and worked examples. */
  help: string;
  /** The input that makes the view run (without it the command is a usage error; report leaves the view out). */
  requires: InputKind;
  /** Other inputs that make the view run without `requires` (stages: anonymous stage entries need no leads). */
  alsoRuns?: readonly InputKind[];
  /** Every input it reads, in the order it reads them. */
  reads: readonly InputKind[];
  /** The inputs a --by column must be found in (`byFromLeads`: a deal's source and campaign may also come from its lead). */
  byKinds: readonly InputKind[];
  byFromLeads?: boolean;
  /** Its metrics as `funnel metrics` lists them, in column order. */
  metrics: readonly MetricInfo[];
  /**
   * The only columns the view can group by, when not any (marketing: spend rows have source and
   * campaign only), and why: a single-view run refuses another --by column, `report` leaves the view out.
   */
  groupsOnly?: { columns: readonly string[]; why: string };
  start(run: ViewStart): ViewState;
  parallel?: ViewParallel;
  /**
   * Inputs other than the main one that may be read in parallel too (deals, marketing: the leads),
   * each with its worker fold; the run's ViewState.sides says when. Their folds merge in any order;
   * the leads' links take typed values (`taker`: views/lead-links.ts) when nothing else folds the rows.
   */
  sides?: readonly ViewParallel[];
}

/** The view's parallel fold of input `kind`: its main input's (ViewDef.parallel) or a side input's (ViewDef.sides). */
export const parallelOf = (def: ViewDef, kind: InputKind): ViewParallel | undefined =>
  (def.parallel?.kind === kind ? def.parallel : def.sides?.find((s) => s.kind === kind));

/** What a run of the view gives the parallel read of input `kind` (undefined: read it serially). */
export const parallelStartOf = (def: ViewDef, state: ViewState, kind: InputKind): ParallelStart | undefined =>
  (def.parallel?.kind === kind ? state.parallel : state.sides?.[kind]);

/** Whether the inputs given make the view run (ViewDef.requires, alsoRuns). */
export const viewRuns = (def: ViewDef, flags: Record<InputKind, readonly string[]>): boolean =>
  flags[def.requires].length > 0 || (def.alsoRuns ?? []).some((k) => flags[k].length > 0);

/** The --by columns a view cannot group by (see ViewDef.groupsOnly). */
export const byOutside = (def: ViewDef, by: readonly string[]): string[] =>
  def.groupsOnly ? by.filter((c) => !def.groupsOnly!.columns.includes(c)) : [];

/** The metrics asked for (all when `selected` is undefined), in the view's order. */
export function pick<T extends { key: string }>(metrics: readonly T[], selected: Set<string> | undefined): T[] {
  return selected ? metrics.filter((m) => selected.has(m.key)) : (metrics as T[]);
}

/**
 * The metrics whose `needs` were not all given become null on every row and in totals (a metric
 * made from an input nobody gave would read as a real 0); `empty` says which, per missing inputs.
 */
export function withoutMissingInputs<M>(metrics: Metric<M>[], flags: InputFlags): { metrics: Metric<M>[]; empty: EmptyMetrics[] } {
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

/** Of a view's optional text columns, those --by does not name: nothing reads them (see ReadOptions.unread). */
export const unreadText = (columns: string[], params: ViewParams): Set<string> => new Set(columns.filter((c) => !params.by.includes(c)));
