import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { kthOfParts, maxOfFirst, mergeValues, newValues, pushValue, selectOfParts, selectValue, sortValues, sortedValues, takeValues, unionValues, valueList } from '../src/metrics/values.js';
import { mean, median, p90 } from '../src/metrics/types.js';

const listOf = (xs: number[], sort: boolean) => {
  const v = newValues();
  for (const x of xs) pushValue(v, x);
  if (sort) sortValues(v);
  return v;
};
const num = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => x + 0);

describe('kept values (exact medians)', () => {
  it('merging sorted or unsorted lists in any grouping gives the sorted union, and the same median, p90 and mean', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.array(num, { maxLength: 40 }), fc.boolean()), { maxLength: 6 }), (parts) => {
      const all = parts.flatMap(([xs]) => xs);
      const merged = newValues();
      for (const [xs, sort] of parts) mergeValues(merged, listOf(xs, sort));
      const expected = Float64Array.from(all).sort();
      expect(Array.from(sortedValues(merged))).toEqual(Array.from(expected));
      const whole = listOf(all, false);
      expect([median(merged), p90(merged), mean(merged)]).toEqual([median(whole), p90(whole), mean(whole)]);
      if (parts.every(([, sort]) => sort)) expect(merged.sorted).toBe(true); // sorted lists merge in one pass
    }), { numRuns: 300 });
  });

  it('the union of several lists (a totals row from its cells) is their sorted union, and leaves each list its values', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.array(num, { maxLength: 40 }), fc.boolean()), { maxLength: 9 }), (parts) => {
      const lists = parts.map(([xs, sort]) => listOf(xs, sort));
      const all = parts.flatMap(([xs]) => xs);
      const whole = listOf(all, false);
      // Median and p90 first, from the parts (not merged); then the mean, which merges them.
      const union = unionValues(lists);
      expect([median(union), p90(union)]).toEqual([median(whole), p90(whole)]);
      expect(mean(union)).toEqual(mean(whole));
      expect(Array.from(sortedValues(union))).toEqual(Array.from(Float64Array.from(all).sort()));
      // Each list keeps its values (a median may have reordered them).
      parts.forEach(([xs], i) => expect(Array.from(Float64Array.from(valueList(lists[i])).sort())).toEqual(Array.from(Float64Array.from(xs).sort())));
    }), { numRuns: 300 });
  });

  it('the k-th smallest of sorted lists, picked without merging them, is the k-th of their sorted union (repeats, disjoint ranges, many lists)', () => {
    const list = fc.oneof(
      fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 30 }), // many repeats
      fc.array(num, { maxLength: 60 }),
      fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.nat({ max: 50 })).map(([at, n]) => Array.from({ length: n }, (_, i) => at * 100 + i)), // a range of its own
    );
    fc.assert(fc.property(fc.array(list, { maxLength: 40 }), (lists) => {
      const parts = lists.map((xs) => Float64Array.from(xs).sort());
      const all = Float64Array.from(lists.flat()).sort();
      for (let k = 0; k < all.length; k++) expect(kthOfParts(parts, k)).toBe(all[k]);
      expect(() => kthOfParts(parts, all.length)).toThrow(RangeError);
    }), { numRuns: 300 });
  });

  it('the k-th smallest of lists in no order (and the one below it), selected in place without copying them, are those of their sorted union (repeats, shapes, empty lists)', () => {
    const list = fc.oneof(
      fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 80 }), // many repeats
      fc.array(num, { maxLength: 120 }),
      fc.nat({ max: 200 }).map((n) => Array.from({ length: n }, (_, i) => n - i)), // descending
      fc.nat({ max: 200 }).map((n) => Array.from({ length: n }, () => 7)), // all equal
    );
    fc.assert(fc.property(fc.array(list, { minLength: 1, maxLength: 12 }), fc.nat(), (lists, pick) => {
      const all = Float64Array.from(lists.flat()).sort();
      if (all.length === 0) return;
      const parts = lists.map((xs) => Float64Array.from(xs));
      // A few k, one after another on the same parts (a median's two middles, then p90): each leaves the parts reordered.
      for (const k of [pick % all.length, (pick >> 1) % all.length, all.length - 1, 0]) {
        const below = { value: NaN };
        expect(selectOfParts(parts, k, below)).toBe(all[k]);
        expect(below.value).toBe(k > 0 ? all[k - 1] : -Infinity); // the value just below, for a median's lower middle
        expect(selectOfParts(parts, k)).toBe(all[k]);
      }
      // The same values, each list its own.
      parts.forEach((p, i) => expect(Array.from(p.slice().sort())).toEqual(Array.from(Float64Array.from(lists[i]).sort())));
      expect(() => selectOfParts(parts, all.length)).toThrow(RangeError);
    }), { numRuns: 400 });
  });

  it('a list taken over from a worker joins the lists before it as a part (not copied); median, p90 and mean are those of the whole', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.array(num, { maxLength: 60 }), fc.boolean()), { minLength: 1, maxLength: 5 }), (states) => {
      const into = newValues(), taken = states.map(([xs, sort]) => listOf(xs, sort));
      for (const v of taken) takeValues(into, v);
      const all = states.flatMap(([xs]) => xs);
      if (all.length === 0) { expect(into.length).toBe(0); return; }
      // Every non-empty list's array is used as it is.
      const used = taken.filter((v) => v.length > 0);
      const arrays = into.parts ?? [into.data];
      expect(arrays.map((a) => a.buffer)).toEqual(used.map((v) => v.data.buffer));
      expect(into.sorted).toBe(used.every((v) => v.sorted));
      const whole = listOf(all, false);
      expect([median(into), p90(into), mean(into)]).toEqual([median(whole), p90(whole), mean(whole)]);
    }), { numRuns: 300 });
  });

  it('a union of lists in no order leaves each list its values, and a sorted list among them marked unsorted (the selection reorders it)', () => {
    const sorted = listOf([5, 1, 4, 2, 3], true), other = listOf([9, 0, 8], false);
    const union = unionValues([sorted, other]);
    expect(union.sorted).toBe(false);
    expect([median(union), p90(union)]).toEqual([3.5, 9]);
    expect(sorted.sorted).toBe(false);
    expect([median(sorted), p90(sorted), mean(sorted)]).toEqual([3, 5, 3]);
    expect(valueList(other).sort()).toEqual([0, 8, 9]);
  });

  it('a union of more than 1,024 lists (merged at once) has the median, p90 and values of their sorted union', () => {
    fc.assert(fc.property(fc.array(fc.array(num, { maxLength: 3 }), { minLength: 1025, maxLength: 1400 }), (parts) => {
      const lists = parts.map((xs) => listOf(xs, false));
      const all = parts.flat();
      const whole = listOf(all, false), union = unionValues(lists);
      if (all.length === 0) return;
      expect([median(union), p90(union), mean(union)]).toEqual([median(whole), p90(whole), mean(whole)]);
      expect(Array.from(sortedValues(union))).toEqual(Array.from(Float64Array.from(all).sort()));
    }), { numRuns: 30 });
  });

  it('a push after sorting clears the flag, so the next median sorts again', () => {
    const v = listOf([3, 1, 2], true);
    expect(median(v)).toBe(2);
    pushValue(v, 0);
    expect(v.sorted).toBe(false);
    expect(median(v)).toBe(1.5);
    expect(valueList(v).sort()).toEqual([0, 1, 2, 3]); // only the multiset matters
  });

  it('selects the k-th smallest of an unsorted list as sorting would, on any input shape', () => {
    const shapes = fc.oneof(
      fc.array(num, { maxLength: 400 }),
      fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 400 }), // many repeats
      fc.nat({ max: 600 }).map((n) => Array.from({ length: n }, (_, i) => i)), // ascending
      fc.nat({ max: 600 }).map((n) => Array.from({ length: n }, (_, i) => n - i)), // descending
      fc.nat({ max: 600 }).map((n) => Array.from({ length: n }, (_, i) => Math.min(i, n - i))), // organ pipe
      fc.nat({ max: 600 }).map((n) => Array.from({ length: n }, () => 7)), // all equal
    );
    fc.assert(fc.property(shapes, fc.nat(), (xs, pick) => {
      if (xs.length === 0) return;
      const sorted = Float64Array.from(xs).sort();
      const k = pick % xs.length;
      const v = listOf(xs, false);
      expect(selectValue(v, k)).toBe(sorted[k]);
      // Left partitioned: nothing before place k is larger, nothing after is smaller.
      if (k > 0) expect(maxOfFirst(v, k)).toBe(sorted[k - 1]);
      for (let i = k + 1; i < v.length; i++) expect(v.data[i]).toBeGreaterThanOrEqual(sorted[k]);
      expect(Array.from(sortedValues(v))).toEqual(Array.from(sorted)); // the same values
      // Median and p90 of the unsorted list, against the sorted list's.
      const n = xs.length, mid = n >> 1;
      const u = listOf(xs, false);
      expect(median(u)).toBe(n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
      expect(p90(listOf(xs, false))).toBe(sorted[Math.ceil(0.9 * n) - 1]);
    }), { numRuns: 400 });
    expect(() => selectValue(listOf([1, 2], false), 2)).toThrow(RangeError);
  });
});
