import { describe, expect, it } from 'vitest';
import { DealsFold, DEAL_METRICS } from '../src/views/deals.js';
import { deal, params, t } from './helpers/rows.js';

// Source A: D6 (created Dec, won Jan 15, 2000, cycle 45 d), D1 (created Jan 10, won Feb 5, 1000, cycle 26 d),
// D2 (created Jan 20, lost Feb 10, no amount), D3 (created Feb 1, won Mar 1 12:00, 3000, cycle 29.5 d),
// D4 (created Feb 15, open, 5000, stage Proposal → config probability 0.5). Source B: D5 (created Mar 10,
// open, no amount, probability 0.2). As of 2024-03-20, stallDays 30.
const deals = [
  deal({ id: 'D6', createdAt: t('2023-12-01'), status: 'won', closedAt: t('2024-01-15'), amount: 2000, source: 'A' }),
  deal({ id: 'D1', createdAt: t('2024-01-10'), status: 'won', closedAt: t('2024-02-05'), amount: 1000, source: 'A' }),
  deal({ id: 'D2', createdAt: t('2024-01-20'), status: 'lost', closedAt: t('2024-02-10'), source: 'A' }),
  deal({ id: 'D3', createdAt: t('2024-02-01'), status: 'won', closedAt: t('2024-03-01T12:00:00Z'), amount: 3000, source: 'A' }),
  deal({ id: 'D4', createdAt: t('2024-02-15'), status: 'open', amount: 5000, stage: 'Proposal', source: 'A' }),
  deal({ id: 'D5', createdAt: t('2024-03-10'), status: 'open', probability: 0.2, source: 'B' }),
];
const config = { stageProbability: { proposal: 0.5 } };

function run(p: ReturnType<typeof params>, rows = deals, leads?: Map<string, { source?: string }>) {
  const fold = new DealsFold(p, leads);
  for (const d of rows) fold.add(d);
  return fold.result(DEAL_METRICS);
}

describe('deals view, by source and month', () => {
  const { rows, totals } = run(params({ by: 'source', period: 'month', asOf: '2024-03-20' }, config));

  it('has a row per group and period with an attribution date, sorted', () => {
    expect(rows.map((r) => `${r.period} ${r.source}`)).toEqual(['2023-12 A', '2024-01 A', '2024-02 A', '2024-03 A', '2024-03 B']);
  });

  it('2023-12 A: one created, won later (close rate 1), open at the month end', () => {
    expect(rows[0]).toEqual({
      period: '2023-12', source: 'A', created: 1, won: 0, lost: 0, win_rate: null, close_rate: 1, revenue: 0, avg_deal_size: null,
      median_cycle_days: null, mean_cycle_days: null, p90_cycle_days: null,
      open_deals: 1, pipeline_value: 2000, weighted_pipeline: 0, // D6 open on Jan 1; no probability → weight 0
      stalled_deals: null, sales_velocity: null, revenue_growth: null,
    });
  });

  it('2024-01 A: D6 won; D1 and D2 created and open at the month end', () => {
    expect(rows[1]).toEqual({
      period: '2024-01', source: 'A', created: 2, won: 1, lost: 0, win_rate: 1, close_rate: 0.5, // D1 won, D2 lost
      revenue: 2000, avg_deal_size: 2000, median_cycle_days: 45, mean_cycle_days: 45, p90_cycle_days: 45,
      open_deals: 2, pipeline_value: 1000, weighted_pipeline: 0, // D2 has no amount → 0
      stalled_deals: null, sales_velocity: (2 * 1 * 2000) / 45, // open × win rate × size / cycle
      revenue_growth: null, // the previous row (2023-12) has revenue 0
    });
  });

  it('2024-02 A: one won, one lost; pipeline at Mar 1 00:00 holds D3 (closes at noon) and D4', () => {
    expect(rows[2]).toMatchObject({
      created: 2, won: 1, lost: 1, win_rate: 0.5, close_rate: 0.5, revenue: 1000, median_cycle_days: 26,
      open_deals: 2, pipeline_value: 8000, weighted_pipeline: 2500, sales_velocity: (2 * 0.5 * 1000) / 26, revenue_growth: -0.5,
    });
  });

  it('2024-03 A holds --as-of: stalled deals show there (D4 is 34 days old)', () => {
    expect(rows[3]).toMatchObject({
      created: 0, close_rate: null, won: 1, revenue: 3000, mean_cycle_days: 29.5, open_deals: 1, pipeline_value: 5000,
      weighted_pipeline: 2500, stalled_deals: 1, revenue_growth: 2, sales_velocity: 3000 / 29.5,
    });
    expect(rows[4]).toMatchObject({ source: 'B', created: 1, close_rate: 0, open_deals: 1, pipeline_value: 0, weighted_pipeline: 0, stalled_deals: 0, win_rate: null, revenue_growth: null });
  });

  it('totals use --period none semantics: pipeline at --as-of', () => {
    expect(totals).toEqual({
      created: 6, won: 3, lost: 1, win_rate: 0.75, close_rate: 0.5, revenue: 6000, avg_deal_size: 2000,
      median_cycle_days: 29.5, mean_cycle_days: 33.5, p90_cycle_days: 45, // ⌈0.9·3⌉ = 3rd smallest
      open_deals: 2, pipeline_value: 5000, weighted_pipeline: 2500, stalled_deals: 1,
      sales_velocity: (2 * 0.75 * 2000) / 33.5, revenue_growth: null,
    });
  });
});

describe('deals view, edge cases', () => {
  it("revenue_growth compares with the same group's row one period back, and is null across a gap", () => {
    const won = (id: string, month: string, amount: number, source: string) =>
      deal({ id, createdAt: t('2023-01-01'), status: 'won', closedAt: t(`2024-${month}-10`), amount, source });
    // A: Jan, Feb, Apr (no March row). B: Mar only, between A's rows in the sorted cells.
    const { rows } = run(params({ by: 'source', period: 'month', asOf: '2024-06-01' }, config),
      [won('a1', '01', 100, 'A'), won('a2', '02', 150, 'A'), won('b1', '03', 70, 'B'), won('a3', '04', 300, 'A')]);
    expect(rows.map((r) => [r.period, r.source, r.revenue, r.revenue_growth])).toEqual([
      ['2023-01', 'A', 0, null], ['2023-01', 'B', 0, null], // the created rows
      ['2024-01', 'A', 100, null], ['2024-02', 'A', 150, 0.5], ['2024-03', 'B', 70, null], ['2024-04', 'A', 300, null],
    ]);
  });

  it('each metric shown alone (--metrics) has the values it has among all: derived metrics compute what they need', () => {
    const p = params({ by: 'source', period: 'month', asOf: '2024-03-20' }, config);
    const all = run(p);
    for (const metric of DEAL_METRICS) {
      const fold = new DealsFold(p, undefined, [metric.key]);
      for (const d of deals) fold.add(d);
      const alone = fold.result([metric]);
      expect(alone.rows.map((r) => r[metric.key]), metric.key).toEqual(all.rows.map((r) => r[metric.key]));
      expect(alone.totals[metric.key], metric.key).toEqual(all.totals[metric.key]);
    }
    // (revenue_growth alone was null on every row: it read the previous row's revenue column.)
    expect(all.rows.some((r) => typeof r.revenue_growth === 'number')).toBe(true);
  });

  it('--period none: one row per group, pipeline at --as-of, stalled shown', () => {
    const { rows } = run(params({ by: 'source', asOf: '2024-03-20' }, config));
    expect(rows.map((r) => [r.source, r.created, r.open_deals, r.stalled_deals, r.revenue_growth])).toEqual([['A', 5, 1, 1, null], ['B', 1, 1, 0, null]]);
  });

  it('--from/--to are half-open on each attribution date', () => {
    const { totals } = run(params({ from: '2024-02-01', to: '2024-03-01', asOf: '2024-03-20' }, config));
    // created in Feb: D3, D4; closed in Feb: D1 won, D2 lost (D3 closes Mar 1 12:00: outside)
    expect(totals).toMatchObject({ created: 2, won: 1, lost: 1, revenue: 1000 });
  });

  it('a deal without source takes its lead\'s; missing values group under (not set)', () => {
    const rows = [deal({ id: 'X', createdAt: t('2024-01-01'), leadId: 'L1' }), deal({ id: 'Y', createdAt: t('2024-01-01'), leadId: 'L2' }), deal({ id: 'Z', createdAt: t('2024-01-01'), source: 'own', leadId: 'L1' })];
    const { rows: out } = run(params({ by: 'source', asOf: '2024-02-01' }), rows, new Map([['L1', { source: 'webinar' }]]));
    expect(out.map((r) => [r.source, r.created])).toEqual([['(not set)', 1], ['own', 1], ['webinar', 1]]);
  });

  it('ratios with zero denominators are null, never NaN', () => {
    const { totals } = run(params({ asOf: '2024-01-01' }), [deal({ id: 'O', createdAt: t('2023-06-01') })]);
    expect(totals).toMatchObject({ win_rate: null, avg_deal_size: null, sales_velocity: null, median_cycle_days: null, close_rate: 0 });
  });

  it('groups by fiscal quarter', () => {
    const { rows } = run(params({ period: 'quarter', asOf: '2024-06-01' }, { fiscalYearStartMonth: 2 }), [
      deal({ id: 'a', createdAt: t('2024-01-31') }), deal({ id: 'b', createdAt: t('2024-02-01') }), deal({ id: 'c', createdAt: t('2024-05-01') }),
    ]);
    expect(rows.map((r) => [r.period, r.created])).toEqual([['FY2024-Q4', 1], ['FY2025-Q1', 1], ['FY2025-Q2', 1]]);
  });

  it('labels ISO week 2025-W01 for 2024-12-30', () => {
    const { rows } = run(params({ period: 'week', asOf: '2025-02-01' }), [deal({ id: 'w', createdAt: t('2024-12-30T05:00:00Z') }), deal({ id: 'v', createdAt: t('2024-12-29T23:00:00Z') })]);
    expect(rows.map((r) => r.period)).toEqual(['2024-W52', '2025-W01']);
  });
});

describe('deals fold made for some metrics', () => {
  const p = params({ by: 'source', period: 'month', asOf: '2024-03-20' }, config);
  const keys = ['created', 'won', 'revenue', 'median_cycle_days', 'close_rate'];
  const some = DEAL_METRICS.filter((m) => keys.includes(m.key));

  it('gives those metrics the values of a fold made for all of them (no pipeline is tracked)', () => {
    const fold = new DealsFold(p, undefined, keys);
    for (const d of deals) fold.add(d);
    const full = new DealsFold(p);
    for (const d of deals) full.add(d);
    expect(fold.result(some)).toEqual(full.result(some));
    expect([...fold.pipeline.values()].every((g) => g.changes.size === 0 && g.atAsOf.openDeals === 0)).toBe(true);
  });

  it('refuses to compute a pipeline metric it did not track', () => {
    const fold = new DealsFold(p, undefined, keys);
    for (const d of deals) fold.add(d);
    expect(() => fold.result(DEAL_METRICS)).toThrow(/open_deals was not among the metrics/);
  });

  it('tracks the pipeline when any metric needs it', () => {
    const velocity = DEAL_METRICS.filter((m) => m.key === 'sales_velocity');
    const fold = new DealsFold(p, undefined, ['won', 'sales_velocity']);
    for (const d of deals) fold.add(d);
    const full = new DealsFold(p);
    for (const d of deals) full.add(d);
    expect(fold.result(velocity)).toEqual(full.result(velocity));
    expect(fold.result(velocity).totals.sales_velocity).not.toBeNull();
  });
});
