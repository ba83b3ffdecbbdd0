/**
 * The cells in typed arrays (engine/cell-store): a group's cells by period (PeriodSlots), exact sums
 * in columns (ExactSums), kept values as a (cell, value) log laid out by cell (ValueLog), and the
 * store's growth, order and merge. Each is checked against the plain form it stands for: a Map, one
 * ExactSum list per cell, one list of values per cell.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CellStore, ExactSums, PeriodSlots, ValueLog } from '../src/engine/cell-store.js';
import { exactAdd, exactValue, type ExactSum } from '../src/engine/exact-sum.js';
import { compareLists, MAX_GROUP_CELLS } from '../src/engine/groups.js';

const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);

describe('a group\'s cells by period (PeriodSlots)', () => {
  it('finds each cell set, whatever the order and spread of its periods, and −1 for the others', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.oneof(fc.integer({ min: 24_000, max: 24_100 }), fc.integer({ min: -5_000, max: 40_000 })), { maxLength: 400 }),
      (periods) => {
        const slots = new PeriodSlots();
        const expected = new Map<number, number>();
        periods.forEach((p, cell) => {
          slots.set(p, cell);
          expected.set(p, cell);
          for (const [q, c] of expected) expect(slots.get(q)).toBe(c);
        });
        for (const q of [...periods.map((p) => p + 1), ...periods.map((p) => p - 1), -6_000, 0, 50_000]) {
          expect(slots.get(q)).toBe(expected.get(q) ?? -1);
        }
      },
    ), { numRuns: 200 });
  });

  it('keeps spread periods in a Map, and goes back to an array once the group has cells enough (days over years)', () => {
    const slots = new PeriodSlots();
    const inMap = () => (slots as unknown as { map?: Map<number, number> }).map !== undefined;
    slots.set(19_000, 0); slots.set(20_000, 1);
    expect(inMap()).toBe(true);
    for (let p = 19_001; p < 19_600; p++) slots.set(p, p - 19_000 + 1);
    expect(inMap()).toBe(false);
    expect([slots.get(19_000), slots.get(20_000), slots.get(19_300), slots.get(19_999)]).toEqual([0, 1, 301, -1]);
  });
});

describe('exact sums in columns (ExactSums)', () => {
  const term = fc.oneof(
    fc.integer({ min: -5_000_000, max: 5_000_000 }).map((c) => c / 100),
    fc.double({ min: -1e300, max: 1e300, noNaN: true }),
    fc.constantFrom(1e16, -1e16, 1, 1e-300, 2 ** 53, 0.1),
  );

  it('gives each cell the exact sum of its terms, as one ExactSum list per cell does, through growth and long partial lists', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat({ max: 40 }), term), { maxLength: 300 }), (adds) => {
      const sums = new ExactSums(4);
      const lists = new Map<number, ExactSum>();
      for (const [cell, x] of adds) {
        if (cell >= 4) continue;
        sums.add(cell, x);
        if (!lists.has(cell)) lists.set(cell, []);
        exactAdd(lists.get(cell)!, x);
      }
      for (let c = 0; c < 4; c++) {
        expect(sums.value(c)).toBe(exactValue(lists.get(c) ?? []));
        expect(exactValue(sums.partialsOf(c))).toBe(exactValue(lists.get(c) ?? []));
      }
      const all: ExactSum = [];
      for (const [, x] of adds.filter(([c]) => c < 4)) exactAdd(all, x);
      expect(exactValue(sums.total(4))).toBe(exactValue(all));
    }), { numRuns: 300 });
  });

  it('keeps a sum whose terms need many partials exactly (1e100 + 1 + 1e-100 − 1e100 is 1 + 1e-100)', () => {
    const sums = new ExactSums(2);
    for (const x of [1e100, 1, 1e-100, 1e50, -1e100, -1e50]) sums.add(1, x);
    expect(sums.value(1)).toBe(1);
    expect(sums.partialsOf(1).length).toBeGreaterThan(0);
    expect(exactValue(sums.partialsOf(1))).toBe(1);
    sums.add(1, -1);
    expect(sums.value(1)).toBe(1e-100);
    expect(sums.value(0)).toBe(0);
  });
});

describe('kept values as a log laid out by cell (ValueLog)', () => {
  it('gives each cell its values, whatever the order they came in and the logs merged in', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat({ max: 30 }), fc.double({ noNaN: true })), { maxLength: 3000 }), fc.nat(), (pairs, cut) => {
      const log = new ValueLog();
      const at = pairs.length === 0 ? 0 : cut % pairs.length;
      for (const [c, x] of pairs.slice(0, at)) log.push(c, x);
      const rest = pairs.slice(at);
      log.addSegment(Int32Array.from(rest, ([c]) => c), Float64Array.from(rest, ([, x]) => x));
      expect(log.size).toBe(pairs.length);
      const { values, offsets } = log.byCell(31);
      for (let c = 0; c <= 30; c++) {
        const mine = sorted(values.subarray(offsets[c], offsets[c + 1]));
        expect(mine).toEqual(sorted(pairs.filter(([k]) => k === c).map(([, x]) => x)));
      }
    }), { numRuns: 100 });
  });
});

/** A store filled from (group, period, count, money, value) tuples; and the plain answer per cell. */
function fill(adds: [number, number, number, number, number][], groups: string[][]) {
  const store = new CellStore(2, 1, 1);
  const index = new Map<string, number>();
  const groupOf = (by: string[]) => {
    const key = by.join('\u0000');
    let g = index.get(key);
    if (g === undefined) { g = store.addGroup(by); index.set(key, g); }
    return g;
  };
  for (const [g, period, count, money, value] of adds) {
    const c = store.cell(groupOf(groups[g]), period);
    store.numbers[c * 2] += count; store.numbers[c * 2 + 1] += 1;
    store.sums[0].add(c, money);
    store.logs[0].push(c, value);
  }
  return { store, groupOf };
}

/** A store's cells as plain data, keyed by group and period: the same for any order the cells were made in. */
function plain(store: CellStore) {
  const { values, offsets } = store.logs[0].byCell(store.count);
  const out = new Map<string, unknown>();
  for (let c = 0; c < store.count; c++) {
    out.set(`${store.groups[store.group[c]].join('/')}@${store.period[c]}`, {
      numbers: [store.numbers[c * 2], store.numbers[c * 2 + 1]],
      money: store.sums[0].value(c),
      values: sorted(values.subarray(offsets[c], offsets[c + 1])),
    });
  }
  return out;
}

describe('a value log laid out, then added to', () => {
  it('keeps every value: the layout, the pairs pushed and merged after it, and all of them packed as pairs', () => {
    const log = new ValueLog();
    log.push(1, 10); log.push(0, 5); log.push(1, 11);
    let { values, offsets } = log.byCell(2);
    expect([...values.subarray(offsets[0], offsets[1])]).toEqual([5]);
    expect(sorted(values.subarray(offsets[1], offsets[2]))).toEqual([10, 11]);
    log.push(2, 7); log.addSegment(Int32Array.of(0, 2), Float64Array.of(6, 8));
    expect(log.size).toBe(6);
    ({ values, offsets } = log.byCell(3));
    expect([0, 1, 2].map((c) => sorted(values.subarray(offsets[c], offsets[c + 1])))).toEqual([[5, 6], [10, 11], [7, 8]]);
    const pairs = log.pairs();
    expect(sorted(pairs.values)).toEqual([5, 6, 7, 8, 10, 11]);
    expect([...pairs.cells].map((c, i) => `${c}:${pairs.values[i]}`).sort()).toEqual(['0:5', '0:6', '1:10', '1:11', '2:7', '2:8']);
  });
});

describe('the cell store (CellStore)', () => {
  const groups = [['ads', 'x'], ['seo', 'x'], ['ads', 'y'], ['Ads', 'x'], ['', ''], ['zeta', 'a'], ['ad', 'x']];
  const adds = fc.array(fc.tuple(
    fc.nat({ max: groups.length - 1 }),
    // Periods often the same (cells in both parts of a merge), close together, or far apart.
    fc.oneof(fc.integer({ min: 19_000, max: 19_003 }), fc.integer({ min: 19_000, max: 19_400 }), fc.integer({ min: -100, max: 60_000 })),
    fc.nat({ max: 5 }), fc.integer({ min: -500_000, max: 500_000 }).map((c) => c / 100), fc.double({ min: 0, max: 400, noNaN: true }),
  ), { maxLength: 600, size: 'medium' });

  it('merging the packed cells of two parts gives the cells of the whole: counts, exact sums and kept values', () => {
    fc.assert(fc.property(adds, fc.nat(), (all, cut) => {
      const at = all.length === 0 ? 0 : cut % all.length;
      const whole = fill(all, groups).store;
      const first = fill(all.slice(0, at), groups), second = fill(all.slice(at), groups).store;
      first.store.merge(second.pack(), first.groupOf);
      expect(plain(first.store)).toEqual(plain(whole));
      // A worker's state (owned: its cells mapped in place) merges the same.
      const again = fill(all.slice(0, at), groups);
      again.store.merge(fill(all.slice(at), groups).store.pack(), again.groupOf, true);
      expect(plain(again.store)).toEqual(plain(whole));
      // The empty store is the identity of the merge.
      const empty = fill([], groups);
      empty.store.merge(whole.pack(), empty.groupOf);
      expect(plain(empty.store)).toEqual(plain(whole));
    }), { numRuns: 150 });
  });

  it('orders cells by period, then by their --by values in code-unit order', () => {
    fc.assert(fc.property(adds, (all) => {
      const { store } = fill(all, groups);
      const order = [...store.sorted()];
      expect(sorted(order)).toEqual([...Array(store.count).keys()]);
      const expected = [...Array(store.count).keys()].sort((a, b) => store.period[a] - store.period[b] || compareLists(store.groups[store.group[a]], store.groups[store.group[b]]));
      expect(order).toEqual(expected);
    }), { numRuns: 150 });
  });

  it('orders cells whose periods are too far apart for one number per cell', () => {
    const store = new CellStore(1, 0, 0);
    const b = store.addGroup(['b']), a = store.addGroup(['a']);
    for (const [g, p] of [[b, 2 ** 51], [a, 2 ** 51], [b, -(2 ** 51)], [a, 0]]) store.cell(g, p);
    expect([...store.sorted()].map((c) => `${store.groups[store.group[c]][0]}${store.period[c]}`)).toEqual([`b${-(2 ** 51)}`, 'a0', `a${2 ** 51}`, `b${2 ** 51}`]);
  });

  it('grows to many groups and cells (each found again, numbers kept), and stops past the most cells a run may make', () => {
    const store = new CellStore(3, 1, 0);
    const g = Array.from({ length: 2_000 }, (_, i) => store.addGroup([`campaign-${i}`]));
    for (let day = 0; day < 100; day++) {
      for (const group of g) {
        const c = store.cell(group, 20_000 + day * 7);
        store.numbers[c * 3 + 2] = group * 1000 + day;
        store.sums[0].add(c, 0.1); store.sums[0].add(c, day);
      }
    }
    expect(store.count).toBe(200_000);
    for (const day of [0, 57, 99]) {
      for (const group of [0, 999, 1_999]) {
        const c = store.find(group, 20_000 + day * 7);
        expect(store.numbers[c * 3 + 2]).toBe(group * 1000 + day);
        expect(store.sums[0].value(c)).toBe(0.1 + day);
      }
    }
    expect(store.find(5, 20_001)).toBe(-1);
    const more = store.addGroup(['more']);
    for (let p = 0; store.count < MAX_GROUP_CELLS; p++) store.cell(more, p);
    expect(() => store.cell(more, -1)).toThrow(/more than 500,000 groups × periods/);
  });
});
