/**
 * A reading thread's share of a parallel read: byte ranges of the main input, taken one at a time
 * from a counter shared by every reading thread (the main thread reads ranges too, see run.ts),
 * each read exactly as the serial path would, all folded into one state (the folds merge in any
 * order). With its state it sends back, per range, the rejections, counts, timestamp decisions and
 * whether the range ended at a record's end, for the main thread to check and merge in range order.
 * Its ids' hashes are checked for repeats by all the reading threads together, before the states are sent.
 *
 * A range after the first is taken before the lines before it are known: it is read as if it
 * started on line 2 (`firstLine`), and it says how many lines it went over, from which the main
 * thread works out where each range really starts and moves its rejections' lines there. Only a
 * thread that must read its ranges again (below) needs the real lines first: it asks for them.
 *
 * Messages: { job } first (with the ranges and the shared counter); the worker answers each range
 * it has read with { more } (the lines it went over), then, when none is left, with { logs } (its
 * ids' hashes, grouped, by share of the groups: moved); then { check } (one share of every reading
 * thread's logs, answered by { checked }: the repeats found there, see repeatsAmong); then
 * { finish: { reread } }, answered by { ok, result } (or { ok: false, error } at any point). Before
 * its answer to { finish }, a worker told to read again posts { needLines: true }, answered by
 * { firstLines } (every range's first line, by index). Progress, when asked for, is counted in
 * the worker's slot of shared memory (SharedProgress), and { progress: true } says it changed.
 */
import { writeSync } from 'node:fs';
import { parentPort, threadId } from 'node:worker_threads';
import type { Config, InputKind } from '../ingest/config.js';
import { InputReader, type FileStats, type Rejection } from '../ingest/read.js';
import { dataError } from '../core/errors.js';
import { IdSet, type IdCheck } from '../ingest/id-set.js';
import { IdLog, hashBuffers, repeatsAmong, type HashGroups } from '../ingest/id-log.js';
import { DEFAULT_READ_SETTINGS, loadReadSettings, type LoadedReadSettings, type ReadSettings } from '../ingest/settings.js';
import { PeriodScheme, type Period } from '../engine/periods.js';
import { SharedProgress } from './progress.js';
import { rawGroupColumns, type ViewParams } from '../engine/params.js';
import { VIEWS_BY_NAME, type ViewName } from '../views/table.js';
import { parallelOf, type RangeFold } from '../views/view.js';
import type { InputFormat } from '../ingest/formats/index.js';

export interface WorkerJob {
  /** The view whose fold the worker builds (its row of the views table says how). */
  view: ViewName;
  /** The input read: a side input of the views (ViewDef.sides), or their main input when unsaid. */
  kind?: InputKind;
  path: string;
  /** The file's header, read by the main thread (a range after the first has none). */
  header: string[];
  config: Config;
  /** `settings`: how the input kind's values are written (see readSettings); the defaults when not given. */
  read: { format?: InputFormat; delimiter?: string; settings?: ReadSettings; unread?: string[] };
  params: { by: string[]; period: Period; from?: number; to?: number; asOf: number };
  /** The run's currency as the inputs read before this one stated it (when the config sets none): rows in another are rejected, as the serial read rejects them. */
  currency?: string;
  /** The view's own data its fold is built from (made by the view's row on the main thread, read by its row here). */
  viewInput?: unknown;
  /** Where to count the rows and bytes read so far, when a progress line is shown: this thread's slot of the counts (see SharedProgress). */
  progress?: { counts: SharedArrayBuffer; slot: number };
  /** The view's metric keys (the fold tracks only what they need). */
  metrics?: readonly string[];
  /**
   * Other views whose folds take the same rows (report: one read for every view of the file); the
   * state handed back is then each fold's, in the order [view, ...also].
   */
  also?: { view: ViewName; viewInput?: unknown; metrics?: readonly string[] }[];
  /** When the main thread started the parallel read (ms since the epoch, fractional): the zero of trace times. */
  traceFrom?: number;
  /** Into how many shares the ids' hash groups are split: one per reading thread (see repeatsAmong); 1 when unsaid. */
  shares?: number;
  /**
   * The ranges to read, and the index of the next one not taken yet (an Int32Array over shared
   * memory, taken with Atomics.add by every reading thread, the main thread too: it hands nothing
   * out while it reads a range of its own). A worker without them reads none.
   */
  ranges?: WorkerRange[];
  next?: SharedArrayBuffer;
  /**
   * How many rejected rows a range keeps (the rest are counted in its stats only), and whether the
   * run needs every one: then a range with more stops the read (the file is read serially). All when unsaid.
   */
  rejections?: { keep: number; every: boolean };
}

/**
 * One byte range of the file, starting at a record, read as starting on line `firstLine` (1 for
 * the first range, which holds the header; 2 or its real line for a later one); `index`: its place among all ranges.
 */
export interface WorkerRange { index: number; start: number; end: number; firstLine: number }

/**
 * What a worker found in one range: `firstLine` is the line it was read as starting on (the lines
 * of its rejections count from there), `lines` the line breaks it went over, `unclosed` whether
 * it ended inside a quoted field (that rejection's reason names a line, which only a read from
 * the real first line gets right).
 */
export interface RangeResult {
  index: number; firstLine: number; lines: number; stats: FileStats; rejections: Rejection[];
  decisions: [string, boolean][]; endsClean: boolean; unclosed: boolean;
  /** Whether it is not the last range and ended with rows that look like a report's footer (rejected: right only if the next range starts with data). */
  endsInFooter?: boolean;
  /** The currencies its rows stated (the run's currency is the first one stated in the file, unless the config sets it). */
  currencies: string[];
  /** The range's own fold state, when the view's folds merge in file order only (ViewParallel.perRange). */
  state?: unknown;
}

/** A worker's answer to { finish }: its state over all its ranges, and each range's result. */
export interface WorkerResult<S = unknown> { state: S; ranges: RangeResult[] }

/** A share of the check of every worker's ids: the workers' logs of that share (by worker) and its hash groups [from, to). */
export interface CheckShare { owners: HashGroups[][]; from: number; to: number }

/** Trace times are counted from here: the main thread's start of the parallel read, once the job says it. */
let origin = performance.timeOrigin + performance.now();
// Written straight to the file descriptor: a worker's process.stderr is passed on by the main
// thread, and what is still on its way when the worker is stopped is lost.
const trace = (what: string) => { if (process.env.FUNNEL_TRACE_PARALLEL) writeSync(2, `funnel: parallel: ${threadId === 0 ? 'main thread' : `worker ${threadId}`}: ${what} at ${Math.round(performance.timeOrigin + performance.now() - origin)} ms\n`); };

/** Reports the rows and bytes read so far (over all ranges: `before` holds the finished ranges' counts) to `report`, at most five times a second. */
function progress(before: { rows: number; bytes: number }, report: (rows: number, bytes: number) => void) {
  let last = 0;
  return (_file: string, rows: number, bytes: number) => {
    const now = performance.now();
    if (now - last < 200) return;
    last = now;
    report(before.rows + rows, before.bytes + bytes);
  };
}

/** A worker tells the main thread that its counts changed. */
const postProgress = () => parentPort!.postMessage({ progress: true });

/** Reads ranges of the job's file, one after another, into one fold, with the given id check. */
class RangeFolder {
  private readonly reader: InputReader;
  private fold: RangeFold;
  private readonly kind: InputKind;
  /** A new fold for each range (ViewParallel.perRange): made from the job again. */
  private readonly newFold: (() => RangeFold) | undefined;
  private folded = false;
  /** Where the current range's rejections go. */
  private rejections: Rejection[] = [];
  private readonly done = { rows: 0, bytes: 0 };

  private constructor(private readonly job: WorkerJob, private readonly ids: IdCheck, report: ((rows: number, bytes: number) => void) | undefined, settings: LoadedReadSettings) {
    const params: ViewParams = { ...job.params, config: job.config, scheme: new PeriodScheme(job.params.period, job.config.fiscalYearStartMonth) };
    const views = [{ view: job.view, viewInput: job.viewInput, metrics: job.metrics }, ...(job.also ?? [])];
    const kind = job.kind ?? VIEWS_BY_NAME[job.view]?.parallel?.kind;
    const parts = views.map((v) => {
      const def = VIEWS_BY_NAME[v.view], parallel = def && kind && parallelOf(def, kind);
      if (!parallel) throw new Error(`the ${v.view} view does not read this input in parallel`);
      return { parallel, make: () => parallel.fold(params, v.viewInput, v.metrics) };
    });
    const parallel = parts[0].parallel;
    this.kind = parallel.kind;
    this.reader = new InputReader({
      config: job.config, currency: job.currency, format: job.read.format, delimiter: job.read.delimiter, settings: { [parallel.kind]: settings },
      onReject: (r) => {
        const limit = job.rejections;
        if (limit === undefined || this.rejections.length < limit.keep) this.rejections.push(r);
        else if (limit.every) throw dataError('TOO_MANY_REJECTIONS', `more than ${limit.keep} rejected rows in a range: read serially`);
      },
      dims: new Set(params.by), rawDims: rawGroupColumns(params.by), asOf: params.asOf,
      onProgress: report ? progress(this.done, report) : undefined,
      unread: { [this.kind]: new Set(job.read.unread ?? []) },
    });
    // Several views' folds take each batch of rows in turn (the typed route is one fold's only).
    const makeFold = (): RangeFold => {
      if (parts.length === 1) return parts[0].make();
      const folds = parts.map((p) => p.make());
      return { handle: (rows) => { for (const f of folds) f.handle(rows); }, range: (i, bytes) => { for (const f of folds) f.range?.(i, bytes); }, exportState: () => folds.map((f) => f.exportState()) };
    };
    this.fold = makeFold();
    this.newFold = parts.some((p) => p.parallel.perRange) ? makeFold : undefined;
  }

  static async create(job: WorkerJob, ids: IdCheck, report: ((rows: number, bytes: number) => void) | undefined): Promise<RangeFolder> {
    return new RangeFolder(job, ids, report, await loadReadSettings(job.read.settings ?? DEFAULT_READ_SETTINGS));
  }

  async read(range: WorkerRange): Promise<RangeResult> {
    const job = this.job, rejections: Rejection[] = (this.rejections = []);
    if (this.newFold && this.folded) this.fold = this.newFold();
    this.folded = true;
    this.fold.range?.(range.index, range.end - range.start);
    // The last range ends at the file's end, where a report's footer is skipped (see ingest/footers.ts).
    const bounds = { start: range.start, end: range.end, firstLine: range.firstLine, header: job.header, last: job.ranges === undefined || range.index === job.ranges.length - 1 };
    // Rows the fold can take as typed values (no row object) go to its taker; the others, as rows, to its handle (the view's loop over its add()).
    for await (const _ of this.reader.readRange(this.kind, job.path, bounds, this.ids, this.fold.handle as (rows: unknown[]) => void, this.fold.taker));
    const stats = this.reader.stats[this.reader.stats.length - 1];
    this.done.rows += stats.rows; this.done.bytes += stats.bytes;
    const reader = this.reader;
    const currencies = [...reader.currency.met];
    reader.currency.met.clear();
    return {
      currencies, state: this.newFold ? this.fold.exportState() : undefined,
      index: range.index, firstLine: range.firstLine, lines: reader.rangeLines, stats, rejections,
      decisions: reader.timestamps?.decisions() ?? [], endsClean: reader.rangeEndsClean, unclosed: reader.rangeUnclosed,
      endsInFooter: reader.rangeEndsInFooter,
    };
  }

  /** The state of every range read (undefined when each range hands over its own: RangeResult.state). */
  exportState(): unknown {
    return this.newFold ? undefined : this.fold.exportState();
  }
}

/**
 * The worker's ranges are folded with their ids logged (IdLog) and checked when all are read, by
 * every worker together (repeatsAmong). When an id repeats among this worker's ranges, the fold
 * holds a duplicate row that the serial read would have rejected: the ranges are read again, in
 * the same order (the file's), with an id table that rejects it (no progress is posted for that
 * second read), each from its real first line (`firstLines`: asked of the main thread then), so a
 * duplicate's "first seen at" names the right line. An id in two workers' ranges makes the main
 * thread read the file serially.
 */
export class WorkerShare {
  private readonly log: IdLog;
  private folder: Promise<RangeFolder> | undefined;
  private readonly ranges: WorkerRange[] = [];
  private readonly results: RangeResult[] = [];
  /** `counted`: called when the job asks for progress and this share's counts changed (a worker posts { progress }). */
  constructor(private readonly job: WorkerJob, counted: () => void = postProgress) {
    origin = job.traceFrom ?? origin;
    this.log = new IdLog(undefined, job.shares ?? 1);
    if (job.progress) {
      const counts = new SharedProgress(job.progress.counts), slot = job.progress.slot;
      this.report = (rows, bytes) => { counts.set(slot, rows, bytes); counted(); };
    }
  }

  private readonly report: ((rows: number, bytes: number) => void) | undefined;

  /**
   * Reads the job's ranges not taken yet by another reading thread, one at a time from the shared
   * counter, until none is left or `stop` says so; `after` is given each one's result (and awaited).
   */
  async readRanges(after: (result: RangeResult) => void | Promise<void>, stop: () => boolean = () => false): Promise<void> {
    const { ranges, next } = this.job;
    if (!ranges || !next) return;
    const taken = new Int32Array(next);
    for (let i = Atomics.add(taken, 0, 1); i < ranges.length && !stop(); i = Atomics.add(taken, 0, 1)) await after(await this.read(ranges[i]));
  }

  /** Reads a range; its result (the lines it went over, for the main thread). */
  async read(range: WorkerRange): Promise<RangeResult> {
    this.folder ??= RangeFolder.create(this.job, this.log, this.report);
    this.ranges.push(range);
    const result = await (await this.folder).read(range);
    this.log.rangeRead();
    this.results.push(result);
    trace(`range ${range.index} read`);
    return result;
  }

  /** The ids' hashes of every range read, grouped, by share of the groups (each share is checked by one worker: see repeatsAmong). */
  logs(): HashGroups[][] {
    return this.log.byShare();
  }

  /**
   * The state and range results, once the ids are checked: `reread` when an id repeats among this
   * worker's ranges. `firstLines`: every range's real first line, by index (asked for only then).
   */
  async finish(reread: boolean, firstLines: () => Promise<readonly number[]>): Promise<WorkerResult> {
    this.folder ??= RangeFolder.create(this.job, this.log, undefined);
    let folder = await this.folder, results = this.results;
    if (reread) {
      trace('an id repeats in its ranges: read again with an id table');
      const lines = await firstLines();
      folder = await RangeFolder.create(this.job, new IdSet(), undefined);
      results = [];
      for (const range of this.ranges) results.push(await folder.read({ ...range, firstLine: lines[range.index] }));
    }
    return { state: folder.exportState(), ranges: results };
  }
}

/** The buffers of the typed arrays in a state (its packed cells), each once: moved to the main thread, not copied. */
function buffers(value: unknown, into = new Set<ArrayBuffer>()): Set<ArrayBuffer> {
  if (ArrayBuffer.isView(value)) { if (value.buffer.byteLength > 0 && !(value.buffer instanceof SharedArrayBuffer)) into.add(value.buffer); }
  else if (Array.isArray(value)) for (const v of value) buffers(v, into);
  else if (typeof value === 'object' && value !== null && !(value instanceof Map)) for (const v of Object.values(value)) buffers(v, into);
  return into;
}

let share: WorkerShare | undefined;
let failed = false;
let work = Promise.resolve();
/** Waits for the main thread's { firstLines } (posted once every range is read). */
let linesAnswer: ((lines: number[]) => void) | undefined;
const fail = (err: Error & { code?: string; exitCode?: number }) => {
  failed = true;
  parentPort!.postMessage({ ok: false, error: { message: err.message, code: err.code, exitCode: err.exitCode, name: err.name, stack: err.stack } });
};

// Messages are handled one after another: a range is read to its end before the next message.
// The job comes first, and the worker is started before the file is split. (Imported elsewhere
// than in a worker thread — by a test — the module only defines WorkerShare.)
parentPort?.on('message', (m: { job?: WorkerJob; check?: CheckShare; finish?: { reread: boolean }; firstLines?: number[] }) => {
  // The answer to { needLines } comes while { finish } is being handled: not queued behind it.
  if (m.firstLines) { linesAnswer?.(m.firstLines); return; }
  work = work.then(async () => {
    if (failed) return;
    if (m.job) {
      share = new WorkerShare(m.job);
      trace('job taken');
      // The ranges are taken here, as the main thread takes its own; each one read is reported, then the logs.
      await share.readRanges(({ index, lines }) => parentPort!.postMessage({ more: { index, lines } }));
      const logs = share.logs();
      parentPort!.postMessage({ logs }, hashBuffers(logs.flat()));
    } else if (m.check) {
      const checked = repeatsAmong(m.check.owners, m.check.from, m.check.to);
      trace('ids checked');
      parentPort!.postMessage({ checked });
    } else if (m.finish) {
      const result = await share!.finish(m.finish.reread, () => new Promise((resolve) => {
        linesAnswer = resolve;
        parentPort!.postMessage({ needLines: true });
      }));
      trace('finished');
      // The state's packed cells and kept values are moved, not copied (they are most of the result).
      parentPort!.postMessage({ ok: true, result }, [...buffers(result.state), ...buffers(result.ranges.map((r) => r.state))]);
    }
  }).catch(fail);
});
