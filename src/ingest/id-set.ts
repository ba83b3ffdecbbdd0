/**
 * The ids seen so far in one input kind, with where each was first seen — for rejecting duplicate
 * ids (SPEC §5) without a Map entry and a string per row. Open addressing over typed arrays: each
 * slot holds a 96-bit hash of the id (three 32-bit hashes; two different ids collide with odds of
 * about n²/2⁹⁷ — 6·10⁻¹⁶ for ten million ids, below the rate of memory errors) and the place of its
 * first row packed in a float64. 20 bytes a slot, at most 70 % full.
 */
export class IdSet {
  private capacity = 1 << 16;
  private keys = new Uint32Array(this.capacity * 3);
  private places = new Float64Array(this.capacity);
  private count = 0;

  get size(): number { return this.count; }

  /** Where `id` was first seen, or, when it is new, records `place` and returns −1. */
  firstOrAdd(id: string, place: number): number {
    let a = 0x811c9dc5 | 0, b = 0x9747b28c | 0, c = 0x2545f491 | 0;
    for (let i = 0; i < id.length; i++) {
      const ch = id.charCodeAt(i);
      a = Math.imul(a ^ ch, 0x01000193);
      b = Math.imul(b ^ ch, 0x5bd1e995) ^ (b >>> 15);
      c = Math.imul(c + ch, 0x27d4eb2d) ^ (c >>> 13);
    }
    return this.firstOrAddHash(fmix(a ^ id.length) >>> 0, fmix(b + id.length) >>> 0, (fmix(c) | 1) >>> 0, place); // c ≠ 0 marks a used slot
  }

  private firstOrAddHash(a: number, b: number, c: number, place: number): number {
    const mask = this.capacity - 1;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const k = slot * 3;
      if (this.keys[k + 2] === 0) {
        this.keys[k] = a; this.keys[k + 1] = b; this.keys[k + 2] = c;
        this.places[slot] = place;
        if (++this.count > this.capacity * 0.7) this.grow();
        return -1;
      }
      if (this.keys[k] === a && this.keys[k + 1] === b && this.keys[k + 2] === c) return this.places[slot];
    }
  }

  /** The table's contents, to send to another thread. */
  export(): { keys: Uint32Array; places: Float64Array } {
    return { keys: this.keys, places: this.places };
  }

  /** Adds another set's ids (read later in the input); true when any of them was already here. */
  absorb(other: { keys: Uint32Array; places: Float64Array }): boolean {
    let clash = false;
    for (let s = 0; s < other.places.length; s++) {
      const k = s * 3;
      if (other.keys[k + 2] === 0) continue;
      if (this.firstOrAddHash(other.keys[k], other.keys[k + 1], other.keys[k + 2], other.places[s]) >= 0) clash = true;
    }
    return clash;
  }

  private grow(): void {
    const oldKeys = this.keys, oldPlaces = this.places, oldCapacity = this.capacity;
    this.capacity *= 2;
    this.keys = new Uint32Array(this.capacity * 3);
    this.places = new Float64Array(this.capacity);
    const mask = this.capacity - 1;
    for (let s = 0; s < oldCapacity; s++) {
      if (oldKeys[s * 3 + 2] === 0) continue;
      let slot = oldKeys[s * 3] & mask;
      while (this.keys[slot * 3 + 2] !== 0) slot = (slot + 1) & mask;
      // Three plain stores: a subarray per entry was a typed-array object per id.
      this.keys[slot * 3] = oldKeys[s * 3]; this.keys[slot * 3 + 1] = oldKeys[s * 3 + 1]; this.keys[slot * 3 + 2] = oldKeys[s * 3 + 2];
      this.places[slot] = oldPlaces[s];
    }
  }
}

/** murmur3's finaliser: spreads every input bit over the output. */
function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
