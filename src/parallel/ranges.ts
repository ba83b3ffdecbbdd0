/**
 * Splitting a CSV file into byte ranges that start at record boundaries, for parallel reading,
 * without scanning the file for quotes: near each split target, the first line start from which a
 * window of records tokenizes cleanly with the header's width is taken. That is a guess — a line
 * inside a quoted field could look like records — so it is checked: the worker reading the range
 * before a boundary must end exactly there, outside any record (`endsClean`); if not, the caller
 * reads the file serially. Each range's lines are counted by the worker that reads it.
 */
import { readSync } from 'node:fs';
import { CsvTokenizer } from '../ingest/csv.js';

const LF = 0x0a, CR = 0x0d;
/** Bytes looked at after a split target, and the records that must tokenize cleanly there. */
const WINDOW = 256 * 1024, CHECK_RECORDS = 64;

/**
 * The bytes a search near one target may tokenize in all, as a multiple of the window: past it the
 * file is read serially. A line inside a long quoted field looks like a record start, and each such
 * guess costs a scan; this keeps the search linear in the window whatever the file holds.
 */
const SCAN_BUDGET = 16 * WINDOW;

/** Thrown from the record callback to stop a scan once its answer is known. */
const SETTLED = new Error('settled');

/**
 * A record boundary at or after `target` (a line start whose following records look right), or −1.
 * `work`, when given, counts the bytes tokenized (for tests of the search's cost).
 */
export function boundaryNear(fd: number, size: number, target: number, width: number, delimiter: string, work?: { bytes: number }): number {
  const buf = Buffer.allocUnsafe(Math.min(WINDOW, size - target));
  const n = readSync(fd, buf, 0, buf.length, target);
  let budget = SCAN_BUDGET;
  for (let lf = buf.indexOf(LF); lf !== -1 && lf + 1 < n; lf = buf.indexOf(LF, lf + 1)) {
    // A blank line is skipped by the tokenizer: a guess there reads the same records as one at the
    // next line with text, which is tried instead (a run of blank lines costs one scan, not one each).
    if (buf[lf + 1] === LF || buf[lf + 1] === CR) continue;
    const tokenizer = new CsvTokenizer(delimiter);
    const from = lf + 1;
    let records = 0, ok = true, scanned = n - from;
    try {
      // Scanned as the input's end (the JavaScript scan, record by record: the structural kernel
      // would look at a whole window of its own first); a record cut off by the window's end is
      // then bad, which settles nothing that fewer than CHECK_RECORDS good ones had not.
      tokenizer.scanChunk(buf.subarray(from, n), true, () => {
        if (tokenizer.error !== undefined || tokenizer.fieldCount !== width) ok = false;
        else records++;
        // The answer is known at the first bad record or the last one needed: the rest is not scanned.
        if (!ok || records >= CHECK_RECORDS) { scanned = tokenizer.recordEnd; throw SETTLED; }
      });
    } catch (err) { if (err !== SETTLED) ok = false; }
    if (work) work.bytes += scanned;
    if (ok && (records >= CHECK_RECORDS || (records > 0 && target + n >= size))) return target + from;
    if ((budget -= scanned) <= 0) return -1;
  }
  return -1;
}

/**
 * The ranges' starts (the first is 0): a record boundary near each target (a fraction of the
 * file's size, ascending), without counting lines; undefined when a target has no boundary near it
 * or the file gives fewer than two ranges. Targets that fall on the same boundary give one range.
 */
export function splitPoints(fd: number, size: number, fractions: readonly number[], width: number, delimiter: string): number[] | undefined {
  const starts = [0];
  for (const fraction of fractions) {
    const target = Math.max(Math.floor(size * fraction), starts[starts.length - 1] + 1);
    if (target >= size) break;
    const at = boundaryNear(fd, size, target, width, delimiter);
    if (at < 0) return undefined;
    if (at > starts[starts.length - 1] && at < size) starts.push(at);
  }
  return starts.length < 2 ? undefined : starts;
}

/**
 * Where the ranges for `threads` reading threads end, as fractions of the file: 5 ranges per
 * thread, of falling size (the first `threads` hold 60 % of the file, the next 25 %, then 10 %, 4 %
 * and 1 %). Threads take the next range when they finish one, so one that runs slower (a busy core,
 * pages not in the cache) takes fewer, and the last ranges are small: the threads end close together.
 */
export function rangeFractions(threads: number): number[] {
  const ends: number[] = [];
  let at = 0;
  for (const share of [0.6, 0.25, 0.1, 0.04, 0.01]) for (let i = 0; i < threads; i++) ends.push((at += share / threads));
  return ends.slice(0, -1);
}

/**
 * The ranges' starts for a file whose records are lines that a line break always ends (NDJSON: a
 * JSON string holds no raw line break): the line start at or after each target, found within
 * SCAN_BUDGET bytes of it; undefined when one is not, or the file gives fewer than two ranges.
 */
export function lineSplitPoints(fd: number, size: number, fractions: readonly number[]): number[] | undefined {
  const starts = [0];
  const buf = Buffer.allocUnsafe(WINDOW);
  for (const fraction of fractions) {
    const target = Math.max(Math.floor(size * fraction), starts[starts.length - 1] + 1);
    if (target >= size) break;
    let at = -1;
    for (let pos = target; at < 0 && pos < size && pos - target < SCAN_BUDGET;) {
      const n = readSync(fd, buf, 0, Math.min(WINDOW, size - pos), pos);
      if (n === 0) break;
      const lf = buf.subarray(0, n).indexOf(LF);
      if (lf !== -1) at = pos + lf + 1;
      pos += n;
    }
    if (at < 0) return undefined;
    if (at > starts[starts.length - 1] && at < size) starts.push(at);
  }
  return starts.length < 2 ? undefined : starts;
}
