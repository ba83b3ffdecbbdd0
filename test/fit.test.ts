/** Tables that fit a terminal (a forced --width stands for one): no line wider, nothing dropped. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { ROOT, runMain } from './helpers/cli.js';
import { Writable } from 'node:stream';
import { fitBlocks, headerWidth, wrapWords } from '../src/output/fit.js';
import { writeReports } from '../src/commands/view-options.js';
import type { Io } from '../src/ingest/inputs.js';
import type { ViewReport } from '../src/output/report.js';

const golden = (name: string) => readFileSync(join(ROOT, 'test', 'golden', name, 'stdout'), 'utf8');
const widest = (text: string) => Math.max(...text.split('\n').map((line) => stringWidth(line)));

describe('tables that fit the terminal', () => {
  it('the demo at 80 and 120 columns: no line longer than the width', () => {
    expect(widest(golden('demo-width-80'))).toBeLessThanOrEqual(80);
    expect(widest(golden('demo-width-120'))).toBeLessThanOrEqual(120);
    expect(widest(golden('deals-wide-table-width-80'))).toBeLessThanOrEqual(80);
    expect(widest(golden('demo-width-80'))).toBeGreaterThan(70); // the width is used, not wasted
  });

  it('splits into blocks that repeat the row keys, every column in one of them', () => {
    const text = golden('demo-width-80');
    const deals = text.slice(text.indexOf('Pipeline and sales outcomes'), text.indexOf('Marketing spend'));
    const headers = deals.split('\n').filter((l) => l.startsWith('│ period'));
    expect(headers.length).toBeGreaterThan(1); // several blocks, each starting with the period
    for (const label of ['created', 'won', 'lost', 'revenue', 'open', 'stalled', 'sales', 'revenue']) expect(deals).toContain(label);
    // every block has the same rows: 8 quarters and the total
    expect(deals.split('\n').filter((l) => l.startsWith('│ total')).length).toBe(headers.length);
  });

  it('piped output is never reflowed, whatever COLUMNS says', async () => {
    const args = ['deals', '--deals', 'fixtures/deals.csv', '--period', 'quarter', '--as-of', '2025-12-31'];
    const plain = await runMain(args);
    const narrow = await runMain(args, { env: { COLUMNS: '80' } });
    expect(narrow.stdout).toBe(plain.stdout);
    expect(widest(plain.stdout)).toBeGreaterThan(200);
    expect(plain.stdout).toContain('median_cycle_days'); // keys, not labels, when piped
  });

  it('wraps headers at word boundaries onto at most three lines', () => {
    expect(wrapWords('median days from previous', 9)).toEqual(['median', 'days from', 'previous']);
    expect(headerWidth('median days from previous', 3)).toBe(9);
    expect(headerWidth('median days from previous', 12)).toBe(12); // never narrower than the values
    const blocks = fitBlocks([
      { head: 'period', bodyWidth: 7, key: true },
      { head: 'median days from previous', bodyWidth: 5, key: false },
      { head: 'pipeline value', bodyWidth: 12, key: false },
      { head: 'weighted pipeline', bodyWidth: 12, key: false },
    ], 30);
    expect(blocks.map((b) => b.columns)).toEqual([[0, 1], [0, 2], [0, 3]]);
    expect(blocks[0].heads[1]).toBe('median\ndays from\nprevious');
  });

  it('on a terminal, COLUMNS sets the width; piped, it is ignored', async () => {
    const report: ViewReport = {
      view: 'deals', title: 'Deals', params: { by: [], period: 'month' }, inputs: {},
      columns: [{ key: 'period', unit: 'text' }, ...['created', 'won', 'lost', 'open_deals', 'stalled_deals', 'median_cycle_days'].map((key) => ({ key, unit: 'count' as const }))],
      rows: [{ period: '2025-01', created: 1, won: 2, lost: 3, open_deals: 4, stalled_deals: 5, median_cycle_days: 6 }],
      totals: {},
    };
    const run = async (isTTY: boolean) => {
      let text = '';
      const stdout = Object.assign(new Writable({ write(chunk, _enc, done) { text += chunk; done(); } }), { isTTY, columns: 200 });
      const io = { stdout, stderr: stdout, env: { COLUMNS: '40', NO_COLOR: '1' }, cwd: ROOT } as unknown as Io;
      await writeReports([report], { format: 'table' } as Parameters<typeof writeReports>[1], io);
      return text;
    };
    const tty = await run(true), piped = await run(false);
    expect(widest(tty)).toBeLessThanOrEqual(40);
    expect(tty).toContain('median'); // labels, wrapped
    expect(tty).not.toContain('median_cycle_days');
    expect(piped).toContain('median_cycle_days');
    expect(widest(piped)).toBeGreaterThan(40);
  });
});
