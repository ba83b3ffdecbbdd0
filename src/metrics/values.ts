/**
 * Kept values — the durations behind exact medians and percentiles — in a growable Float64Array:
 * 8 bytes a value, nothing for the garbage collector to trace, and cheap to send between threads.
 * Plain data with free functions (no class), so a structured clone is still a usable `Values`.
 */
import quickselect from 'quickselect';
export interface Values {
  data: Float64Array;
  length: number;
  /** Set by sortValues, kept by merging two sorted lists, cleared by a push. */
  sorted: boolean;
  /**
   * A union not yet merged (unionValues, takeValues): the values are those of these lists — each
   * sorted when `sorted` is set, else in no order — and `data` is empty until one array is needed
   * (sortedValues, a push, a merge). Medians and percentiles pick their order statistics from the
   * parts without copying them (kthOfParts, selectOfParts).
   */
  parts?: readonly Float64Array[];
}

/** Shared by every empty list: most group × period cells never keep a value, and a typed array per cell costs. */
const NONE = new Float64Array(0);
export const newValues = (): Values => ({ data: NONE, length: 0, sorted: true });

/** Makes room for `more` values: doubling (pushes), or `exact`ly (a merge, which is one of a few). */
function reserve(v: Values, more: number, exact = false): void {
  if (v.length + more <= v.data.length) return;
  let size = exact ? v.length + more : Math.max(4, v.data.length * 2);
  while (size < v.length + more) size *= 2;
  const data = new Float64Array(size);
  data.set(v.data.subarray(0, v.length));
  v.data = data;
}

export function pushValue(v: Values, x: number): void {
  if (v.parts) merged(v);
  if (v.length === v.data.length) reserve(v, 1);
  v.data[v.length++] = x;
  v.sorted = false;
}

/** Sorts the values in place (a worker does this before sending, so the merge is a linear pass). */
export function sortValues(v: Values): void {
  if (v.parts) merged(v);
  if (!v.sorted) v.data.subarray(0, v.length).sort();
  v.sorted = true;
}

export function mergeValues(into: Values, from: Values): void {
  if (from.length === 0) return;
  if (into.parts) merged(into);
  if (from.parts) merged(from);
  if (into.sorted && from.sorted && into.length > 0) {
    // Two sorted lists: merged in one pass, and the result is sorted.
    const n = into.length, m = from.length;
    const out = new Float64Array(Math.max(4, into.data.length, n + m));
    mergeSorted(into.data, 0, n, from.data, 0, m, out, 0);
    into.data = out;
    into.length = n + m;
    return;
  }
  const sorted = into.length === 0 ? from.sorted : false;
  reserve(into, from.length, true);
  into.data.set(from.data.subarray(0, from.length), into.length);
  into.length += from.length;
  into.sorted = sorted;
}

/**
 * mergeValues for a list that is not used afterwards (a state received from a worker thread): its
 * array is taken, not copied — as `into`'s own when `into` is empty, else as a part of a lazy union
 * (each worker's values are copied nowhere: on 10 M deals, merging them into new arrays took 32 MB).
 */
export function takeValues(into: Values, from: Values): void {
  if (from.length === 0) return;
  if (from.parts) merged(from);
  if (into.length === 0) { into.data = from.data; into.length = from.length; into.sorted = from.sorted; into.parts = undefined; return; }
  into.parts = [...(into.parts ?? [into.data.subarray(0, into.length)]), from.data.subarray(0, from.length)];
  into.data = NONE;
  into.length += from.length;
  into.sorted = into.sorted && from.sorted;
}

/** The values as a plain list (tests, debugging). */
export const valueList = (v: Values): number[] => { if (v.parts) merged(v); return Array.from(v.data.subarray(0, v.length)); };

/**
 * The values in ascending order: sorted in place, once, for the median, p90 and mean of the same
 * list (only the multiset of kept values matters, not their order).
 */
export function sortedValues(v: Values): Float64Array {
  sortValues(v);
  return v.data.subarray(0, v.length);
}

/**
 * All the values of several lists as one: the kept values of a totals row are those of its cells,
 * so they are not kept twice while reading. The union is lazy: a median or percentile picks its
 * values from the lists themselves — by binary searches when every list is sorted (kthOfParts),
 * else by selection in place (selectOfParts: the lists' order changes, and a sorted one among them
 * is marked unsorted). Only a mean, which sums in ascending order, makes one array (`merged`).
 */
export function unionValues(lists: readonly Values[]): Values {
  const sorted = lists.every((v) => v.sorted || v.length <= 1);
  const parts: Float64Array[] = [];
  for (const v of lists) {
    if (v.length === 0) continue;
    if (sorted) { parts.push(sortedValues(v)); continue; }
    if (v.parts) parts.push(...v.parts);
    else parts.push(v.data.subarray(0, v.length));
    v.sorted = v.length <= 1;
  }
  const length = parts.reduce((n, p) => n + p.length, 0);
  if (length === 0) return newValues();
  const union: Values = { data: NONE, length, sorted, parts };
  // Many parts (many groups × periods): each round of a selection goes over every part, and
  // merging once is cheaper (1.1 M parts: the totals' median and p90 took 3 s, merging takes 0.1 s).
  if (parts.length > 1024) merged(union);
  return union;
}

/**
 * Merges a lazy union's parts into its own sorted array: the parts are laid end to end, and
 * neighbouring runs are merged a level at a time between two buffers, so each value is copied
 * about log₂(parts) times and no array is made per merge. For the totals of 10 M deals (640
 * parts, 4 M values) a new array per merge took ≈ 0.55 s of the main thread, this ≈ 0.35 s.
 */
function merged(v: Values): void {
  const parts = v.parts!;
  v.parts = undefined;
  if (!v.sorted) {
    // Parts in no order: laid end to end.
    const data = new Float64Array(Math.max(4, v.length));
    let at = 0;
    for (const p of parts) { data.set(p, at); at += p.length; }
    v.data = data;
    return;
  }
  let from = new Float64Array(Math.max(4, v.length)), to = new Float64Array(from.length);
  // The runs' bounds: run r is from[bounds[r] … bounds[r + 1]).
  let bounds = [0];
  for (const p of parts) { from.set(p, bounds[bounds.length - 1]); bounds.push(bounds[bounds.length - 1] + p.length); }
  while (bounds.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < bounds.length; r += 2) {
      const lo = bounds[r], mid = bounds[r + 1], hi = r + 2 < bounds.length ? bounds[r + 2] : mid;
      mergeSorted(from, lo, mid - lo, from, mid, hi - mid, to, lo);
      next.push(hi);
    }
    bounds = next;
    [from, to] = [to, from];
  }
  v.data = from; v.sorted = true;
}

/**
 * Merges sorted a[i0 … i0 + n) and b[j0 … j0 + m) into out from `k`. A run of values from one list
 * at a time (fewer unpredictable branches than a choice per value); on equal values a's come first.
 */
function mergeSorted(a: Float64Array, i0: number, n: number, b: Float64Array, j0: number, m: number, out: Float64Array, k: number): void {
  let i = i0, j = j0;
  const iEnd = i0 + n, jEnd = j0 + m;
  while (i < iEnd && j < jEnd) {
    const y = b[j];
    while (i < iEnd && a[i] <= y) out[k++] = a[i++];
    if (i === iEnd) break;
    const x = a[i];
    while (j < jEnd && b[j] < x) out[k++] = b[j++];
  }
  while (i < iEnd) out[k++] = a[i++];
  while (j < jEnd) out[k++] = b[j++];
}

/**
 * The k-th smallest value (from 0) of the union of sorted lists, without merging them. Each round
 * takes as pivot the weighted median of the middle values of what is left of each list, and drops
 * every value on the wrong side of it: at least a quarter of what is left, so about
 * log_{4/3}(n) rounds of a binary search per list.
 */
export function kthOfParts(parts: readonly Float64Array[], k: number): number {
  const m = parts.length;
  const lo = new Int32Array(m), hi = Int32Array.from(parts, (p) => p.length), below = new Int32Array(m), upTo = new Int32Array(m);
  const middles: [number, number][] = [];
  for (;;) {
    middles.length = 0;
    let left = 0;
    for (let i = 0; i < m; i++) {
      const w = hi[i] - lo[i];
      if (w > 0) { middles.push([parts[i][(lo[i] + hi[i]) >> 1], w]); left += w; }
    }
    if (k < 0 || k >= left) throw new RangeError(`kthOfParts: ${k} is outside the ${left} values left`);
    middles.sort((a, b) => a[0] - b[0]);
    let pivot = middles[0][0];
    for (let i = 0, acc = 0; i < middles.length; i++) { acc += middles[i][1]; if (2 * acc >= left) { pivot = middles[i][0]; break; } }
    let less = 0, lessOrEqual = 0;
    for (let i = 0; i < m; i++) {
      below[i] = firstAtLeast(parts[i], pivot, lo[i], hi[i], false);
      upTo[i] = firstAtLeast(parts[i], pivot, below[i], hi[i], true);
      less += below[i] - lo[i]; lessOrEqual += upTo[i] - lo[i];
    }
    if (k < less) hi.set(below);
    else if (k < lessOrEqual) return pivot;
    else { lo.set(upTo); k -= lessOrEqual; }
  }
}

/**
 * The k-th smallest value (from 0) of the union of lists in no order, selected in place without
 * copying them: each round takes as pivot the value of a small sample of what is left that stands
 * where the k-th does among it, splits what is left of every list in three around it (below, equal,
 * above), and keeps the side that holds the k-th. Each round keeps a small share of what was left
 * (about 1/√63 of it, plus the pivot's error), so the work is little more than one pass over the
 * values. The sample's places come from a fixed sequence: the same input is split the same way
 * every time. With `below`, its `value` is set to the (k − 1)-th smallest (−∞ for k = 0): a
 * median of an even count needs both middles, and a second selection would go over the values again.
 */
export function selectOfParts(parts: readonly Float64Array[], k: number, below?: { value: number }): number {
  const m = parts.length;
  const lo = new Int32Array(m), hi = Int32Array.from(parts, (p) => p.length), less = new Int32Array(m), more = new Int32Array(m);
  const sample = new Float64Array(SAMPLE);
  let seed = 0x2545f491;
  // The largest value dropped below what is left (each is ≤ every value left): the last pivot that was.
  let floor = -Infinity;
  for (;;) {
    let left = 0;
    for (let i = 0; i < m; i++) left += hi[i] - lo[i];
    if (k < 0 || k >= left) throw new RangeError(`selectOfParts: ${k} is outside the ${left} values left`);
    if (left <= SAMPLE) {
      // Few values left: gathered and sorted.
      let n = 0;
      for (let i = 0; i < m; i++) for (let j = lo[i]; j < hi[i]; j++) sample[n++] = parts[i][j];
      const sorted = sample.subarray(0, n).sort();
      if (below) below.value = k > 0 ? sorted[k - 1] : floor;
      return sorted[k];
    }
    // The sample: values at pseudo-random places among those left (xorshift), sorted.
    for (let s = 0; s < SAMPLE; s++) {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      let at = (seed >>> 0) % left, i = 0;
      while (at >= hi[i] - lo[i]) { at -= hi[i] - lo[i]; i++; }
      sample[s] = parts[i][lo[i] + at];
    }
    sample.sort();
    const pivot = sample[Math.min(SAMPLE - 1, Math.floor((k / left) * SAMPLE))];
    let lessCount = 0, equalCount = 0;
    for (let i = 0; i < m; i++) {
      // Dutch national flag: p[lo, a) < pivot, p[a, b) = pivot, p[b, hi) > pivot.
      const p = parts[i];
      let a = lo[i], j = lo[i], b = hi[i];
      while (j < b) {
        const x = p[j];
        if (x < pivot) { p[j] = p[a]; p[a++] = x; j++; }
        else if (x > pivot) { p[j] = p[--b]; p[b] = x; }
        else j++;
      }
      lessCount += a - lo[i]; equalCount += b - a;
      less[i] = a; more[i] = b;
    }
    if (k < lessCount) { hi.set(less); continue; }
    if (k >= lessCount + equalCount) { lo.set(more); k -= lessCount + equalCount; floor = pivot; continue; }
    if (below) {
      // The value below the k-th: the pivot again when k is not the first of its equals, else the largest below them.
      let max = floor;
      if (k > lessCount) max = pivot;
      else for (let i = 0; i < m; i++) { const p = parts[i]; for (let j = lo[i]; j < less[i]; j++) if (p[j] > max) max = p[j]; }
      below.value = max;
    }
    return pivot;
  }
}
const SAMPLE = 63;

/**
 * The k-th and the (k − 1)-th smallest values (k ≥ 1), selected as selectValue does: the two
 * middles of a median of an even count, with one selection.
 */
export function selectWithBelow(v: Values, k: number): [number, number] {
  if (v.parts && !v.sorted) {
    const below = { value: 0 };
    const at = selectOfParts(v.parts, k, below);
    return [below.value, at];
  }
  if (v.parts) return [kthOfParts(v.parts, k - 1), kthOfParts(v.parts, k)];
  const at = selectValue(v, k);
  return [v.sorted ? v.data[k - 1] : maxOfFirst(v, k), at];
}

/**
 * The k-th smallest value (from 0) of a list, by selection in place (Floyd–Rivest, the quickselect
 * package): O(n), where sorting is O(n log n). The list's order changes (it is left with every
 * value before place k ≤ the k-th and every value after it ≥) and it is not marked sorted. A lazy
 * union's value is picked from its parts (kthOfParts, selectOfParts).
 */
export function selectValue(v: Values, k: number): number {
  if (v.parts) return v.sorted ? kthOfParts(v.parts, k) : selectOfParts(v.parts, k);
  if (k < 0 || k >= v.length) throw new RangeError(`selectValue: ${k} is outside the ${v.length} values`);
  // Typed as taking an array; it only reads and writes places, which a Float64Array has.
  if (!v.sorted) quickselect(v.data as unknown as number[], k, 0, v.length - 1, ascending);
  return v.data[k];
}
const ascending = (a: number, b: number) => a - b;

/** The largest of the first k values (after selectValue(v, k), the (k − 1)-th smallest). */
export function maxOfFirst(v: Values, k: number): number {
  const a = v.data;
  let max = a[0];
  for (let i = 1; i < k; i++) if (a[i] > max) max = a[i];
  return max;
}

/** The first index in a[from, to) whose value is ≥ x (or > x when `strictly`), by binary search. */
function firstAtLeast(a: Float64Array, x: number, from: number, to: number, strictly: boolean): number {
  while (from < to) {
    const mid = (from + to) >> 1;
    if (strictly ? a[mid] <= x : a[mid] < x) from = mid + 1; else to = mid;
  }
  return from;
}

