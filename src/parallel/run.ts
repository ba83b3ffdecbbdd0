/**
 * Reading the main input of the deals or stages view in parallel: the file is split into byte
 * ranges at record boundaries, which worker threads take one at a time and fold; the workers'
 * states are merged, and the ranges' rejections and counts taken in range order. The answer must
 * be the one the serial path gives, so the parallel result is dropped (and the file read serially)
 * whenever it could differ: a split that did not fall at a record's end, an id seen in two
 * workers' ranges (the later row must be rejected as a duplicate), ranges that settled a
 * timestamp column differently (epoch or date), or any error in a worker (the serial read then
 * reports it with its exact line).
 * Line numbers are not counted here: a worker says how many lines each range went over, and the
 * ranges' rejections are moved to their real lines once all are read (see worker.ts).
 * Small files are not split: starting workers costs more than it saves.
 */
import { Worker } from 'node:worker_threads';
import { closeSync, openSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { InputKind } from '../kinds.js';
import { CsvTable, detectFormat, fileSha256, openTable, type InputFormat } from '../ingest/table.js';
import { groupShare, hashBuffers, type HashGroups, type Repeats } from '../ingest/id-log.js';
import type { FileStats, ProgressSink } from '../ingest/read.js';
import type { Rejection } from '../ingest/rejection.js';
import { rangeFractions, splitPoints } from './ranges.js';
import type { RangeResult, WorkerJob, WorkerRange, WorkerResult } from './worker.js';

export const DEFAULT_MIN_BYTES = 32 * 1024 * 1024;

export interface ParallelPlan { path: string; size: number; threads: number; trace?: (message: string) => void; digest: boolean }

/** Whether the main input can be read in parallel, and by how many threads. */
export function parallelPlan(files: readonly string[], flags: { strict?: boolean; inputFormat?: string; digest?: boolean }, env: NodeJS.ProcessEnv): ParallelPlan | undefined {
  if (files.length !== 1 || files[0] === '-' || flags.strict) return undefined;
  let format;
  try { format = detectFormat(files[0], flags.inputFormat as never); } catch { return undefined; }
  if (format !== 'csv' && format !== 'tsv') return undefined;
  // One range per core (at most 4) unless FUNNEL_THREADS says otherwise; FUNNEL_THREADS=1 reads serially.
  const setting = env.FUNNEL_THREADS ?? 'auto';
  const threads = setting === 'auto' ? Math.min(availableParallelism(), 4) : Number(setting);
  if (!(threads >= 2)) return undefined;
  const min = Number(env.FUNNEL_PARALLEL_MIN_BYTES ?? DEFAULT_MIN_BYTES);
  let size: number;
  try { const s = statSync(files[0]); if (!s.isFile()) return undefined; size = s.size; } catch { return undefined; }
  const trace = env.FUNNEL_TRACE_PARALLEL ? (message: string) => process.stderr.write(`funnel: parallel: ${message}\n`) : undefined;
  return size >= min ? { path: files[0], size, threads, trace, digest: flags.digest !== false } : undefined;
}

/**
 * The header of a CSV file, read as the serial path reads it (BOM, UTF-8 check, tokenizer), or
 * undefined when it cannot be read (the serial read then reports why).
 */
async function readHeader(path: string, format: InputFormat | undefined, delimiter: string): Promise<string[] | undefined> {
  try {
    const table = openTable(path, { format, delimiter });
    if (!(table instanceof CsvTable)) return undefined;
    for await (const _ of table.scan(() => {})) if (table.header !== undefined) break;
    return table.header;
  } catch {
    return undefined;
  }
}

/**
 * A worker started before its job is known: it loads its modules while the main thread reads the
 * header and splits the file. `send` posts a message; `onMore` is called each time it has read a
 * range; `logs`, `checked` and `done` are its answers to { logs }, { check } and { finish } (see
 * worker.ts), each undefined when it failed or was stopped first.
 */
function startWorker<S>(
  onProgress: (rows: number, bytes: number) => void, onMore: (range: { index: number; lines: number }) => void, onNeedLines: () => void,
): { send(message: object, transfer?: ArrayBuffer[]): void; logs: Promise<HashGroups[][] | undefined>; checked: Promise<Repeats | undefined>; done: Promise<WorkerResult<S> | undefined>; stop(): void } {
  const worker = new Worker(new URL('./worker.js', import.meta.url));
  let answerLogs!: (logs: HashGroups[][] | undefined) => void, answerChecked!: (checked: Repeats | undefined) => void;
  const logs = new Promise<HashGroups[][] | undefined>((resolve) => { answerLogs = resolve; });
  const checked = new Promise<Repeats | undefined>((resolve) => { answerChecked = resolve; });
  const done = new Promise<WorkerResult<S> | undefined>((resolve) => {
    const end = (result: WorkerResult<S> | undefined) => { answerLogs(undefined); answerChecked(undefined); resolve(result); };
    worker.on('message', (m: { progress?: [number, number]; more?: { index: number; lines: number }; needLines?: true; logs?: HashGroups[][]; checked?: Repeats; ok?: boolean; result?: WorkerResult<S> }) => {
      if (m.progress) { onProgress(...m.progress); return; }
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

/** One progress callback per worker (rows and bytes it has read so far), reporting the sums over all workers. */
export function progressOverWorkers(workers: number, report: (rows: number, bytes: number) => void): ((rows: number, bytes: number) => void)[] {
  const rowsRead = new Array<number>(workers).fill(0), bytesRead = new Array<number>(workers).fill(0);
  return rowsRead.map((_, i) => (rows: number, bytes: number) => {
    rowsRead[i] = rows; bytesRead[i] = bytes;
    report(rowsRead.reduce((a, b) => a + b, 0), bytesRead.reduce((a, b) => a + b, 0));
  });
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
 * into 5 ranges per worker, of falling size (rangeFractions); each worker takes the next range when
 * it has read one, so the workers end close together even when one runs slower. Ranges are handed
 * out in file order, so each worker's ranges are in file order too.
 */
export async function readInParallel<S>(
  kind: InputKind, plan: ParallelPlan, job: Omit<WorkerJob, 'header' | 'path' | 'progress'>,
  onProgress?: ProgressSink,
): Promise<{ states: S[]; stats: FileStats; rejections: Rejection[] } | undefined> {
  // Milliseconds since the epoch, so that the workers' trace lines count from the same zero.
  const t0 = performance.timeOrigin + performance.now();
  const lap = (what: string) => plan.trace?.(`${what} at ${Math.round(performance.timeOrigin + performance.now() - t0)} ms`);
  const fallback = (why: string) => { plan.trace?.(`${plan.path}: read serially (${why})`); return undefined; };
  const delimiter = job.read.delimiter ?? (detectFormat(plan.path, job.read.format) === 'tsv' ? '\t' : ',');
  const size = plan.size;
  const progress = progressOverWorkers(plan.threads, (rows, bytes) => onProgress?.(plan.path, rows, bytes, size));
  // Range i is [starts[i], starts[i + 1]).
  let starts: number[] | undefined;
  let fd: number | undefined, next = 0;
  const handOut = (w: ReturnType<typeof startWorker<S>>) => {
    if (!starts || next >= starts.length) { w.send({ logs: true }); return; }
    const i = next++;
    w.send({ range: { index: i, start: starts[i], end: i + 1 < starts.length ? starts[i + 1] : size, firstLine: readFrom(i) } satisfies WorkerRange });
  };
  // The line breaks each range went over, as the workers report them; the workers that asked for the real first lines.
  const spans: number[] = [];
  let spansKnown = 0;
  const waiting: ReturnType<typeof startWorker<S>>[] = [];
  const answerLines = () => {
    if (!starts || spansKnown < starts.length) return;
    const firstLines = firstLinesOf(spans);
    for (const w of waiting.splice(0)) w.send({ firstLines });
  };
  const workers: ReturnType<typeof startWorker<S>>[] = [];
  for (const report of progress) {
    const w = startWorker<S>(report, ({ index, lines }) => {
      spans[index] = lines;
      spansKnown++;
      answerLines();
      handOut(w);
    }, () => { waiting.push(w); answerLines(); });
    workers.push(w);
  }
  let header: string[] | undefined;
  try {
    header = await readHeader(plan.path, job.read.format, delimiter);
    if (header) {
      fd = openSync(plan.path, 'r');
      starts = splitPoints(fd, size, rangeFractions(plan.threads), header.length, delimiter);
    }
  } finally {
    // Without ranges (or on an error) the workers stop: a waiting worker would keep the process alive.
    if (!starts) { for (const w of workers) w.stop(); if (fd !== undefined) closeSync(fd); }
  }
  if (!header || !starts) return fallback('not split');
  lap(`split into ${starts.length} ranges`);
  const shared = { ...job, path: plan.path, header, progress: onProgress !== undefined, traceFrom: t0, shares: plan.threads };
  // A failed worker stops the others: its result is not used, and one waiting for the first lines would wait for its ranges forever.
  for (const w of workers) void w.done.then((r) => { if (r === undefined) for (const other of workers) other.stop(); });
  closeSync(fd!);
  for (const w of workers) { w.send({ job: shared }); handOut(w); }
  const digest = plan.digest ? fileSha256(plan.path) : Promise.resolve('');
  // Before the workers are done: they are stopped, and the hash of the file is let finish.
  const giveUp = async (why: string) => {
    for (const w of workers) w.stop();
    await digest.catch(() => undefined);
    return fallback(why);
  };
  // The ids: every worker checks a share of the hash groups over all the workers' logs. An id seen
  // in two workers' ranges: the serial read would reject the later row, which a worker folded.
  const logs = await Promise.all(workers.map((w) => w.logs));
  lap('ranges read');
  if (logs.some((l) => l === undefined)) return giveUp('a worker failed');
  // Worker i checks share i of every worker's logs (moved to it).
  workers.forEach((w, i) => {
    const owners = (logs as HashGroups[][][]).map((byShare) => byShare[i]), [from, to] = groupShare(i, workers.length);
    w.send({ check: { owners, from, to } }, hashBuffers(owners.flat()));
  });
  const checked = await Promise.all(workers.map((w) => w.checked));
  lap('ids checked');
  if (checked.some((c) => c === undefined)) return giveUp('a worker failed');
  if (checked.some((c) => c!.across)) return giveUp('an id repeats across ranges');
  // A worker with an id repeated among its own ranges reads them again with an id table.
  workers.forEach((w, i) => w.send({ finish: { reread: checked.some((c) => c!.within[i]) } }));
  const [digestValue, ...finished] = await Promise.all([digest, ...workers.map((w) => w.done)]);
  lap('workers done');
  if (finished.some((r) => r === undefined)) return fallback('a worker failed');
  const results = finished as WorkerResult<S>[];
  const ranges: RangeResult[] = results.flatMap((r) => r.ranges).sort((a, b) => a.index - b.index);
  if (ranges.length !== starts.length) return fallback('a range was not read');
  // A range that did not end exactly at a record's end: the next one did not start at a record.
  if (ranges.slice(0, -1).some((r) => !r.endsClean)) return fallback('a split fell inside a record');
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
  const first = ranges[0].stats;
  const stats: FileStats = {
    kind, file: first.file, format: first.format, sha256: digestValue as string, bytes: size,
    rows: ranges.reduce((a, r) => a + r.stats.rows, 0), accepted: ranges.reduce((a, r) => a + r.stats.accepted, 0),
    rejected: ranges.reduce((a, r) => a + r.stats.rejected, 0),
  };
  plan.trace?.(`${plan.path}: read in ${ranges.length} ranges by ${plan.threads} workers`);
  return { states: results.map((r) => r.state), stats, rejections: ranges.flatMap((r) => r.rejections) };
}
