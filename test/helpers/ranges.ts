import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { splitPoints } from '../../src/parallel/ranges.js';

/** Line breaks (LF, CRLF or a lone CR, as the tokenizer counts them) in bytes [start, end) of a file. */
export function lineCount(path: string, { start, end }: { start: number; end: number }): number {
  return (readFileSync(path).subarray(start, end).toString('latin1').match(/\r\n|\r|\n/g) ?? []).length;
}

/**
 * The file split into `parts` ranges of about equal size as the parallel read splits it
 * (splitPoints), each with the line it really starts on.
 */
export function splitCsv(path: string, parts: number, width: number, delimiter = ','): { start: number; end: number; firstLine: number }[] | undefined {
  const fractions = Array.from({ length: parts - 1 }, (_, k) => (k + 1) / parts);
  const fd = openSync(path, 'r');
  let starts: number[] | undefined, size: number;
  try {
    size = fstatSync(fd).size;
    starts = splitPoints(fd, size, fractions, width, delimiter);
  } finally {
    closeSync(fd);
  }
  return starts?.map((start, i) => ({ start, end: i + 1 < starts.length ? starts[i + 1] : size, firstLine: 1 + lineCount(path, { start: 0, end: start }) }));
}
