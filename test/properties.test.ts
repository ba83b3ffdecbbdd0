/**
 * Properties that must hold for any input (fast-check, hundreds of generated companies each).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseSync } from 'csv-parse/sync';
import { companyArb, HEADERS, runMain, writeRows, type Company, type Format, type Rec } from './helpers/gen.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
// Room to shrink a counterexample when a property fails (a pass takes a few seconds).
const LIMIT = 180_000;
const KINDS = ['leads', 'deals', 'spend', 'subscriptions'] as const;

async function inTemp<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'funnel-prop-'));
  try { return await f(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** Writes the company (each kind possibly split into several files) and returns the input flags. */
function inputs(dir: string, c: Company, format: Format, split: Partial<Record<(typeof KINDS)[number], number>> = {}): string[] {
  const args: string[] = [];
  for (const kind of KINDS) {
    const rows = c[kind];
    const at = split[kind];
    const parts = at === undefined ? [rows] : [rows.slice(0, at % (rows.length + 1)), rows.slice(at % (rows.length + 1))];
    parts.forEach((part, i) => args.push(`--${kind}`, writeRows(dir, `${kind}-${i}`, part, format, HEADERS[kind])));
  }
  return args;
}

const REPORT = ['report', '--period', 'month', '--by', 'source', '--as-of', '2025-03-01', '--format', 'json'];
const views = (stdout: string) => JSON.parse(stdout).views;
const shuffle = <T>(rows: T[], seed: number) => {
  const out = [...rows];
  for (let i = out.length - 1; i > 0; i--) { seed = (seed * 1103515245 + 12345) % 2147483648; const j = seed % (i + 1); [out[i], out[j]] = [out[j], out[i]]; }
  return out;
};

describe('properties', () => {
  it('accepted + rejected = rows read, for every input kind and format (values may be garbage)', async () => {
    const garbage = fc.constantFrom('', 'x', '-5', '1e309', 'NaN', '2024-02-30', '0x10', '"', '$1,2', ' 7 ', '2024-01-01', '12', 'won', 'L1');
    const headers = { ...HEADERS, events: ['lead_id', 'stage', 'at'] } as Record<string, string[]>;
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('leads', 'deals', 'spend', 'subscriptions', 'events'), fc.constantFrom<Format>('csv', 'json', 'ndjson'),
      fc.array(fc.array(garbage, { minLength: 9, maxLength: 9 }), { maxLength: 20 }),
      async (kind, format, table) => inTemp(async (dir) => {
        const header = headers[kind];
        const rows: Rec[] = table.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
        const file = writeRows(dir, kind, rows, format, header);
        const leads = writeRows(dir, 'known-leads', [{ id: 'L1', created_at: '2024-01-01' }], 'csv', ['id', 'created_at']);
        const r = await runMain(['validate', ...(kind === 'events' ? ['--leads', leads] : []), `--${kind}`, file, '--format', 'json']);
        expect(r.stderr).toBe('');
        const s = JSON.parse(r.stdout).inputs[kind];
        expect(s.accepted + s.rejected).toBe(s.rows);
        expect(s.rows).toBe(rows.length);
        expect(JSON.parse(r.stdout).rejections).toHaveLength(s.rejected);
        expect(r.code).toBe(s.rejected ? 1 : 0);
      })), { numRuns: RUNS });
  }, LIMIT);

  it('shuffling the rows of every input gives an identical report', async () => {
    await fc.assert(fc.asyncProperty(companyArb, fc.integer({ min: 1, max: 1e9 }), async (c, seed) => inTemp(async (dir) => {
      const whole = await runMain([...REPORT, ...inputs(join(dir), c, 'csv')]);
      const mixed: Company = { leads: shuffle(c.leads, seed), deals: shuffle(c.deals, seed + 1), spend: shuffle(c.spend, seed + 2), subscriptions: shuffle(c.subscriptions, seed + 3) };
      const sub = mkdtempSync(join(dir, 's'));
      const shuffled = await runMain([...REPORT, ...inputs(sub, mixed, 'csv')]);
      expect(shuffled.code).toBe(whole.code);
      if (whole.code === 0) expect(views(shuffled.stdout)).toEqual(views(whole.stdout));
    })), { numRuns: RUNS });
  }, LIMIT);

  it('splitting an input into two files gives the same report as the whole, in every format', async () => {
    await fc.assert(fc.asyncProperty(companyArb, fc.constantFrom<Format>('csv', 'json', 'ndjson'), fc.nat(40), fc.nat(40), async (c, format, a, b) => inTemp(async (dir) => {
      const whole = await runMain([...REPORT, ...inputs(dir, c, format)]);
      const sub = mkdtempSync(join(dir, 's'));
      const split = await runMain([...REPORT, ...inputs(sub, c, format, { leads: a, deals: b, spend: a + b, subscriptions: b })]);
      expect(split.code).toBe(whole.code);
      if (whole.code === 0) expect(views(split.stdout)).toEqual(views(whole.stdout));
    })), { numRuns: RUNS });
  }, LIMIT);

  it('additive metrics of the period rows sum to the --period none totals; rates stay in range', async () => {
    await fc.assert(fc.asyncProperty(companyArb, fc.constantFrom('day', 'week', 'month', 'quarter', 'year'), async (c, period) => inTemp(async (dir) => {
      const files = inputs(dir, c, 'csv');
      const byPeriod = await runMain(['report', '--period', period, '--as-of', '2025-03-01', '--format', 'json', ...files]);
      const none = await runMain(['report', '--as-of', '2025-03-01', '--format', 'json', ...files]);
      if (byPeriod.code !== 0) return;
      const [vp, vn] = [views(byPeriod.stdout), views(none.stdout)];
      const sum = (rows: Record<string, number>[], key: string) => rows.reduce((a, r) => a + r[key], 0);
      for (const key of ['created', 'won', 'lost', 'revenue']) if (vp.deals) expect(sum(vp.deals.rows, key)).toBe(vn.deals.totals[key]);
      for (const key of ['spend', 'leads', 'revenue', 'new_customers']) if (vp.marketing) expect(sum(vp.marketing.rows, key)).toBe(vn.marketing.totals[key]);
      for (const key of ['leads', 'with_email', 'with_phone', 'duplicate_emails']) if (vp.quality) expect(sum(vp.quality.rows, key)).toBe(vn.quality.totals[key]);
      if (vp.stages) expect(sum(vp.stages.rows.filter((r: Rec) => r.stage === 'lead'), 'reached')).toBe(vn.stages.totals[0].reached);
      const inUnit = (v: unknown, lo: number, hi: number) => v === null || (typeof v === 'number' && v >= lo && v <= hi);
      for (const r of vp.deals?.rows ?? []) { expect(inUnit(r.win_rate, 0, 1)).toBe(true); expect(inUnit(r.close_rate, 0, 1)).toBe(true); expect(inUnit(r.revenue_growth, -1, Infinity)).toBe(true); }
      for (const r of vp.stages?.rows ?? []) { expect(inUnit(r.rate_from_previous, 0, 1)).toBe(true); expect(inUnit(r.rate_from_start, 0, 1)).toBe(true); }
      for (const r of vp.mrr?.rows ?? []) { expect(inUnit(r.customer_churn_rate, 0, 1)).toBe(true); expect(inUnit(r.gross_revenue_retention, 0, 1)).toBe(true); expect(inUnit(r.net_revenue_retention, 0, Infinity)).toBe(true); }
      for (const r of vp.quality?.rows ?? []) expect(inUnit(r.completeness, 0, 1)).toBe(true);
    })), { numRuns: RUNS });
  }, LIMIT);

  it('no NaN, Infinity or -0 reaches any output format; CSV parses back to the JSON values', async () => {
    await fc.assert(fc.asyncProperty(companyArb, fc.constantFrom('deals', 'stages', 'marketing', 'customers', 'mrr', 'quality'), async (c, view) => inTemp(async (dir) => {
      const base = [view, '--period', 'quarter', '--as-of', '2025-03-01', ...inputs(dir, c, 'csv')];
      const json = await runMain([...base, '--format', 'json']);
      if (json.code !== 0) return;
      const walk = (v: unknown): void => {
        if (typeof v === 'number') { expect(Number.isFinite(v)).toBe(true); expect(Object.is(v, -0)).toBe(false); }
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(JSON.parse(json.stdout));
      for (const format of ['csv', 'ndjson', 'markdown', 'table']) {
        const out = (await runMain([...base, '--format', format])).stdout;
        expect(out).not.toMatch(/NaN|Infinity|(^|[^\w.])-0(?![\d.])/m);
      }
      const csv = (await runMain([...base, '--format', 'csv'])).stdout;
      const fromCsv = parseSync(csv, { columns: true, cast: (v) => (v === '' ? null : v === 'true' || v === 'false' ? v === 'true' : Number.isNaN(Number(v)) ? v : Number(v)) });
      expect(fromCsv).toEqual(JSON.parse(json.stdout).rows);
    })), { numRuns: RUNS });
  }, LIMIT);
});
