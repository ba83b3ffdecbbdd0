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

const LF = 0x0a;
/** Bytes looked at after a split target, and the records that must tokenize cleanly there. */
const WINDOW = 256 * 1024, CHECK_RECORDS = 64;

/** A record boundary at or after `target` (a line start whose following records look right), or −1. */
function boundaryNear(fd: number, size: number, target: number, width: number, delimiter: string): number {
  const buf = Buffer.allocUnsafe(Math.min(WINDOW, size - target));
  const n = readSync(fd, buf, 0, buf.length, target);
  for (let lf = buf.indexOf(LF); lf !== -1 && lf + 1 < n; lf = buf.indexOf(LF, lf + 1)) {
    const tokenizer = new CsvTokenizer(delimiter);
    let records = 0, ok = true;
    try {
      tokenizer.scanChunk(buf.subarray(lf + 1, n), false, () => {
        if (!ok || records >= CHECK_RECORDS) return;
        if (tokenizer.error !== undefined || tokenizer.fieldCount !== width) ok = false;
        records++;
      });
    } catch { ok = false; }
    if (ok && (records >= CHECK_RECORDS || (records > 0 && target + n >= size))) return target + lf + 1;
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
