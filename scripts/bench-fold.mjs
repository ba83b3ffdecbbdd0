// The work of one parallel worker, in this process, timed: the whole file read as one range and
// folded (id log, typed rows, the fold, the exported state), as the bench's deals or stages command
// asks. No process start, no workers, no merge, no output: for comparing two builds of the per-row
// path in alternating runs, where whole-process timings on a shared VM are too noisy.
//
//   npm run build && node scripts/bench-fold.mjs deals <deals.csv> [--runs 5] [--dist dist]
//   node scripts/bench-fold.mjs stages <leads.csv> --config <config.json> [--runs 5] [--dist dist]
//
// Files: `npm run bench -- --keep` leaves its generated ones (and their config) in place.
// --dist: another build of dist/ (tsc's output, not the bundle) to time, e.g. a copy of an older one
// kept under node_modules/ (so that its imports still resolve).
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const usage = 'usage: node scripts/bench-fold.mjs deals|stages FILE [--config FILE] [--runs N] [--dist DIR]';
const args = process.argv.slice(2);
const view = args.shift(), file = args.shift();
const flags = { runs: '5', dist: 'dist', config: undefined };
while (args.length) {
  const flag = args.shift(), value = args.shift();
  const name = flag?.replace(/^--/, '');
  if (!flag?.startsWith('--') || !(name in flags) || value === undefined) { console.error(usage); process.exit(2); }
  flags[name] = value;
}
if ((view !== 'deals' && view !== 'stages') || !file) { console.error(usage); process.exit(2); }
const runs = Number(flags.runs);
if (!Number.isInteger(runs) || runs < 1) { console.error(usage); process.exit(2); }

const dist = pathToFileURL(resolve(flags.dist)).href;
const { parseConfig } = await import(`${dist}/config.js`);
const { makeParams } = await import(`${dist}/engine/params.js`);
const { WorkerShare } = await import(`${dist}/parallel/worker.js`);

const config = parseConfig(flags.config ? JSON.parse(readFileSync(flags.config, 'utf8')) : {}, flags.config ?? 'defaults');
// The header: the file's first line (the bench's files have no quoted header fields).
const head = Buffer.alloc(64 * 1024);
const fd = openSync(file, 'r');
const n = readSync(fd, head, 0, head.length, 0);
closeSync(fd);
const lineEnd = head.subarray(0, n).indexOf(10);
const header = head.subarray(0, lineEnd).toString('utf8').replace(/\r$/, '').split(',');
const p = makeParams({ by: 'source', period: 'month', asOf: '2030-01-01' }, config, Date.now());
const job = {
  view, path: file, header, config, read: {}, params: { by: p.by, period: p.period, from: p.from, to: p.to, asOf: p.asOf },
  // The bench's metrics (see scripts/bench.mjs).
  ...(view === 'deals'
    ? { metrics: ['created', 'won', 'lost', 'win_rate', 'revenue', 'avg_deal_size', 'median_cycle_days'] }
    : { viewInput: { options: { attribution: 'cohort' }, link: [] } }),
};
const range = { index: 0, start: lineEnd + 1, end: statSync(file).size, firstLine: 2 };

const times = [];
let rows = 0;
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const share = new WorkerShare(job);
  await share.read(range);
  const result = await share.finish();
  times.push(performance.now() - t0);
  rows = result.ranges[0].stats.rows;
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`${view} ${file}: ${rows.toLocaleString('en-US')} rows; min ${times[0].toFixed(0)} ms, median ${median.toFixed(0)} ms (${Math.round(rows / (times[0] / 1000)).toLocaleString('en-US')} rows/s at the min), ${runs} run(s), ${flags.dist}`);
