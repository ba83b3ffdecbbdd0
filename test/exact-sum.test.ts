import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { exactAdd, exactMerge, exactValue, type ExactSum } from '../src/engine/exact-sum.js';

const sum = (values: number[]) => { const p: ExactSum = []; values.forEach((v) => exactAdd(p, v)); return exactValue(p); };

describe('exact sums', () => {
  it('are exactly rounded where += drifts', () => {
    expect(sum([0.1, 0.2])).toBe(0.30000000000000004); // the doubles' exact sum, rounded once (as math.fsum)
    expect(sum([1e16, 1, -1e16])).toBe(1);
    expect(sum(Array(10).fill(0.1))).toBe(1);
    expect(sum([])).toBe(0);
  });

  it('do not depend on the order of the terms, nor on how they are split and merged', () => {
    const money = fc.integer({ min: -5_000_000, max: 5_000_000 }).map((c) => c / 100);
    fc.assert(fc.property(fc.array(fc.oneof(money, fc.double({ min: -1e9, max: 1e9, noNaN: true })), { maxLength: 60 }), fc.nat(), (values, cut) => {
      const whole = sum(values);
      expect(sum([...values].reverse())).toBe(whole);
      expect(sum([...values].sort((a, b) => a - b))).toBe(whole);
      const a: ExactSum = [], b: ExactSum = [];
      const at = values.length ? cut % (values.length + 1) : 0;
      values.slice(0, at).forEach((v) => exactAdd(a, v));
      values.slice(at).forEach((v) => exactAdd(b, v));
      exactMerge(b, a);
      expect(exactValue(b)).toBe(whole);
    }), { numRuns: 500 });
  });
});
