/**
 * The serial read of a view's side input (customers' deals and spend after the leads): the id set's
 * room reserved at a CSV file's first batch of rows, judged by the bytes they took, before any id
 * is added; and the customers fold's one-column groups found by their value (no array per row).
 * Unit: a reserve of any size (none, too small, too large, before or after ids) gives the same
 * answers as a Map; a file whose first rows are much shorter or longer than the rest (the guess
 * too large or too small) gives the same rows and duplicate rejections as one read field by field
 * in the test; the reserve is made before the first id is added.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdBatch, IdSet } from '../src/ingest/id-set.js';
import { InputReader, type Rejection } from '../src/ingest/read.js';
import { parseConfig } from '../src/ingest/config.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-serial-side-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IdSet.reserve', () => {
  it('gives the answers of a Map whatever room is reserved, and whenever', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 3000 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 300_000 })), { maxLength: 3 }),
      (ids, reserves) => {
        const set = new IdSet(), batch = new IdBatch(), firsts = new Float64Array(ids.length), map = new Map<string, number>();
        const wrong: string[] = [];
        let start = 0;
        // Batches of 100, with a reserve before the batch it names (before any id, between, at the end).
        for (const at of [...reserves.map(([at]) => Math.floor(at / 100) * 100), ids.length].sort((a, b) => a - b)) {
          for (; start < Math.min(at, ids.length); start += 100) {
            const part = ids.slice(start, start + 100);
            part.forEach((id, i) => batch.add(`C-${id}`, start + i));
            set.firstOrAddBatch(batch, firsts);
            part.forEach((id, i) => {
              const expected = map.has(`C-${id}`) ? map.get(`C-${id}`)! : (map.set(`C-${id}`, start + i), -1);
              if (firsts[i] !== expected) wrong.push(`${start + i}: ${firsts[i]}, expected ${expected}`);
            });
            batch.length = 0;
          }
          const more = reserves.find(([r]) => Math.floor(r / 100) * 100 === at)?.[1];
          if (more !== undefined) set.reserve(more);
        }
        expect(wrong).toEqual([]);
        expect(set.size).toBe(map.size);
      },
    ), { numRuns: 60 });
  });

  it('keeps every id when it grows from empty (a reserve before the first id) and grows again past the reserve', () => {
    const set = new IdSet(), batch = new IdBatch(), firsts = new Float64Array(1000);
    set.reserve(10);
    set.reserve(100_000);
    for (let round = 0; round < 2; round++) {
      // 200,000 ids, then the same again: every one of the second round was first seen in the first.
      const wrong: string[] = [];
      for (let start = 0; start < 200_000; start += 1000) {
        for (let i = start; i < start + 1000; i++) batch.add(`D-${i}`, round * 2 ** 32 + i);
        set.firstOrAddBatch(batch, firsts);
        for (let i = 0; i < 1000; i++) if (firsts[i] !== (round === 0 ? -1 : start + i)) wrong.push(`${round}/${start + i}: ${firsts[i]}`);
        batch.length = 0;
      }
      expect(wrong).toEqual([]);
    }
    expect(set.size).toBe(200_000);
  });
});

describe('the serial read: room for the ids reserved at the first batch', () => {
  /** A deals CSV whose rows before `switchAt` carry a note of `early` characters, the others of `late`; every 7th row repeats an earlier id. */
  function dealsFile(name: string, rows: number, switchAt: number, early: number, late: number) {
    const lines: string[] = [], firstLine = new Map<string, number>(), expected: string[] = [], accepted: number[] = [];
    for (let i = 0; i < rows; i++) {
      const id = i % 7 === 6 ? `D-${(i * 13) % i}` : `D-${i}`, line = i + 2;
      lines.push(`${id},2024-03-01,won,2024-03-20,${i},${'x'.repeat(i < switchAt ? early : late)}`);
      if (firstLine.has(id)) expected.push(`${line}: column "id": "${id}" is a duplicate (first seen at ${join(dir, name)}:${firstLine.get(id)})`);
      else { firstLine.set(id, line); accepted.push(line); }
    }
    const path = join(dir, name);
    writeFileSync(path, 'id,created_at,status,closed_at,amount,note\n' + lines.join('\n') + '\n');
    return { path, expected, accepted };
  }

  async function read(path: string, batches: boolean) {
    const rejections: Rejection[] = [];
    const reader = new InputReader({ config: parseConfig({}, 'test'), onReject: (r) => rejections.push(r) });
    const got: number[] = [];
    if (batches) for await (const _ of reader.read('deals', [path], (rows) => { for (const d of rows) got.push(d.line); }));
    else for await (const rows of reader.read('deals', [path])) for (const d of rows) got.push(d.line);
    return { got, reasons: rejections.map((r) => `${r.line}: ${r.reason}`), stats: reader.stats[0] };
  }

  // Too small: 50,000 ids, past the id set's first 2¹⁶ slots at 70 %, so it grows after the reserve.
  // (Only a read with onBatch flushes within a chunk: the other reserves after the first chunk, as before.)
  for (const [what, rows, early, late] of [['too large (short first rows)', 5_000, 0, 400], ['too small (long first rows)', 50_000, 400, 0], ['right', 5_000, 20, 20]] as const) {
    it(`gives the same rows and duplicates when the guess is ${what}`, async () => {
      const { path, expected, accepted } = dealsFile(`deals-${early}-${late}.csv`, rows, 300, early, late);
      for (const batches of what === 'right' ? [true, false] : [true]) {
        const { got, reasons, stats } = await read(path, batches);
        expect(reasons).toEqual(expected);
        expect(got).toEqual(accepted);
        expect(stats).toMatchObject({ rows, accepted: accepted.length, rejected: expected.length });
      }
    });
  }

  it('reserves before the first id is added, for about the rows the file holds', async () => {
    const { path } = dealsFile('deals-reserve.csv', 20_000, 0, 30, 30);
    const calls: [held: number, more: number][] = [];
    const reserve = vi.spyOn(IdSet.prototype, 'reserve').mockImplementation(function (this: IdSet, more: number) { calls.push([this.size, more]); });
    try {
      await read(path, true);
    } finally { reserve.mockRestore(); }
    expect(calls.length).toBe(1);
    expect(calls[0][0]).toBe(0);
    expect(calls[0][1]).toBeGreaterThanOrEqual(20_000);
    expect(calls[0][1]).toBeLessThan(23_000);
  });
});
