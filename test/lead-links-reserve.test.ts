/**
 * The leads' link table making room ahead (LeadLinks.expect, called per range with its bytes):
 * a guess far too small, far too large or none at all gives the same look-ups, before and after
 * the table is packed and handed over (the parallel read's output is the serial one's:
 * test/parallel-customers.test.ts, test/parallel-side.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { LeadLinks } from '../src/views/lead-links.js';

const SOURCES = ['ads', 'organic', undefined, 'partner'];

/** Ids of varied lengths (some long, some one code unit, some not ASCII). */
const idOf = (i: number) => (i % 97 === 0 ? `lead-${i}-`.repeat(9) : i % 13 === 0 ? `é${i}` : `L-${i}`);

function filled(n: number, hints: (links: LeadLinks, i: number) => void): LeadLinks {
  const links = new LeadLinks();
  for (let i = 0; i < n; i++) {
    hints(links, i);
    links.add(idOf(i), SOURCES[i % 4], i % 3 === 0 ? undefined : `c${i % 50}`);
  }
  return links;
}

function lookups(links: LeadLinks, n: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n + 200; i++) out.push(links.get(idOf(i)) ?? null);
  out.push(links.get('') ?? null, links.get('L-') ?? null, links.get(`${idOf(1)}x`) ?? null);
  return out;
}

describe('LeadLinks.expect', () => {
  const n = 6000;
  const plain = filled(n, () => {});
  const expected = lookups(plain, n);

  it('finds every lead as without a guess, whatever the guess', () => {
    const cases: [string, (links: LeadLinks, i: number) => void][] = [
      ['far too small', (l, i) => { if (i % 500 === 0) l.expect(1); }],
      ['far too large', (l, i) => { if (i % 2000 === 0) l.expect(50_000_000); }],
      ['close', (l, i) => { if (i % 1000 === 0) l.expect(1000 * 20); }],
      ['zero or nonsense', (l, i) => { if (i % 700 === 0) { l.expect(0); l.expect(Number.NaN); l.expect(-5); } }],
      ['before any lead only', (l, i) => { if (i === 0) l.expect(n * 20); }],
    ];
    for (const [name, hints] of cases) {
      const links = filled(n, hints);
      expect(links.size, name).toBe(n);
      expect(lookups(links, n), name).toEqual(expected);
      expect(lookups(LeadLinks.of(structuredClone(links.pack())), n), `${name}, packed`).toEqual(expected);
    }
  });
});

describe('LeadLinks.share: the tables in shared memory, for the workers of a later read', () => {
  it('gives the same look-ups, here and unpacked elsewhere, and a table added to afterwards still answers', () => {
    const n = 3000, plain = filled(n, () => {}), shared = filled(n, (links, i) => { if (i === 0) links.expect(64 * n); });
    const want = lookups(plain, n);
    const packed = shared.share();
    for (const p of packed) for (const a of [p.ids, p.idEnds, p.hashes, p.source, p.campaign, p.slots]) expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(packed[0].idEnds.length).toBe(n); // cut to what it holds
    expect(lookups(shared, n)).toEqual(want);
    expect(lookups(LeadLinks.of(structuredClone(packed)), n)).toEqual(want);
    // Sharing again moves nothing; a lead added after it grows the table out of shared memory.
    expect(shared.share()[0].slots).toBe(packed[0].slots);
    shared.add('late', 'ads', undefined);
    expect(shared.get('late')).toEqual({ source: 'ads', campaign: undefined });
    expect(lookups(shared, n)).toEqual(want);
  });

  it('takes leads again after an empty table was shared', () => {
    const empty = new LeadLinks();
    empty.expect(1000);
    expect(empty.share()[0].count).toBe(0);
    for (let i = 0; i < 2000; i++) empty.add(`L-${i}`, 'ads', undefined);
    expect(empty.get('L-0')).toEqual({ source: 'ads', campaign: undefined });
    expect(empty.get('L-1999')).toEqual({ source: 'ads', campaign: undefined });
    expect(empty.size).toBe(2000);
  });
});
