/**
 * Start-up: the bundle is loaded with the V8 code cache made at build time, and neither process of
 * a watched run starts Node's ES-module loader (docs/performance.md "Start-up"). Speed itself is not
 * asserted (no timed test): these check that what makes start-up cheaper is in place.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli, runMain } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('start-up', () => {
  it('the bundle is read with its code cache, which this Node accepts, and loads no Node module that most runs never use', () => {
    const lazy = ['crypto', 'fs/promises', 'readline', 'child_process', 'module'];
    // A script of its own: `node -e` loads some of them itself.
    const script = join(dir, 'load-cli.cjs');
    writeFileSync(script, `const bundle = ${JSON.stringify(join(ROOT, 'dist', 'bundle'))};
require(bundle + '/cli.cjs');
const loaded = ${JSON.stringify(lazy)}.filter((m) => process.moduleLoadList.includes('NativeModule ' + m));
process.stdout.write(JSON.stringify({ ...require(bundle + '/load.cjs').counts, loaded }));
`);
    const r = spawnSync(process.execPath, [script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const counts = JSON.parse(r.stdout) as { used: number; rejected: number; none: number; loaded: string[] };
    expect(counts.loaded).toEqual([]); // each is loaded when first used
    expect(counts.rejected).toBe(0);
    expect(counts.used).toBeGreaterThan(0);
    expect(counts.none).toBe(0); // every file the CLI loads at start has a cache
  });

  it('every file the loader reads is ASCII (it reads them as latin1), and text beyond ASCII still prints as written', async () => {
    const bundle = join(ROOT, 'dist', 'bundle');
    const files = readdirSync(bundle).filter((f) => f.endsWith('.cjs') && f !== 'load.cjs');
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) expect([f, readFileSync(join(bundle, f)).findIndex((b) => b > 0x7f)]).toEqual([f, -1]);
    // `funnel metrics` lists formulas written with '×'.
    const r = await runMain(['metrics', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"formula": "sum of amount × probability');
  });

  it('a watched run (the watcher, its child and a reading thread) starts no ES-module loader, and each process ends once its work is written', async () => {
    // Each process reports at exit whether Node's ES-module translators were loaded, and
    // 'beforeExit' if it ended by running out of work (Node then takes the heap apart first);
    // the reading thread reports once its main script is loaded (it is stopped, not ended).
    const preload = join(dir, 'report-esm.cjs');
    writeFileSync(preload, `const esm = () => 'esm ' + process.moduleLoadList.some((m) => m.includes('modules/esm/translators')) + '\\n';
if (require('node:worker_threads').isMainThread) process.on('exit', () => process.stderr.write(esm()));
else setTimeout(() => require('node:fs').writeSync(2, 'thread ' + esm()), 0).unref();
process.on('beforeExit', () => process.stderr.write('beforeExit\\n'));
`);
    const env = { NODE_OPTIONS: `--require=${preload}`, FUNNEL_PARALLEL_MIN_BYTES: '1' };
    // An input on stdin, a pipe whose size is not known, makes the run a watched one (bin/funnel.js);
    // mrr does not read the deals.
    const r = await runCli(['mrr', '--subscriptions', 'fixtures/subscriptions.csv', '--deals', '-', '--quiet', '--format', 'csv'], { watched: true, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^period,/);
    expect(r.stderr).toBe('thread esm false\nesm false\nesm false\n');
  });
});
