/**
 * The serial read of a view's side input (customers' deals and spend after the leads): the id set's
 * room reserved at a CSV file's first batch of rows, judged by the bytes they took, before any id
 * is added; and the customers fold's one-column groups found by their value (no array per row).
 * Unit: a reserve of any size (none, too small, too large, before or after ids) gives the same
 * answers as a Map; a file whose first rows are much shorter or longer than the rest (the guess
 * too large or too small) gives the same rows and duplicate rejections as one read field by field
 * in the test; the reserve is made before the first id is added. Customers: the one-column path
 * gives the groups and spend cells that --by values as arrays give.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdBatch, IdSet } from '../src/ingest/id-set.js';
import { InputReader, type Rejection } from '../src/ingest/read.js';
import { parseConfig } from '../src/ingest/config.js';
import { CustomersFold } from '../src/views/customers.js';
import { LeadLinks } from '../src/views/lead-links.js';
import { NOT_FAST, choiceAt } from '../src/ingest/values.js';
import { NOT_SET } from '../src/engine/params.js';
import { deal, params, spend, t } from './helpers/rows.js';

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
    ), { numRuns: 40 });
  });

  it('keeps every id when it grows from empty (a reserve before the first id) and grows again past the reserve', () => {
    const set = new IdSet(), batch = new IdBatch(), firsts = new Float64Array(1000);
    set.reserve(10);
    set.reserve(50_000);
    for (let round = 0; round < 2; round++) {
      // 100,000 ids, then the same again: every one of the second round was first seen in the first.
      const wrong: string[] = [];
      for (let start = 0; start < 100_000; start += 1000) {
        for (let i = start; i < start + 1000; i++) batch.add(`D-${i}`, round * 2 ** 32 + i);
        set.firstOrAddBatch(batch, firsts);
        for (let i = 0; i < 1000; i++) if (firsts[i] !== (round === 0 ? -1 : start + i)) wrong.push(`${round}/${start + i}: ${firsts[i]}`);
        batch.length = 0;
      }
      expect(wrong).toEqual([]);
    }
    expect(set.size).toBe(100_000);
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

describe('customers: one --by column found by its value', () => {
  it('gives the groups and spend cells that --by values as arrays give', () => {
    const sources = ['ads', 'blog', '', 'référence'];
    fc.assert(fc.property(
      fc.array(fc.record({
        customer: fc.integer({ min: 0, max: 30 }), day: fc.integer({ min: 0, max: 400 }), source: fc.option(fc.constantFrom(...sources), { nil: undefined }),
        lead: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }), amount: fc.integer({ min: 1, max: 1000 }),
      }), { maxLength: 200 }),
      fc.array(fc.record({ day: fc.integer({ min: 0, max: 400 }), source: fc.constantFrom(...sources), amount: fc.integer({ min: 1, max: 1000 }) }), { maxLength: 50 }),
      fc.constantFrom('source', 'campaign', 'owner'),
      (deals, spends, by) => {
        const links = new LeadLinks();
        // Leads 0–2 have a source and campaign; 3–5 are not known.
        for (let l = 0; l < 3; l++) links.add(`L-${l}`, `lead-${l}`, `camp-${l}`);
        const p = params({ by, period: 'month', asOf: '2026-01-01' });
        const fold = new CustomersFold(p, links);
        const seen = new Map<number, { first: number; value: string }>();
        deals.forEach((o, i) => {
          const closedAt = t('2024-01-01') + o.day * 86_400_000;
          const d = deal({ id: `D-${i}`, createdAt: closedAt, closedAt, status: 'won', amount: o.amount, customerId: `C-${o.customer}`, source: o.source, campaign: o.source, owner: o.source, leadId: o.lead === undefined ? undefined : `L-${o.lead}` });
          fold.addDeal(d);
          // The model: the value of the customer's first won deal (the earlier one on a tie); a deal's own, else its lead's (not for owner).
          const own = o.source, fromLead = o.lead !== undefined && o.lead < 3 && by !== 'owner' ? (by === 'source' ? `lead-${o.lead}` : `camp-${o.lead}`) : undefined;
          const value = own === undefined ? fromLead ?? NOT_SET : own === '' ? NOT_SET : own;
          const had = seen.get(o.customer);
          if (had === undefined || closedAt < had.first) seen.set(o.customer, { first: closedAt, value });
        });
        for (const o of spends) fold.addSpend({ ...spend('2024-01-01', o.amount), date: t('2024-01-01') + o.day * 86_400_000, source: o.source || undefined, campaign: o.source || undefined });
        const store = fold.customers;
        for (const [c, { value }] of seen) expect(store.groups[store.group[store.slots.get(`C-${c}`)!]]).toEqual([value]);
        // Each group once, as a one-value array.
        expect(new Set(store.groups.map((g) => g.join('\u0000'))).size).toBe(store.groups.length);
        // Spend: owner is not a spend column (no cells); else a cell per value and month, with the --by values as an array.
        const cells = [...fold.spend.cells.values()].map((cell) => `${cell.period}|${JSON.stringify(cell.by)}|${cell.m.spend.reduce((a, b) => a + b, 0)}`).sort();
        const model = new Map<string, number>();
        if (by !== 'owner') {
          for (const o of spends) {
            const key = `${p.scheme.index(t('2024-01-01') + o.day * 86_400_000)}|${JSON.stringify([o.source || NOT_SET])}`;
            model.set(key, (model.get(key) ?? 0) + o.amount);
          }
        }
        expect(cells).toEqual([...model].map(([k, v]) => `${k}|${v}`).sort());
      },
    ), { numRuns: 100 });
  });
});

describe('choiceAt: a word matched in place in the bytes', () => {
  const at = choiceAt<string>([['won', 'W'], ['lost', 'L'], ['open', 'O'], ['wön', 'X'], ['closed won', 'W']]);
  const read = (text: string) => { const b = Buffer.from(`,${text},`, 'latin1'); return at(b, 1, b.length - 1); };

  it('matches whole words of any case, and nothing else', () => {
    expect([read('won'), read('WON'), read('Lost'), read('OPEN'), read('Closed Won')]).toEqual(['W', 'W', 'L', 'O', 'W']);
    expect([read('wo'), read('wonx'), read(''), read('opem')]).toEqual([NOT_FAST, NOT_FAST, NOT_FAST, NOT_FAST]);
  });

  it('leaves a word with other than ASCII letters to the string reader', () => {
    expect(read('wön')).toBe(NOT_FAST);
  });

  it('keeps the order of precedence among words of one length', () => {
    const first = choiceAt<number>([['ab', 1], ['cd', 2], ['ab', 3]]);
    expect(first(Buffer.from('AB'), 0, 2)).toBe(1);
  });
});
