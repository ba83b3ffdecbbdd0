/**
 * The run's currency across inputs read in parallel. Without a configured currency it is the first
 * one a row states, in the order the inputs are read, and a row in another is rejected. A parallel
 * read after an input that set it (marketing: its spend after its deals) is given it, and one that
 * sets it (customers: its deals, read in parallel before its spend) hands it to the reads after it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from './helpers/cli.js';
import { serialAndParallel } from './helpers/parallel.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-par-currency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 400 leads, 400 won deals in euros and 400 spend rows, every third in dollars (enough rows to be split into ranges). */
function files() {
  const leads = ['id,created_at,source,campaign'];
  const deals = ['id,created_at,status,closed_at,amount,source,lead_id,customer_id'];
  const spend = ['date,source,campaign,amount'];
  for (let i = 0; i < 400; i++) {
    leads.push(`L${i},2024-01-02,${i % 2 ? 'ads' : 'seo'},c${i % 3}`);
    deals.push(`D${i},2024-01-02,won,2024-01-10,€${100 + i},${i % 2 ? 'ads' : 'seo'},L${i},C${i % 50}`);
    spend.push(`2024-01-05,${i % 2 ? 'ads' : 'seo'},c${i % 3},${i % 3 === 0 ? '$' : '€'}${10 + i}`);
  }
  const at = mkdtempSync(join(dir, 'run-'));
  const paths = { leads: join(at, 'leads.csv'), deals: join(at, 'deals.csv'), spend: join(at, 'spend.csv') };
  writeFileSync(paths.leads, leads.join('\n') + '\n');
  writeFileSync(paths.deals, deals.join('\n') + '\n');
  writeFileSync(paths.spend, spend.join('\n') + '\n');
  return { at, args: ['--leads', paths.leads, '--deals', paths.deals, '--spend', paths.spend, '--by', 'source', '--period', 'none', '--format', 'csv'] };
}

const inProcess = (args: string[], cwd: string, env: Record<string, string>) => runMain(args, { cwd, env });

describe('the run\'s currency when inputs are read in parallel', { timeout: 60_000 }, () => {
  it.each([
    ['marketing', /spend\.csv: read in \d+ ranges/],
    ['customers', /deals\.csv: read in \d+ ranges/],
  ])('%s: spend in dollars read after deals in euros is rejected as the serial read rejects it', async (view, parallelRead) => {
    const { at, args } = files();
    const { serial, parallel, trace } = await serialAndParallel([view, ...args], at, { serial: inProcess });
    expect(trace).toMatch(parallelRead);
    expect(serial.stderr).toMatch(/spend\.csv:2: column "amount": "\$10" is in USD, but this run counts money in EUR/);
    expect(serial.stderr).toMatch(/134 rows rejected/);
    // The euros are counted: 266 rows of spend (the dollars' rows left out), in both reports.
    expect(serial.code).toBe(0);
    expect(serial.stdout).toMatch(/^period,source,|^source,/);
    expect(parallel).toEqual(serial);
  });
});
