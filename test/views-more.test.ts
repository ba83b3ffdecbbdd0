import { describe, expect, it } from 'vitest';
import { MarketingFold, MARKETING_METRICS } from '../src/views/marketing.js';
import { CustomersFold, CUSTOMER_METRICS } from '../src/views/customers.js';
import { MrrFold, MRR_METRICS } from '../src/views/mrr.js';
import { QualityFold, QUALITY_METRICS } from '../src/views/quality.js';
import { PeriodScheme } from '../src/engine/periods.js';
import { deal, lead, params, spend, sub, t } from './helpers/rows.js';

// Spend: paid 1000 (Jan 5), paid sales 500 (Jan 20), paid refund −200 (Jan 25), organic 300 (Feb 1).
// Leads: L1, L2 paid (Jan), L3 organic (Feb 2), L4 paid (Feb 5).
// Deals: C1 won Jan 28 (600, paid) and again Feb 10 (400, paid); C2 won Feb 15 (900; no source →
// its lead L3's: organic); one lost deal.
const spendRows = [spend('2024-01-05', 1000, 'paid'), spend('2024-01-20', 500, 'paid', 'sales'), spend('2024-01-25', -200, 'paid'), spend('2024-02-01', 300, 'organic')];
const leadRows = [lead('L1', '2024-01-03', [], { source: 'paid' }), lead('L2', '2024-01-10', [], { source: 'paid' }), lead('L3', '2024-02-02', [], { source: 'organic' }), lead('L4', '2024-02-05', [], { source: 'paid' })];
const dealRows = [
  deal({ id: 'D1', createdAt: t('2024-01-10'), status: 'won', closedAt: t('2024-01-28'), amount: 600, source: 'paid', customerId: 'C1' }),
  deal({ id: 'D2', createdAt: t('2024-02-01'), status: 'won', closedAt: t('2024-02-10'), amount: 400, source: 'paid', customerId: 'C1', type: 'expansion' }),
  deal({ id: 'D3', createdAt: t('2024-02-03'), status: 'won', closedAt: t('2024-02-15'), amount: 900, leadId: 'L3', customerId: 'C2' }),
  deal({ id: 'D4', createdAt: t('2024-02-03'), status: 'lost', closedAt: t('2024-02-20'), source: 'paid' }),
];
const leadInfo = new Map(leadRows.map((l) => [l.id!, { source: l.source, campaign: l.campaign }]));

describe('marketing view', () => {
  function run(p: ReturnType<typeof params>) {
    const f = new MarketingFold(p, leadInfo);
    leadRows.forEach((l) => f.addLead(l)); dealRows.forEach((d) => f.addDeal(d)); spendRows.forEach((s) => f.addSpend(s));
    return f.result(MARKETING_METRICS);
  }

  it('by source and month: spend with refunds, leads, new customers, CAC, ROI, ROAS', () => {
    const { rows, totals } = run(params({ by: 'source', period: 'month', asOf: '2024-03-01' }));
    expect(rows).toEqual([
      { period: '2024-01', source: 'paid', spend: 1300, marketing_spend: 800, sales_spend: 500, leads: 2, cost_per_lead: 650, new_customers: 1, cac: 1300, revenue: 600, roi: (600 - 1300) / 1300, roas: 600 / 1300, revenue_per_lead: 300 },
      { period: '2024-02', source: 'organic', spend: 300, marketing_spend: 300, sales_spend: 0, leads: 1, cost_per_lead: 300, new_customers: 1, cac: 300, revenue: 900, roi: 2, roas: 3, revenue_per_lead: 900 },
      // C1 bought again in Feb: revenue counts, but C1 is not a new customer; no spend → ratios on spend are null
      { period: '2024-02', source: 'paid', spend: 0, marketing_spend: 0, sales_spend: 0, leads: 1, cost_per_lead: 0, new_customers: 0, cac: null, revenue: 400, roi: null, roas: null, revenue_per_lead: 400 },
    ]);
    expect(totals).toMatchObject({ spend: 1600, leads: 4, new_customers: 2, revenue: 1900, cac: 800 });
  });

  it('a customer whose first win is before --from is not new in the range', () => {
    const { totals } = run(params({ from: '2024-02-01', asOf: '2024-03-01' }));
    expect(totals).toMatchObject({ new_customers: 1, revenue: 1300, spend: 300 }); // only C2
  });
});

describe('customers view', () => {
  function run(p: ReturnType<typeof params>, withSubs: boolean) {
    const f = new CustomersFold(p, leadInfo);
    dealRows.forEach((d) => f.addDeal(d)); spendRows.forEach((s) => f.addSpend(s));
    let mrr;
    if (withSubs) {
      // C1 100/month Jan–Feb, C2 50/month from Feb: Jan 100, Feb 150, Mar 50 (C1 churned).
      // Last month's ARPA = 50; churn rate = 1 churned / (0 + 1 + 2) customers of M−1 = 1/3.
      const m = new MrrFold({ ...params({ asOf: '2024-03-15' }, { grossMargin: 0.8 }), period: 'month', scheme: new PeriodScheme('month') });
      [sub('C1', '2024-01-01', '2024-03-01', 100), sub('C2', '2024-02-01', undefined, 50)].forEach((s) => m.add(s));
      mrr = m.result([]);
    }
    return f.result(CUSTOMER_METRICS, mrr);
  }

  it('acquisition cohorts: orders and revenue of all later deals, lifespan, CAC of the same group', () => {
    const { rows } = run(params({ by: 'source', period: 'month', asOf: '2024-03-15' }), false);
    expect(rows).toEqual([
      { period: '2024-01', source: 'paid', customers: 1, orders: 2, revenue: 1000, orders_per_customer: 2, avg_order_value: 500, ltv: 1000, avg_lifespan_days: 13, cac: 1300, ltv_to_cac: 1000 / 1300, cac_payback_months: null, predictive_ltv: null },
      { period: '2024-02', source: 'organic', customers: 1, orders: 1, revenue: 900, orders_per_customer: 1, avg_order_value: 900, ltv: 900, avg_lifespan_days: 0, cac: 300, ltv_to_cac: 3, cac_payback_months: null, predictive_ltv: null },
    ]);
  });

  it('payback and predictive LTV from the mrr view, with the gross margin', () => {
    const { rows, totals } = run(params({ by: 'source', period: 'month', asOf: '2024-03-15' }, { grossMargin: 0.8 }), true);
    expect(rows[0]).toMatchObject({ cac: 1300, ltv_to_cac: (1000 * 0.8) / 1300, cac_payback_months: 1300 / (50 * 0.8) });
    expect(rows[0].predictive_ltv).toBeCloseTo((50 * 0.8) / (1 / 3), 9);
    expect(totals).toMatchObject({ customers: 2, orders: 3, revenue: 1900, cac: 800 });
  });

  it('CAC is null when --by uses a column spend does not have', () => {
    const { totals } = run(params({ by: 'owner', asOf: '2024-03-15' }), false);
    expect(totals).toMatchObject({ customers: 2, cac: null, ltv_to_cac: null });
  });
});

describe('mrr view', () => {
  // A: 100 Jan–Feb, then 150 from Mar (upgrade in Mar). B: 200 Jan–Feb, 120 in Mar (downgrade in the
  // same month), churned in Apr. C: 50 in Feb only, back at 60 from May (reactivation). As of Jun 10.
  const subs = [
    sub('A', '2024-01-01', '2024-03-01', 100), sub('A', '2024-03-01', undefined, 150),
    sub('B', '2024-01-01', '2024-03-01', 200), sub('B', '2024-03-01', '2024-04-01', 120),
    sub('C', '2024-02-01', '2024-03-01', 50), sub('C', '2024-05-01', undefined, 60),
  ];
  function run(rows = subs, asOf = '2024-06-10', o: { from?: string; to?: string; by?: string } = {}) {
    const f = new MrrFold({ ...params({ asOf, ...o }), period: 'month', scheme: new PeriodScheme('month') });
    rows.forEach((s) => f.add(s));
    return f.result(MRR_METRICS);
  }

  it('classifies every movement month by month', () => {
    const { rows } = run();
    const pick = (r: Record<string, unknown>) => [r.period, r.mrr, r.customers, r.new_mrr, r.expansion_mrr, r.contraction_mrr, r.churned_mrr, r.reactivation_mrr, r.net_new_mrr];
    expect(rows.map(pick)).toEqual([
      ['2024-01', 300, 2, 300, 0, 0, 0, 0, 300],
      ['2024-02', 350, 3, 50, 0, 0, 0, 0, 50],
      ['2024-03', 270, 2, 0, 50, 80, 50, 0, -80],
      ['2024-04', 150, 1, 0, 0, 0, 120, 0, -120],
      ['2024-05', 210, 2, 0, 0, 0, 0, 60, 60],
      ['2024-06', 210, 2, 0, 0, 0, 0, 0, 0],
    ]);
    expect(rows[2]).toMatchObject({
      arr: 3240, churned_customers: 1, customer_churn_rate: 1 / 3, gross_revenue_retention: 220 / 350,
      net_revenue_retention: 270 / 350, arpa: 135, quick_ratio: 50 / 130,
    });
    expect(rows[5].quick_ratio).toBeNull(); // 0 / 0
    expect(rows[0]).toMatchObject({ customer_churn_rate: null, gross_revenue_retention: null, new_customers: 2 });
  });

  it('totals: flows summed, stocks of the last month, ratios of summed parts', () => {
    const { totals } = run();
    expect(totals).toEqual({
      mrr: 210, arr: 2520, customers: 2, new_mrr: 350, reactivation_mrr: 60, expansion_mrr: 50, contraction_mrr: 80, churned_mrr: 170,
      net_new_mrr: 210, new_customers: 3, churned_customers: 2, customer_churn_rate: 2 / 10,
      gross_revenue_retention: (1280 - 80 - 170) / 1280, net_revenue_retention: (1280 + 50 - 80 - 170) / 1280, arpa: 105,
      quick_ratio: (350 + 60 + 50) / (80 + 170),
    });
  });

  it('lists zero-MRR months, and mid-month starts count from the next month', () => {
    const { rows } = run([sub('D', '2024-01-01', '2024-02-01', 10), sub('E', '2024-01-15', '2024-02-15', 7)], '2024-04-01');
    expect(rows.map((r) => [r.period, r.mrr, r.churned_mrr])).toEqual([['2024-01', 10, 0], ['2024-02', 7, 10], ['2024-03', 0, 7], ['2024-04', 0, 0]]);
  });

  it('bounds the months with --from/--to and still compares with the month before', () => {
    const { rows } = run(subs, '2024-06-10', { from: '2024-03-01', to: '2024-05-01' });
    expect(rows.map((r) => [r.period, r.contraction_mrr])).toEqual([['2024-03', 80], ['2024-04', 0]]);
  });

  it('groups by a customer dimension column, taken from its first subscription row', () => {
    const { rows } = run([sub('A', '2024-01-01', undefined, 10, { plan: 'pro' }), sub('B', '2024-01-01', undefined, 5, { plan: 'basic' }), sub('B', '2024-02-01', undefined, 5, { plan: 'pro' })], '2024-02-01', { by: 'plan' });
    expect(rows.map((r) => [r.period, r.plan, r.mrr])).toEqual([['2024-01', 'basic', 5], ['2024-01', 'pro', 10], ['2024-02', 'basic', 10], ['2024-02', 'pro', 10]]);
  });
});

describe('quality view', () => {
  const leads = [
    lead('L1', '2024-01-01', [], { name: 'Ann', email: 'ann@acme.com', phone: '+1 (555) 010-2030', company: 'Acme' }), // 4/4
    lead('L2', '2024-01-02', [], { email: ' ANN@acme.com', phone: '555-0101' }), // 2/4, duplicate of L1
    lead('L3', '2024-01-03', [], { name: 'Bob', email: 'bob@localhost', phone: '12345' }), // 1/4: no dot, 5 digits
    lead('L4', '2024-01-04', [], { email: 'c@d.e' }), // final label of one letter
    lead('L5', '2024-01-05', [], { email: 'x@@y.com' }), // two @
    lead('L6', '2024-02-01', [], { email: 'ann@acme.com' }), // duplicate, counted in February
  ];
  it('counts valid contact fields, completeness and duplicate e-mails in the later lead\'s period', () => {
    const f = new QualityFold(params({ period: 'month', asOf: '2024-03-01' }));
    leads.forEach((l) => f.add(l));
    const { rows, totals } = f.result(QUALITY_METRICS);
    expect(rows).toEqual([
      { period: '2024-01', leads: 5, with_email: 2, with_phone: 2, with_name: 2, with_company: 1, completeness: (1 + 0.5 + 0.25) / 5, duplicate_emails: 1 },
      { period: '2024-02', leads: 1, with_email: 1, with_phone: 0, with_name: 0, with_company: 0, completeness: 0.25, duplicate_emails: 1 },
    ]);
    expect(totals).toMatchObject({ leads: 6, duplicate_emails: 2 });
  });

  it('an out-of-range lead still makes a later e-mail a duplicate', () => {
    const f = new QualityFold(params({ from: '2024-02-01', asOf: '2024-03-01' }));
    leads.forEach((l) => f.add(l));
    expect(f.result(QUALITY_METRICS).totals).toMatchObject({ leads: 1, duplicate_emails: 1 });
  });
});

describe('report columns', () => {
  it('keeps a row that already has exactly the columns, in order, and copies any other into column order', async () => {
    const { keepColumns } = await import('../src/run/view.js');
    const columns = [{ key: 'period', unit: 'text' as const }, { key: 'won', unit: 'count' as const }];
    const exact = { period: '2024-01', won: 3 };
    const extra = { period: '2024-02', won: 1, hidden: true };
    const reordered = { won: 2, period: '2024-03' };
    const missing = { period: '2024-04' };
    const [a, b, c, d] = keepColumns([exact, extra, reordered, missing], columns);
    expect(a).toBe(exact);
    expect(b).toEqual({ period: '2024-02', won: 1 });
    expect(Object.keys(c)).toEqual(['period', 'won']);
    expect(d).toEqual({ period: '2024-04' });
    expect(d).not.toBe(missing);
  });
});
