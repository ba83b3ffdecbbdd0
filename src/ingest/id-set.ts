/**
 * The ids seen so far in one input kind, with where each was first seen — for rejecting duplicate
 * ids (SPEC §5) without a Map entry and a string per row. Open addressing over one typed array: each
 * slot holds a 96-bit hash of the id (three 32-bit hashes; two different ids collide with odds of
 * about n²/2⁹⁷ — 6·10⁻¹⁶ for ten million ids, below the rate of memory errors) and the place of its
 * first row (file index, line): five 32-bit words, 20 bytes, read together. At most 70 % full.
 */
const WORDS = 5;

export class IdSet {
  private capacity = 1 << 16;
  private slots = new Uint32Array(this.capacity * WORDS);
  private count = 0;

  get size(): number { return this.count; }

  /** Makes room for `more` ids beyond those held, so a large input does not grow the table step by step. */
  reserve(more: number): void {
    let capacity = this.capacity;
    while (this.count + more > capacity * 0.7) capacity *= 2;
    if (capacity > this.capacity) this.grow(capacity);
  }

  /** Where `id` was first seen (file index × 2³² + line), or, when it is new, records `place` and returns −1. */
  firstOrAdd(id: string, place: number): number {
    let a = 0x811c9dc5 | 0, b = 0x9747b28c | 0, c = 0x2545f491 | 0;
    for (let i = 0; i < id.length; i++) {
      const ch = id.charCodeAt(i);
      a = Math.imul(a ^ ch, 0x01000193);
      b = Math.imul(b ^ ch, 0x5bd1e995) ^ (b >>> 15);
      c = Math.imul(c + ch, 0x27d4eb2d) ^ (c >>> 13);
    }
    const high = Math.floor(place / 2 ** 32);
    return this.firstOrAddHash(fmix(a ^ id.length) >>> 0, fmix(b + id.length) >>> 0, (fmix(c) | 1) >>> 0, high, place - high * 2 ** 32); // c ≠ 0 marks a used slot
  }

  private firstOrAddHash(a: number, b: number, c: number, high: number, low: number): number {
    const mask = this.capacity - 1, slots = this.slots;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const k = slot * WORDS;
      if (slots[k + 2] === 0) {
        slots[k] = a; slots[k + 1] = b; slots[k + 2] = c; slots[k + 3] = high; slots[k + 4] = low;
        if (++this.count > this.capacity * 0.7) this.grow();
        return -1;
      }
      if (slots[k] === a && slots[k + 1] === b && slots[k + 2] === c) return slots[k + 3] * 2 ** 32 + slots[k + 4];
    }
  }

  /** The table's contents, to send to another thread. */
  export(): Uint32Array {
    return this.slots;
  }

  /**
   * Whether two exported tables share an id: lookups only, in the larger table. (Inserting one
   * table's slots, in its slot order, into a smaller table is the worst case of linear probing —
   * runs of neighbouring hashes pile into ever longer clusters; that made a 10 M-row parallel read
   * take a quarter of an hour.)
   */
  static overlap(x: Uint32Array, y: Uint32Array): boolean {
    const [small, large] = x.length <= y.length ? [x, y] : [y, x];
    const mask = large.length / WORDS - 1;
    for (let k = 0; k < small.length; k += WORDS) {
      const c = small[k + 2];
      if (c === 0) continue;
      const a = small[k], b = small[k + 1];
      for (let slot = a & mask; ; slot = (slot + 1) & mask) {
        const j = slot * WORDS;
        if (large[j + 2] === 0) break;
        if (large[j] === a && large[j + 1] === b && large[j + 2] === c) return true;
      }
    }
    return false;
  }

  private grow(capacity = this.capacity * 2): void {
    const old = this.slots;
    this.capacity = capacity;
    const slots = (this.slots = new Uint32Array(this.capacity * WORDS));
    const mask = this.capacity - 1;
    for (let k = 0; k < old.length; k += WORDS) {
      if (old[k + 2] === 0) continue;
      let slot = old[k] & mask;
      while (slots[slot * WORDS + 2] !== 0) slot = (slot + 1) & mask;
      const to = slot * WORDS;
      slots[to] = old[k]; slots[to + 1] = old[k + 1]; slots[to + 2] = old[k + 2]; slots[to + 3] = old[k + 3]; slots[to + 4] = old[k + 4];
    }
  }
}

/** murmur3's finaliser: spreads every input bit over the output. */
function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
