/**
 * The values of a text column read in place from a CSV chunk's bytes, each distinct value decoded
 * once. A dimension column (source, owner, stage …) holds a few values over millions of rows: found
 * by their bytes in a small table, its strings are made once and then shared, with no call into the
 * runtime and nothing allocated per row. (Decoding each field on its own cost ≈ 100 ns a field on
 * 10 M deal rows; slicing a decoded copy of the whole chunk was cheaper, but each chunk's text is a
 * megabyte held outside the JavaScript heap, which the collector frees late: ≈ 50 MB per worker.)
 *
 * A column of many distinct values (ids, e-mails) fills the table; from then on, and for a long
 * value, `at` answers NOT_FAST and the reader decodes the field itself (CsvTokenizer.slice).
 */
import { NOT_FAST } from './values.js';

/** Distinct values kept; the table has twice as many slots, so a probe ends soon. */
const VALUES = 1024;
const SLOTS = 2 * VALUES;
/** Longer values are not kept. */
const LONGEST = 64;

export class TextInterner {
  /** Per slot: the index of its value plus one (0: empty). */
  private readonly slots = new Int32Array(SLOTS);
  private readonly hashes = new Int32Array(VALUES);
  /** Value i's bytes are pool[from[i], from[i + 1]). */
  private readonly from = new Int32Array(VALUES + 1);
  private readonly pool = new Uint8Array(VALUES * LONGEST);
  private readonly strings: string[] = [];
  /** Keeps a byte order mark at a value's start, as the reader's own decoding does. */
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private full = false;

  /**
   * The value of bytes[start, end) (UTF-8, not empty), or NOT_FAST: for a long value, and for every
   * value once the table was full when a new one came (the column has many distinct values).
   */
  at(bytes: Uint8Array, start: number, end: number): string | typeof NOT_FAST {
    const k = this.indexAt(bytes, start, end);
    return k < 0 ? NOT_FAST : this.strings[k];
  }

  /**
   * The index of the value of bytes[start, end) (0, 1, 2 … in the order the values were first met:
   * a new value's index is the number of values met before it), or −1 where `at` answers NOT_FAST.
   * The value itself is `text(index)`.
   */
  indexAt(bytes: Uint8Array, start: number, end: number): number {
    const n = end - start;
    if (n > LONGEST || this.full) return -1;
    const h = hashOf(bytes, start, end);
    const found = this.find(bytes, start, end, h);
    if (found >= 0) return found;
    const count = this.strings.length;
    if (count === VALUES) { this.full = true; return -1; }
    const value = this.decoder.decode(bytes.subarray(start, end));
    const at = this.from[count];
    this.pool.set(bytes.subarray(start, end), at);
    this.from[count + 1] = at + n;
    this.hashes[count] = h;
    this.strings.push(value);
    let slot = h & (SLOTS - 1);
    while (this.slots[slot] !== 0) slot = (slot + 1) & (SLOTS - 1);
    this.slots[slot] = count + 1;
    return count;
  }

  /** The value of index k (see indexAt). */
  text(k: number): string { return this.strings[k]; }

  private find(bytes: Uint8Array, start: number, end: number, h: number): number {
    const slots = this.slots, pool = this.pool, from = this.from, n = end - start;
    for (let slot = h & (SLOTS - 1); ; slot = (slot + 1) & (SLOTS - 1)) {
      const k = slots[slot] - 1;
      if (k < 0) return -1;
      if (this.hashes[k] !== h || from[k + 1] - from[k] !== n) continue;
      let i = 0;
      for (const p = from[k]; i < n && pool[p + i] === bytes[start + i]; i++);
      if (i === n) return k;
    }
  }
}

/** FNV-1a over the bytes, with the length. */
function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h ^ (end - start);
}
