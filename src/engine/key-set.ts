/**
 * A set of strings kept in typed arrays, each key numbered in the order it was first added: for a
 * fold that remembers many keys (the quality view: every e-mail seen) and hands them to another
 * thread. A Map of strings holds each key as a heap object that the collector copies and walks,
 * and a structured clone of 400 k of them took longer than reading the file; here a key is its
 * UTF-16 code units in one growing array, found through a 32-bit hash in an open-addressing table,
 * and a set packs into three typed arrays (moved between threads, not copied).
 *
 * Equal hashes are always confirmed by comparing the code units: two different keys are never
 * taken for one, whatever their hashes.
 */

/**
 * A KeySet's keys in their order: key i is units[ends[i − 1] … ends[i]) (from 0 for the first), with
 * its hash; `table`, when given, the set's lookup table as it was (fromPacked then need not build it).
 */
export interface PackedKeys { units: Uint16Array; ends: Uint32Array; hashes: Uint32Array; table?: Uint32Array }

/** The hash of a string's code units (FNV-1a over 16-bit units, then murmur3's finaliser). */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return finish(h);
}

function hashUnits(units: Uint16Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ units[i], 0x01000193);
  return finish(h);
}

function finish(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class KeySet {
  private units: Uint16Array = new Uint16Array(1 << 12);
  private unitCount = 0;
  private ends: Uint32Array = new Uint32Array(256);
  private hashes: Uint32Array = new Uint32Array(256);
  private count = 0;
  /** Per slot: the key's hash and its number + 1 (0: an empty slot). At most half full. */
  private table: Uint32Array = new Uint32Array(2 * 512);
  private mask = 511;

  get size(): number { return this.count; }
  /** The code units of every key, in all. */
  get unitsSize(): number { return this.unitCount; }

  /** A set of the packed keys of another (its arrays taken as they are: the other adds nothing more). */
  static fromPacked(packed: PackedKeys): KeySet {
    const set = new KeySet(), n = packed.ends.length;
    set.units = packed.units; set.unitCount = packed.units.length;
    set.ends = packed.ends; set.hashes = packed.hashes; set.count = n;
    if (packed.table) { set.table = packed.table; set.mask = packed.table.length / 2 - 1; return set; }
    let size = 512;
    while (size < 2 * n) size *= 2;
    set.mask = size - 1;
    set.rehash();
    return set;
  }

  /** Adds a key: −1 when it is new (it gets the number size − 1), else the number of the equal key added before. */
  add(key: string): number {
    const h = hashKey(key), n = key.length, units = this.units;
    const table = this.table, mask = this.mask;
    let s = h & mask;
    for (; ; s = (s + 1) & mask) {
      const at = table[2 * s + 1];
      if (at === 0) break;
      if (table[2 * s] !== h) continue;
      const i = at - 1, from = i === 0 ? 0 : this.ends[i - 1];
      if (this.ends[i] - from !== n) continue;
      let k = 0;
      while (k < n && units[from + k] === key.charCodeAt(k)) k++;
      if (k === n) return i;
    }
    const start = this.newKey(s, h, n);
    const into = this.units;
    for (let k = 0; k < n; k++) into[start + k] = key.charCodeAt(k);
    return -1;
  }

  /** Makes room for `keys` more keys of `units` code units in all, at once (the merge of a packed set: no growth step by step). */
  reserve(keys: number, units: number): void {
    const n = this.count + keys;
    // Grown by doubling at least: merged one range after another, the keys are copied O(1) times each.
    if (n > this.ends.length) {
      const ends = new Uint32Array(Math.max(n, 2 * this.ends.length)), hashes = new Uint32Array(ends.length);
      ends.set(this.ends.subarray(0, this.count)); hashes.set(this.hashes.subarray(0, this.count));
      this.ends = ends; this.hashes = hashes;
    }
    if (this.unitCount + units > this.units.length) {
      const grown = new Uint16Array(Math.max(this.unitCount + units, 2 * this.units.length));
      grown.set(this.units.subarray(0, this.unitCount));
      this.units = grown;
    }
    let size = this.mask + 1;
    while (2 * n > size) size *= 2;
    if (size !== this.mask + 1) { this.mask = size - 1; this.rehash(); }
  }

  /** add() of key i of a packed set (another KeySet's, read from its arrays: no string is made). */
  addPacked(packed: PackedKeys, i: number): number {
    const s = this.slotOf(packed, i), at = this.table[2 * s + 1];
    if (at !== 0) return at - 1;
    const to = packed.ends[i], from = i === 0 ? 0 : packed.ends[i - 1];
    const start = this.newKey(s, packed.hashes[i], to - from) - from;
    // Copied unit by unit: an e-mail is a few dozen units, fewer than a subarray view costs.
    const src = packed.units, units = this.units;
    for (let k = from; k < to; k++) units[start + k] = src[k];
    return -1;
  }

  /** The number of the key equal to key i of a packed set, or −1 when there is none (nothing is added). */
  findPacked(packed: PackedKeys, i: number): number {
    return this.table[2 * this.slotOf(packed, i) + 1] - 1;
  }

  /** The slot of the key equal to key i of a packed set, or of the empty slot it would take. */
  private slotOf(packed: PackedKeys, i: number): number {
    const h = packed.hashes[i], to = packed.ends[i], from = i === 0 ? 0 : packed.ends[i - 1], n = to - from;
    const src = packed.units, units = this.units, ends = this.ends;
    const table = this.table, mask = this.mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const at = table[2 * s + 1];
      if (at === 0) return s;
      if (table[2 * s] !== h) continue;
      const j = at - 1, mine = j === 0 ? 0 : ends[j - 1];
      if (ends[j] - mine !== n) continue;
      let k = 0;
      while (k < n && units[mine + k] === src[from + k]) k++;
      if (k === n) return s;
    }
  }

  /** The keys, in their order, and the lookup table (views of the set's arrays: add nothing more). */
  pack(): PackedKeys {
    return { units: this.units.subarray(0, this.unitCount), ends: this.ends.subarray(0, this.count), hashes: this.hashes.subarray(0, this.count), table: this.table };
  }

  /** Key i as a string (for tests and messages). */
  key(i: number): string {
    const from = i === 0 ? 0 : this.ends[i - 1];
    let s = '';
    for (let k = from; k < this.ends[i]; k++) s += String.fromCharCode(this.units[k]);
    return s;
  }

  /** Claims slot `s` for a new key of `n` units and hash `h`; where its units go. */
  private newKey(s: number, h: number, n: number): number {
    if (this.count === this.ends.length) {
      const ends = new Uint32Array(Math.max(this.count * 2, 256)), hashes = new Uint32Array(ends.length);
      ends.set(this.ends); hashes.set(this.hashes);
      this.ends = ends; this.hashes = hashes;
    }
    const start = this.unitCount;
    if (start + n > this.units.length) {
      const units = new Uint16Array(Math.max(this.units.length * 2, start + n, 1 << 12));
      units.set(this.units.subarray(0, start));
      this.units = units;
    }
    this.unitCount = start + n;
    this.ends[this.count] = start + n;
    this.hashes[this.count] = h;
    this.count++;
    this.table[2 * s] = h; this.table[2 * s + 1] = this.count;
    if (2 * this.count > this.mask + 1) this.grow();
    return start;
  }

  private grow(): void {
    this.mask = 2 * (this.mask + 1) - 1;
    this.rehash();
  }

  /** The table made again for `mask` (the keys are distinct: each takes the first free slot). */
  private rehash(): void {
    const mask = this.mask, table = new Uint32Array(2 * (mask + 1));
    for (let i = 0; i < this.count; i++) {
      let s = this.hashes[i] & mask;
      while (table[2 * s + 1] !== 0) s = (s + 1) & mask;
      table[2 * s] = this.hashes[i]; table[2 * s + 1] = i + 1;
    }
    this.table = table;
  }
}
