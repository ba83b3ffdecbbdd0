/**
 * The quality view's folds as reading threads make them: one fold per thread over all its ranges
 * (told each range's index), the threads' states merged in any order, must count what one fold
 * over the whole file counts. An e-mail's first lead may be in a range read by any thread, and a
 * thread's own first lead of it may be a duplicate of a lead in another thread's earlier range.
 * Also: the key set's look-up of another set's packed key, and a fold's state taken with its table.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeySet, hashKey } from '../src/engine/key-set.js';
import { QualityFold, QUALITY_METRICS, type PackedQuality } from '../src/views/quality.js';
import type { Lead } from '../src/ingest/schemas.js';
import { lead, params } from './helpers/rows.js';

// Two addresses of one length whose hashes are equal (see key-set.test.ts).
const [SAME_HASH_A, SAME_HASH_B] = ['lead2039599@acme.io', 'lead2222382@acme.io'];
const ADDRESSES = ['ann@acme.com', ' ANN@Acme.com ', 'ann@acme.com\t', 'bob@x.io', 'BOB@X.IO', '', '   ', 'é@ü.de', 'É@Ü.DE', SAME_HASH_A, SAME_HASH_B, 'c@d.e'];

const leadsOf = (emails: number[], days: number[], sources: number[]) =>
  emails.map((e, i) => lead(`L${i}`, `2024-0${1 + (days[i] % 6)}-1${days[i] % 10}`, [], { email: ADDRESSES[e] === '' ? undefined : ADDRESSES[e], source: ['ads', 'seo', 'events'][sources[i] % 3] }));

const options = [
  { by: 'source', period: 'month' as const, asOf: '2024-12-31' },
  // Leads outside --from/--to: their e-mails still make later leads' duplicates.
  { period: 'month' as const, from: '2024-03-01', to: '2024-05-01', asOf: '2024-12-31' },
];

/** The rows and totals of one fold over every lead, in order. */
function serial(leads: Lead[], o: (typeof options)[number]) {
  const fold = new QualityFold(params(o));
  for (const l of leads) fold.add(l);
  return fold.result(QUALITY_METRICS);
}

/**
 * The leads cut into ranges at `cuts`, range i read by thread owner[i] (each thread's ranges in file
 * order, one fold per thread), the threads' states merged in the order `order` into a new fold.
 */
function threaded(leads: Lead[], o: (typeof options)[number], cuts: number[], owner: number[], order: number[]) {
  const bounds = [0, ...cuts, leads.length];
  const folds = new Map<number, QualityFold>();
  for (let i = 0; i + 1 < bounds.length; i++) {
    const t = owner[i % owner.length];
    if (!folds.has(t)) folds.set(t, new QualityFold(params(o)));
    const fold = folds.get(t)!;
    // Room made ahead from the range's size (here 100 bytes a lead, as if read from a file).
    fold.range(i, 100 * (bounds[i + 1] - bounds[i]));
    for (const l of leads.slice(bounds[i], bounds[i + 1])) fold.add(l);
  }
  const states = [...folds.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b)).map((t) => folds.get(t)!.exportState());
  const main = new QualityFold(params(o));
  for (const s of states) main.mergeState(s);
  return main.result(QUALITY_METRICS);
}

describe('quality folded by threads over ranges', () => {
  it('counts as one fold: a thread\'s first lead of an e-mail that another thread read earlier is the duplicate', () => {
    // Ranges 0 | 1 | 2 | 3: thread 0 reads 0 and 3, thread 1 reads 1 and 2; merged thread 0 first.
    const emails = [
      /* range 0 */ 3, 3,
      /* range 1 */ 0, 4, 9,
      /* range 2 */ 1, 10, 7, 5,
      /* range 3 */ 2, 0, 8, 10, 9, 6,
    ];
    const leads = leadsOf(emails, emails.map((_, i) => i), emails.map((_, i) => i));
    const cuts = [2, 5, 9];
    for (const o of options) {
      const one = serial(leads, o);
      expect(threaded(leads, o, cuts, [0, 1, 1, 0], [0, 1])).toEqual(one);
      expect(threaded(leads, o, cuts, [0, 1, 1, 0], [1, 0])).toEqual(one);
      expect(threaded(leads, o, cuts, [1, 0, 2, 0], [2, 0, 1])).toEqual(one);
    }
    // Duplicates: bob's later 2, ann's later 3 (in other cases and spaces), é's, SAME_HASH_A's and SAME_HASH_B's later 1 each; no blank one.
    expect(serial(leads, options[0]).totals).toMatchObject({ duplicate_emails: 2 + 3 + 1 + 1 + 1 });
  });

  it('counts as one fold for any cut, thread assignment and merge order', () => {
    const arb = fc.record({
      emails: fc.array(fc.nat(ADDRESSES.length - 1), { minLength: 1, maxLength: 80 }),
      cuts: fc.array(fc.nat(80), { maxLength: 9 }),
      owner: fc.array(fc.nat(3), { minLength: 1, maxLength: 10 }),
      order: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4 }),
      days: fc.array(fc.nat(59), { minLength: 80, maxLength: 80 }),
    });
    fc.assert(fc.property(arb, ({ emails, cuts, owner, order, days }) => {
      const leads = leadsOf(emails, days, days);
      const at = [...new Set(cuts.map((c) => c % (leads.length + 1)))].sort((a, b) => a - b);
      for (const o of options) expect(threaded(leads, o, at, owner, order)).toEqual(serial(leads, o));
    }), { numRuns: 300 });
  });

  it('merges states in order when no range is named: the later state\'s first lead is the duplicate', () => {
    const leads = leadsOf([0, 3, 1, 9, 10, 0], [1, 2, 3, 4, 5, 6], [0, 1, 2, 0, 1, 2]);
    const a = new QualityFold(params(options[0])), b = new QualityFold(params(options[0]));
    leads.slice(0, 3).forEach((l) => a.add(l));
    leads.slice(3).forEach((l) => b.add(l));
    a.merge(b);
    expect(a.result(QUALITY_METRICS)).toEqual(serial(leads, options[0]));
  });

  it('a fold that goes on after a merge, and merges again, settles the e-mails in order', () => {
    const leads = leadsOf([0, 3, 1, 9, 10, 0, 4, 5, 7, 8, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1]);
    const o = options[0];
    const parts = [leads.slice(0, 3), leads.slice(3, 6), leads.slice(6, 9), leads.slice(9)].map((rows) => {
      const f = new QualityFold(params(o));
      rows.forEach((l) => f.add(l));
      return f.exportState();
    });
    const main = new QualityFold(params(o));
    main.mergeState(parts[0]);
    main.mergeState(parts[1]);
    const state: PackedQuality = main.exportState();
    expect(state.firstRanges.length).toBe(state.emails.ends.length);
    main.mergeState(parts[2]);
    main.mergeState(parts[3]);
    expect(main.result(QUALITY_METRICS)).toEqual(serial(leads, o));
  });
});

describe('KeySet look-ups of packed keys', () => {
  it('finds another set\'s key without adding it, and tells apart equal hashes', () => {
    expect(hashKey(SAME_HASH_A)).toBe(hashKey(SAME_HASH_B));
    const set = new KeySet(), other = new KeySet();
    set.add('x@y.io'); set.add(SAME_HASH_A);
    other.add(SAME_HASH_B); other.add(SAME_HASH_A); other.add('x@y.io'); other.add('');
    const packed = other.pack();
    expect([0, 1, 2, 3].map((i) => set.findPacked(packed, i))).toEqual([-1, 1, 0, -1]);
    expect(set.size).toBe(2);
  });

  it('takes a packed set with its table: the same numbers, and grows from there', () => {
    const first = new KeySet();
    for (let i = 0; i < 3000; i++) first.add(`k${i}`);
    const packed = first.pack();
    expect(packed.table).toBeDefined();
    const set = KeySet.fromPacked(packed);
    for (let i = 0; i < 3000; i++) expect(set.add(`k${i}`)).toBe(i);
    for (let i = 3000; i < 9000; i++) expect(set.add(`k${i}`)).toBe(-1);
    expect(set.add('k8999')).toBe(8999);
    expect(set.key(4500)).toBe('k4500');
  });
});
