import { describe, expect, it } from 'vitest';
import { StagesFold, STAGE_METRICS, type StageOptions, type DealLink, type LeadEvents } from '../src/views/stages.js';
import { lead, params, t } from './helpers/rows.js';
import type { Lead } from '../src/ingest/schemas.js';

// Stages: lead, mql, sql, opportunity, customer. As of 2024-06-01, stallDays 30.
//   L1 (A) created Jan 1: mql Jan 3, sql Jan 10, customer Feb 1 (opportunity implied, entry Feb 1)
//   L2 (A) created Jan 5: mql Jan 6
//   L3 (B) created Jan 20: nothing
//   L4 (A) created Feb 10: sql Feb 20 (mql implied, entry Feb 20)
//   L5 (B) created May 25: mql May 28
const leads: Lead[] = [
  lead('L1', '2024-01-01', ['2024-01-03', '2024-01-10', undefined, '2024-02-01'], { source: 'A' }),
  lead('L2', '2024-01-05', ['2024-01-06'], { source: 'A' }),
  lead('L3', '2024-01-20', [], { source: 'B' }),
  lead('L4', '2024-02-10', [undefined, '2024-02-20'], { source: 'A' }),
  lead('L5', '2024-05-25', ['2024-05-28'], { source: 'B' }),
];

function run(o: { by?: string; period?: 'none' | 'month'; asOf?: string }, options: StageOptions = { attribution: 'cohort' }, rows = leads, link?: DealLink, events?: LeadEvents, config = {}) {
  const fold = new StagesFold(params({ asOf: '2024-06-01', ...o }, config), options, link, events);
  for (const l of rows) fold.add(l);
  return fold.result(STAGE_METRICS, true);
}
const col = (rows: Record<string, unknown>[], key: string) => rows.map((r) => r[key]);

describe('stages view, cohort attribution by month', () => {
  const { rows, totals } = run({ period: 'month' });
  const jan = rows.filter((r) => r.period === '2024-01'), feb = rows.filter((r) => r.period === '2024-02');

  it('one row per period × stage, in stage order', () => {
    expect(rows.map((r) => `${r.period} ${r.stage}`).slice(0, 6)).toEqual(['2024-01 lead', '2024-01 mql', '2024-01 sql', '2024-01 opportunity', '2024-01 customer', '2024-02 lead']);
    expect(new Set(col(rows, 'period'))).toEqual(new Set(['2024-01', '2024-02', '2024-05']));
  });

  it('counts implied earlier stages as reached (L1 skipped opportunity)', () => {
    expect(col(jan, 'reached')).toEqual([3, 2, 1, 1, 1]);
    expect(col(jan, 'rate_from_previous')).toEqual([null, 2 / 3, 1 / 2, 1, 1]);
    expect(col(jan, 'rate_from_start')).toEqual([1, 2 / 3, 1 / 3, 1 / 3, 1 / 3]);
    expect(col(jan, 'dropped')).toEqual([null, 1, 1, 0, 0]);
  });

  it('takes durations only where both timestamps exist', () => {
    expect(col(jan, 'median_days_from_previous')).toEqual([null, 1.5, 7, null, null]); // mql: L1 2 d, L2 1 d
    expect(col(jan, 'mean_days_from_previous')).toEqual([null, 1.5, 7, null, null]);
    expect(col(jan, 'p90_days_from_previous')).toEqual([null, 2, 7, null, null]); // ⌈0.9·2⌉ = 2nd
    expect(col(feb, 'median_days_from_previous')).toEqual([null, null, null, null, null]); // L4: no mql timestamp
  });

  it('in_stage is the furthest stage; stalled excludes the last stage and recent entries', () => {
    expect(col(jan, 'in_stage')).toEqual([1, 1, 0, 0, 1]); // L3 lead, L2 mql, L1 customer
    expect(col(jan, 'stalled')).toEqual([1, 1, 0, 0, 0]);
    expect(col(feb, 'reached')).toEqual([1, 1, 1, 0, 0]);
    expect(col(feb, 'rate_from_previous')).toEqual([null, 1, 1, 0, null]); // customer: 0 / 0
    expect(col(feb, 'stalled')).toEqual([0, 0, 1, 0, 0]);
    expect(col(rows.filter((r) => r.period === '2024-05'), 'stalled')).toEqual([0, 0, 0, 0, 0]); // L5 entered mql 4 days ago
  });

  it('totals: one row per stage over everything', () => {
    expect(col(totals, 'stage')).toEqual(['lead', 'mql', 'sql', 'opportunity', 'customer']);
    expect(col(totals, 'reached')).toEqual([5, 4, 2, 1, 1]); // sql: L1 and L4
    expect(col(totals, 'median_days_from_previous')).toEqual([null, 2, 7, null, null]); // mql: 2, 1, 3
    expect(col(totals, 'p90_days_from_previous')).toEqual([null, 3, 7, null, null]);
    expect(totals[0]).not.toHaveProperty('mature');
  });
});

describe('stages view, other modes', () => {
  it('period attribution puts each entry in its own period; implied entries take the next timestamp', () => {
    const { rows } = run({ period: 'month' }, { attribution: 'period' });
    const of = (p: string) => col(rows.filter((r) => r.period === p), 'reached');
    expect(of('2024-01')).toEqual([3, 2, 1, 0, 0]);
    expect(of('2024-02')).toEqual([1, 1, 1, 1, 1]); // L4 lead/mql/sql; L1 opportunity (implied, Feb 1) and customer
    expect(col(rows.filter((r) => r.period === '2024-02'), 'in_stage')).toEqual([0, 0, 1, 0, 1]);
  });

  it('period attribution rates can exceed 1', () => {
    const rows2 = [lead('a', '2024-01-30', ['2024-02-02']), lead('b', '2024-01-31', ['2024-02-03']), lead('c', '2024-02-01')];
    const { rows } = run({ period: 'month' }, { attribution: 'period' }, rows2);
    expect(rows.filter((r) => r.period === '2024-02').map((r) => r.rate_from_previous).slice(0, 2)).toEqual([null, 2]);
  });

  it('--window drops late timestamps (durations too) and marks cohorts mature', () => {
    const { rows } = run({ period: 'month' }, { attribution: 'cohort', windowDays: 20 });
    const jan = rows.filter((r) => r.period === '2024-01');
    expect(col(jan, 'reached')).toEqual([3, 2, 1, 0, 0]); // L1's customer (day 31) is outside
    expect(col(jan, 'in_stage')).toEqual([1, 1, 1, 0, 0]);
    expect(col(jan, 'mature')).toEqual([true, true, true, true, true]); // Feb 1 + 20 d ≤ Jun 1
    expect(col(rows.filter((r) => r.period === '2024-05'), 'mature')[0]).toBe(false); // Jun 1 + 20 d > Jun 1
  });

  it('groups by source', () => {
    const { rows } = run({ by: 'source' });
    expect(rows.filter((r) => r.stage === 'lead').map((r) => [r.source, r.reached])).toEqual([['A', 3], ['B', 2]]);
  });

  it('links deals: first deal created → opportunity, first won close → customer; explicit timestamps win', () => {
    const link: DealLink = new Map([['L6', { created: t('2024-03-01'), won: t('2024-03-20') }], ['L1', { created: t('2024-01-15'), won: t('2024-03-01') }]]);
    const l6 = lead('L6', '2024-02-25');
    const fold = new StagesFold(params({ asOf: '2024-06-01' }), { attribution: 'cohort' }, link);
    expect(fold.stageTimes(l6)).toEqual([t('2024-02-25'), undefined, undefined, t('2024-03-01'), t('2024-03-20')]);
    expect(fold.stageTimes(leads[0])).toEqual([t('2024-01-01'), t('2024-01-03'), t('2024-01-10'), t('2024-01-15'), t('2024-02-01')]);
    const off = new StagesFold(params({ asOf: '2024-06-01' }, { dealStages: null }), { attribution: 'cohort' }, link);
    expect(off.stageTimes(l6)).toEqual([t('2024-02-25'), undefined, undefined, undefined, undefined]);
  });

  it('takes stage events, the earliest per stage', () => {
    const events: LeadEvents = new Map([['L3', [undefined, t('2024-01-25'), undefined, undefined, undefined]]]);
    const { totals } = run({}, { attribution: 'cohort' }, leads, undefined, events);
    expect(col(totals, 'reached')).toEqual([5, 5, 2, 1, 1]); // L3 now reached mql
  });
});
