import { describe, expect, it } from 'vitest';
import { writeHtml } from '../src/output/html.js';
import { textOf, type ViewReport } from '../src/output/report.js';
import { humanLabel } from '../src/output/labels.js';
import { changeText, headlines } from '../src/output/summary.js';

const hostile = '<img src=x onerror=alert(1)>&"\'';
const deals: ViewReport = {
  view: 'deals', title: 'Pipeline and sales outcomes',
  params: { by: ['source'], period: 'month', asOf: '2025-03-01T00:00:00.000Z' },
  inputs: { deals: { file: `deals-${hostile}.csv`, rows: 3, accepted: 3, rejected: 0 } },
  columns: [{ key: 'period', unit: 'text' }, { key: 'source', unit: 'text' }, { key: 'won', unit: 'count' }, { key: 'lost', unit: 'count' },
    { key: 'win_rate', unit: 'rate' }, { key: 'revenue', unit: 'money' }],
  rows: [
    { period: '2025-01', source: hostile, won: 1, lost: 1, win_rate: 0.5, revenue: 1000 },
    { period: '2025-02', source: hostile, won: 3, lost: 1, win_rate: 0.75, revenue: 2500.5 },
    { period: '2025-02', source: 'referral', won: 0, lost: 0, win_rate: null, revenue: 0 },
  ],
  totals: { won: 4, lost: 2, win_rate: 4 / 6, revenue: 3500.5 },
};

describe('HTML report', () => {
  it('escapes every text from data and file names', () => {
    const html = textOf(writeHtml([deals], { color: false, rawCsv: false }));
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;');
    expect(html).toContain('deals-&lt;img');
  });

  it('shows control characters from data escaped, never raw (the page may be printed to a terminal)', () => {
    const marketing: ViewReport = {
      view: 'marketing', title: 'Marketing', params: { by: ['source'], period: 'none' }, inputs: {},
      columns: [{ key: 'source', unit: 'text' }, { key: 'spend', unit: 'money' }],
      rows: [{ source: '\x1b[31mred', spend: 10 }], totals: { spend: 10 },
    };
    const html = textOf(writeHtml([marketing], { color: false, rawCsv: false }));
    expect(html).toContain('data-chart="marketing"'); // by source: the sources name the bars
    expect(html).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
    expect(html).toContain('\\x1b[31mred');
  });

  it('adds up groups for a chart from the parts of a ratio, never averaging ratios', () => {
    const html = textOf(writeHtml([deals], { color: false, rawCsv: false }));
    // 2025-02: won 3 + 0, lost 1 + 0 → 75.0%; revenue 2,500.50 + 0
    expect(html).toContain('win rate 2025-02: 75%');
    expect(html).toContain('revenue 2025-02: 2.5K');
    expect(html).toContain('Not drawn:'); // no leads, spend or subscriptions: said, not hidden
  });

  it('a summary: the last period and its change, rates in points', () => {
    const ungrouped = { ...deals, params: { ...deals.params, by: [] }, rows: deals.rows.slice(0, 2) };
    const h = headlines([ungrouped]);
    expect(h.map((x) => [x.key, x.period, x.value, x.previous])).toEqual([['revenue', '2025-02', 2500.5, 1000], ['won', '2025-02', 3, 1], ['win_rate', '2025-02', 0.75, 0.5]]);
    expect(h.map(changeText)).toEqual(['+150.0%', '+200.0%', '+25.0 pp']);
    expect(headlines([deals])).toEqual([]); // grouped: no summary of mixed groups
  });

  it('labels metric keys for people', () => {
    expect(humanLabel('median_days_from_previous')).toBe('median days from previous');
    expect(humanLabel('cac_payback_months')).toBe('CAC payback months');
  });
});
