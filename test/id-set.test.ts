import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdBatch, IdSet } from '../src/ingest/id-set.js';

/** One id looked up (and added when new) as a batch of one: where it was first seen, or −1. */
function firstOrAdd(set: IdSet, id: string, place: number): number {
  const batch = new IdBatch(), firsts = new Float64Array(1);
  batch.add(id, place);
  set.firstOrAddBatch(batch, firsts);
  return firsts[0];
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
    for (let start = 0; start < 200_000; start += 1000) {
      // Row i holds D-i when i is odd, else D-(i/2): a repeat of row i/2 when that is odd, else new.
      for (let i = start; i < start + 1000; i++) batch.add(`D-${i % 2 ? i : i / 2}`, i);
      set.firstOrAddBatch(batch, firsts);
      for (let i = start; i < start + 1000; i++) expect(firsts[i - start]).toBe(i % 2 === 0 && (i / 2) % 2 === 1 ? i / 2 : -1);
      batch.length = 0;
    }
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
    for (let i = 0; i < n; i++) expect(firstOrAdd(set, `D-${i}`, i * 2 ** 32 + i)).toBe(-1);
    for (let i = 0; i < n; i += 997) expect(firstOrAdd(set, `D-${i}`, 0)).toBe(i * 2 ** 32 + i);
    expect(firstOrAdd(set, 'D-300000', 5)).toBe(-1);
    expect(set.size).toBe(n + 1);
  });
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

describe('IdSet.overlap', () => {
  it('finds an id held by both tables, whichever is larger, and nothing when they are disjoint', () => {
    const small = new IdSet(), large = new IdSet();
    for (let i = 0; i < 1000; i++) firstOrAdd(small, `A-${i}`, i);
    for (let i = 0; i < 200_000; i++) firstOrAdd(large, `B-${i}`, i);
    expect(IdSet.overlap(small.export(), large.export())).toBe(false);
    expect(IdSet.overlap(large.export(), small.export())).toBe(false);
    firstOrAdd(large, 'A-999', 1);
    expect(IdSet.overlap(small.export(), large.export())).toBe(true);
    expect(IdSet.overlap(large.export(), small.export())).toBe(true);
  });
});
