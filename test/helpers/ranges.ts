import { closeSync, fstatSync, openSync } from 'node:fs';
import { lineBreaks, splitPoints } from '../../src/parallel/ranges.js';

/**
 * The file split into `parts` ranges of about equal size as the parallel read splits it
 * (splitPoints), each with the line it starts on (lineBreaks), as the main thread counts them.
 */
export function splitCsv(path: string, parts: number, width: number, delimiter = ','): { start: number; end: number; firstLine: number }[] | undefined {
  const fractions = Array.from({ length: parts - 1 }, (_, k) => (k + 1) / parts);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const starts = splitPoints(fd, size, fractions, width, delimiter);
    if (starts === undefined) return undefined;
    let line = 1;
    return starts.map((start, i) => {
      if (i > 0) line += lineBreaks(fd, starts[i - 1], start);
      return { start, end: i + 1 < starts.length ? starts[i + 1] : size, firstLine: line };
    });
  } finally {
    closeSync(fd);
  }
}
