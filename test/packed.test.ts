import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { packCells, unpackCells } from '../src/engine/packed.js';
import { initDealMeasures, type DealMeasures } from '../src/views/deals.js';
import { initStageMeasures } from '../src/views/stages.js';
import { newValues, pushValue, sortValues, valueList, type Values } from '../src/metrics/values.js';

const num = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 });
const values = fc.tuple(fc.array(num, { maxLength: 6 }), fc.boolean()).map(([xs, sort]) => {
  const v = newValues();
  for (const x of xs) pushValue(v, x);
  if (sort) sortValues(v);
  return v;
});
const sum = fc.array(num, { maxLength: 3 }); // an exact sum's partials (any numbers will do here)
const count = fc.nat({ max: 1e6 });
const by = fc.array(fc.constantFrom('a', 'b', 'Owner 1', '', 'x\u0000y'), { minLength: 1, maxLength: 2 });

/** A state as plain lists, for comparing: kept values by their values, length and flag. */
const plain = (x: unknown): unknown => {
  if (Array.isArray(x)) return x.map(plain);
  if (typeof x === 'object' && x !== null && 'data' in x) { const v = x as Values; return { values: valueList(v), sorted: v.sorted }; }
  if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
};

describe('packed cells (what a worker sends)', () => {
  it('deals cells unpack to the cells packed: --by lists, periods, counts, exact sums and kept values', () => {
    const measures: fc.Arbitrary<DealMeasures> = fc.record({
      created: count, won: count, lost: count, revenue: sum, createdThenWon: count, cycleDays: values,
      openDeals: count, pipelineValue: sum, weightedPipeline: sum, stalledDeals: count,
    });
    fc.assert(fc.property(fc.array(fc.record({ by, period: fc.integer({ min: -5, max: 3000 }), m: measures }), { maxLength: 30 }), (cells) => {
      const expected = plain(cells);
      const packed = structuredClone(packCells(cells, initDealMeasures()));
      expect(plain([...unpackCells(packed, initDealMeasures)])).toEqual(expected);
    }), { numRuns: 200 });
  });

  it('stages cells (counts and kept values per stage) unpack to the cells packed', () => {
    const init = initStageMeasures(4);
    const perStage = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: 4, maxLength: 4 });
    const measures = fc.record({ reached: perStage(count), inStage: perStage(count), stalled: perStage(count), durations: perStage(values), anonymous: count });
    fc.assert(fc.property(fc.array(fc.record({ by, period: fc.nat({ max: 400 }), m: measures }), { maxLength: 30 }), (cells) => {
      const expected = plain(cells);
      expect(plain([...unpackCells(structuredClone(packCells(cells, init())), init)])).toEqual(expected);
    }), { numRuns: 200 });
  });

  it('more than 4,096 kept-value lists go in one array (a buffer each is slow to move), and unpack the same', () => {
    const cells = Array.from({ length: 5000 }, (_, i) => {
      const m = initDealMeasures();
      for (let k = 0; k <= i % 3; k++) pushValue(m.cycleDays, i + k / 10);
      return { by: [`g${i % 7}`], period: i, m };
    });
    const packed = packCells(cells, initDealMeasures());
    expect(packed.values).toHaveLength(1);
    expect(plain([...unpackCells(structuredClone(packed), initDealMeasures)])).toEqual(plain(cells));
    expect(packCells(cells.slice(0, 4000), initDealMeasures()).values).toHaveLength(4000);
  });

  it('unpacking fails loudly when the numbers and the values do not agree', () => {
    const m = initDealMeasures();
    pushValue(m.cycleDays, 3);
    const packed = packCells([{ by: ['a'], period: 1, m }], initDealMeasures());
    expect(() => [...unpackCells({ ...packed, values: [new Float64Array(2)] }, initDealMeasures)]).toThrow(/do not match/);
    expect(() => [...unpackCells({ ...packed, values: [] }, initDealMeasures)]).toThrow(/do not match/);
  });
});
