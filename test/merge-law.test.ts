/**
 * Law: every metric merges. For every split point of a small sample, folding the two parts and
 * merging the states gives the same result as folding the whole; merging an empty state changes
 * nothing (it is the identity). Checked for every metric key in the registry.
 */
import { describe, expect, it } from 'vitest';
import { DealsFold, DEAL_METRICS } from '../src/views/deals.js';
import { StagesFold, STAGE_METRICS, type StageOptions } from '../src/views/stages.js';
import { VIEW_METRICS } from '../src/views/registry.js';
import { MarketingFold, MARKETING_METRICS } from '../src/views/marketing.js';
import { CustomersFold, CUSTOMER_METRICS } from '../src/views/customers.js';
import { MrrFold, MRR_METRICS } from '../src/views/mrr.js';
import { QualityFold, QUALITY_METRICS } from '../src/views/quality.js';
import { PeriodScheme } from '../src/engine/periods.js';
import { deal, lead, params, spend, sub, t } from './helpers/rows.js';

const deals = [
  deal({ id: 'a', createdAt: t('2023-12-01'), status: 'won', closedAt: t('2024-01-15'), amount: 2000, source: 'A' }),
  deal({ id: 'b', createdAt: t('2024-01-10'), status: 'won', closedAt: t('2024-02-05'), amount: 1000.1, source: 'A', probability: 0.3 }),
  deal({ id: 'c', createdAt: t('2024-01-20'), status: 'lost', closedAt: t('2024-02-10'), source: 'B' }),
  deal({ id: 'd', createdAt: t('2024-02-01'), status: 'won', closedAt: t('2024-03-01T12:00:00Z'), amount: 3000, source: 'A' }),
  deal({ id: 'e', createdAt: t('2024-02-15'), status: 'open', amount: 5000, stage: 'Proposal', source: 'B' }),
  deal({ id: 'f', createdAt: t('2024-03-10'), status: 'open', probability: 0.2, source: 'A' }),
  deal({ id: 'g', createdAt: t('2024-01-02'), status: 'won', closedAt: t('2024-01-03'), amount: 7.5, source: 'B' }),
];
const leads = [
  lead('1', '2024-01-01', ['2024-01-03', '2024-01-10', undefined, '2024-02-01'], { source: 'A' }),
  lead('2', '2024-01-05', ['2024-01-06'], { source: 'A' }),
  lead('3', '2024-01-20', [], { source: 'B' }),
  lead('4', '2024-02-10', [undefined, '2024-02-20'], { source: 'A' }),
  lead('5', '2024-05-25', ['2024-05-28', '2024-05-29', '2024-05-30'], { source: 'B' }),
  lead('6', '2024-03-01', ['2024-03-02', undefined, '2024-04-15', '2024-04-20'], { source: 'B' }),
];

const dealParams = [
  params({ by: 'source', period: 'month', asOf: '2024-03-20' }, { stageProbability: { proposal: 0.5 } }),
  params({ asOf: '2024-03-20' }),
  params({ period: 'week', from: '2024-01-05', to: '2024-03-01', asOf: '2024-02-20' }),
];
const stageCases: [ReturnType<typeof params>, StageOptions][] = [
  [params({ by: 'source', period: 'month', asOf: '2024-06-01' }), { attribution: 'cohort' }],
  [params({ period: 'month', asOf: '2024-06-01' }), { attribution: 'period' }],
  [params({ period: 'quarter', asOf: '2024-06-01' }), { attribution: 'cohort', windowDays: 20 }],
];

function dealsResult(p: (typeof dealParams)[number], parts: (typeof deals)[]) {
  const folds = parts.map((rows) => { const f = new DealsFold(p); rows.forEach((r) => f.add(r)); return f; });
  const [first, ...rest] = folds;
  for (const f of rest) first.merge(f);
  return first.result(DEAL_METRICS);
}
function stagesResult([p, o]: (typeof stageCases)[number], parts: (typeof leads)[]) {
  const folds = parts.map((rows) => { const f = new StagesFold(p, o); rows.forEach((r) => f.add(r)); return f; });
  const [first, ...rest] = folds;
  for (const f of rest) first.merge(f);
  return first.result(STAGE_METRICS, true);
}

describe('merge law', () => {
  it('covers every registered metric of every view', () => {
    const seen = new Set([...Object.keys(dealsResult(dealParams[0], [deals]).totals), ...Object.keys(stagesResult(stageCases[2], [leads]).rows[0])]);
    for (const c of mixedCases) for (const key of Object.keys(c.result([c.rows]).totals)) seen.add(`${c.view}.${key}`);
    for (const m of [...VIEW_METRICS.deals, ...VIEW_METRICS.stages]) expect(seen, m.key).toContain(m.key);
    for (const view of ['marketing', 'customers', 'mrr', 'quality'] as const) {
      for (const m of VIEW_METRICS[view]) expect(seen, `${view}.${m.key}`).toContain(`${view}.${m.key}`);
    }
  });

  it.each(mixedCases.map((c) => [c.view, c] as const))('%s: split anywhere, merge = whole; empty is the identity', (_v, c) => {
    const whole = c.result([c.rows]);
    expect(whole.rows.length).toBeGreaterThan(0);
    for (let i = 0; i <= c.rows.length; i++) expect(c.result([c.rows.slice(0, i), c.rows.slice(i)])).toEqual(whole);
    expect(c.result([[], c.rows, []])).toEqual(whole);
  });

  it.each(dealParams.map((p, i) => [i, p]))('deals (case %i): split anywhere, merge = whole; empty is the identity', (_i, p) => {
    const whole = dealsResult(p, [deals]);
    expect(whole.rows.length).toBeGreaterThan(0);
    for (let i = 0; i <= deals.length; i++) expect(dealsResult(p, [deals.slice(0, i), deals.slice(i)])).toEqual(whole);
    expect(dealsResult(p, [[], deals, []])).toEqual(whole);
    expect(dealsResult(p, [deals.slice(0, 2), deals.slice(2, 5), deals.slice(5)])).toEqual(whole);
  });

  it.each(stageCases.map((c, i) => [i, c] as const))('stages (case %i): split anywhere, merge = whole; empty is the identity', (_i, c) => {
    const whole = stagesResult(c, [leads]);
    for (let i = 0; i <= leads.length; i++) expect(stagesResult(c, [leads.slice(0, i), leads.slice(i)])).toEqual(whole);
    expect(stagesResult(c, [[], leads, []])).toEqual(whole);
  });

  // A worker's state goes to the main thread as exportState → structured clone → mergeState. Its
  // kept values go sorted only when a metric shown reads them in order (a mean); else unsorted, and
  // the main thread selects medians and percentiles from them.
  const dealKeys = [undefined, ['median_cycle_days', 'p90_cycle_days', 'win_rate'], ['median_cycle_days', 'mean_cycle_days']];
  it.each(dealKeys.map((k) => [k?.join(',') ?? 'all', k] as const))('deals through worker states (metrics: %s): split anywhere = whole', (_name, keys) => {
    const p = dealParams[0], shown = keys ? DEAL_METRICS.filter((m) => keys.includes(m.key)) : DEAL_METRICS;
    const fold = (rows: typeof deals) => { const f = new DealsFold(p, undefined, keys); rows.forEach((r) => f.add(r)); return f; };
    const whole = fold(deals).result(shown);
    for (let i = 0; i <= deals.length; i++) {
      const main = new DealsFold(p, undefined, keys);
      for (const part of [deals.slice(0, i), deals.slice(i)]) main.mergeState(structuredClone(fold(part).exportState()));
      expect(main.result(shown)).toEqual(whole);
    }
  });

  const stageKeys = [undefined, ['reached', 'median_days_from_previous', 'p90_days_from_previous'], ['median_days_from_previous', 'mean_days_from_previous']];
  it.each(stageKeys.map((k) => [k?.join(',') ?? 'all', k] as const))('stages through worker states (metrics: %s): split anywhere = whole', (_name, keys) => {
    const [p, o] = stageCases[0], shown = keys ? STAGE_METRICS.filter((m) => keys.includes(m.key)) : STAGE_METRICS;
    const fold = (rows: typeof leads) => { const f = new StagesFold(p, o, undefined, undefined, keys); rows.forEach((r) => f.add(r)); return f; };
    const whole = fold(leads).result(shown, true);
    for (let i = 0; i <= leads.length; i++) {
      const main = new StagesFold(p, o, undefined, undefined, keys);
      for (const part of [leads.slice(0, i), leads.slice(i)]) main.mergeState(structuredClone(fold(part).exportState()));
      expect(main.result(shown, true)).toEqual(whole);
    }
  });
});

// The other views fold several input kinds; a row here is [kind, typed row] in reading order.
type Mixed = ['lead', ReturnType<typeof lead>] | ['deal', ReturnType<typeof deal>] | ['spend', ReturnType<typeof spend>] | ['sub', ReturnType<typeof sub>];
const mixedRows: Mixed[] = [
  ['lead', lead('L1', '2024-01-03', [], { source: 'paid', email: 'a@b.com', name: 'A', phone: '5550101234' })],
  ['lead', lead('L2', '2024-01-10', [], { source: 'paid', email: 'A@b.com' })],
  ['lead', lead('L3', '2024-02-02', [], { source: 'organic', email: 'c@d', company: 'C' })],
  ['deal', deal({ id: 'D1', createdAt: t('2024-01-10'), status: 'won', closedAt: t('2024-01-28'), amount: 600, source: 'paid', customerId: 'C1' })],
  ['deal', deal({ id: 'D2', createdAt: t('2024-02-01'), status: 'won', closedAt: t('2024-02-10'), amount: 400, source: 'paid', customerId: 'C1' })],
  ['deal', deal({ id: 'D3', createdAt: t('2024-02-03'), status: 'won', closedAt: t('2024-02-15'), amount: 900, source: 'organic', customerId: 'C2' })],
  ['deal', deal({ id: 'D0', createdAt: t('2023-12-03'), status: 'won', closedAt: t('2024-02-15'), amount: 50, source: 'organic', customerId: 'C2' })],
  ['spend', spend('2024-01-05', 1000, 'paid')], ['spend', spend('2024-01-25', -200, 'paid', 'sales')], ['spend', spend('2024-02-01', 300, 'organic')],
  ['sub', sub('C1', '2024-01-01', '2024-03-01', 100)], ['sub', sub('C2', '2024-02-01', undefined, 50)],
  ['sub', sub('C1', '2024-04-01', undefined, 120)], ['sub', sub('C3', '2024-02-01', '2024-04-01', 30)],
];
const p = () => params({ by: 'source', period: 'month', asOf: '2024-06-01' }, { grossMargin: 0.7 });
const monthly = () => ({ ...params({ asOf: '2024-06-01' }), period: 'month' as const, scheme: new PeriodScheme('month') });

function foldAll<F extends { merge(o: F): void }>(make: () => F, add: (f: F, r: Mixed) => void, parts: Mixed[][]): F {
  const folds = parts.map((rows) => { const f = make(); rows.forEach((r) => add(f, r)); return f; });
  for (const f of folds.slice(1)) folds[0].merge(f);
  return folds[0];
}

const mixedCases = [
  { view: 'marketing', rows: mixedRows, result: (parts: Mixed[][]) => foldAll(() => new MarketingFold(p()), (f, [k, r]) => {
    if (k === 'lead') f.addLead(r); else if (k === 'deal') f.addDeal(r); else if (k === 'spend') f.addSpend(r);
  }, parts).result(MARKETING_METRICS) },
  { view: 'customers', rows: mixedRows, result: (parts: Mixed[][]) => {
    const mrr = foldAll(() => new MrrFold(monthly()), (f, [k, r]) => { if (k === 'sub') f.add(r); }, parts).result([]);
    return foldAll(() => new CustomersFold(p()), (f, [k, r]) => { if (k === 'deal') f.addDeal(r); else if (k === 'spend') f.addSpend(r); }, parts).result(CUSTOMER_METRICS, mrr);
  } },
  { view: 'mrr', rows: mixedRows, result: (parts: Mixed[][]) => foldAll(() => new MrrFold(monthly()), (f, [k, r]) => { if (k === 'sub') f.add(r); }, parts).result(MRR_METRICS) },
  { view: 'quality', rows: mixedRows, result: (parts: Mixed[][]) => foldAll(() => new QualityFold(p()), (f, [k, r]) => { if (k === 'lead') f.add(r); }, parts).result(QUALITY_METRICS) },
];
