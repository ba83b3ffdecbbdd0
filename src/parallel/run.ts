/**
 * Reading the main input of the deals or stages view in parallel: the file is split into byte
 * ranges at record boundaries, which the reading threads (worker threads, and the main thread
 * itself) take one at a time and fold; their states are merged, and the ranges' rejections and
 * counts taken in range order. The answer must be the one the serial path gives, so the parallel
 * result is dropped (and the file read serially) whenever it could differ: a split that did not
 * fall at a record's end, an id seen in two threads' ranges (the later row must be rejected as a
 * duplicate), ranges that settled a timestamp column differently (epoch or date), or any error in
 * a reading thread (the serial read then reports it with its exact line).
 * Line numbers are not counted here: a thread says how many lines each range went over, and the
 * ranges' rejections are moved to their real lines once all are read (see worker.ts).
 * Small files are not split: starting workers costs more than it saves.
 */
import { Worker } from 'node:worker_threads';
import { closeSync, openSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { InputKind } from '../core/kinds.js';
import { CsvTable, JsonArrayTable, NdjsonTable, detectFormat, readsRanges, openTable, type InputFormat } from '../ingest/formats/index.js';
import { fileSha256 } from '../ingest/source.js';
import { groupShare, hashBuffers, repeatsAmong, type HashGroups, type Repeats } from '../ingest/id-log.js';
import type { FileStats, ProgressSink } from '../ingest/read.js';
import type { Rejection } from '../ingest/rejection.js';
import { STDERR_REJECTION_LINES } from '../ingest/rejects.js';
import { lineSplitPoints, rangeFractions, splitPoints } from './ranges.js';
import { arraySplitPoints } from './json-ranges.js';
import { SharedProgress } from './progress.js';
import { WorkerShare, type RangeResult, type WorkerJob, type WorkerRange, type WorkerResult } from './worker.js';

export const DEFAULT_MIN_BYTES = 32 * 1024 * 1024;

/**
 * The rejected rows a range keeps for the main thread when --rejects wants every one: past this
 * the range stops and the file is read serially (which streams them to the file), so a file of
 * mostly bad rows never has them all in memory. Without --rejects a range keeps only the rows
 * stderr may show, and counts the rest.
 */
export const REJECTS_KEPT_PER_RANGE = 5000;

export interface ParallelPlan {
  path: string; size: number; threads: number; trace?: (message: string) => void; digest: boolean;
  /** How many rejected rows each range keeps, and whether the run needs every one (see REJECTS_KEPT_PER_RANGE). */
  rejections: { keep: number; every: boolean };
}

/**
 * Whether an input can be read in parallel, and by how many threads: `minBytes`, the smallest file
 * the folds reading it gain on (ViewParallel.minBytes; FUNNEL_PARALLEL_MIN_BYTES overrides it).
 */
export function parallelPlan(files: readonly string[], flags: { strict?: boolean; inputFormat?: string; digest?: boolean; rejects?: string }, env: NodeJS.ProcessEnv, minBytes = DEFAULT_MIN_BYTES): ParallelPlan | undefined {
  if (files.length !== 1 || files[0] === '-' || flags.strict) return undefined;
  let format;
  try { format = detectFormat(files[0], flags.inputFormat as never); } catch { return undefined; }
  if (!readsRanges(format)) return undefined; // a format that cannot start reading at any byte (a workbook)
  // One range per core (at most 4) unless FUNNEL_THREADS says otherwise; FUNNEL_THREADS=1 reads serially.
  const setting = env.FUNNEL_THREADS ?? 'auto';
  const threads = setting === 'auto' ? Math.min(availableParallelism(), 4) : Number(setting);
  if (!(threads >= 2)) return undefined;
  const min = Number(env.FUNNEL_PARALLEL_MIN_BYTES ?? minBytes);
  let size: number;
  try { const s = statSync(files[0]); if (!s.isFile()) return undefined; size = s.size; } catch { return undefined; }
  const trace = env.FUNNEL_TRACE_PARALLEL ? (message: string) => process.stderr.write(`funnel: parallel: ${message}\n`) : undefined;
  const every = flags.rejects !== undefined;
  const rejections = { keep: every ? REJECTS_KEPT_PER_RANGE : STDERR_REJECTION_LINES, every };
  return size >= min ? { path: files[0], size, threads, trace, digest: flags.digest !== false, rejections } : undefined;
}

/**
 * The header of a CSV file, read as the serial path reads it (BOM, UTF-8 check, tokenizer), or
 * of an NDJSON file or a JSON array (the keys of its first read chunk, as the serial read has them then), or
 * undefined when it cannot be read (the serial read then reports why).
 */
async function readHeader(path: string, format: InputFormat | undefined, delimiter: string): Promise<string[] | undefined> {
  try {
    const table = openTable(path, { format, delimiter });
    if (table instanceof NdjsonTable || table instanceof JsonArrayTable) {
      // NDJSON, a JSON array: the keys of the first chunk's objects, the header the serial read reads
      // that chunk with (an array whose first chunk is not all plain elements is read serially).
      for await (const _ of table.scan(() => {})) break;
      return table.header?.length && !(table instanceof JsonArrayTable && table.readAgain) ? table.header : undefined;
    }
    if (!(table instanceof CsvTable)) return undefined;
    for await (const _ of table.scan(() => {})) if (table.header !== undefined) break;
    return table.header;
  } catch {
    return undefined;
  }
}

/**
 * A reading thread's young generation is kept to 8 MB (by default V8 lets it grow to 48 MB): what it frees
 * there is freed sooner, and the process's peak is lower and steadier. The stages view at 100× the
 * demo: 169–182 MB, against 195–201 MB at 48 MB, for the same CPU time (also at 1 M deals and leads).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

/**
 * A worker started before its job is known: it loads its modules while the main thread reads the
 * header and splits the file. `send` posts a message; `onMore` is called each time it has read a
 * range; `logs`, `checked` and `done` are its logs once it has read its ranges, and its answers to { check } and { finish } (see
 * worker.ts), each undefined when it failed or was stopped first.
 */
function startWorker<S>(
  onProgress: () => void, onMore: (range: { index: number; lines: number }) => void, onNeedLines: () => void,
): { send(message: object, transfer?: ArrayBuffer[]): void; logs: Promise<HashGroups[][] | undefined>; checked: Promise<Repeats | undefined>; done: Promise<WorkerResult<S> | undefined>; stop(): void } {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { resourceLimits: WORKER_LIMITS });
  let answerLogs!: (logs: HashGroups[][] | undefined) => void, answerChecked!: (checked: Repeats | undefined) => void;
  const logs = new Promise<HashGroups[][] | undefined>((resolve) => { answerLogs = resolve; });
  const checked = new Promise<Repeats | undefined>((resolve) => { answerChecked = resolve; });
  const done = new Promise<WorkerResult<S> | undefined>((resolve) => {
    const end = (result: WorkerResult<S> | undefined) => { answerLogs(undefined); answerChecked(undefined); resolve(result); };
    worker.on('message', (m: { progress?: true; more?: { index: number; lines: number }; needLines?: true; logs?: HashGroups[][]; checked?: Repeats; ok?: boolean; result?: WorkerResult<S> }) => {
      if (m.progress) { onProgress(); return; }
      if (m.more) { onMore(m.more); return; }
      if (m.needLines) { onNeedLines(); return; }
      if (m.logs) { answerLogs(m.logs); return; }
      if (m.checked) { answerChecked(m.checked); return; }
      end(m.ok ? m.result : undefined);
      void worker.terminate();
    });
    worker.once('error', () => end(undefined));
    worker.once('exit', () => end(undefined));
  });
  return {
    send: (message, transfer) => worker.postMessage(message, transfer),
    logs, checked, done,
    stop: () => { void worker.terminate(); },
  };
}

/** Each range's first line, from the line breaks each range went over (in index order); the first starts on line 1. */
function firstLinesOf(lines: readonly number[]): number[] {
  const first = [1];
  for (let i = 1; i < lines.length; i++) first.push(first[i - 1] + lines[i - 1]);
  return first;
}

/** The line range i is read as starting on: the first holds the header (line 1); a later one's real line is not known yet. */
const readFrom = (i: number) => (i === 0 ? 1 : 2);

/**
 * Folds the main input in parallel; undefined means: read it serially instead. The file is split
 * into 5 ranges per reading thread, of falling size (rangeFractions); each thread takes the next
 * range when it has read one (a shared counter), so they end close together even when one runs
 * slower. Ranges are taken in file order, so each thread's ranges are in file order too. The main
 * thread reads ranges too, with one worker fewer (one V8 heap and Node thread less at the peak,
 * and ranges read while the worker starts), unless it hashes the file (JSON output): then the
 * workers read every range.
 */
export async function readInParallel<S>(
  kind: InputKind, plan: ParallelPlan, job: Omit<WorkerJob, 'header' | 'path' | 'progress'>,
  onProgress?: ProgressSink, onHeader?: (header: string[]) => void,
): Promise<{ states: S[]; stats: FileStats; rejections: Rejection[]; unlisted: number; currency?: string } | undefined> {
  // Milliseconds since the epoch, so that the workers' trace lines count from the same zero.
  const t0 = performance.timeOrigin + performance.now();
  const lap = (what: string) => plan.trace?.(`${what} at ${Math.round(performance.timeOrigin + performance.now() - t0)} ms`);
  const fallback = (why: string) => { plan.trace?.(`${plan.path}: read serially (${why})`); return undefined; };
  const format = detectFormat(plan.path, job.read.format);
  const delimiter = job.read.delimiter ?? (format === 'tsv' ? '\t' : ',');
  // NDJSON, a JSON array: a range that meets a key the header lacks fails (the serial read then lays the file out
  // as it goes); so the --by columns are checked once every range is read, against the same header.
  const lines = format === 'ndjson' || format === 'json';
  const size = plan.size;
  const mainReads = !plan.digest;
  // Each reading thread counts its rows and bytes in its slot (the main thread's first when it reads); the line shows the sums.
  const counts = new SharedProgress(plan.threads);
  const show = () => { const [rows, bytes] = counts.sums(); onProgress?.(plan.path, rows, bytes, size); };
  const progressIn = (slot: number) => (onProgress ? { counts: counts.buffer, slot } : undefined);
  const firstWorker = mainReads ? 1 : 0;
  // Range i is [starts[i], starts[i + 1]).
  let starts: number[] | undefined;
  let fd: number | undefined;
  // The line breaks each range went over, as the reading threads report them; the workers that asked for the real first lines.
  const spans: number[] = [];
  let spansKnown = 0;
  const waiting: ReturnType<typeof startWorker<S>>[] = [];
  const knownFirstLines = () => (starts && spansKnown >= starts.length ? firstLinesOf(spans) : undefined);
  const answerLines = () => {
    const lines = knownFirstLines();
    if (lines) for (const w of waiting.splice(0)) w.send({ firstLines: lines });
  };
  const spanRead = ({ index, lines }: { index: number; lines: number }) => { spans[index] = lines; spansKnown++; answerLines(); };
  const workers: ReturnType<typeof startWorker<S>>[] = [];
  for (let k = firstWorker; k < plan.threads; k++) {
    const w = startWorker<S>(show, spanRead, () => { waiting.push(w); answerLines(); });
    workers.push(w);
  }
  let header: string[] | undefined;
  try {
    header = await readHeader(plan.path, job.read.format, delimiter);
    if (header && !lines) onHeader?.(header); // it may stop the run (an unknown --by column): before any range is read
    if (header) {
      fd = openSync(plan.path, 'r');
      const fractions = rangeFractions(plan.threads);
      starts = format === 'json' ? arraySplitPoints(fd, size, fractions) : lines ? lineSplitPoints(fd, size, fractions) : splitPoints(fd, size, fractions, header.length, delimiter);
    }
  } finally {
    // Without ranges (or on an error) the workers stop: a waiting worker would keep the process alive.
    if (!starts) { for (const w of workers) w.stop(); if (fd !== undefined) closeSync(fd); }
  }
  if (!header || !starts) return fallback('not split');
  lap(`split into ${starts.length} ranges`);
  const bounds = starts;
  const toRead: WorkerRange[] = bounds.map((start, i) => ({ index: i, start, end: i + 1 < bounds.length ? bounds[i + 1] : size, firstLine: readFrom(i) }));
  const next = new SharedArrayBuffer(4);
  const shared: WorkerJob = { ...job, path: plan.path, header, traceFrom: t0, shares: plan.threads, ranges: toRead, next, rejections: plan.rejections };
  // A failed worker stops the others: its result is not used, and one waiting for the first lines would wait for its ranges forever.
  let failed = false;
  for (const w of workers) void w.done.then((r) => { if (r === undefined) { failed = true; for (const other of workers) other.stop(); } });
  closeSync(fd!);
  workers.forEach((w, k) => w.send({ job: { ...shared, progress: progressIn(firstWorker + k) } }));
  const digest = plan.digest ? fileSha256(plan.path) : Promise.resolve('');
  // Before the workers are done: they are stopped, and the hash of the file is let finish.
  const giveUp = async (why: string) => {
    for (const w of workers) w.stop();
    await digest.catch(() => undefined);
    return fallback(why);
  };
  // The main thread's own ranges, taken from the same counter as the workers'. Between two, the
  // workers' messages are let in (a range read holds the event loop).
  const own = mainReads ? new WorkerShare({ ...shared, progress: progressIn(0) }, show) : undefined;
  if (own) {
    try {
      await own.readRanges(async (read) => { spanRead(read); await new Promise((resolve) => setImmediate(resolve)); }, () => failed);
    } catch {
      return giveUp('the main thread\'s ranges failed');
    }
  }
  // The ids: every reading thread checks a share of the hash groups over all their logs. An id seen
  // in two threads' ranges: the serial read would reject the later row, which a thread folded.
  const logs = [...(own ? [own.logs()] : []), ...await Promise.all(workers.map((w) => w.logs))];
  lap('ranges read');
  if (logs.some((l) => l === undefined)) return giveUp('a worker failed');
  // Reader i (the main thread first, when it reads) checks share i of every reader's logs (the workers' moved to them).
  const ownerLogs = logs as HashGroups[][][], shareOf = (i: number) => ownerLogs.map((byShare) => byShare[i]);
  workers.forEach((w, k) => {
    const owners = shareOf(firstWorker + k), [from, to] = groupShare(firstWorker + k, ownerLogs.length);
    w.send({ check: { owners, from, to } }, hashBuffers(owners.flat()));
  });
  const ownChecked = own ? [repeatsAmong(shareOf(0), ...groupShare(0, ownerLogs.length))] : [];
  const checked = [...ownChecked, ...await Promise.all(workers.map((w) => w.checked))];
  lap('ids checked');
  if (checked.some((c) => c === undefined)) return giveUp('a worker failed');
  if (checked.some((c) => c!.across)) return giveUp('an id repeats across ranges');
  // A reader with an id repeated among its own ranges reads them again with an id table.
  const reread = (i: number) => checked.some((c) => c!.within[i]);
  workers.forEach((w, k) => w.send({ finish: { reread: reread(firstWorker + k) } }));
  let ownResult: WorkerResult | undefined;
  try {
    ownResult = own && await own.finish(reread(0), async () => knownFirstLines()!);
  } catch {
    return giveUp('the main thread\'s ranges failed');
  }
  const [digestValue, ...fromWorkers] = await Promise.all([digest, ...workers.map((w) => w.done)]);
  const finished = [...(ownResult ? [ownResult as WorkerResult<S>] : []), ...fromWorkers];
  lap('workers done');
  if (finished.some((r) => r === undefined)) return fallback('a worker failed');
  const results = finished as WorkerResult<S>[];
  const ranges: RangeResult[] = results.flatMap((r) => r.ranges).sort((a, b) => a.index - b.index);
  if (ranges.length !== starts.length) return fallback('a range was not read');
  // A range that did not end exactly at a record's end: the next one did not start at a record.
  if (ranges.slice(0, -1).some((r) => !r.endsClean)) return fallback('a split fell inside a record');
  // A range that ended with rows that look like a report's footer: whether they are the file's end
  // (skipped) or are followed by data (rejected) is the serial read's to say.
  if (ranges.slice(0, -1).some((r) => r.endsInFooter)) return fallback('a range ended with rows that look like a report\'s footer');
  // Each range's rejections move to the range's real lines. A reason that names a line (a quoted
  // field never closed: the file ends inside it) is right only when read from the real first line.
  const firstLines = firstLinesOf(ranges.map((r) => r.lines));
  for (const [i, r] of ranges.entries()) {
    const shift = firstLines[i] - r.firstLine;
    if (shift === 0) continue;
    if (r.unclosed) return fallback('the file ends inside a quoted field');
    for (const rejection of r.rejections) rejection.line += shift;
  }
  // A timestamp column settled as epoch in one range and as dates in another.
  const settled = new Map<string, boolean>();
  for (const r of ranges) for (const [column, numeric] of r.decisions) {
    if (settled.has(column) && settled.get(column) !== numeric) return fallback(`ranges read "${column}" differently`);
    settled.set(column, numeric);
  }
  // Without a configured currency, nor one the inputs read before stated (job.currency: every thread
  // was given it), the run's is the first one a row states: a thread that met another one first in its
  // ranges rejected other rows than the serial read would. One currency in all: the same rows.
  const currencies = new Set(ranges.flatMap((r) => r.currencies));
  if (job.config.currency === undefined && job.currency === undefined && currencies.size > 1) return fallback(`amounts in ${currencies.size} currencies`);
  const first = ranges[0].stats;
  const stats: FileStats = {
    kind, file: first.file, format: first.format, sha256: digestValue as string, bytes: size,
    rows: ranges.reduce((a, r) => a + r.stats.rows, 0), accepted: ranges.reduce((a, r) => a + r.stats.accepted, 0),
    rejected: ranges.reduce((a, r) => a + r.stats.rejected, 0), columns: first.columns,
  };
  // The last range's footer rows (a report's totals and copyright lines), skipped.
  const footer = ranges[ranges.length - 1].stats.footer;
  if (footer) { stats.skipped = footer; stats.footer = footer; }
  for (const { stats: { late } } of ranges) {
    if (late === undefined) continue;
    if (stats.late === undefined) stats.late = { ...late };
    else { stats.late.rows += late.rows; stats.late.latest = Math.max(stats.late.latest, late.latest); }
  }
  if (lines && onHeader) {
    try { onHeader(header); } catch { return fallback('a --by column is not in the header'); }
  }
  plan.trace?.(`${plan.path}: read in ${ranges.length} ranges by ${plan.threads} threads (${own ? `the main thread and ${workers.length}` : workers.length} worker${workers.length === 1 ? "" : "s"})`);
  // A range keeps its first rejected rows only (the first 20 of the file are among them): the rest are counted.
  const unlisted = ranges.reduce((a, r) => a + r.stats.rejected - r.rejections.length, 0);
  // Per-range states (ViewParallel.perRange) merge in file order; a thread's state has all its ranges.
  const states = ranges.some((r) => r.state !== undefined) ? ranges.map((r) => r.state as S) : results.map((r) => r.state);
  // The run's currency after this read: the one it was given, or the first its rows stated (the serial read's, in file order).
  const currency = job.config.currency ?? job.currency ?? ranges.find((r) => r.currencies.length > 0)?.currencies[0];
  return { states, stats, rejections: ranges.flatMap((r) => r.rejections), unlisted, currency };
}
