/**
 * Side inputs read in parallel: the leads that deals, marketing and customers read besides their main input
 * (a deal without its own source or campaign takes its lead's; marketing counts leads) give the
 * same bytes read by several threads as read serially — stdout, stderr and the --rejects file —
 * with rejected leads, deals linked to leads, leads without a source, and report sharing one read.
 * FUNNEL_PARALLEL_MIN_BYTES=1 forces the parallel path on these small files, FUNNEL_THREADS=1
 * the serial one (see test/parallel.test.ts). The runs start the CLI without its watching parent.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialAndParallel } from './helpers/parallel.js';
import { LeadLinks } from '../src/views/lead-links.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-side-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seed = 11;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
const stamp = (d: number) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000 + Math.floor(rand() * 86_400) * 1000).toISOString().slice(0, 19) + 'Z';
const SOURCES = ['ads', 'seo', 'partners', 'events', ''];
const CAMPAIGNS = ['spring', 'summer', 'brand', ''];
const LEADS = 4_000;

/**
 * Leads with quoted notes of several lines (split points fall inside them) and some rejected rows:
 * a created_at that is no date, an mql_at before created_at. `repeat`: a row that repeats an earlier lead's id.
 */
function leadsFile(name: string, repeat?: { row: number; of: number }): string {
  const lines = ['id,created_at,source,campaign,owner,name,email,mql_at,note'];
  for (let i = 0; i < LEADS; i++) {
    const day = Math.floor(rand() * 360);
    const created = i % 173 === 9 ? 'yesterday' : stamp(day);
    const mql = i % 211 === 17 ? stamp(day - 3) : rand() < 0.4 ? stamp(day + 5) : '';
    const note = rand() < 0.6 ? `"met at ""${pick(['expo', 'webinar'])}"", said:\n${'y'.repeat(Math.floor(rand() * 60))}\nend"` : '';
    const id = repeat?.row === i ? `L-${repeat.of}` : `L-${i}`;
    lines.push([id, created, pick(SOURCES), pick(CAMPAIGNS), pick(['ana', 'bo']), `Name ${i}`, `p${i}@example.com`, mql, note].join(','));
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Deals, most without a source or campaign of their own (their lead's count), some naming no known lead, some rejected. */
function dealsFile(name: string): string {
  const lines = ['id,created_at,status,closed_at,amount,source,campaign,owner,lead_id,customer_id'];
  for (let i = 0; i < 1_500; i++) {
    const day = Math.floor(rand() * 360);
    const status = pick(['won', 'won', 'lost', 'open']);
    const amount = i % 97 === 3 ? '12k' : (rand() * 20_000).toFixed(2);
    const own = rand() < 0.3;
    const lead = rand() < 0.9 ? `L-${Math.floor(rand() * (LEADS + 200))}` : '';
    lines.push([`D-${i}`, stamp(day), status, status === 'open' ? '' : stamp(day + Math.floor(rand() * 60)), amount,
      own ? pick(SOURCES) : '', own ? pick(CAMPAIGNS) : '', pick(['ana', 'bo']), lead, `C-${Math.floor(rand() * 900)}`].join(','));
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

function spendFile(name: string): string {
  const lines = ['date,amount,source,campaign,category'];
  for (let i = 0; i < 400; i++) lines.push([stamp(Math.floor(rand() * 360)).slice(0, 10), (rand() * 900 - 50).toFixed(2), pick(SOURCES), pick(CAMPAIGNS), pick(['marketing', 'sales'])].join(','));
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const leads = leadsFile('leads.csv'), deals = dealsFile('deals.csv'), spend = spendFile('spend.csv');

/**
 * Runs serially and in parallel (3 threads), each in its own folder with its own --rejects file;
 * `paths`: per file, how the parallel run read it ('ranges' or 'serial'; absent: not planned in parallel).
 */
async function both(args: string[]) {
  const { serial, parallel, trace, serialRejects, parallelRejects } = await serialAndParallel([...args, '--rejects', 'rejects.csv'], dir);
  const paths: Record<string, string> = {};
  for (const m of trace.matchAll(/^funnel: parallel: (.*\.csv): (read in \d+ ranges|read serially)/gm)) paths[m[1]] = m[2] === 'read serially' ? 'serial' : 'ranges';
  return { serial, parallel, serialRejects, parallelRejects, paths };
}

const common = ['--period', 'month', '--as-of', '2025-06-01'];

describe('side inputs read in parallel', { timeout: 120_000 }, () => {
  it.each([['source', 'csv'], ['campaign', 'json']])('deals --by %s with leads (%s): the leads read in ranges, the same bytes', async (by, format) => {
    const { serial, parallel, serialRejects, parallelRejects, paths } = await both(['deals', '--deals', deals, '--leads', leads, '--by', by, ...common, '--format', format]);
    expect(serial.code).toBe(0);
    expect(serial.stderr).toMatch(/leads\.csv:\d+: column "created_at": "yesterday"/);
    expect(serial.stderr).toMatch(/leads\.csv:\d+: column "mql_at": .* is before created_at/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(serialRejects).toMatch(/leads\.csv/);
    expect(paths[leads]).toBe('ranges');
    expect(paths[deals]).toBe('ranges'); // its workers get the leads' links
    // The leads' sources reach the deals without one of their own: every source has a row.
    if (format === 'csv') for (const s of ['ads', 'seo', 'partners', 'events', '(not set)']) expect(serial.stdout).toContain(`,${s},`);
  });

  it('deals --by owner: the leads are read in ranges (counted, rejections kept) and link nothing', async () => {
    const { serial, parallel, serialRejects, parallelRejects, paths } = await both(['deals', '--deals', deals, '--leads', leads, '--by', 'owner', ...common, '--format', 'json']);
    expect(serial.code).toBe(0);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(paths[leads]).toBe('ranges');
    expect(JSON.parse(serial.stdout).inputs.leads).toMatchObject({ rows: LEADS, accepted: expect.any(Number), rejected: expect.any(Number) });
  });

  it('marketing --by source,campaign with leads, deals and spend: the same bytes', async () => {
    const { serial, parallel, serialRejects, parallelRejects, paths } = await both(['marketing', '--spend', spend, '--deals', deals, '--leads', leads, '--by', 'source,campaign', ...common, '--format', 'csv']);
    expect(serial.code).toBe(0);
    expect(serial.stdout.split('\n').length).toBeGreaterThan(40);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(paths[leads]).toBe('ranges');
    expect(paths[spend]).toBe('ranges');
  });

  it('customers --by source with leads, deals and spend: the leads read in ranges, their links reaching the customers, the same bytes', async () => {
    const { serial, parallel, serialRejects, parallelRejects, paths } = await both(['customers', '--spend', spend, '--deals', deals, '--leads', leads, '--by', 'source', ...common, '--format', 'csv']);
    expect(serial.code).toBe(0);
    for (const s of ['ads', 'seo', 'partners', 'events']) expect(serial.stdout).toContain(`,${s},`);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(paths[leads]).toBe('ranges');
  });

  // The stages view folds the leads as its main input, deals and marketing as a side input, in the
  // same workers; stages reads the deals before the leads, deals after: the deals are read twice.
  it('report of stages, deals and marketing: the leads read once, in ranges, for all three; the same bytes', async () => {
    const { serial, parallel, serialRejects, parallelRejects, paths } = await both(['report', '--views', 'stages,deals,marketing', '--spend', spend, '--deals', deals, '--leads', leads, '--by', 'source', ...common, '--format', 'json']);
    expect(serial.code).toBe(0);
    expect(Object.keys(JSON.parse(serial.stdout).views)).toEqual(['stages', 'deals', 'marketing']);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(paths[leads]).toBe('ranges');
    // Each rejected lead once in the file, though three views read the leads (every 173rd from the 10th has no date).
    expect(serialRejects.match(/^L-\d+,yesterday,/gm)).toHaveLength(Math.ceil((LEADS - 9) / 173));
  });

  it('report with the quality view: the leads read once, in ranges, for deals, marketing and quality (its main input), the same bytes', async () => {
    const { serial, parallel, paths } = await both(['report', '--views', 'deals,marketing,quality', '--spend', spend, '--deals', deals, '--leads', leads, '--by', 'source', ...common, '--format', 'csv']);
    expect(serial.code).toBe(0);
    expect(parallel).toEqual(serial);
    expect(paths[leads]).toBe('ranges');
  });

  it("a lead id repeated in another thread's ranges: the leads are read serially, or again by the thread that read both; the duplicate rejected", async () => {
    const repeated = leadsFile('leads-repeat.csv', { row: LEADS - 5, of: 2 });
    const { serial, parallel, serialRejects, parallelRejects, paths } = await both(['deals', '--deals', deals, '--leads', repeated, '--by', 'source', ...common, '--format', 'csv']);
    expect(serialRejects).toMatch(/column ""id"": ""L-2"" is a duplicate \(first seen at .*leads-repeat\.csv:\d+\)/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    expect(paths[repeated]).toMatch(/ranges|serial/);
  });
});

describe('LeadLinks', () => {
  it('finds each lead by its id, in its own table or one packed by another thread; nothing for an unknown id', () => {
    const own = new LeadLinks(), other = new LeadLinks();
    const ids = Array.from({ length: 5_000 }, (_, i) => (i % 7 === 0 ? `lead-é-${i}` : `L${i}`));
    ids.forEach((id, i) => (i % 2 ? own : other).add(id, i % 3 ? `s${i % 5}` : undefined, i % 4 ? undefined : `c${i % 6}`));
    // The packed arrays cross to a worker as copies (structured clone): the table works from them.
    const links = LeadLinks.of(structuredClone(other.pack()));
    for (const p of own.pack()) links.addPacked(structuredClone(p));
    expect(links.size).toBe(ids.length);
    ids.forEach((id, i) => expect(links.get(id)).toEqual({ source: i % 3 ? `s${i % 5}` : undefined, campaign: i % 4 ? undefined : `c${i % 6}` }));
    for (const id of ['L', 'L5000', 'lead-é-1', '', 'L1 ']) expect(links.get(id)).toBeUndefined();
    expect(own.get('L1')).toEqual({ source: 's1', campaign: undefined }); // still usable after packing
  });
});
