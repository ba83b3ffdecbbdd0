/**
 * A parallel worker gives the deals and stages folds each row's typed values (DealsFold.take,
 * StagesFold.take, through the reader's Take) instead of a row object. They must fold exactly what
 * the row path folds: the same results, the same rejections, every id logged; rows they do not
 * take go the row path.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type Config, type ConfigInput } from '../src/ingest/config.js';
import { makeParams, type ViewParams } from '../src/engine/params.js';
import type { Period } from '../src/engine/periods.js';
import { IdLog } from '../src/ingest/id-log.js';
import { useStructuralKernel } from '../src/ingest/structural.js';
import { InputReader, type Rejection, type Taker } from '../src/ingest/read.js';
import { DEAL_METRICS, DealsFold, type LeadInfo } from '../src/views/deals.js';
import { STAGE_METRICS, StagesFold, type Attribution, type DealLink } from '../src/views/stages.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-take-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seed = 11;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
const day = (d: number) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000 + Math.floor(rand() * 86_400) * 1000).toISOString().slice(0, 19) + 'Z';

/**
 * Reads a CSV file (`text`, written at `path`) as one range with an IdLog into `fold`: with its
 * take() (the worker's way), or every row as an object to add().
 */
async function readInto(
  kind: 'deals' | 'leads', path: string, text: string, config: Config, p: ViewParams,
  fold: { add(row: never): void; take(values: readonly unknown[]): boolean; takesId: boolean; anonymous?: Taker }, withTake: boolean,
) {
  const rejections: Rejection[] = [];
  const ids = new IdLog(64);
  const reader = new InputReader({ config, onReject: (r) => rejections.push(r), dims: new Set(p.by) });
  let taken = 0;
  const head = text.slice(0, text.indexOf('\n'));
  const range = { start: head.length + 1, end: Buffer.byteLength(text), firstLine: 2, header: head.split(',') };
  const counted = (t: Taker): Taker => ({ take: (v) => { const ok = t.take(v); if (ok) taken++; return ok; }, takesId: t.takesId });
  const take = withTake ? { ...counted(fold), anonymous: fold.anonymous && counted(fold.anonymous) } : undefined;
  for await (const _ of reader.readRange(kind, path, range, ids, (rows) => { for (const row of rows) fold.add(row as never); }, take));
  return { rejections, stats: reader.stats[0], logged: ids.size, hashes: loggedHashes(ids), taken };
}

/** The ids' hashes an IdLog holds, in one order whatever order they were logged in. */
function loggedHashes(ids: IdLog): string[] {
  return ids.groups().flatMap(({ a, b }) => Array.from(a, (x, i) => `${x}:${b[i]}`)).sort();
}

/** A fold's read (readInto) and the fold's result. */
type Folded = Awaited<ReturnType<typeof readInto>> & { result: unknown };

// ---------------------------------------------------------------------------------------------

const dealsHeader = 'id,created_at,status,stage,closed_at,amount,source,campaign,owner,lead_id,probability,region,currency';

/**
 * Deal i's id: `D<i>`, and unless `clean`, now and then one the id's bytes are not as they are:
 * padded (trimmed), quoted with a doubled quote (unescaped), or not ASCII (decoded).
 */
function dealId(i: number, clean: boolean): string {
  if (clean) return `D${i}`;
  return i % 41 === 3 ? ` D${i} ` : i % 43 === 5 ? `"D""${i}"` : i % 47 === 7 ? `Dé${i}` : `D${i}`;
}

/**
 * Deals of every kind the finishing rule tells apart, some rejected, some with values to trim (the
 * every-field path); `clean`: none of those, so no row waits and nothing is rejected.
 */
function dealsCsv(rows: number, clean = false): string {
  const lines = [dealsHeader];
  for (let i = 0; i < rows; i++) {
    const created = Math.floor(rand() * 300);
    const status = clean ? pick(['won', 'lost', 'open']) : pick(['won', 'lost', 'open', '', '', 'Closed Won']);
    // Without a status, the stage says it (a won or lost word, else open).
    const stage = pick(['', 'Proposal', 'closed won', 'Closed Lost', 'Negotiation']);
    // Won/lost without closed_at: rejected; closed before created (a time that day, or a date before): rejected, unless
    // a date on the day it was created (a duration of 0). Clean: a day or more later.
    const closed = rand() < 0.1 && !clean ? '' : rand() < 0.08 && !clean ? day(created - Math.floor(rand() * 2)).slice(0, 10) : day(created + (clean ? 1 : 0) + Math.floor(rand() * 60));
    const plain = rand() < 0.1 && !clean ? '' : rand() < 0.05 && !clean ? ' 12.5 ' : (rand() * 9000).toFixed(2); // won without amount: rejected
    // Now and then a currency stated on the amount or in the currency column: the first one is the run's, the others' rows are rejected.
    const amount = clean || plain === '' ? plain : pick([plain, plain, plain, plain, plain, `$${plain}`, `${plain} EUR`]);
    const currency = clean ? '' : pick(['', '', '', '', 'usd', 'EUR']);
    lines.push([
      dealId(i, clean), day(created), status, stage, closed, amount, pick(['ads', 'seo', '', 'Events']), pick(['spring', '', 'fall']),
      pick(['ann', 'bo', '']), pick(['L1', 'L2', '']), pick(clean ? ['', '30', '100'] : ['', '30', '100', '40%', '30', '0', '1']), pick(['north', 'south']), currency,
    ].join(','));
  }
  return lines.join('\n') + '\n';
}

/**
 * A read with take() against the same read without it: more than `minTaken` rows taken (none
 * without), more than `minRejected` rejections, and the same results, rejections and counts;
 * every accepted row's id logged, the last batch (fewer than 256) included.
 */
function expectRowPath(taken: Folded, rows: Folded, minTaken: number, minRejected: number) {
  expect(taken.taken).toBeGreaterThan(minTaken);
  expect(rows.taken).toBe(0);
  expect(taken.result).toEqual(rows.result);
  expect(taken.rejections).toEqual(rows.rejections);
  expect(taken.rejections.length).toBeGreaterThan(minRejected);
  expect(taken.stats).toEqual(rows.stats);
  expect(taken.logged).toBe(taken.stats.accepted);
  // The same ids logged: hashed from their bytes by the take path (see Taker), from strings by the row path.
  expect(taken.hashes).toEqual(rows.hashes);
}

const leads: LeadInfo = new Map([['L1', { source: 'from-lead', campaign: 'lead-campaign' }], ['L2', {}]]);

async function foldDeals(
  path: string, text: string, by: string, withTake: boolean, columns?: NonNullable<ConfigInput['columns']>['deals'], period: Period = 'month', metrics?: string[],
) {
  const config = parseConfig({ stageProbability: { proposal: 0.4 }, columns: { deals: columns } }, 'test');
  const p = makeParams({ by, period, asOf: '2024-09-01' }, config, 0);
  const f = new DealsFold(p, leads, metrics);
  const read = await readInto('deals', path, text, config, p, f, withTake);
  return { result: f.result(metrics === undefined ? DEAL_METRICS : DEAL_METRICS.filter((m) => metrics.includes(m.key))), ...read };
}

describe('deals: typed values taken without a row object', () => {
  const text = dealsCsv(3000);
  const path = join(dir, 'deals.csv');
  writeFileSync(path, text);

  it.each(['', 'source', 'owner,campaign', 'campaign,source,owner'])('by "%s": the results, rejections and counts of the row path; every id logged', async (by) => {
    const taken = await foldDeals(path, text, by, true);
    expectRowPath(taken, await foldDeals(path, text, by, false), 1500, 100);
    expect(taken.stats.accepted % 256).not.toBe(0); // the last batch of logged ids is a partial one
  });

  it('a file where no row waits: the ids of the last rows (fewer than a batch) are logged too', async () => {
    const clean = dealsCsv(1000, true);
    const cleanPath = join(dir, 'clean.csv');
    writeFileSync(cleanPath, clean);
    const taken = await foldDeals(cleanPath, clean, 'source', true);
    expect(taken.rejections).toEqual([]);
    expect(taken.taken).toBe(1000);
    expect(taken.logged).toBe(1000);
  });

  it('columns mapped to lists of headers (a per-row coalesce) and to null: rows whose first header is empty are taken too, with the next non-empty value, the results of the row path', async () => {
    // A clean file where now and then (1 row in 100) source is empty and campaign is not, and closed_at is
    // empty with the time in closed_alt: source ← [source, campaign], closed_at ← [closed_at, closed_alt],
    // probability ← null (the file's "probability" is then a dimension).
    const [head, ...lines] = dealsCsv(3000, true).trimEnd().split('\n');
    const alt = [head + ',closed_alt', ...lines.map((line, i) => {
      const f = line.split(',');
      f[6] = i % 100 === 0 ? '' : 'ads';
      f[7] = 'spring';
      let closedAlt = '';
      if (i % 100 === 50 && f[4] !== '') [f[4], closedAlt] = ['', f[4]];
      return [...f, closedAlt].join(',');
    })].join('\n') + '\n';
    const altPath = join(dir, 'deals-alt.csv');
    writeFileSync(altPath, alt);
    const columns = { closed_at: ['closed_at', 'closed_alt'], source: ['Source', 'campaign'], probability: null };
    const taken = await foldDeals(altPath, alt, 'source', true, columns);
    const rows = await foldDeals(altPath, alt, 'source', false, columns);
    expectRowPath(taken, rows, 300, -1);
    expect(taken.rejections).toEqual([]);
    expect(taken.taken).toBe(taken.stats.accepted);
    // The mapping changes the results (this test would pass with the mapping ignored otherwise).
    const plain = await foldDeals(altPath, alt, 'source', false);
    expect(plain.rejections.length).toBeGreaterThan(0);
    expect(rows.result).not.toEqual(plain.result);
    // The rows whose source is empty are grouped under their campaign's value (on the fast reader too).
    expect(JSON.stringify(rows.result)).toContain('"spring"');
    expect(JSON.stringify(plain.result)).not.toContain('"spring"');
  });

  it('deals.status from boolean columns: rows taken, the status derived as on the row path, the same results', async () => {
    const [head, ...lines] = text.trimEnd().split('\n');
    const flags = [head + ',IsWon,IsClosed', ...lines.map((line, i) => line + (i % 97 === 0 ? ',perhaps,1' : i % 3 === 0 ? ',true,true' : i % 3 === 1 ? ',0,1' : ',,'))].join('\n') + '\n';
    const flagsPath = join(dir, 'deals-flags.csv');
    writeFileSync(flagsPath, flags);
    const columns = { status: { won: 'IsWon', closed: 'IsClosed' } };
    const taken = await foldDeals(flagsPath, flags, 'source', true, columns);
    const rows = await foldDeals(flagsPath, flags, 'source', false, columns);
    expectRowPath(taken, rows, 1000, 100);
    expect(rows.rejections.some((r) => r.reason.includes('"perhaps" is not true or false'))).toBe(true);
    expect(rows.result).not.toEqual((await foldDeals(path, text, 'source', false)).result);
  });

  it('value maps on canonical columns (text, status, probability; to "" too): rows taken, mapped as on the row path', async () => {
    const config = parseConfig({ stageProbability: { proposal: 0.4 }, values: { deals: { source: { ads: 'paid', ' SEO': '' }, status: { LOST: 'open', '': 'won' }, probability: { '40%': '' } } } }, 'test');
    const fold = async (withTake: boolean) => {
      const p = makeParams({ by: 'source', period: 'month', asOf: '2024-09-01' }, config, 0);
      const f = new DealsFold(p, leads);
      const read = await readInto('deals', path, text, config, p, f, withTake);
      return { result: f.result(DEAL_METRICS), ...read };
    };
    const taken = await fold(true), rows = await fold(false);
    expectRowPath(taken, rows, 1000, 100);
    expect(JSON.stringify(rows.result)).toContain('"paid"');
    expect(JSON.stringify(rows.result)).not.toContain('"ads"');
  });

  it.each(['stage', 'region', 'status'])('by "%s" (not read from the typed values): nothing taken, the row path folds', async (by) => {
    const taken = await foldDeals(path, text, by, true);
    expect(taken.taken).toBe(0);
    expect(taken.result).toEqual((await foldDeals(path, text, by, false)).result);
  });
  // Every metric (each measure feeds one; the results hold them all) for each --by column the typed route reads, in every period.
  it.each(['source', 'campaign', 'owner'].flatMap((by) => (['none', 'week', 'quarter', 'year'] as const).map((period) => [by, period] as const)))(
    'by "%s", --period %s: every metric as on the row path', async (by, period) => {
      const taken = await foldDeals(path, text, by, true, undefined, period);
      expectRowPath(taken, await foldDeals(path, text, by, false, undefined, period), 1500, 100);
    });

  it('metrics that need no pipeline (the fold then tracks none): the same values on both paths', async () => {
    const metrics = ['created', 'won', 'win_rate', 'revenue', 'avg_deal_size', 'median_cycle_days', 'revenue_growth'];
    const taken = await foldDeals(path, text, 'source', true, undefined, 'month', metrics);
    expectRowPath(taken, await foldDeals(path, text, 'source', false, undefined, 'month', metrics), 1500, 100);
    expect(Object.keys((taken.result as { totals: object }).totals)).toEqual(metrics);
  });
});

/**
 * dealsCsv with its fields now and then quoted: plainly, padded inside the quotes, with a doubled
 * quote, with a delimiter or a line break inside (free-text columns only, so the row stays valid),
 * or empty.
 */
function quotedDealsCsv(rows: number): string {
  const [head, ...lines] = dealsCsv(rows).trimEnd().split('\n');
  const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
  const free = new Set([7, 8, 11]); // campaign, owner, region
  const quoted = lines.map((line) => line.split(',').map((v, c) => {
    if (v.startsWith('"') || rand() < 0.6) return v; // an id already quoted (with a doubled quote) stays so
    const r = rand();
    if (r < 0.4) return quote(v);
    if (r < 0.55) return quote(` ${v} `);
    if (r < 0.7 && free.has(c)) return quote(`${v}, "more"`);
    if (r < 0.85 && free.has(c)) return quote(`${v}\nnext line`);
    return v === '' ? '""' : quote(v);
  }).join(','));
  return [head, ...quoted].join('\n') + '\n';
}

describe('records made from the structural kernel\'s positions (their bounds not written out)', () => {
  const text = quotedDealsCsv(3000);
  const path = join(dir, 'quoted-deals.csv');
  writeFileSync(path, text);

  it.each([true, false])('read with take() %s: the same as read from the JavaScript scan\'s bounds, for every quoting', async (withTake) => {
    const kernel = await foldDeals(path, text, 'campaign,source,owner', withTake);
    useStructuralKernel(false);
    try {
      const scan = await foldDeals(path, text, 'campaign,source,owner', withTake);
      expect(kernel).toEqual(scan);
    } finally {
      useStructuralKernel(true);
    }
    expect(kernel.rejections.length).toBeGreaterThan(100);
    if (withTake) expect(kernel.taken).toBeGreaterThan(1000);
    // A line break inside quotes moves the lines after it: the rejections' lines say so.
    expect(text.split('\n').length).toBeGreaterThan(3000 + 100);
  });
});

// ---------------------------------------------------------------------------------------------

const leadsHeader = 'id,created_at,source,campaign,owner,name,mql_at,sql_at,opportunity_at,customer_at,region';

/**
 * Leads with gaps in their stages (implied stages), some rejected (a bad date), some with a value to trim.
 * `stageZero`: with a column of stage 0's own time, `lead_entered` (empty, later than created_at, or now and then before it).
 */
function leadsCsv(rows: number, stageZero = false): string {
  const lines = [stageZero ? `${leadsHeader},lead_entered` : leadsHeader];
  for (let i = 0; i < rows; i++) {
    const created = Math.floor(rand() * 300);
    let at = created;
    // A later stage without an earlier one: implied. A stage time before created_at (that day, or a date the day before) rejects
    // the lead; a date on the day it was created does not.
    const stages = [0, 1, 2, 3].map(() => (rand() < 0.5 ? '' : rand() < 0.03 ? day(created - Math.floor(rand() * 2)).slice(0, 10) : day((at += Math.floor(rand() * 40)))));
    lines.push([
      i % 41 === 3 ? ` L${i} ` : i % 43 === 5 ? `"L""${i}"` : i % 47 === 7 ? `Lé${i}` : `L${i}`, i % 500 === 7 ? 'not a date' : day(created), pick(['ads', 'seo', '', ' Events ']), pick(['spring', '', 'fall']),
      pick(['ann', 'bo', '']), 'x', ...stages, pick(['north', 'south']),
      ...(stageZero ? [rand() < 0.4 ? '' : day(created + (rand() < 0.03 ? -2 : Math.floor(rand() * 5)))] : []),
    ].join(','));
  }
  return lines.join('\n') + '\n';
}

/** Deals linked to leads: they fill the opportunity and customer stages a lead has no time for. */
const link: DealLink = new Map([['L3', { created: Date.UTC(2024, 2, 1), won: Date.UTC(2024, 3, 1) }], ['L10', { created: Date.UTC(2024, 5, 1) }]]);

/** `linked`: with the deal link (take() then reads each lead's id), or none (the id is only logged, from its bytes). */
async function foldLeads(path: string, text: string, by: string, attribution: Attribution, windowDays: number | undefined, withTake: boolean, linked = true, period: Period = 'month', more: ConfigInput = {}) {
  const config = parseConfig({ dealStages: { created: 'opportunity', won: 'customer' }, ...more }, 'test');
  const p = makeParams({ by, period, asOf: '2024-09-01' }, config, 0);
  const f = new StagesFold(p, { attribution, windowDays }, linked ? link : undefined);
  const read = await readInto('leads', path, text, config, p, f, withTake);
  return { result: f.result(STAGE_METRICS, true), ...read };
}

describe('stages: typed values taken without a row object', () => {
  const text = leadsCsv(3000);
  const path = join(dir, 'leads.csv');
  writeFileSync(path, text);

  it.each([
    ['', 'cohort', undefined], ['source', 'cohort', undefined], ['owner,campaign', 'period', undefined], ['source', 'cohort', 30], ['campaign,source', 'period', 20],
  ] as const)('by "%s", %s attribution, window %s: the results, rejections and counts of the row path; every id logged', async (by, attribution, windowDays) => {
    const taken = await foldLeads(path, text, by, attribution, windowDays, true);
    expectRowPath(taken, await foldLeads(path, text, by, attribution, windowDays, false), 2000, 3);
  });

  it('without deals linked (the ids only logged, from their bytes): the results, rejections, counts and logged ids of the row path', async () => {
    const taken = await foldLeads(path, text, 'source', 'cohort', undefined, true, false);
    expectRowPath(taken, await foldLeads(path, text, 'source', 'cohort', undefined, false, false), 2000, 3);
  });

  it.each(['source', 'campaign', 'owner'].flatMap((by) => (['none', 'week', 'quarter'] as const).flatMap((period) => (['cohort', 'period'] as const).map((attribution) => [by, period, attribution] as const))))(
    'by "%s", --period %s, %s attribution: every metric as on the row path', async (by, period, attribution) => {
      const taken = await foldLeads(path, text, by, attribution, 25, true, true, period);
      expectRowPath(taken, await foldLeads(path, text, by, attribution, 25, false, true, period), 2000, 3);
    });

  // The same leads without their id column (columns.leads.id null): anonymous stage-0 entries and entries of their stage times.
  const anonymousText = text.split('\n').map((line) => line.slice(line.indexOf(',') + 1)).join('\n');
  const anonymousPath = join(dir, 'leads-without-ids.csv');
  writeFileSync(anonymousPath, anonymousText);
  it.each([['', 'month'], ['source', 'week'], ['owner,campaign', 'none']] as const)('a file without ids, by "%s", --period %s: taken by its own taker, the results, rejections and counts of the row path; no id logged', async (by, period) => {
    const taken = await foldLeads(anonymousPath, anonymousText, by, 'period', undefined, true, true, period, { columns: { leads: { id: null } } });
    const rows = await foldLeads(anonymousPath, anonymousText, by, 'period', undefined, false, true, period, { columns: { leads: { id: null } } });
    expect(taken.taken).toBeGreaterThan(2000);
    expect(rows.taken).toBe(0);
    expect(taken.result).toEqual(rows.result);
    expect(taken.rejections).toEqual(rows.rejections);
    expect(taken.rejections.length).toBeGreaterThan(3);
    expect(taken.stats).toEqual(rows.stats);
    expect([taken.logged, rows.logged]).toEqual([0, 0]);
    // Entries only: every stage's in_stage unknown, no duration.
    expect((taken.result as { totals: Record<string, unknown>[] }).totals.every((t) => t.in_stage === null && t.median_days_from_previous === null)).toBe(true);
  });

  it('by "region" (a dimension, not read from the typed values): nothing taken, the row path folds', async () => {
    const taken = await foldLeads(path, text, 'region', 'cohort', undefined, true);
    expect(taken.taken).toBe(0);
    expect(taken.result).toEqual((await foldLeads(path, text, 'region', 'cohort', undefined, false)).result);
  });
  it.each(['cohort', 'period'] as const)('with stage 0\'s own column (a stageColumns template), %s attribution: every metric as on the row path', async (attribution) => {
    const zeroText = leadsCsv(3000, true);
    const zeroPath = join(dir, 'leads-stage-zero.csv');
    writeFileSync(zeroPath, zeroText);
    const more = { stageColumns: { leads: ['{stage}_entered'] } };
    const taken = await foldLeads(zeroPath, zeroText, 'source', attribution, undefined, true, true, 'month', more);
    const rows = await foldLeads(zeroPath, zeroText, 'source', attribution, undefined, false, true, 'month', more);
    expectRowPath(taken, rows, 2000, 3);
    // Its times are read: leads whose lead_entered is before created_at are rejected, and the durations into mql differ from created_at's.
    expect(rows.rejections.some((r) => r.reason.includes('lead_entered'))).toBe(true);
    expect(rows.result).not.toEqual((await foldLeads(zeroPath, zeroText, 'source', attribution, undefined, false, true, 'month')).result);
  });
});
