/**
 * A parallel worker gives the stages fold each lead's typed values (StagesFold.take, through the
 * reader's Take) instead of a row object. It must fold exactly what the row path folds.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config.js';
import { makeParams } from '../src/engine/params.js';
import { IdLog } from '../src/ingest/id-log.js';
import { InputReader, type Rejection } from '../src/ingest/read.js';
import { STAGE_METRICS, StagesFold, type Attribution, type DealLink } from '../src/views/stages.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-take-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = 'id,created_at,source,campaign,owner,name,mql_at,sql_at,opportunity_at,customer_at,region';
let seed = 17;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
const day = (d: number) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000 + Math.floor(rand() * 86_400) * 1000).toISOString().slice(0, 19) + 'Z';

/** Leads with gaps in their stages (implied stages), some rejected (a bad date), some with a value to trim. */
function leadsCsv(rows: number): string {
  const lines = [header];
  for (let i = 0; i < rows; i++) {
    const created = Math.floor(rand() * 300);
    let at = created;
    const stages = [0, 1, 2, 3].map(() => (rand() < 0.5 ? '' : day((at += Math.floor(rand() * 40))))); // a later stage without an earlier one: implied
    lines.push([
      `L${i}`, i % 500 === 7 ? 'not a date' : day(created), pick(['ads', 'seo', '', ' Events ']), pick(['spring', '', 'fall']),
      pick(['ann', 'bo', '']), 'x', ...stages, pick(['north', 'south']),
    ].join(','));
  }
  return lines.join('\n') + '\n';
}

/** Deals linked to leads: they fill the opportunity and customer stages a lead has no time for. */
const link: DealLink = new Map([['L3', { created: Date.UTC(2024, 2, 1), won: Date.UTC(2024, 3, 1) }], ['L10', { created: Date.UTC(2024, 5, 1) }]]);

async function fold(path: string, text: string, by: string, attribution: Attribution, windowDays: number | undefined, withTake: boolean) {
  const config = parseConfig({ dealStages: { created: 'opportunity', won: 'customer' } }, 'test');
  const p = makeParams({ by, period: 'month', asOf: '2024-09-01' }, config, 0);
  const f = new StagesFold(p, { attribution, windowDays }, link);
  const rejections: Rejection[] = [];
  const ids = new IdLog(64);
  const reader = new InputReader({ config, onReject: (r) => rejections.push(r), dims: new Set(p.by) });
  let taken = 0;
  const range = { start: text.indexOf('\n') + 1, end: Buffer.byteLength(text), firstLine: 2, header: header.split(',') };
  const take = withTake ? (v: readonly unknown[]) => { const ok = f.take(v); if (ok) taken++; return ok; } : undefined;
  for await (const _ of reader.readRange('leads', path, range, ids, (rows) => { for (const l of rows) f.add(l); }, take));
  return { result: f.result(STAGE_METRICS, true), rejections, stats: reader.stats[0], logged: ids.size, taken };
}

describe('stages: typed values taken without a row object', () => {
  const text = leadsCsv(3000);
  const path = join(dir, 'leads.csv');
  writeFileSync(path, text);

  it.each([
    ['', 'cohort', undefined], ['source', 'cohort', undefined], ['owner,campaign', 'period', undefined], ['source', 'cohort', 30], ['campaign,source', 'period', 20],
  ] as const)('by "%s", %s attribution, window %s: the results, rejections and counts of the row path; every id logged', async (by, attribution, windowDays) => {
    const taken = await fold(path, text, by, attribution, windowDays, true);
    const rows = await fold(path, text, by, attribution, windowDays, false);
    expect(taken.taken).toBeGreaterThan(2000);
    expect(rows.taken).toBe(0);
    expect(taken.result).toEqual(rows.result);
    expect(taken.rejections).toEqual(rows.rejections);
    expect(taken.rejections.length).toBeGreaterThan(3);
    expect(taken.stats).toEqual(rows.stats);
    expect(taken.logged).toBe(taken.stats.accepted);
  });

  it('by "region" (a dimension, not read from the typed values): nothing taken, the row path folds', async () => {
    const taken = await fold(path, text, 'region', 'cohort', undefined, true);
    expect(taken.taken).toBe(0);
    expect(taken.result).toEqual((await fold(path, text, 'region', 'cohort', undefined, false)).result);
  });
});
