/**
 * A worker thread's share of a parallel read: one byte range of the main input, read and folded
 * exactly as the serial path would, with its rejections, counts, ids and timestamp decisions
 * sent back for the main thread to check and merge in range order.
 */
import { writeSync } from 'node:fs';
import { parentPort, threadId } from 'node:worker_threads';
import type { Config } from '../config.js';
import { InputReader, type Rejection } from '../ingest/read.js';
import { IdSet, type IdCheck } from '../ingest/id-set.js';
import { IdLog, anyRepeat } from '../ingest/id-log.js';
import { loadPatternParser } from '../ingest/values.js';
import { PeriodScheme, type Period } from '../engine/periods.js';
import type { ViewParams } from '../engine/params.js';
import { DealsFold } from '../views/deals.js';
import { StagesFold, type StageOptions } from '../views/stages.js';
import type { InputFormat } from '../ingest/table.js';

export interface WorkerJob {
  view: 'deals' | 'stages';
  path: string;
  range: { start: number; end: number; firstLine: number; header: string[] };
  config: Config;
  read: { format?: InputFormat; delimiter?: string; datePattern?: string; unread?: string[] };
  params: { by: string[]; period: Period; from?: number; to?: number; asOf: number };
  leadInfo?: [string, { source?: string; campaign?: string }][];
  link?: [string, { created?: number; won?: number }][];
  stageOptions?: StageOptions;
  /** Whether to post the rows and bytes read so far (a progress line is shown). */
  progress?: boolean;
  /** The deals view's metric keys (the fold tracks only what they need). */
  metrics?: readonly string[];
  /** When the main thread started the parallel read (ms since the epoch, fractional): the zero of trace times. */
  traceFrom?: number;
}

/** Trace times are counted from here: the main thread's start of the parallel read, once the job says it. */
let origin = performance.timeOrigin + performance.now();
// Written straight to the file descriptor: a worker's process.stderr is passed on by the main
// thread, and what is still on its way when the worker is stopped is lost.
const trace = (what: string) => { if (process.env.FUNNEL_TRACE_PARALLEL) writeSync(2, `funnel: parallel: worker ${threadId}: ${what} at ${Math.round(performance.timeOrigin + performance.now() - origin)} ms\n`); };

/** Posts the rows and bytes read so far, at most five times a second. */
function progress() {
  let last = 0;
  return (_file: string, rows: number, bytes: number) => {
    const now = performance.now();
    if (now - last < 200) return;
    last = now;
    parentPort!.postMessage({ progress: [rows, bytes] });
  };
}

/** Reads and folds the job's range with the given id check. */
async function foldRange(job: WorkerJob, ids: IdCheck, showProgress: boolean) {
  const params: ViewParams = { ...job.params, config: job.config, scheme: new PeriodScheme(job.params.period, job.config.fiscalYearStartMonth) };
  const rejections: Rejection[] = [];
  const reader = new InputReader({
    config: job.config, format: job.read.format, delimiter: job.read.delimiter, datePattern: job.read.datePattern,
    patternParser: job.read.datePattern !== undefined ? await loadPatternParser(job.read.datePattern) : undefined,
    onReject: (r) => { rejections.push(r); }, dims: new Set(params.by),
    onProgress: showProgress ? progress() : undefined,
    unread: { [job.view === 'deals' ? 'deals' : 'leads']: new Set(job.read.unread ?? []) },
  });
  let state: unknown;
  if (job.view === 'deals') {
    const fold = new DealsFold(params, new Map(job.leadInfo ?? []), job.metrics);
    for await (const _ of reader.readRange('deals', job.path, job.range, ids, (rows) => { for (const d of rows) fold.add(d); }));
    state = fold.exportState();
  } else {
    const fold = new StagesFold(params, job.stageOptions!, new Map(job.link ?? []));
    for await (const _ of reader.readRange('leads', job.path, job.range, ids, (rows) => { for (const l of rows) fold.add(l); }));
    state = fold.exportState();
  }
  return { state, stats: reader.stats[0], rejections, decisions: reader.timestamps?.decisions() ?? [], endsClean: reader.rangeEndsClean };
}

/**
 * The range folded with its ids logged and checked at the end (IdLog). When an id repeats in it,
 * the fold holds the duplicate row, which the serial read would have rejected: the range is read
 * again with an id table that rejects it (no progress is posted for that second read).
 */
async function run(job: WorkerJob) {
  const log = new IdLog();
  let result = await foldRange(job, log, job.progress === true);
  let ids = log.groups();
  trace('read and folded');
  if (anyRepeat(ids)) {
    trace('an id repeats in the range: read again with an id table');
    const set = new IdSet();
    result = await foldRange(job, set, false);
    ids = [set.groups()];
  }
  return { ...result, ids };
}

/** The buffers of the typed arrays in a state (kept values), each once: moved to the main thread, not copied. */
function buffers(value: unknown, into = new Set<ArrayBuffer>()): Set<ArrayBuffer> {
  if (value instanceof Float64Array) { if (value.buffer.byteLength > 0) into.add(value.buffer as ArrayBuffer); }
  else if (Array.isArray(value)) for (const v of value) buffers(v, into);
  else if (typeof value === 'object' && value !== null && !(value instanceof Map)) for (const v of Object.values(value)) buffers(v, into);
  return into;
}

// The job comes as the first message: the worker is started before the file is split.
parentPort!.once('message', (job: WorkerJob) => {
  origin = job.traceFrom ?? origin;
  trace('job taken');
  return run(job).then(
    // The ids' hashes and the kept values are moved, not copied (they are most of the result).
    (result) => parentPort!.postMessage({ ok: true, result }, [...result.ids.flatMap((g) => [g.a.buffer as ArrayBuffer, g.b.buffer as ArrayBuffer]), ...buffers(result.state)]),
    (err: Error & { code?: string; exitCode?: number }) => parentPort!.postMessage({ ok: false, error: { message: err.message, code: err.code, exitCode: err.exitCode, name: err.name, stack: err.stack } }),
  );
});
