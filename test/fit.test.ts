/** Tables that fit a terminal (a forced --width stands for one): no line wider, nothing dropped. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { ROOT, runCli } from './helpers/cli.js';
import { fitBlocks, headerWidth, wrapWords } from '../src/output/fit.js';

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
    const plain = await runCli(args);
    const narrow = await runCli(args, { env: { COLUMNS: '80' } });
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
});
