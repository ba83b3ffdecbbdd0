/**
 * The ids seen so far in one input kind, with where each was first seen — for rejecting duplicate
 * ids without a Map entry and a string per row. Open addressing over one typed array of
 * 16-byte slots (four to a cache line, none straddling two): an 87-bit hash of the id (two 32-bit
 * hashes and 23 bits of a third; two different ids collide with odds of about n²/2⁸⁸ — 3·10⁻¹³ for
 * ten million ids, far below the rate of memory errors), a used mark, and the place of its first
 * row: the file's index in the slot's last 8 bits (files from the 255th on are kept aside) and the
 * line. At most 70 % full.
 */

/** What reading needs of an id check: an IdSet (row by row) or an IdLog (repeats looked for at the end). */
export interface IdCheck {
  /**
   * Whether every id is answered "new" when added and repeats are looked for later (IdLog): then a
   * row need not wait for its id's answer before it is folded.
   */
  readonly checksLater: boolean;
  reserve(more: number): void;
  /** For each id of the batch: where it was first seen (file index × 2³² + line), or −1 for new. */
  firstOrAddBatch(batch: IdBatch, firsts: Float64Array): void;
}

const WORDS = 4;
/** The file-index byte that says: the index is in `laterFiles`. */
const MANY = 255;
/** Bits of word 2 that hold the third hash and the used mark (bit 8, so a used slot is never 0). */
const TAG = 0xffffff00;

export class IdSet implements IdCheck {
  readonly checksLater = false;
  private capacity = 1 << 16;
  private slots = new Uint32Array(this.capacity * WORDS);
  private count = 0;
  /** File indexes from 255 on, by the id's hash. */
  private readonly laterFiles = new Map<string, number>();

  get size(): number { return this.count; }

  /** Makes room for `more` ids beyond those held, so a large input does not grow the table step by step. */
  reserve(more: number): void {
    let capacity = this.capacity;
    while (this.count + more > capacity * 0.7) capacity *= 2;
    if (capacity > this.capacity) this.grow(capacity);
  }

  /**
   * For each id of a batch, in order: `firsts[i]` is where id i was first seen (file index × 2³² +
   * line), or −1 when it was new (its place is then recorded). The same answers as looking the ids
   * up one by one; but the slots are touched first, in a loop of independent reads the processor
   * overlaps, so the batch waits for memory about once instead of once per id (a probe per row,
   * between rows' parsing, waited for its own cache miss every time: most of this check's cost on
   * large inputs).
   */
  firstOrAddBatch(batch: IdBatch, firsts: Float64Array): void {
    const mask = this.capacity - 1, slots = this.slots, a = batch.a;
    let touched = 0;
    for (let i = 0; i < batch.length; i++) touched |= slots[(a[i] & mask) * WORDS + 2];
    sink = touched;
    for (let i = 0; i < batch.length; i++) firsts[i] = this.probe(a[i], batch.b[i], batch.tag[i], batch.place[i]);
  }

  private probe(a: number, b: number, tag: number, place: number): number {
    const file = Math.floor(place / 2 ** 32), line = place - file * 2 ** 32;
    const mask = this.capacity - 1, slots = this.slots;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const k = slot * WORDS;
      const w = slots[k + 2];
      if (w === 0) {
        slots[k] = a; slots[k + 1] = b; slots[k + 2] = tag | (file < MANY ? file : MANY); slots[k + 3] = line;
        if (file >= MANY) this.laterFiles.set(`${a},${b},${tag}`, file);
        if (++this.count > this.capacity * 0.7) this.grow();
        return -1;
      }
      if (slots[k] === a && slots[k + 1] === b && ((w & TAG) >>> 0) === tag) {
        const byte = w & 0xff;
        return (byte < MANY ? byte : this.laterFiles.get(`${a},${b},${tag}`)!) * 2 ** 32 + slots[k + 3];
      }
    }
  }

  private grow(capacity = this.capacity * 2): void {
    const old = this.slots;
    this.capacity = capacity;
    const slots = (this.slots = new Uint32Array(this.capacity * WORDS));
    // Nothing to move (a reserve before the first id): the loop below runs once per file, cold, ≈ 10 ms over 2¹⁶ empty slots.
    if (this.count === 0) return;
    const mask = this.capacity - 1;
    for (let k = 0; k < old.length; k += WORDS) {
      if (old[k + 2] === 0) continue;
      let slot = old[k] & mask;
      while (slots[slot * WORDS + 2] !== 0) slot = (slot + 1) & mask;
      const to = slot * WORDS;
      slots[to] = old[k]; slots[to + 1] = old[k + 1]; slots[to + 2] = old[k + 2]; slots[to + 3] = old[k + 3];
    }
  }
}

/** Where the touching loop's reads go, so they are not optimised away. */
let sink = 0;

/** Ids to check in one firstOrAddBatch call: their hashes and places, in reading order. */
export class IdBatch {
  a = new Uint32Array(256);
  b = new Uint32Array(256);
  tag = new Uint32Array(256);
  place = new Float64Array(256);
  length = 0;

  add(id: string, place: number): void {
    hashId(id, this, this.next(place));
  }

  /**
   * The same as add(bytes[start, end) decoded as UTF-8), with no string made when the bytes are
   * ASCII (each byte is then the UTF-16 code unit hashId reads).
   */
  addBytes(bytes: Buffer, start: number, end: number, place: number): void {
    let a = 0x811c9dc5 | 0, b = 0x9747b28c | 0, c = 0x2545f491 | 0, high = 0;
    for (let i = start; i < end; i++) {
      const ch = bytes[i];
      high |= ch;
      a = Math.imul(a ^ ch, 0x01000193);
      b = Math.imul(b ^ ch, 0x5bd1e995) ^ (b >>> 15);
      c = Math.imul(c + ch, 0x27d4eb2d) ^ (c >>> 13);
    }
    if (high >= 0x80) { this.add(bytes.toString('utf8', start, end), place); return; }
    writeHash(this, this.next(place), a, b, c, end - start);
  }

  /** The place of the next id (its `place` recorded), the arrays grown when full. */
  private next(place: number): number {
    if (this.length === this.a.length) {
      const grow = <T extends Uint32Array | Float64Array>(x: T, y: T): T => { y.set(x); return y; };
      const size = this.length * 2;
      this.a = grow(this.a, new Uint32Array(size)); this.b = grow(this.b, new Uint32Array(size));
      this.tag = grow(this.tag, new Uint32Array(size)); this.place = grow(this.place, new Float64Array(size));
    }
    this.place[this.length] = place;
    return this.length++;
  }
}

/** The id's 87-bit hash: two 32-bit hashes and, with the used mark, the tag word; written at `at`. (IdBatch.addBytes repeats it over bytes.) */
function hashId(id: string, into: { a: Uint32Array; b: Uint32Array; tag: Uint32Array }, at: number): void {
  let a = 0x811c9dc5 | 0, b = 0x9747b28c | 0, c = 0x2545f491 | 0;
  for (let i = 0; i < id.length; i++) {
    const ch = id.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193);
    b = Math.imul(b ^ ch, 0x5bd1e995) ^ (b >>> 15);
    c = Math.imul(c + ch, 0x27d4eb2d) ^ (c >>> 13);
  }
  writeHash(into, at, a, b, c, id.length);
}

/** The hash of an id of `n` code units from its three running hashes, finished and written at `at` (hashId, IdBatch.addBytes). */
function writeHash(into: { a: Uint32Array; b: Uint32Array; tag: Uint32Array }, at: number, a: number, b: number, c: number, n: number): void {
  into.a[at] = fmix(a ^ n); into.b[at] = fmix(b + n);
  into.tag[at] = (fmix(c) & 0xfffffe00) | 0x100;
}

/** murmur3's finaliser: spreads every input bit over the output. */
function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
