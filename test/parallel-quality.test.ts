/**
 * The quality view reads its leads in parallel (one fold per reading thread, told each range's
 * index; the threads' states merged): the same bytes as the serial read (FUNNEL_THREADS=1), rejections and
 * --rejects included. A lead's e-mail is a duplicate when an earlier lead anywhere in the file had
 * it, so the file's e-mails come from a small pool, written in several cases and with spaces
 * around them: most duplicates are of a lead in an earlier range. FUNNEL_PARALLEL_MIN_BYTES=1
 * forces the parallel path on this small file (see test/parallel.test.ts). Also here: the
 * e-mail and phone checks without patterns agree with the patterns that define them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialAndParallel } from './helpers/parallel.js';
import { isValidEmail, isValidPhone } from '../src/views/quality.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-parq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seed = 11;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)];
const stamp = (d: number) => new Date(Date.UTC(2023, 0, 1) + d * 86_400_000 + Math.floor(rand() * 86_400) * 1000).toISOString().slice(0, 19) + 'Z';

/** 6,000 leads over two years; about one in 50 rejected (a bad created_at or mql_at). */
function leadsFile(): string {
  const pool = Array.from({ length: 1500 }, (_, i) => pick([`lead${i}@acme.io`, `Lead.${i}@Example.COM`, `x${i}@bad`, `${i}@ünï.de`, `n${i}@mail.co.uk`]));
  const lines = ['id,created_at,source,campaign,owner,name,email,phone,company,mql_at,note'];
  for (let i = 0; i < 6000; i++) {
    const day = Math.floor(rand() * 700);
    const created = i % 97 === 3 ? 'yesterday' : stamp(day);
    const mql = i % 113 === 5 ? 'soon' : rand() < 0.3 ? stamp(day + 5) : '';
    const pooled = pick(pool);
    // The same address in another case, or with spaces around it (quoted: a CSV field keeps them).
    const email = rand() < 0.1 ? '' : rand() < 0.3 ? `" ${pooled.toUpperCase()} "` : rand() < 0.5 ? pooled.toLowerCase() : pooled;
    const phone = pick(['', '+1 (555) 010-2030', '555-0101', '12345', 'call me']);
    const note = rand() < 0.5 ? `"first line of ${i}\nsecond, ""quoted"" line"` : '';
    lines.push([`L${i}`, created, pick(['ads', 'seo', 'events', '']), pick(['spring', 'fall']), pick(['Ann', 'Bo']), rand() < 0.8 ? 'Pat Doe' : '',
      email, phone, rand() < 0.7 ? 'Acme' : '', mql, note].join(','));
  }
  const path = join(dir, 'leads.csv');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}


/** The run read serially and in parallel (3 threads), with their --rejects files, and the path the parallel run took. */
async function both(args: string[]) {
  const { serial, parallel, trace, serialRejects, parallelRejects } = await serialAndParallel([...args, '--rejects', 'rejects.csv'], dir);
  const path = /funnel: parallel: .*: (read in \d+ ranges by \d+ threads|read serially)/.exec(trace)?.[1]?.replace(/ \d+ ranges/, ' ranges');
  return { serial, parallel, serialRejects, parallelRejects, path };
}

describe('quality read in parallel', { timeout: 120_000 }, () => {
  const leads = leadsFile();
  const asOf = ['--as-of', '2025-01-01'];

  it.each([
    ['--by source --period month', ['quality', '--leads', leads, '--by', 'source', '--period', 'month']],
    ['--by owner (source unread), JSON', ['quality', '--leads', leads, '--by', 'owner', '--format', 'json']],
    // Many e-mails' first leads fall before --from: their later leads are duplicates all the same.
    ['--from/--to', ['quality', '--leads', leads, '--from', '2023-09-01', '--to', '2024-06-01', '--period', 'quarter']],
    // One read for both views: each reading thread runs the stages fold and a quality fold per range.
    ['report of stages and quality', ['report', '--leads', leads, '--by', 'source', '--period', 'month', '--format', 'json']],
  ])('%s: the same bytes as the serial read, --rejects included', async (_case, args) => {
    const { serial, parallel, serialRejects, parallelRejects, path } = await both([...args, ...asOf]);
    expect(serial.code).toBe(0);
    expect(serial.stderr).toMatch(/rows? rejected/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(serialRejects.split('\n').length).toBeGreaterThan(100);
    expect(path).toBe('read in ranges by 3 threads');
    if (args.includes('owner')) {
      // 1,500 addresses in the pool, some with spaces or in capitals: each folded one is new once, later ones are duplicates.
      const totals = JSON.parse(parallel.stdout).totals;
      expect(totals.duplicate_emails).toBeGreaterThan(3500);
      expect(totals.duplicate_emails).toBeLessThan(totals.leads - 1000);
    }
  });
});

describe('the e-mail and phone checks', () => {
  const EMAIL = /^[^@\s]+@[^@\s]+\.\p{L}{2,}$/u;
  const chars = ['a', 'Z', '0', '@', '.', ' ', '\t', '\n', '-', '+', 'é', 'ß', '\u00a0', '\u2003', '\ufeff', '1', 'x', 'y', 'ü', '日'];
  const text = fc.array(fc.constantFrom(...chars), { maxLength: 14 }).map((a) => a.join(''));

  it('agrees with the pattern that defines a valid e-mail', () => {
    for (const e of ['ann@acme.com', ' ANN@acme.com ', 'bob@localhost', 'c@d.e', 'x@@y.com', '@a.co', 'a@.co', 'a@b.co.uk', 'a b@c.de', 'a@b.c1', 'a@b.dé', 'é@ü.de', 'a@b.de\u00a0', 'a@b..de'])
      expect([e, isValidEmail(e)]).toEqual([e, EMAIL.test(e.trim())]);
    fc.assert(fc.property(text, (e) => isValidEmail(e) === EMAIL.test(e.trim())), { numRuns: 20_000 });
  });

  it('counts a phone\'s digits as the pattern does', () => {
    fc.assert(fc.property(text, (p) => isValidPhone(p) === ((p.match(/\d/g)?.length ?? 0) >= 7)), { numRuns: 5_000 });
  });
});
