#!/usr/bin/env node
// npm run bench [-- --rows N] [--runs R] [--keep]
//
// Generates deterministic CSV files into a temporary folder (never committed): deals (1 M and 10 M
// rows by default) and leads with stage columns (1 M and 5 M), with quoted fields and a realistic
// mix of sources, owners and dates. Runs `funnel deals --by source --period month` and `funnel
// stages --by source --period month` on them, and the same aggregations in DuckDB (1 thread and
// default threads) on the same files, each in its own process. Checks that both give the same
// numbers (exit 1 if not) and prints wall seconds (median of the runs), rows/s, peak RSS and the
// ratio funnel / DuckDB.
//
// The same conditions for every engine: each file is flushed to disk before anything is timed (its
// pages are written back while it is being read otherwise, which slowed whichever engine ran
// first), and the runs take turns (funnel, DuckDB 1 thread, DuckDB default threads, then again), so
// a slower spell of this shared machine falls on all of them.
//
// funnel writes CSV here: the issue's commands name no --format (a table, which computes no hash of
// the input either), and CSV is the one of those two a script can check. JSON output adds the
// input's SHA-256 for the report's `inputs` block (≈ 0.3 s more at 10 M rows on this machine).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createWriteStream, fsyncSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const rowsFlag = opt('--rows', 0);
const RUNS = opt('--runs', 5);
const KEEP = args.includes('--keep');
const SIZES = { deals: rowsFlag ? [rowsFlag] : [1_000_000, 10_000_000], stages: rowsFlag ? [rowsFlag] : [1_000_000, 5_000_000] };

// DuckDB is installed here, on demand, and not listed in devDependencies: the npm registry reachable
// from our machines serves only its linux-x64 binary package, and a lock file naming the other
// platforms' optional packages cannot be written, so `npm ci` would refuse it.
const DUCKDB = '@duckdb/node-api@1.5.6-r.1';
try {
  await import('@duckdb/node-api');
} catch {
  process.stderr.write(`installing ${DUCKDB} for the comparison (npm install --no-save) …\n`);
  const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', DUCKDB], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) { process.stderr.write(`could not install ${DUCKDB}; the benchmark needs it\n`); process.exit(1); }
}

const dir = mkdtempSync(join(tmpdir(), 'funnel-bench-'));
const SOURCES = ['organic', 'paid_search', 'paid_social', 'referral', 'outbound', 'events', 'partner', 'webinar'];

function prng(seed) {
  return () => { seed |= 0; seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
const START = Date.UTC(2022, 0, 1) / 1000;
const stamp = (s) => new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');

async function writeLines(path, header, count, line) {
  const out = createWriteStream(path);
  out.write(header + '\n');
  let buf = [];
  for (let i = 0; i < count; i++) {
    buf.push(line(i));
    if (buf.length === 20_000) { if (!out.write(buf.join('\n') + '\n')) await once(out, 'drain'); buf = []; }
  }
  out.write(buf.length ? buf.join('\n') + '\n' : '');
  out.end();
  await once(out, 'close');
  // Written back now, not while an engine reads it.
  const fd = openSync(path, 'r+');
  fsyncSync(fd);
  closeSync(fd);
}

async function genDeals(path, n) {
  const r = prng(n);
  await writeLines(path, 'id,created_at,status,closed_at,amount,source,owner,note', n, (i) => {
    const created = START + Math.floor(r() * 3 * 365 * 86400);
    const u = r();
    const status = u < 0.4 ? 'won' : u < 0.75 ? 'lost' : 'open';
    const closed = status === 'open' ? '' : stamp(created + Math.floor(r() * 120 * 86400));
    const amount = status === 'open' && r() < 0.3 ? '' : (500 + r() * 40000).toFixed(2);
    const note = r() < 0.1 ? '"called, left a ""voicemail"""' : r() < 0.01 ? '"two\nlines"' : '';
    return `D${i},${stamp(created)},${status},${closed},${amount},${SOURCES[Math.floor(r() * 8)]},"Owner ${Math.floor(r() * 200)}",${note}`;
  });
}

async function genLeads(path, n) {
  const r = prng(n + 7);
  await writeLines(path, 'id,created_at,source,mql_at,sql_at,opportunity_at,customer_at', n, (i) => {
    let t = START + Math.floor(r() * 3 * 365 * 86400);
    const cells = [`L${i}`, stamp(t), SOURCES[Math.floor(r() * 8)]];
    let alive = true;
    for (const p of [0.5, 0.45, 0.5, 0.35]) {
      alive = alive && r() < p;
      t += Math.floor(r() * 20 * 86400);
      // 5 % of leads skip a stage's timestamp (an implied stage)
      cells.push(alive && r() > 0.05 ? stamp(t) : '');
    }
    return cells.join(',');
  });
}

/** Runs a command in its own process; returns wall seconds, peak RSS (MB) and stdout. */
function measure(cmd) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['--import', join(ROOT, 'scripts', 'bench-rss.mjs'), ...cmd], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    const out = [], err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = (performance.now() - start) / 1000;
      const stderr = Buffer.concat(err).toString();
      const rss = Number(/BENCH_MAXRSS_KB (\d+)/.exec(stderr)?.[1] ?? NaN) / 1024;
      if (code !== 0) reject(new Error(`${cmd.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ wall, rss, stdout: Buffer.concat(out).toString() });
    });
  });
}

/** Runs the commands in turn, RUNS rounds; for each, the median wall time (with its output) and the highest peak RSS. */
async function mediansOf(cmds) {
  const runs = cmds.map(() => []);
  for (let i = 0; i < RUNS; i++) for (const [k, cmd] of cmds.entries()) runs[k].push(await measure(cmd));
  return runs.map((r) => {
    r.sort((a, b) => a.wall - b.wall);
    const mid = r[Math.floor(r.length / 2)];
    return { wall: mid.wall, rss: Math.max(...r.map((x) => x.rss)), stdout: mid.stdout };
  });
}

const close = (a, b) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)));

/** funnel's CSV report as objects: the group columns as text, the metrics as numbers, an empty field (null) as null. */
const GROUP_COLUMNS = new Set(['period', 'source', 'stage']);
function csvRows(text) {
  const [head, ...lines] = text.trimEnd().split('\n');
  const names = head.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    if (cells.length !== names.length) throw new Error(`funnel's CSV has a row of ${cells.length} fields, its header ${names.length}: ${line}`);
    return Object.fromEntries(names.map((k, i) => [k, GROUP_COLUMNS.has(k) ? cells[i] : cells[i] === '' ? null : Number(cells[i])]));
  });
}

function checkDeals(funnelCsv, duck) {
  const rows = csvRows(funnelCsv);
  if (rows.length !== duck.length) return `row count ${rows.length} vs DuckDB ${duck.length}`;
  for (let i = 0; i < rows.length; i++) {
    const f = rows[i], d = duck[i];
    for (const [fk, dk] of [['period', 'period'], ['source', 'source']]) if (f[fk] !== d[dk]) return `row ${i}: ${fk} ${f[fk]} vs ${d[dk]}`;
    for (const k of ['created', 'won', 'lost', 'revenue', 'median_cycle_days']) {
      if (!close(f[k], d[k] === null ? null : Number(d[k]))) return `row ${i} (${f.period} ${f.source}): ${k} ${f[k]} vs DuckDB ${d[k]}`;
    }
  }
  return undefined;
}

function checkStages(funnelCsv, duck) {
  const rows = csvRows(funnelCsv);
  if (rows.length !== duck.length * 5) return `row count ${rows.length} vs DuckDB ${duck.length} × 5 stages`;
  for (let g = 0; g < duck.length; g++) {
    const d = duck[g];
    for (let k = 0; k < 5; k++) {
      const f = rows[g * 5 + k];
      if (f.period !== d.period || f.source !== d.source) return `group ${g}: ${f.period} ${f.source} vs ${d.period} ${d.source}`;
      if (f.reached !== Number(d[`reached_${k}`])) return `${f.period} ${f.source} ${f.stage}: reached ${f.reached} vs DuckDB ${d[`reached_${k}`]}`;
      if (k > 0 && !close(f.median_days_from_previous, d[`median_${k}`] === null ? null : Number(d[`median_${k}`]))) {
        return `${f.period} ${f.source} ${f.stage}: median ${f.median_days_from_previous} vs DuckDB ${d[`median_${k}`]}`;
      }
    }
  }
  return undefined;
}

const results = [];
let failed = false;
try {
  const config = join(dir, 'bench.config.json');
  writeFileSync(config, JSON.stringify({ dealStages: null }));
  for (const view of ['deals', 'stages']) {
    for (const n of SIZES[view]) {
      const file = join(dir, `${view}-${n}.csv`);
      process.stderr.write(`generating ${n.toLocaleString('en-US')} ${view === 'deals' ? 'deal' : 'lead'} rows … `);
      const t = performance.now();
      await (view === 'deals' ? genDeals(file, n) : genLeads(file, n));
      process.stderr.write(`${((performance.now() - t) / 1000).toFixed(1)} s\n`);
      const funnelCmd = view === 'deals'
        ? [join(ROOT, 'bin', 'funnel.js'), 'deals', '--deals', file, '--by', 'source', '--period', 'month', '--as-of', '2030-01-01', '--quiet', '--format', 'csv',
          '--metrics', 'created,won,lost,win_rate,revenue,avg_deal_size,median_cycle_days']
        : [join(ROOT, 'bin', 'funnel.js'), 'stages', '--leads', file, '--config', config, '--by', 'source', '--period', 'month', '--as-of', '2030-01-01', '--quiet', '--format', 'csv',
          '--metrics', 'reached,median_days_from_previous'];
      const duckCmd = (threads) => [join(ROOT, 'scripts', 'bench-duckdb.mjs'), view, file, String(threads)];
      process.stderr.write(`  running funnel, DuckDB (1 thread), DuckDB (default threads) in turn, ${RUNS} rounds …\n`);
      const [funnel, duck1, duckN] = await mediansOf([funnelCmd, duckCmd(1), duckCmd(0)]);
      const problem = (view === 'deals' ? checkDeals : checkStages)(funnel.stdout, JSON.parse(duckN.stdout));
      if (problem) { failed = true; process.stderr.write(`  MISMATCH: funnel and DuckDB disagree: ${problem}\n`); }
      for (const [engine, m] of [['funnel', funnel], ['duckdb 1 thread', duck1], ['duckdb default threads', duckN]]) {
        results.push({ view, rows: n, engine, wall: m.wall, rss: m.rss, ratio: funnel.wall / m.wall, same: !problem });
      }
    }
  }
} finally {
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`files kept in ${dir}\n`);
}

const pad = (s, n, right = false) => (right ? String(s).padStart(n) : String(s).padEnd(n));
const lines = [
  `funnel bench — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, median of ${RUNS} run(s)`,
  '',
  `| view | rows | engine | wall s | rows/s | peak RSS MB | funnel / this |`,
  `|---|---:|---|---:|---:|---:|---:|`,
  ...results.map((r) => `| ${r.view} | ${r.rows.toLocaleString('en-US')} | ${r.engine} | ${r.wall.toFixed(2)} | ${Math.round(r.rows / r.wall).toLocaleString('en-US')} | ${r.rss.toFixed(0)} | ${r.engine === 'funnel' ? '—' : r.ratio.toFixed(2)} |`),
  '',
  failed ? 'RESULTS DIFFER: see MISMATCH above' : 'funnel and DuckDB agree on every row checked (counts, revenue, median days).',
];
process.stdout.write(lines.map((l) => pad(l, 0)).join('\n') + '\n');
process.exitCode = failed ? 1 : 0;
