/** --layout wide: the wide CSV read against the long CSV; tables and markdown; formats that refuse it. */
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { runMain } from './helpers/cli.js';

describe('--layout wide', () => {
  it('holds exactly the values of the long CSV, a row per group × metric', async () => {
    const args = ['deals', '--deals', 'fixtures/deals.csv', '--by', 'source', '--period', 'quarter', '--as-of', '2025-12-31', '--format', 'csv'];
    const long = parse((await runMain(args)).stdout, { columns: true }) as Record<string, string>[];
    const wideRun = await runMain([...args, '--layout', 'wide']);
    expect(wideRun.code).toBe(0);
    const wide = parse(wideRun.stdout, { columns: true }) as Record<string, string>[];
    const metrics = Object.keys(long[0]).filter((k) => k !== 'period' && k !== 'source');
    const sources = [...new Set(long.map((r) => r.source))];
    expect(wide.length).toBe(sources.length * metrics.length);
    expect(Object.keys(wide[0])).toEqual(['source', 'metric', '2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4', '2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']);
    let compared = 0;
    for (const w of wide) {
      for (const [period, value] of Object.entries(w)) {
        if (period === 'source' || period === 'metric') continue;
        const row = long.find((r) => r.source === w.source && r.period === period);
        expect(value, `${w.source} ${w.metric} ${period}`).toBe(row ? row[w.metric] : '');
        compared++;
      }
    }
    expect(compared).toBe(wide.length * 8);
  });

  it('tables and markdown: human values, a total column without --by', async () => {
    const r = await runMain(['stages', '--leads', 'fixtures/leads.csv', '--config', 'fixtures/funnel.config.json', '--period', 'year', '--as-of', '2025-12-31',
      '--layout', 'wide', '--format', 'markdown', '--metrics', 'reached,rate_from_previous']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 6)).toEqual([
      '| stage | metric | 2024 | 2025 | total |', '| --- | --- | ---: | ---: | ---: |',
      '| lead | reached | 1,099 | 2,901 | 4,000 |', '| lead | rate from previous | — | — | — |',
      '| mql | reached | 580 | 1,505 | 2,085 |', '| mql | rate from previous | 52.8% | 51.9% | 52.1% |',
    ]);
  });

  it('is refused for formats that keep one record per row', async () => {
    const r = await runMain(['deals', '--deals', 'fixtures/deals.csv', '--format', 'ndjson', '--layout', 'wide']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--layout wide is for csv, xlsx, markdown, table');
  });
});
