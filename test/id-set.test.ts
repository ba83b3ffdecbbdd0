import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdBatch, IdSet } from '../src/ingest/id-set.js';
import { IdLog, groupHashesByShare, groupShare, repeatsAmong, type HashGroups } from '../src/ingest/id-log.js';

/** The hashes grouped in one share (as a log of one worker groups them). */
const groupHashes = (a: Uint32Array, b: Uint32Array, n: number): HashGroups => groupHashesByShare(a, b, n, 1)[0];
/** Whether any hash occurs twice among the logs of one worker. */
const anyRepeat = (logs: readonly HashGroups[]): boolean => repeatsAmong([logs]).within[0];

/** One id looked up (and added when new) as a batch of one: where it was first seen, or −1. */
const one = new IdBatch(), oneFirst = new Float64Array(1); // reused: hundreds of thousands of calls
function firstOrAdd(set: IdSet, id: string, place: number): number {
  one.length = 0;
  one.add(id, place);
  set.firstOrAddBatch(one, oneFirst);
  return oneFirst[0];
}

describe('IdSet', () => {
  it('answers batches of any size as a Map of first places does (repeats within a batch, across batches)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('D1', 'd1', '')), { maxLength: 1200 }), fc.integer({ min: 1, max: 700 }), (ids, size) => {
      const set = new IdSet(), batch = new IdBatch(), map = new Map<string, number>();
      let firsts = new Float64Array(0);
      for (let start = 0; start < ids.length; start += size) {
        const part = ids.slice(start, start + size);
        const place = (i: number) => (i % 3) * 2 ** 32 + start + i;
        part.forEach((id, i) => batch.add(id, place(i)));
        if (firsts.length < batch.length) firsts = new Float64Array(batch.length);
        set.firstOrAddBatch(batch, firsts);
        part.forEach((id, i) => expect(firsts[i]).toBe(map.has(id) ? map.get(id)! : (map.set(id, place(i)), -1)));
        batch.length = 0;
      }
      expect(set.size).toBe(map.size);
    }), { numRuns: 200 });
  });

  it('answers batches right while the table grows under them', () => {
    const set = new IdSet(), batch = new IdBatch(), firsts = new Float64Array(1000);
    const wrong: string[] = []; // one expect for the 200,000 answers (an expect each was most of the test's time)
    for (let start = 0; start < 200_000; start += 1000) {
      // Row i holds D-i when i is odd, else D-(i/2): a repeat of row i/2 when that is odd, else new.
      for (let i = start; i < start + 1000; i++) batch.add(`D-${i % 2 ? i : i / 2}`, i);
      set.firstOrAddBatch(batch, firsts);
      for (let i = start; i < start + 1000; i++) {
        const expected = i % 2 === 0 && (i / 2) % 2 === 1 ? i / 2 : -1;
        if (firsts[i - start] !== expected) wrong.push(`row ${i}: ${firsts[i - start]}, expected ${expected}`);
      }
      batch.length = 0;
    }
    expect(wrong).toEqual([]);
  });

  it('agrees with a Map on any sequence of ids (duplicates, unicode, empty, long)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('D1', 'd1', 'D1 ', '')), { maxLength: 300 }), (ids) => {
      const set = new IdSet(), map = new Map<string, number>();
      ids.forEach((id, i) => {
        const expected = map.has(id) ? map.get(id)! : (map.set(id, i), -1);
        expect(firstOrAdd(set, id, i)).toBe(expected);
      });
      expect(set.size).toBe(map.size);
    }), { numRuns: 300 });
  });

  it('keeps every id and its first place through many resizes', () => {
    const set = new IdSet();
    const n = 300_000;
    const known: number[] = [];
    for (let i = 0; i < n; i++) if (firstOrAdd(set, `D-${i}`, i * 2 ** 32 + i) !== -1) known.push(i);
    expect(known).toEqual([]);
    for (let i = 0; i < n; i += 997) expect(firstOrAdd(set, `D-${i}`, 0)).toBe(i * 2 ** 32 + i);
    expect(firstOrAdd(set, 'D-300000', 5)).toBe(-1);
    expect(set.size).toBe(n + 1);
  }, 120_000); // 300,000 ids: a few seconds of CPU; the limit is a safeguard for a busy machine, not a measure
});

describe('IdSet places', () => {
  it('gives back the first place of an id for any file index (the 255th file on is kept aside) and any line', () => {
    const set = new IdSet();
    const places = [0, 1, 2 ** 32 - 1, 254 * 2 ** 32 + 7, 255 * 2 ** 32 + 8, 256 * 2 ** 32 + 9, 70_000 * 2 ** 32 + 2 ** 32 - 1];
    places.forEach((place, i) => expect(firstOrAdd(set, `id-${i}`, place)).toBe(-1));
    places.forEach((place, i) => expect(firstOrAdd(set, `id-${i}`, 5)).toBe(place));
    // … also after the table has grown and moved every slot
    for (let i = 0; i < 100_000; i++) firstOrAdd(set, `more-${i}`, (i % 400) * 2 ** 32 + i);
    places.forEach((place, i) => expect(firstOrAdd(set, `id-${i}`, 5)).toBe(place));
    for (let i = 0; i < 100_000; i += 331) expect(firstOrAdd(set, `more-${i}`, 0)).toBe((i % 400) * 2 ** 32 + i);
  });
});

describe('IdLog and anyRepeat', () => {
  /** The ids logged by an IdLog in batches of `size`, grouped `block` at a time; every answer must be "new". */
  function logged(ids: string[], size = 100, block?: number): IdLog {
    const log = new IdLog(block), batch = new IdBatch(), firsts = new Float64Array(size).fill(7);
    for (let start = 0; start < ids.length; start += size) {
      ids.slice(start, start + size).forEach((id, i) => batch.add(id, start + i));
      log.firstOrAddBatch(batch, firsts);
      for (let i = 0; i < batch.length; i++) expect(firsts[i]).toBe(-1);
      batch.length = 0;
    }
    expect(log.size).toBe(ids.length);
    return log;
  }
  const ids = fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.string({ unit: 'binary' }), fc.constantFrom('D1', 'd1', 'D1 ', '')), { maxLength: 400 });

  it('finds a repeat in one log exactly when an id repeats (within a block or across blocks)', () => {
    fc.assert(fc.property(ids, fc.integer({ min: 1, max: 150 }), fc.integer({ min: 1, max: 90 }), (list, size, block) => {
      const groups = logged(list, size, block).groups();
      expect(groups.reduce((n, g) => n + g.a.length, 0)).toBe(list.length);
      expect(groups.slice(0, -1).every((g) => g.a.length === block)).toBe(true);
      expect(anyRepeat(groups)).toBe(new Set(list).size < list.length);
    }), { numRuns: 300 });
  });

  it('finds a repeat across logs exactly when an id repeats in one of them or is in two', () => {
    fc.assert(fc.property(fc.array(ids, { minLength: 1, maxLength: 4 }), (lists) => {
      const all = lists.flat();
      expect(anyRepeat(lists.flatMap((list) => logged(list, 100, 50).groups()))).toBe(new Set(all).size < all.length);
    }), { numRuns: 300 });
  });

  it("tells repeats within one owner's logs from an id in two owners' (workers'), in any share of the groups", () => {
    fc.assert(fc.property(fc.array(fc.array(ids, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 5 }), (byOwner, shares) => {
      // Each owner: a few logs (its ranges), together its ids.
      const owners = byOwner.map((lists) => lists.flatMap((list) => logged(list, 100, 50).groups()));
      const idsOf = byOwner.map((lists) => lists.flat());
      const across = idsOf.some((mine, o) => mine.some((id) => idsOf.some((theirs, p) => p !== o && theirs.includes(id))));
      const whole = repeatsAmong(owners);
      expect(whole.across).toBe(across);
      // Within: exact when no id is in two owners' logs (a repeat across ends the check).
      if (!across) expect(whole.within).toEqual(idsOf.map((mine) => new Set(mine).size < mine.length));
      // The shares of the groups, each checked on its own (as each worker does), say the same together.
      const parts = Array.from({ length: shares }, (_, i) => repeatsAmong(owners, ...groupShare(i, shares)));
      expect(parts.some((r) => r.across)).toBe(across);
      if (!across) expect(idsOf.map((_, o) => parts.some((r) => r.within[o]))).toEqual(whole.within);
    }), { numRuns: 200 });
    expect(groupShare(0, 3)).toEqual([0, 1365]);
    expect(groupShare(2, 3)).toEqual([2730, 4096]);
  });

  it('groups hashes by their top 12 bits, keeping the order within a group and the low 16 bits of the first word', () => {
    const a = Uint32Array.from([0xfff00001, 5, 0x0010abcd, 0xfff00000, 0x000f0007]), b = Uint32Array.from([1, 2, 3, 4, 5]);
    const g = groupHashes(a, b, 5);
    expect(Array.from(g.a)).toEqual([5, 7, 0xabcd, 1, 0]);
    expect(Array.from(g.b)).toEqual([2, 5, 3, 1, 4]);
    expect(g.starts.length).toBe(4097);
    expect([g.starts[0], g.starts[1], g.starts[2], g.starts[4095], g.starts[4096]]).toEqual([0, 2, 3, 3, 5]);
  });

  it('split into shares, each group is in its share alone, as it is in the whole grouping', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })), { maxLength: 300 }), fc.integer({ min: 1, max: 5 }), (hashes, shares) => {
      const a = Uint32Array.from(hashes, ([x]) => x), b = Uint32Array.from(hashes, ([, y]) => y);
      const whole = groupHashes(a, b, hashes.length), parts = groupHashesByShare(a, b, hashes.length, shares);
      expect(parts).toHaveLength(shares);
      // The groups that differ, gathered and compared once (an expect per group made this test slow).
      const wrong: string[] = [];
      for (let g = 0; g < 4096; g++) {
        const owner = parts.findIndex((_, s) => { const [from, to] = groupShare(s, shares); return g >= from && g < to; });
        const slice = (h: HashGroups) => [...h.a.subarray(h.starts[g], h.starts[g + 1]), -1, ...h.b.subarray(h.starts[g], h.starts[g + 1])].join();
        if (slice(parts[owner]) !== slice(whole)) wrong.push(`group ${g} in share ${owner}`);
        parts.forEach((p, s) => { if (s !== owner && p.starts[g + 1] !== p.starts[g]) wrong.push(`group ${g} also in share ${s}`); });
      }
      expect(wrong).toEqual([]);
      expect(parts.reduce((n, p) => n + p.a.length, 0)).toBe(hashes.length);
    }), { numRuns: 100 });
  });

  it('tells apart hashes that share either word, and finds equal ones wherever they are (many to a group, tables reused)', () => {
    const n = 20_000;
    // Every hash in group 0 or 1: groups of thousands, the table grown and reused between groups.
    const a = Uint32Array.from({ length: n }, (_, i) => (i % 2) << 20 | (i % 5000));
    const b = Uint32Array.from({ length: n }, (_, i) => Math.floor(i / 5000));
    expect(anyRepeat([groupHashes(a, b, n)])).toBe(false);
    const c = a.slice(), d = b.slice();
    c[n - 1] = a[3]; d[n - 1] = b[3];
    expect(anyRepeat([groupHashes(c, d, n)])).toBe(true);
    expect(anyRepeat([groupHashes(a, b, n), groupHashes(Uint32Array.of(a[12_345]), Uint32Array.of(b[12_345]), 1)])).toBe(true);
    expect(anyRepeat([groupHashes(a, b, n), groupHashes(Uint32Array.of(a[12_345]), Uint32Array.of(b[12_345] + 9), 1)])).toBe(false);
    // Bits 16–19 of the first word are not kept: hashes differing only there count as a repeat (the
    // range is then read again with an IdSet, which compares 87 bits), but not across groups.
    expect(anyRepeat([groupHashes(a, b, n), groupHashes(Uint32Array.of(a[12_345] ^ 0x000f0000), Uint32Array.of(b[12_345]), 1)])).toBe(true);
    expect(anyRepeat([groupHashes(a, b, n), groupHashes(Uint32Array.of(a[12_345] ^ 0x00100000), Uint32Array.of(b[12_345]), 1)])).toBe(false);
  });
});

describe('IdBatch.addBytes', () => {
  it("hashes an id's UTF-8 bytes as add() hashes the decoded id (ASCII read from the bytes, anything else decoded first)", () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('D1', 'é', '\uFEFFx', '😀')), { maxLength: 300 }), (ids) => {
      const fromStrings = new IdBatch(), fromBytes = new IdBatch();
      // The ids side by side in one buffer, as fields of a chunk are.
      const bytes = Buffer.from(ids.join(''));
      let at = 0;
      ids.forEach((id, i) => {
        const n = Buffer.byteLength(id);
        fromStrings.add(id, i);
        fromBytes.addBytes(bytes, at, at + n, i);
        at += n;
      });
      expect(fromBytes.length).toBe(ids.length);
      for (const k of ['a', 'b', 'tag', 'place'] as const) expect(fromBytes[k].subarray(0, ids.length)).toEqual(fromStrings[k].subarray(0, ids.length));
    }), { numRuns: 300 });
  });
});
