/**
 * The leads' typed route (views/lead-links.ts LeadLinksTaker): when a reading thread keeps nothing
 * of the leads but their links (customers, deals), a lead's typed values go into the links table
 * with no row object. Unit: it takes a lead into the table, leaves one the schema's finishing rule
 * rejects (a stage before created_at) to the row route, and reads no id when nothing is linked.
 * CLI: customers read serially and in parallel (the leads in ranges, taken) give the same bytes,
 * stderr and --rejects file, with rejected leads, a lead id repeated, quoted and padded ids, a
 * non-ASCII id, won deals whose lead is missing, and a leads file without ids.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEAD_COLUMNS } from '../src/ingest/schemas.js';
import { LeadLinks, LeadLinksTaker } from '../src/views/lead-links.js';
import { leadLinksFold } from '../src/views/deals.js';
import { params } from './helpers/rows.js';
import { serialAndParallel } from './helpers/parallel.js';
import { runMain } from './helpers/cli.js';

/** A lead's typed values as the reader gives them: LEAD_COLUMNS, then its stage times. */
function values(id: string | undefined, created: number, source?: string, campaign?: string, stages: (number | undefined)[] = []): unknown[] {
  const v: unknown[] = LEAD_COLUMNS.map(() => undefined);
  v[LEAD_COLUMNS.indexOf('id')] = id;
  v[LEAD_COLUMNS.indexOf('created_at')] = created;
  v[LEAD_COLUMNS.indexOf('source')] = source;
  v[LEAD_COLUMNS.indexOf('campaign')] = campaign;
  return [...v, ...stages];
}

const DAY = 86_400_000, T0 = Date.UTC(2024, 0, 10, 12);

describe('the leads\' typed route', () => {
  it('takes a lead into the links table, and leaves a lead the finishing rule rejects to the row route', () => {
    const links = new LeadLinks();
    const taker = new LeadLinksTaker(links);
    expect(taker.takesId).toBe(true);
    expect(taker.take(values('L-1', T0, 'ads', 'spring', [T0 + DAY, undefined, T0 + 2 * DAY]))).toBe(true);
    expect(taker.take(values('L-2', T0, undefined, 'brand'))).toBe(true);
    // mql_at a day before created_at: rejected by the schema's rule, so not taken (and not linked).
    expect(taker.take(values('L-3', T0, 'seo', undefined, [T0 - DAY]))).toBe(false);
    // The same calendar day as created_at, written as a date: settled to created_at, taken.
    expect(taker.take(values('L-4', T0, 'events', undefined, [Date.UTC(2024, 0, 10)]))).toBe(true);
    expect(links.get('L-1')).toEqual({ source: 'ads', campaign: 'spring' });
    expect(links.get('L-2')).toEqual({ source: undefined, campaign: 'brand' });
    expect(links.get('L-3')).toBeUndefined();
    expect(links.get('L-4')).toEqual({ source: 'events', campaign: undefined });
    expect(links.size).toBe(3);
    // A file without ids: checked, never linked.
    expect(taker.anonymous.takesId).toBe(false);
    expect(taker.anonymous.take(values(undefined, T0, 'ads'))).toBe(true);
    expect(taker.anonymous.take(values(undefined, T0, 'ads', undefined, [undefined, T0 - DAY]))).toBe(false);
    expect(links.size).toBe(3);
  });

  it('is the leads side fold\'s route when it folds nothing else; reads no id when --by links nothing', () => {
    const linked = leadLinksFold(params({ by: 'source', period: 'month', asOf: '2024-12-31' }));
    expect(linked.taker?.takesId).toBe(true);
    expect(linked.taker?.take(values('L-9', T0, 'ads'))).toBe(true);
    const state = linked.exportState() as { links: ReturnType<LeadLinks['pack']> };
    expect(LeadLinks.of(state.links).get('L-9')).toEqual({ source: 'ads', campaign: undefined });

    const unlinked = leadLinksFold(params({ by: 'owner', period: 'month', asOf: '2024-12-31' }));
    expect(unlinked.taker?.takesId).toBe(false);
    expect(unlinked.taker?.take(values(undefined, T0, 'ads'))).toBe(true);
    expect((unlinked.exportState() as { links: unknown[] }).links).toEqual([]);

    // With another fold of the same rows (marketing's lead counts), the rows are made: no typed route.
    expect(leadLinksFold(params({ by: 'source', period: 'month', asOf: '2024-12-31' }), { handle: () => {}, exportState: () => 0 }).taker).toBeUndefined();
  });
});

const dir = mkdtempSync(join(tmpdir(), 'funnel-customers-fast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seed = 23;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
const stamp = (d: number) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000 + Math.floor(rand() * 86_400) * 1000).toISOString().slice(0, 19) + 'Z';
const LEADS = 3_000;

/** The id of lead i as the file writes it: some quoted, some padded with spaces, one not ASCII. */
const leadId = (i: number) => (i === 5 ? 'L-é5' : `L-${i}`);
const written = (i: number) => (i % 7 === 1 ? `"${leadId(i)}"` : i % 11 === 2 ? ` ${leadId(i)} ` : leadId(i));

/** Leads with rejected rows (no date, an mql_at before created_at), multi-line notes; `ids`: with an id column; `repeat`: lead 2,000 repeats lead 1,234's id. */
function leadsFile(name: string, ids = true, repeat = false): string {
  const lines = [`${ids ? 'id,' : ''}created_at,source,campaign,owner,email,mql_at,sql_at,note`];
  for (let i = 0; i < LEADS; i++) {
    const day = Math.floor(rand() * 360);
    const created = i % 157 === 9 ? 'last week' : stamp(day);
    const mql = i % 199 === 17 ? stamp(day - 2) : rand() < 0.4 ? stamp(day + 3) : '';
    const sql = i % 233 === 40 ? stamp(day - 1).slice(0, 10) : '';
    const note = rand() < 0.5 ? `"said ""yes"",\nthen ${'z'.repeat(Math.floor(rand() * 40))}"` : '';
    const id = repeat && i === 2_000 ? written(1_234) : written(i);
    lines.push([...(ids ? [id] : []), created, pick(['ads', 'seo', 'partners', '']), pick(['spring', 'brand', '']), pick(['ana', 'bo']), `p${i}@example.com`, mql, sql, note].join(','));
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Won and lost deals of repeat customers, most without a source of their own, some naming a lead that is missing, some rejected. */
function dealsFile(name: string): string {
  const lines = ['id,created_at,status,closed_at,amount,source,campaign,owner,lead_id,customer_id'];
  for (let i = 0; i < 1_200; i++) {
    const day = Math.floor(rand() * 360), status = pick(['won', 'won', 'lost']);
    const own = rand() < 0.25;
    const lead = i % 13 === 4 ? `L-missing-${i}` : leadId(Math.floor(rand() * LEADS));
    lines.push([`D-${i}`, stamp(day), status, stamp(day + Math.floor(rand() * 40)), i % 89 === 3 ? 'lots' : (rand() * 9_000).toFixed(2),
      own ? pick(['ads', 'seo']) : '', own ? 'brand' : '', pick(['ana', 'bo', '']), lead, `C-${Math.floor(rand() * 500)}`].join(','));
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const leads = leadsFile('leads.csv'), anonymous = leadsFile('leads-no-ids.csv', false), repeated = leadsFile('leads-repeat.csv', true, true);
const deals = dealsFile('deals.csv');
/** The config that lets leads come without ids. */
const noIds = join(dir, 'no-ids.config.json');
writeFileSync(noIds, JSON.stringify({ columns: { leads: { id: null } } }));
/** Serially (in this process) and in parallel (3 threads, its own process). */
const both = (args: string[]) => serialAndParallel(args, dir, { serial: (a, cwd, env) => runMain(a, { env, cwd }) });
const common = ['--deals', deals, '--period', 'month', '--as-of', '2024-11-30', '--rejects', 'rejects.csv'];

describe('customers with leads read by the typed route', { timeout: 120_000 }, () => {
  it.each([
    ['--by source, JSON', leads, ['--by', 'source', '--format', 'json']],
    ['--by source,campaign, CSV', leads, ['--by', 'source,campaign', '--format', 'csv']],
    ['--by owner (nothing linked)', leads, ['--by', 'owner', '--format', 'csv']],
    ['--by source, a leads file without ids', anonymous, ['--by', 'source', '--format', 'csv', '--config', noIds]],
  ])('%s: serial and parallel give the same bytes, stderr and --rejects file', async (_name, file, args) => {
    const { serial, parallel, trace, serialRejects, parallelRejects } = await both(['customers', '--leads', file, ...common, ...args]);
    expect(trace).toMatch(/leads(-no-ids)?\.csv: read in \d+ ranges/);
    expect(serial.code).toBe(0);
    expect(serial.stderr).toMatch(/leads(-no-ids)?\.csv:\d+: column "created_at": "last week"/);
    expect(serial.stderr).toMatch(/leads(-no-ids)?\.csv:\d+: column "mql_at": .* is before created_at/);
    expect(serialRejects).toMatch(/lots.*deals\.csv,\d+/);
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
    if (args.includes('json')) {
      // A deal without a source takes its lead's (a quoted, padded or non-ASCII id included); one whose lead is missing has none.
      const sources = new Set((JSON.parse(serial.stdout).rows as { source: string }[]).map((r) => r.source));
      expect([...sources].sort()).toEqual(['(not set)', 'ads', 'partners', 'seo']);
    }
  });

  it('a lead id repeated: rejected, the same bytes (the parallel read gives way to the serial one)', async () => {
    const { serial, parallel, serialRejects, parallelRejects } = await both(['customers', '--leads', repeated, ...common, '--by', 'source', '--format', 'csv']);
    expect(serialRejects).toMatch(/\n L-1234 ,/); // lead 2,000, padded as lead 1,234 is
    expect(parallel).toEqual(serial);
    expect(parallelRejects).toBe(serialRejects);
  });
});
