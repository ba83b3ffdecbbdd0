/**
 * The id log grouping its hashes as each range is read (IdLog.rangeRead: while other threads still
 * read) rather than all after the last range: more, smaller grouped logs, the same answers from
 * repeatsAmong, within an owner and across owners, in any share of the groups.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdBatch } from '../src/ingest/id-set.js';
import { IdLog, groupShare, repeatsAmong } from '../src/ingest/id-log.js';

/** The ids of each range logged in one IdLog (a block of `block`), told each range's end when `ranges`. */
function logged(rangesOfIds: string[][], block: number, ranges: boolean, shares: number): IdLog {
  const log = new IdLog(block, shares), batch = new IdBatch(), firsts = new Float64Array(64);
  let place = 0;
  for (const ids of rangesOfIds) {
    for (let start = 0; start < ids.length; start += 64) {
      for (const id of ids.slice(start, start + 64)) batch.add(id, place++);
      log.firstOrAddBatch(batch, firsts);
      batch.length = 0;
    }
    if (ranges) log.rangeRead();
  }
  return log;
}

const ids = fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('D1', 'd1', 'D1 ', '')), { maxLength: 120 });

describe('IdLog.rangeRead', () => {
  it('groups a range as it ends when it holds a sixteenth of a block or more, and changes no answer', () => {
    fc.assert(fc.property(fc.array(fc.array(ids, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 16, max: 200 }), fc.integer({ min: 1, max: 3 }), (byOwner, block, shares) => {
      const answers = (ranges: boolean) => {
        const owners = byOwner.map((lists) => logged(lists, block, ranges, shares).byShare());
        expect(owners.map((o) => o.flat().reduce((n, g) => n + g.a.length, 0))).toEqual(byOwner.map((lists) => lists.flat().length));
        return Array.from({ length: shares }, (_, i) => repeatsAmong(owners.map((o) => o[i]), ...groupShare(i, shares)));
      };
      expect(answers(true)).toEqual(answers(false));
    }), { numRuns: 200 });
  });

  it('seals on a range of a sixteenth of a block, not on a smaller one', () => {
    const many = Array.from({ length: 40 }, (_, i) => `L-${i}`), few = ['x', 'y'];
    expect(logged([many, few, many.map((id) => `${id}b`)], 640, true, 1).groups().length).toBe(2);
    expect(logged([few, few.map((id) => `${id}b`)], 640, true, 1).groups().length).toBe(1);
    expect(logged([many, few, many.map((id) => `${id}b`)], 640, false, 1).groups().length).toBe(1);
  });
});
