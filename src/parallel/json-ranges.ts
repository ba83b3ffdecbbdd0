/**
 * Splitting a JSON array of objects into byte ranges that start at an element, for parallel
 * reading, without scanning the file from its start for strings: near each split target, the first
 * `}`, comma and `{` (white space between them allowed) from which a run of plain elements follows
 * is taken, the range starting at that `{`. That is a guess — on one line, `},{` may be text inside
 * a string, and an element may hold an array of objects — so it is checked: the range before a
 * boundary must end exactly there, after a comma of the array itself (JsonArrayTable.endsClean);
 * if not, the caller reads the file serially. A raw line break never occurs inside a JSON string,
 * so in a pretty-printed array (a line break among that white space) a guess is never inside one.
 */
import { readSync } from 'node:fs';
import { JsonLines, valueEnd } from '../ingest/formats/json-scan.js';
import { ObjectLayout } from '../ingest/formats/objects.js';

const OPEN = 0x7b, CLOSE = 0x7d, COMMA = 0x2c, QUOTE = 0x22, BRACKET_CLOSE = 0x5d;
const isWhite = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/** Bytes looked at after a split target; the elements that must follow a guess as plain objects; the bytes searched in all per target. */
const WINDOW = 256 * 1024, CHECK_ELEMENTS = 16, SCAN_BUDGET = 16 * WINDOW;

/** The first non-white byte at or after i (n when none). */
function skipWhite(b: Uint8Array, i: number, n: number): number {
  while (i < n && isWhite(b[i])) i++;
  return i;
}

/**
 * Whether plain elements follow the brace at buf[at] (buf holds bytes [0, n) of the file from
 * some offset; `toEnd`: n reaches the file's end): CHECK_ELEMENTS of them, each followed by a
 * comma, or fewer when the array's `]` and the file's end come first, or when the window ends
 * after two (elements that large are rare). `work` counts the bytes looked at.
 */
function plainRun(buf: Buffer, at: number, n: number, toEnd: boolean, work: { bytes: number }): boolean {
  const lines = new JsonLines(new ObjectLayout(), () => undefined);
  lines.begin(buf);
  let good = 0;
  for (let p = at; good < CHECK_ELEMENTS;) {
    const e = valueEnd(buf, p, n);
    work.bytes += (e < 0 ? n : e) - p;
    if (e < 0) return good >= 2 && !toEnd;
    if (!lines.addObject(p, e, 0)) return false;
    good++;
    const q = skipWhite(buf, e, n);
    if (q >= n) return good >= 2 && !toEnd;
    if (buf[q] === BRACKET_CLOSE) return toEnd && skipWhite(buf, q + 1, n) === n;
    if (buf[q] !== COMMA) return false;
    p = skipWhite(buf, q + 1, n);
    if (p >= n) return good >= 2 && !toEnd;
    if (buf[p] !== OPEN) return false;
  }
  return true;
}

/**
 * An element's start at or after `target` (the `{` after `}`, a comma and white space, with plain
 * elements from there: see plainRun), or −1 when none is found within SCAN_BUDGET bytes (of the
 * file, and of checks: `work`, when given, counts the bytes the checks looked at).
 */
export function elementNear(fd: number, size: number, target: number, work = { bytes: 0 }): number {
  const buf = Buffer.allocUnsafe(WINDOW);
  for (let pos = target; pos < size && pos - target < SCAN_BUDGET && work.bytes < SCAN_BUDGET;) {
    const n = readSync(fd, buf, 0, Math.min(WINDOW, size - pos), pos);
    if (n === 0) break;
    const toEnd = pos + n >= size;
    let next = n; // where the next window starts (at the last `}` not settled in this one)
    for (let c = buf.indexOf(CLOSE); c !== -1; c = buf.indexOf(CLOSE, c + 1)) {
      if (c >= n) break;
      const comma = skipWhite(buf, c + 1, n);
      const brace = comma < n && buf[comma] === COMMA ? skipWhite(buf, comma + 1, n) : comma;
      if (brace >= n) { next = c; break; } // cut off by the window: looked at again in the next one
      if (buf[comma] !== COMMA || buf[brace] !== OPEN) continue;
      const key = skipWhite(buf, brace + 1, n);
      if (key < n && buf[key] !== QUOTE && buf[key] !== CLOSE) continue;
      if (plainRun(buf, brace, n, toEnd, work)) return pos + brace;
      if (work.bytes >= SCAN_BUDGET) return -1;
    }
    if (toEnd || next === 0) break;
    pos += next;
  }
  return -1;
}

/**
 * The ranges' starts (the first is 0): an element's start near each target (a fraction of the
 * file's size, ascending); undefined when a target has none near it or the file gives fewer than
 * two ranges. Targets that fall on the same element give one range.
 */
export function arraySplitPoints(fd: number, size: number, fractions: readonly number[]): number[] | undefined {
  const starts = [0];
  for (const fraction of fractions) {
    const target = Math.max(Math.floor(size * fraction), starts[starts.length - 1] + 1);
    if (target >= size) break;
    const at = elementNear(fd, size, target);
    if (at < 0) return undefined;
    if (at > starts[starts.length - 1] && at < size) starts.push(at);
  }
  return starts.length < 2 ? undefined : starts;
}
