/**
 * Splitting a CSV file into byte ranges that start at record boundaries, for parallel reading.
 * One sequential scan counts quotes (a quoted field has an even number of `"` in all, so the
 * parity before an offset says whether it lies inside quotes) and line feeds (so each range knows
 * its first line number). A file with a lone CR as line end is not split (lines would be miscounted).
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

export interface ByteRange { start: number; end: number; firstLine: number }

const QUOTE = 0x22, LF = 0x0a, CR = 0x0d;

export function splitCsv(path: string, parts: number): ByteRange[] | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(4 << 20);
    const ranges: ByteRange[] = [];
    let quotes = 0, lines = 1, pos = 0, start = 0, startLine = 1, k = 1;
    let target = Math.floor((size * k) / parts);
    let prevCR = false;
    while (pos < size && k < parts) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      for (let i = 0; i < n; i++) {
        const c = buf[i];
        if (prevCR && c !== LF) return undefined; // a lone CR: do not split
        prevCR = c === CR;
        if (c === QUOTE) quotes++;
        else if (c === LF) {
          lines++;
          if (pos + i >= target && quotes % 2 === 0) {
            ranges.push({ start, end: pos + i + 1, firstLine: startLine });
            start = pos + i + 1; startLine = lines; k++;
            if (k >= parts) break;
            target = Math.max(target, Math.floor((size * k) / parts));
          }
        }
      }
      pos += n;
    }
    if (start >= size) return ranges.length ? ranges : undefined;
    ranges.push({ start, end: size, firstLine: startLine });
    return ranges.length > 1 ? ranges : undefined;
  } finally {
    closeSync(fd);
  }
}
