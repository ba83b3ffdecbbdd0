/**
 * Exactly rounded sums (Shewchuk's algorithm, as in Python's math.fsum): the running sum is kept
 * as a short list of non-overlapping doubles, and its value is the exact total rounded once. So a
 * sum does not depend on the order of its terms — shuffled rows, split files and parallel ranges
 * give the same bits — where plain `+=` depends on order (1e16 + 1 − 1e16 gives 0; the exact sum is 1).
 */
export type ExactSum = number[];

export function exactAdd(partials: ExactSum, value: number): void {
  // The common case — one partial and a sum with no rounding error — without the general loop.
  if (partials.length === 1) {
    const y = partials[0], hi = value + y;
    const lo = Math.abs(value) < Math.abs(y) ? value - (hi - y) : y - (hi - value);
    if (lo === 0) { partials[0] = hi; return; }
  }
  let x = value, i = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j];
    if (Math.abs(x) < Math.abs(y)) { const t = x; x = y; y = t; }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[i++] = lo;
    x = hi;
  }
  // Shrinking an array's length is a slow runtime call: only done when the list really got shorter.
  partials[i] = x;
  if (partials.length !== i + 1) partials.length = i + 1;
}

export function exactMerge(into: ExactSum, from: ExactSum): void {
  for (const p of from) exactAdd(into, p);
}

/** The exact total, rounded once to the nearest double (ties to even). */
export function exactValue(partials: ExactSum): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n], lo = 0;
  while (n > 0) {
    const x = hi, y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2, x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}
