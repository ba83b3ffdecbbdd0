/**
 * No view's numbers depend on the order of the input rows: money (and the customers view's days) is
 * summed exactly, so the fixtures' rows shuffled give the same JSON report, bit for bit, in every
 * view. The fixtures' deal amounts and MRR are whole numbers, whose float sums are exact in any
 * order; the copies here add cents to them, so that a plain `+=` anywhere would show.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-row-order-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KINDS = ['leads', 'deals', 'spend', 'subscriptions'] as const;
/** Per kind, the money column given cents (the fixtures have no quoted fields: a line splits on commas). */
const CENTS: Partial<Record<(typeof KINDS)[number], string>> = { deals: 'amount', subscriptions: 'mrr' };

function fixtureLines(kind: (typeof KINDS)[number]): { header: string; rows: string[] } {
  const [header, ...rows] = readFileSync(join(ROOT, 'fixtures', `${kind}.csv`), 'utf8').trimEnd().split('\n');
  const column = CENTS[kind];
  if (column === undefined) return { header, rows };
  const at = header.split(',').indexOf(column);
  expect(at).toBeGreaterThanOrEqual(0);
  return {
    header,
    rows: rows.map((line, i) => {
      const cells = line.split(',');
      if (cells[at] !== '') cells[at] = (Number(cells[at]) + ((i * 37) % 100) / 100).toFixed(2);
      return cells.join(',');
    }),
  };
}

let seed = 20_241;
function shuffled<T>(rows: readonly T[]): T[] {
  const out = [...rows];
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Writes every input kind as `<name>-<kind>.csv` (rows in file order, or shuffled) and returns the input flags. */
function writeInputs(name: string, shuffle: boolean): string[] {
  const args: string[] = [];
  for (const kind of KINDS) {
    const { header, rows } = fixtureLines(kind);
    const path = join(dir, `${name}-${kind}.csv`);
    writeFileSync(path, [header, ...(shuffle ? shuffled(rows) : rows)].join('\n') + '\n');
    args.push(`--${kind}`, path);
  }
  return args;
}

/** The report without its `inputs` blocks (file names and SHA-256 differ between the two sets of files). */
function withoutInputs(stdout: string): Record<string, { rows: Record<string, unknown>[]; totals: unknown }> {
  const report = JSON.parse(stdout);
  for (const view of Object.values(report.views) as Record<string, unknown>[]) delete view.inputs;
  return report.views;
}

describe('row order', () => {
  const inOrder = writeInputs('in-order', false);
  const mixed = writeInputs('shuffled', true);

  it.each([
    ['stages,deals,marketing,customers,quality', ['--by', 'source', '--period', 'quarter']],
    ['stages,deals,marketing,customers,quality', ['--by', 'source,campaign', '--period', 'none']],
    ['mrr,customers,marketing,deals', ['--period', 'month']],
  ])('views %s, %j: shuffled rows give the same report, bit for bit', async (views, flags) => {
    const run = (inputs: string[]) => runCli(['report', '--config', 'fixtures/funnel.config.json', ...inputs, '--views', views, ...flags, '--as-of', '2026-01-01', '--format', 'json']);
    const [a, b] = [await run(inOrder), await run(mixed)];
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const [whole, shuffledViews] = [withoutInputs(a.stdout), withoutInputs(b.stdout)];
    expect(Object.keys(whole)).toEqual(views.split(','));
    // duplicate_emails counts a repeated e-mail in the group of the lead read later: which lead that is
    // depends on the order by definition; how many there are does not.
    for (const report of [whole, shuffledViews]) for (const row of report.quality?.rows ?? []) delete row.duplicate_emails;
    expect(JSON.stringify(shuffledViews)).toBe(JSON.stringify(whole));
  });
});
