/**
 * Reading the main input of the deals or stages view in parallel: the file is split into byte
 * ranges at record boundaries, each folded in a worker thread, and the results merged in range
 * order. The answer must be the one the serial path gives, so the parallel result is dropped
 * (and the file read serially) whenever it could differ: a split that did not fall at a record's
 * end, an id seen in two ranges (the later row must be rejected as a duplicate), ranges that
 * settled a timestamp column differently (epoch or date), or any error in a worker (the serial
 * read then reports it with its exact line).
 * Small files are not split: starting workers costs more than it saves.
 */
import { Worker } from 'node:worker_threads';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { InputKind } from '../kinds.js';
import { CsvTable, detectFormat, fileSha256, openTable, type InputFormat } from '../ingest/table.js';
import { anyRepeat, type HashGroups } from '../ingest/id-log.js';
import type { FileStats, ProgressSink } from '../ingest/read.js';
import type { Rejection } from '../ingest/rejection.js';
import { splitCsv } from './ranges.js';
import type { WorkerJob } from './worker.js';

export const DEFAULT_MIN_BYTES = 32 * 1024 * 1024;

export interface ParallelPlan { path: string; threads: number; trace?: (message: string) => void; digest: boolean }

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
  return size >= min ? { path: files[0], threads, trace, digest: flags.digest !== false } : undefined;
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

type Result<S> = { state: S; stats: FileStats; rejections: Rejection[]; ids: HashGroups[]; decisions: [string, boolean][]; endsClean: boolean };

/**
 * A worker started before its job is known: it loads its modules while the main thread reads the
 * header and splits the file, then waits for the job (or is stopped).
 */
function startWorker<S>(onProgress: (rows: number, bytes: number) => void): { run(job: WorkerJob): Promise<Result<S> | undefined>; stop(): void } {
  const worker = new Worker(new URL('./worker.js', import.meta.url));
  const result = new Promise<Result<S> | undefined>((resolve) => {
    worker.on('message', (m: { progress?: [number, number]; ok?: boolean; result?: Result<S> }) => {
      if (m.progress) { onProgress(...m.progress); return; }
      resolve(m.ok ? m.result : undefined);
      void worker.terminate();
    });
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
  return {
    run: (job) => { worker.postMessage(job); return result; },
    stop: () => { void worker.terminate(); },
  };
}

/** One progress callback per range (rows and bytes read so far in it), reporting the sums over all ranges. */
export function progressOverRanges(ranges: number, report: (rows: number, bytes: number) => void): ((rows: number, bytes: number) => void)[] {
  const rowsRead = new Array<number>(ranges).fill(0), bytesRead = new Array<number>(ranges).fill(0);
  return rowsRead.map((_, i) => (rows: number, bytes: number) => {
    rowsRead[i] = rows; bytesRead[i] = bytes;
    report(rowsRead.reduce((a, b) => a + b, 0), bytesRead.reduce((a, b) => a + b, 0));
  });
}

/** Folds the main input in parallel; undefined means: read it serially instead. */
export async function readInParallel<S>(
  kind: InputKind, plan: ParallelPlan, job: Omit<WorkerJob, 'range' | 'path' | 'progress'>,
  onProgress?: ProgressSink,
): Promise<{ states: S[]; stats: FileStats; rejections: Rejection[] } | undefined> {
  // Milliseconds since the epoch, so that the workers' trace lines count from the same zero.
  const t0 = performance.timeOrigin + performance.now();
  const lap = (what: string) => plan.trace?.(`${what} at ${Math.round(performance.timeOrigin + performance.now() - t0)} ms`);
  const fallback = (why: string) => { plan.trace?.(`${plan.path}: read serially (${why})`); return undefined; };
  const delimiter = job.read.delimiter ?? (detectFormat(plan.path, job.read.format) === 'tsv' ? '\t' : ',');
  const size = onProgress ? statSync(plan.path).size : undefined;
  const progress = progressOverRanges(plan.threads, (rows, bytes) => onProgress?.(plan.path, rows, bytes, size));
  const workers = progress.map((report) => startWorker<S>(report));
  let header: string[] | undefined, ranges: ReturnType<typeof splitCsv>;
  try {
    header = await readHeader(plan.path, job.read.format, delimiter);
    ranges = header ? splitCsv(plan.path, plan.threads, header.length, delimiter) : undefined;
  } finally {
    // A worker without a range (or all of them, on an error) stops: a waiting worker would keep the process alive.
    for (const w of workers.slice(ranges?.length ?? 0)) w.stop();
  }
  if (!header || !ranges) return fallback('not split');
  lap(`split into ${ranges.length}`);
  const [digest, ...results] = await Promise.all([
    plan.digest ? fileSha256(plan.path) : '',
    ...ranges.map((range, i) => workers[i].run({ ...job, path: plan.path, range: { ...range, header }, progress: onProgress !== undefined, traceFrom: t0 })),
  ]);
  lap('workers done');
  if (results.some((r) => r === undefined)) return fallback('a worker failed');
  const done = results as Result<S>[];
  // A range that did not end exactly at a record's end: the next one did not start at a record.
  if (done.slice(0, -1).some((r) => !r.endsClean)) return fallback('a split fell inside a record');
  // An id seen in two ranges: the serial read would reject the later row, which a worker folded.
  // (Each range's own ids are distinct: a worker reads its range again when one repeats.)
  if (anyRepeat(done.flatMap((r) => r.ids))) return fallback('an id repeats across ranges');
  lap('ids checked');
  // A timestamp column settled as epoch in one range and as dates in another.
  const settled = new Map<string, boolean>();
  for (const r of done) for (const [column, numeric] of r.decisions) {
    if (settled.has(column) && settled.get(column) !== numeric) return fallback(`ranges read "${column}" differently`);
    settled.set(column, numeric);
  }
  const first = done[0].stats;
  const stats: FileStats = {
    kind, file: first.file, format: first.format, sha256: digest as string, bytes: statSync(plan.path).size,
    rows: done.reduce((a, r) => a + r.stats.rows, 0), accepted: done.reduce((a, r) => a + r.stats.accepted, 0),
    rejected: done.reduce((a, r) => a + r.stats.rejected, 0),
  };
  plan.trace?.(`${plan.path}: read in ${ranges.length} ranges`);
  return { states: done.map((r) => r.state), stats, rejections: done.flatMap((r) => r.rejections) };
}
