/**
 * A metric asked for alone (--metrics KEY) has the value it has in the full run: a fold tracks
 * only what the selected metrics declare they read (Metric.tracks), so a metric reading state it
 * does not declare would be wrong (or refused) here. For every view of the table and every metric,
 * on the fixtures, by period and by source, in-process (the serial read).
 */
import { describe, expect, it } from 'vitest';
import { PassThrough, Readable } from 'node:stream';
import { join } from 'node:path';
import { VIEWS } from '../src/views/table.js';
import { runView } from '../src/run/view.js';
import type { Io } from '../src/ingest/inputs.js';
import { loadConfig } from '../src/commands/common.js';
import { makeParams } from '../src/engine/params.js';
import type { ViewFlags } from '../src/views/view.js';
import type { Period } from '../src/engine/periods.js';
import { ROOT } from './helpers/cli.js';

const fixture = (name: string) => [join(ROOT, 'fixtures', name)];
const flags: ViewFlags = {
  leads: fixture('leads.csv'), deals: fixture('deals.csv'), spend: fixture('spend.csv'), subscriptions: fixture('subscriptions.csv'), events: [],
  config: join(ROOT, 'fixtures', 'funnel.config.json'), quiet: true, window: 60,
};
const io = (): Io => ({ stdin: Readable.from([]), stdout: new PassThrough(), stderr: new PassThrough().resume(), env: {}, cwd: ROOT });

describe.each([
  // (mrr is by nothing: subscriptions have no source)
  { period: 'quarter' as Period, by: 'source' },
  { period: 'none' as Period, by: undefined },
])('each metric alone equals its value in the full run (period $period, by $by)', ({ period, by }) => {
  for (const view of VIEWS) {
    it(view.name, async () => {
      const config = await loadConfig(flags, io());
      const params = makeParams({ period, by: view.name === 'mrr' ? undefined : by, asOf: '2025-09-30' }, config, 0);
      const full = await runView(view, flags, config, params, io());
      const totals = (r: typeof full) => (Array.isArray(r.report.totals) ? r.report.totals : [r.report.totals]);
      for (const metric of view.metrics) {
        const alone = await runView(view, flags, config, params, io(), new Set([metric.key]));
        const pick = (rows: Record<string, unknown>[]) => rows.map((r) => r[metric.key]);
        expect(pick(alone.report.rows), metric.key).toEqual(pick(full.report.rows));
        expect(pick(totals(alone)), metric.key).toEqual(pick(totals(full)));
      }
    });
  }
});
