/**
 * Kept values — the durations behind exact medians and percentiles — in a growable Float64Array:
 * 8 bytes a value, nothing for the garbage collector to trace, and cheap to send between threads.
 * Plain data with free functions (no class), so a structured clone is still a usable `Values`.
 */
export interface Values {
  data: Float64Array;
  length: number;
}

export const newValues = (): Values => ({ data: new Float64Array(4), length: 0 });

function reserve(v: Values, more: number): void {
  if (v.length + more <= v.data.length) return;
  let size = v.data.length * 2;
  while (size < v.length + more) size *= 2;
  const data = new Float64Array(size);
  data.set(v.data.subarray(0, v.length));
  v.data = data;
}

export function pushValue(v: Values, x: number): void {
  if (v.length === v.data.length) reserve(v, 1);
  v.data[v.length++] = x;
}

export function mergeValues(into: Values, from: Values): void {
  if (from.length === 0) return;
  reserve(into, from.length);
  into.data.set(from.data.subarray(0, from.length), into.length);
  into.length += from.length;
}

/** The values as a plain list (tests, debugging). */
export const valueList = (v: Values): number[] => Array.from(v.data.subarray(0, v.length));

/**
 * The values in ascending order, sorted once for the median, p90 and mean of the same list (kept
 * values only grow, so the same length means the same values).
 */
const sortedCache = new WeakMap<Values, Float64Array>();
export function sortedValues(v: Values): Float64Array {
  let s = sortedCache.get(v);
  if (s === undefined || s.length !== v.length) {
    s = v.data.slice(0, v.length).sort();
    sortedCache.set(v, s);
  }
  return s;
}
