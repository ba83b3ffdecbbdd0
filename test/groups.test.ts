/**
 * A group's cells by period (PeriodCells): kept in an array while the periods are close together,
 * in a Map once they are spread out; either way every cell set is found again, and no other.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Groups, PeriodCells } from '../src/engine/groups.js';

describe('a group\'s cells by period', () => {
  it('finds each cell set, whatever the order and spread of its periods, and nothing for the others', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.oneof(fc.integer({ min: 24_000, max: 24_100 }), fc.integer({ min: -5_000, max: 40_000 })), { maxLength: 300 }),
      (periods) => {
        const cells = new PeriodCells<{ period: number }>();
        const expected = new Map<number, { period: number }>();
        for (const p of periods) {
          const m = { period: p };
          cells.set(p, m);
          expected.set(p, m);
          // Every cell set so far is there after each set (a growth to the left or right, or the move to a Map, keeps them).
          for (const [q, mq] of expected) expect(cells.get(q)).toBe(mq);
        }
        for (const q of [...periods.map((p) => p + 1), ...periods.map((p) => p - 1), -6_000, 0, 50_000]) {
          expect(cells.get(q)).toBe(expected.get(q));
        }
      },
    ), { numRuns: 200 });
  });

  it('keeps close periods in an array, and spread ones (days over years) in a Map', () => {
    const close = new PeriodCells<number>();
    for (const p of [24_300, 24_250, 24_310, 24_251]) close.set(p, p);
    expect((close as unknown as { map?: unknown }).map).toBeUndefined();
    const spread = new PeriodCells<number>();
    for (const p of [19_000, 19_300, 20_000]) spread.set(p, p);
    expect((spread as unknown as { map?: Map<number, number> }).map?.size).toBe(3);
    expect([19_000, 19_300, 20_000, 19_001].map((p) => spread.get(p))).toEqual([19_000, 19_300, 20_000, undefined]);
  });

  it('goes back to an array once a group whose first cells were far apart has cells enough (days over years)', () => {
    const cells = new PeriodCells<number>();
    cells.set(19_000, -1); cells.set(20_000, -2);
    const inMap = () => (cells as unknown as { map?: unknown }).map !== undefined;
    expect(inMap()).toBe(true);
    for (let p = 19_001; p < 19_600; p++) cells.set(p, p);
    expect(inMap()).toBe(false);
    expect([cells.get(19_000), cells.get(20_000), cells.get(19_300), cells.get(19_999)]).toEqual([-1, -2, 19_300, undefined]);
  });

  it('are the ones Groups finds by key and period', () => {
    const groups = new Groups(() => ({ n: 0 }));
    groups.get(['ads'], 24_301).n++;
    groups.get(['ads'], 24_299).n += 2;
    groups.get(['seo'], 24_301).n += 5;
    expect(groups.periodsOf(['ads']).get(24_299)).toBe(groups.at('ads', 24_299));
    expect([groups.at('ads', 24_301)?.n, groups.at('ads', 24_299)?.n, groups.at('ads', 24_300), groups.at('seo', 24_301)?.n]).toEqual([1, 2, undefined, 5]);
  });
});
