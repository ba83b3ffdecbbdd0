/**
 * Ids checked at the end instead of row by row: for a parallel worker's range. Each id's 64-bit
 * hash (the IdSet's first two words) is appended to a log as it is read, and grouped by the
 * hash's top bits a block at a time; when the range is done, each group is searched for a repeat
 * in a table small enough to stay in the processor's cache. A row-by-row table the size of the
 * input waits for memory on nearly every row (on 10 M rows, ≈ 1.3 s of ≈ 6.6 s); the log is
 * written in order.
 *
 * A grouped hash keeps 60 of its bits in 6 bytes: the group is its top 12, then the low 16 bits of
 * the first word and all of the second (8 bytes with every bit: 20 MB more at 10 M ids, most of
 * the memory a parallel read holds for its rows).
 *
 * The log cannot say which row repeated which, so it only answers whether any hash repeats. A
 * repeat (a duplicate id, or — odds about n²/2⁶¹, 4·10⁻⁵ for ten million ids — two ids whose
 * kept bits agree) sends the range to be read again with an IdSet, which rejects duplicates as the
 * serial read does. No duplicate is ever missed: equal ids have equal hashes.
 */
import type { IdBatch, IdCheck } from './id-set.js';

/**
 * The hashes grouped by their top 12 bits: group g is a[starts[g] … starts[g + 1]) and the same of
 * b, where a holds the low 16 bits of each hash's first word and b its second word.
 */
export interface HashGroups { a: Uint16Array; b: Uint32Array; starts: Uint32Array }

const GROUP_BITS = 12;
const GROUPS = 1 << GROUP_BITS;

/**
 * Ids a log groups at a time. The block's two arrays are a worker's working space on top of its
 * grouped hashes: 2 MiB at this size (at 1 M ids they were 8 MiB, and 10 M deals peaked ≈ 13 MB
 * higher); smaller blocks make more logs for repeatsAmong to go over (64 K: the check took 40 % longer).
 */
const BLOCK = 1 << 18;

export class IdLog implements IdCheck {
  readonly checksLater = true;
  private a: Uint32Array;
  private b: Uint32Array;
  /** Hashes in a and b, not grouped yet. */
  private fill = 0;
  /** Per share of the groups (see groupHashesByShare), the grouped blocks. */
  private readonly blocks: HashGroups[][];
  private count = 0;

  /** `block`: ids grouped at a time (smaller only in tests); `shares`: see groupHashesByShare. */
  constructor(private readonly block = BLOCK, private readonly shares = 1) {
    this.blocks = Array.from({ length: shares }, () => []);
    this.a = new Uint32Array(Math.min(1 << 12, block));
    this.b = new Uint32Array(this.a.length);
  }

  get size(): number { return this.count; }

  /** Nothing to do: the log grows a block at a time. */
  reserve(): void {}

  /** Logs a batch of ids; each is answered "new" (−1), as the log checks for repeats only in groups(). */
  firstOrAddBatch(batch: IdBatch, firsts: Float64Array): void {
    const n = batch.length;
    for (let i = 0; i < n;) {
      if (this.fill === this.a.length) {
        if (this.fill === this.block) this.seal();
        else this.grow();
      }
      const k = Math.min(n - i, this.a.length - this.fill);
      this.a.set(batch.a.subarray(i, i + k), this.fill);
      this.b.set(batch.b.subarray(i, i + k), this.fill);
      this.fill += k; i += k;
    }
    this.count += n;
    firsts.fill(-1, 0, n);
  }

  /**
   * The logged hashes, grouped a block at a time (for repeatsAmong, which takes the blocks as so
   * many logs). Grouping a block as it fills moves each hash once, in
   * cache; grouping the whole log at the end, in place, cost ≈ 0.18 s per 5 M ids in cache misses.
   */
  groups(): HashGroups[] {
    return this.byShare().flat();
  }

  /** groups(), by share of the groups. */
  byShare(): HashGroups[][] {
    this.seal();
    return this.blocks;
  }

  /**
   * A range is read: the hashes logged since the last block, when there are many (a sixteenth of a
   * block or more), are grouped now, while the other threads still read, not all after the last
   * range (≈ 50 ms per 200 K ids on the main thread). A few small ranges' wait for the next.
   */
  rangeRead(): void {
    if (this.fill >= this.block >>> 4) this.seal();
  }

  private seal(): void {
    if (this.fill > 0) groupHashesByShare(this.a, this.b, this.fill, this.shares).forEach((g, s) => this.blocks[s].push(g));
    this.fill = 0;
  }

  private grow(): void {
    const size = Math.min(this.a.length * 2, this.block);
    const a = new Uint32Array(size), b = new Uint32Array(size);
    a.set(this.a.subarray(0, this.fill)); b.set(this.b.subarray(0, this.fill));
    this.a = a; this.b = b;
  }
}

/**
 * The first `n` hashes (a[i], b[i]), grouped by a's top bits (and the middle bits of a dropped):
 * one counting pass and one pass that moves each hash to its group. Within a group, the order is
 * kept. The groups are split into `shares` equal shares (groupShare), each in arrays of its own: the parallel workers each check one share of every worker's logs, and a share's arrays are
 * moved to the worker that checks it, not copied. (Kept in memory shared between the workers, the
 * logs were never reused by the allocator as memory freed during the read is: 10 M deals peaked
 * ≈ 25 MB higher.) A share's `starts` are full-length, and empty outside its groups.
 */
export function groupHashesByShare(a: Uint32Array, b: Uint32Array, n: number, shares: number): HashGroups[] {
  const starts = new Uint32Array(GROUPS + 1);
  for (let i = 0; i < n; i++) starts[(a[i] >>> (32 - GROUP_BITS)) + 1]++;
  for (let g = 0; g < GROUPS; g++) starts[g + 1] += starts[g];
  // Per group: its share, and where its next hash goes in that share's arrays.
  const shareOf = new Uint16Array(GROUPS), next = new Uint32Array(GROUPS);
  const out: HashGroups[] = [];
  for (let s = 0; s < shares; s++) {
    const [from, to] = groupShare(s, shares), lo = starts[from], hi = starts[to];
    const own = new Uint32Array(GROUPS + 1);
    for (let g = 0; g <= GROUPS; g++) own[g] = Math.min(Math.max(starts[g], lo), hi) - lo;
    for (let g = from; g < to; g++) { shareOf[g] = s; next[g] = own[g]; }
    out.push({ a: new Uint16Array(hi - lo), b: new Uint32Array(hi - lo), starts: own });
  }
  for (let i = 0; i < n; i++) {
    const x = a[i], g = x >>> (32 - GROUP_BITS), share = out[shareOf[g]], to = next[g]++;
    share.a[to] = x & 0xffff; share.b[to] = b[i];
  }
  return out;
}

/** Where repeats were found by repeatsAmong: within one owner's logs (by owner), or across two owners'. */
export interface Repeats { within: boolean[]; across: boolean }

/**
 * The repeats among the grouped logs of several owners (parallel workers), in groups [from, to):
 * whether a hash occurs twice in one owner's logs, and whether one occurs in two owners' logs. The
 * groups split the work: each worker checks a share of them over every worker's logs of that
 * share (groupHashesByShare: moved to it). Group by group: a group's hashes from every log go into one
 * open-addressing table sized for that group only (a few thousand hashes: it stays in cache),
 * with the owner of each; a slot is in use when its mark is the group's number, so the table is
 * never cleared. A repeat across owners ends the check (the read is then made serially anyway).
 */
export function repeatsAmong(owners: readonly (readonly HashGroups[])[], from = 0, to = GROUPS): Repeats {
  const within = owners.map(() => false);
  // A slot is 4 words — its mark (the group's number), the hash's two parts, its owner — so that a
  // probe touches one cache line (in four arrays, one each, the check of 10 M ids took ≈ 15 % longer).
  let size = 0, table = new Uint32Array(0);
  for (let g = from; g < to; g++) {
    let n = 0;
    for (const logs of owners) for (const log of logs) n += log.starts[g + 1] - log.starts[g];
    if (n < 2) continue;
    if (2 * n > size) {
      while (2 * n > size) size = Math.max(size * 2, 64);
      table = new Uint32Array(size * 4);
    }
    const mask = size - 1, stamp = g + 1;
    for (let o = 0; o < owners.length; o++) {
      for (const { a, b, starts } of owners[o]) {
        for (let i = starts[g]; i < starts[g + 1]; i++) {
          const x = a[i], y = b[i];
          // The low bits of b place it (b is a hash word of its own; a's top bits are the group's).
          for (let s = y & mask; ; s = (s + 1) & mask) {
            const k = s * 4;
            if (table[k] !== stamp) { table[k] = stamp; table[k + 1] = x; table[k + 2] = y; table[k + 3] = o; break; }
            if (table[k + 1] === x && table[k + 2] === y) {
              if (table[k + 3] !== o) return { within, across: true };
              within[o] = true;
              break;
            }
          }
        }
      }
    }
  }
  return { within, across: false };
}

/** The buffers of grouped logs, to move them to another thread (postMessage's transfer list). */
export const hashBuffers = (logs: readonly HashGroups[]): ArrayBuffer[] => logs.flatMap((g) => [g.a.buffer, g.b.buffer, g.starts.buffer] as ArrayBuffer[]);

/** The groups [from, to) of the share `i` of `shares` equal shares. */
export function groupShare(i: number, shares: number): [number, number] {
  return [Math.floor((i * GROUPS) / shares), Math.floor(((i + 1) * GROUPS) / shares)];
}
