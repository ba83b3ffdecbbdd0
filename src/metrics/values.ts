/**
 * Kept values — the durations behind exact medians and percentiles — in a growable Float64Array:
 * 8 bytes a value, nothing for the garbage collector to trace, and cheap to send between threads.
 * Plain data with free functions (no class), so a structured clone is still a usable `Values`.
 */
export interface Values {
  data: Float64Array;
  length: number;
  /** Set by sortValues, kept by merging two sorted lists, cleared by a push. */
  sorted: boolean;
}

/** Shared by every empty list: most group × period cells never keep a value, and a typed array per cell costs. */
const NONE = new Float64Array(0);
export const newValues = (): Values => ({ data: NONE, length: 0, sorted: true });

function reserve(v: Values, more: number): void {
  if (v.length + more <= v.data.length) return;
  let size = Math.max(4, v.data.length * 2);
  while (size < v.length + more) size *= 2;
  const data = new Float64Array(size);
  data.set(v.data.subarray(0, v.length));
  v.data = data;
}

export function pushValue(v: Values, x: number): void {
  if (v.length === v.data.length) reserve(v, 1);
  v.data[v.length++] = x;
  v.sorted = false;
}

/** Sorts the values in place (a worker does this before sending, so the merge is a linear pass). */
export function sortValues(v: Values): void {
  if (!v.sorted) v.data.subarray(0, v.length).sort();
  v.sorted = true;
}

export function mergeValues(into: Values, from: Values): void {
  if (from.length === 0) return;
  if (into.sorted && from.sorted && into.length > 0) {
    // Two sorted lists: merged in one pass, and the result is sorted.
    const a = into.data, b = from.data, n = into.length, m = from.length;
    const out = new Float64Array(Math.max(4, a.length, n + m));
    let i = 0, j = 0, k = 0;
    while (i < n && j < m) out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
    while (i < n) out[k++] = a[i++];
    while (j < m) out[k++] = b[j++];
    into.data = out;
    into.length = k;
    return;
  }
  const sorted = into.length === 0 ? from.sorted : false;
  reserve(into, from.length);
  into.data.set(from.data.subarray(0, from.length), into.length);
  into.length += from.length;
  into.sorted = sorted;
}

/**
 * mergeValues for a list that is not used afterwards (a state received from a worker thread): when
 * `into` is empty, it takes `from`'s array instead of copying it.
 */
export function takeValues(into: Values, from: Values): void {
  if (into.length === 0 && from.length > 0) { into.data = from.data; into.length = from.length; into.sorted = from.sorted; }
  else mergeValues(into, from);
}

/** The values as a plain list (tests, debugging). */
export const valueList = (v: Values): number[] => Array.from(v.data.subarray(0, v.length));

/**
 * The values in ascending order: sorted in place, once, for the median, p90 and mean of the same
 * list (only the multiset of kept values matters, not their order).
 */
export function sortedValues(v: Values): Float64Array {
  sortValues(v);
  return v.data.subarray(0, v.length);
}

/**
 * All the values of several lists as one sorted list (each list is sorted in place first): the
 * kept values of a totals row are those of its cells, so they are not kept twice while reading.
 * Merged pairwise, smallest lists first, so each value is copied about log₂(lists) times.
 */
export function unionValues(lists: readonly Values[]): Values {
  const queue = lists.filter((v) => v.length > 0);
  for (const v of queue) sortValues(v);
  if (queue.length === 0) return newValues();
  // Merging sorted lists writes a new array into its first argument: cells' lists are wrapped, not changed.
  let level = queue.map((v): Values => ({ data: v.data, length: v.length, sorted: true }));
  while (level.length > 1) {
    level.sort((a, b) => a.length - b.length);
    const next: Values[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) { mergeValues(level[i], level[i + 1]); next.push(level[i]); }
    if (level.length % 2) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}
