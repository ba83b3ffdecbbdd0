#!/usr/bin/env node
// npm run bench [-- --only W[,W…]] [--rows N] [--scales F[,F…]] [--runs R] [--keep] [--baseline DIR] [--list]
//
// Workloads (`--list` prints them; `--only` takes names or families, e.g. `--only deals-10m,views`):
//   deals-1m, deals-10m        funnel deals --by source --period month           (CSV deals)
//   owners-10m                 funnel deals --by owner --period week             (40 owners × ≈ 175 weeks: ≈ 7 k rows)
//   campaigns-1m               funnel deals --by campaign --period day           (180 campaigns × ≈ 1,200 days: ≈ 213 k rows)
//   ndjson-1m                  funnel deals --by source --period month           (the deals as NDJSON)
//   json-1m                    funnel deals --by source --period month           (the deals as one JSON array)
//   preset-1m                  funnel deals --by source --period month           (the deals as a HubSpot export:
//                              its labels, read through --preset hubspot, the status from the deal stage,
//                              value maps for the source and type) against the same rows with canonical
//                              headers and plain values, in the same columns and as quoted, each row padded
//                              in a column the command does not read to its HubSpot row's length (HubSpot's
//                              words are longer: 18 % more bytes), so the ratio is the cost of the mapping,
//                              not of more bytes; the reports must be byte-identical; acceptance: at most
//                              1.10 (exit 3 when over)
//   stages-1m, stages-5m       funnel stages --by source --period month          (leads with stage columns)
//   views-10x, views-100x      every view --by source --period month (mrr: monthly, no --by) on the demo
//                              fixtures scaled 10× and 100× (scripts/bench-scale.mjs), and `report
//                              --period month` against its six views run one by one
// `--rows N` gives every generated file N rows instead (one workload per family), `--scales` the views' factors.
//
// Against DuckDB (the default): each funnel command and a DuckDB query computing the same core
// metrics from funnel's definitions (scripts/bench-duckdb.mjs), with 1 thread and with its default
// threads, each in its own process. The numbers must agree (exit 1 if not). Prints wall seconds
// (median of the runs), rows/s, peak RSS and the ratio funnel ÷ DuckDB; for `report`, report ÷ the
// views one by one (whose JSON rows and totals must equal the report's).
//
// Against another build (`--baseline DIR`, DIR a built checkout of funnel with bin/funnel.js): the
// same funnel commands with both builds on the same files; their stdout must be byte-identical
// (exit 1 if not). Prints per workload each build's median seconds and peak RSS, the ratio current
// ÷ baseline and a verdict: "ok" when current takes at most 5 % longer and its peak RSS is not
// higher; exit 3 when a verdict is not "ok".
//
// Generated files: deterministic CSV (and NDJSON) in a temporary folder (never committed), with
// quoted fields and a realistic mix of sources, owners, campaigns and dates.
//
// The same conditions for every engine: each file is flushed to disk before anything is timed (its
// pages are written back while it is being read otherwise, which slowed whichever engine ran
// first), and the runs take turns (funnel, DuckDB 1 thread, DuckDB default threads, then again; or
// baseline, current, baseline, current …), so a slower spell of this shared machine falls on all.
//
// funnel writes CSV here: the issue's commands name no --format (a table, which computes no hash of
// the input either), and CSV is the one of those two a script can check. JSON output adds the
// input's SHA-256 for the report's `inputs` block (≈ 0.3 s more at 10 M rows on this machine).
// `report` and the views it is compared with write JSON (one document holds every view).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'csv-parse/sync';
import { scaleFixtures } from './bench-scale.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const value = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const list = (name) => value(name)?.split(',').map((s) => s.trim()).filter(Boolean);
const rowsFlag = Number(value('--rows') ?? 0);
const RUNS = Number(value('--runs') ?? 5);
const KEEP = args.includes('--keep');
const BASELINE = value('--baseline') && resolve(value('--baseline'));
const ONLY = list('--only');
const SCALES = list('--scales')?.map(Number);

function usage(message) { process.stderr.write(`bench: ${message}\n`); process.exit(2); }
const FLAGS = ['--only', '--rows', '--scales', '--runs', '--keep', '--baseline', '--list'];
for (const a of args) if (a.startsWith('--') && !FLAGS.includes(a)) usage(`unknown flag ${a} (flags: ${FLAGS.join(', ')})`);
if (!(RUNS >= 1)) usage('--runs takes a number ≥ 1');
if (value('--rows') !== undefined && !(rowsFlag >= 1)) usage('--rows takes a number ≥ 1');
if (SCALES?.some((f) => !(Number.isInteger(f) && f >= 1))) usage('--scales takes whole factors ≥ 1, e.g. 10,100');
if (BASELINE && !existsSync(join(BASELINE, 'bin', 'funnel.js'))) usage(`--baseline ${BASELINE}: no bin/funnel.js there (give a built checkout of funnel)`);
if (BASELINE && !existsSync(join(BASELINE, 'dist'))) usage(`--baseline ${BASELINE}: not built (run npm ci or npm run build there)`);

const SOURCES = ['organic', 'paid_search', 'paid_social', 'referral', 'outbound', 'events', 'partner', 'webinar'];
const OWNERS = 40, CAMPAIGNS = 180;
const DEAL_METRICS = 'created,won,lost,win_rate,revenue,avg_deal_size,median_cycle_days';
const AS_OF = '2030-01-01';
const DEMO_AS_OF = '2025-12-31';

/** Every workload: a family, its default size, and what it runs (cases(), below). */
const WORKLOADS = [
  { family: 'deals', rows: 1_000_000 }, { family: 'deals', rows: 10_000_000 },
  { family: 'owners', rows: 10_000_000 },
  { family: 'campaigns', rows: 1_000_000 },
  { family: 'ndjson', rows: 1_000_000 },
  { family: 'json', rows: 1_000_000 },
  { family: 'preset', rows: 1_000_000 },
  { family: 'stages', rows: 1_000_000 }, { family: 'stages', rows: 5_000_000 },
  { family: 'views', scale: 10 }, { family: 'views', scale: 100 },
];
const sizeName = (n) => (n % 1_000_000 === 0 ? `${n / 1_000_000}m` : n % 1000 === 0 ? `${n / 1000}k` : String(n));
const nameOf = (w) => `${w.family}-${w.scale ? `${w.scale}x` : sizeName(w.rows)}`;

if (args.includes('--list')) {
  process.stdout.write(WORKLOADS.map(nameOf).join('\n') + '\n');
  process.exit(0);
}

function selectedWorkloads() {
  let chosen = WORKLOADS;
  if (ONLY) {
    const known = new Set([...WORKLOADS.map(nameOf), ...WORKLOADS.map((w) => w.family)]);
    for (const o of ONLY) if (!known.has(o)) usage(`--only ${o}: no such workload (npm run bench -- --list)`);
    chosen = WORKLOADS.filter((w) => ONLY.includes(nameOf(w)) || ONLY.includes(w.family));
  }
  // --rows and --scales give each family one size.
  const out = new Map();
  for (const w of chosen) {
    if (w.scale && SCALES) for (const scale of SCALES) out.set(`${w.family}-${scale}`, { ...w, scale });
    else if (!w.scale && rowsFlag) out.set(w.family, { ...w, rows: rowsFlag });
    else out.set(nameOf(w), w);
  }
  return [...out.values()];
}

// DuckDB is installed here, on demand, and not listed in devDependencies: the npm registry reachable
// from our machines serves only its linux-x64 binary package, and a lock file naming the other
// platforms' optional packages cannot be written, so `npm ci` would refuse it.
const DUCKDB = '@duckdb/node-api@1.5.6-r.1';
if (!BASELINE) {
  try {
    await import('@duckdb/node-api');
  } catch {
    process.stderr.write(`installing ${DUCKDB} for the comparison (npm install --no-save) …\n`);
    const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', DUCKDB], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) { process.stderr.write(`could not install ${DUCKDB}; the benchmark needs it\n`); process.exit(1); }
  }
}

const WORKLOADS_RUN = selectedWorkloads();
const dir = mkdtempSync(join(tmpdir(), 'funnel-bench-'));

function prng(seed) {
  return () => { seed |= 0; seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
const START = Date.UTC(2022, 0, 1) / 1000;
const stamp = (s) => new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');

function flush(path) {
  // Written back now, not while an engine reads it.
  const fd = openSync(path, 'r+');
  fsyncSync(fd);
  closeSync(fd);
}

async function writeLines(path, header, count, line) {
  const out = createWriteStream(path);
  if (header !== undefined) out.write(header + '\n');
  let buf = [];
  for (let i = 0; i < count; i++) {
    buf.push(line(i));
    if (buf.length === 20_000) { if (!out.write(buf.join('\n') + '\n')) await once(out, 'drain'); buf = []; }
  }
  out.write(buf.length ? buf.join('\n') + '\n' : '');
  out.end();
  await once(out, 'close');
  flush(path);
}

/** One deal's fields, the same sequence for the CSV and the NDJSON file of `n` rows. */
function dealMaker(n) {
  const r = prng(n);
  return (i) => {
    const created = START + Math.floor(r() * 3 * 365 * 86400);
    const u = r();
    const status = u < 0.4 ? 'won' : u < 0.75 ? 'lost' : 'open';
    const closed = status === 'open' ? '' : stamp(created + Math.floor(r() * 120 * 86400));
    const amount = status === 'open' && r() < 0.3 ? '' : (500 + r() * 40000).toFixed(2);
    const note = r() < 0.1 ? 'called, left a "voicemail"' : r() < 0.01 ? 'two\nlines' : '';
    return {
      id: `D${i}`, created_at: stamp(created), status, closed_at: closed, amount, source: SOURCES[Math.floor(r() * 8)],
      owner: `Owner ${Math.floor(r() * OWNERS)}`, campaign: `campaign-${Math.floor(r() * CAMPAIGNS)}`, note,
    };
  };
}

const DEAL_HEADER = 'id,created_at,status,closed_at,amount,source,owner,campaign,note';
const quoted = (v) => `"${v.replaceAll('"', '""')}"`;
const csvCell = (v) => (/[",\n]/.test(v) ? quoted(v) : v);
async function genDeals(path, n) {
  const deal = dealMaker(n);
  // The owner is always quoted (as CRM exports quote text), so every row has a quoted field.
  await writeLines(path, DEAL_HEADER, n, (i) => Object.entries(deal(i)).map(([k, v]) => (k === 'owner' ? quoted(v) : csvCell(v))).join(','));
}

/** The same deals as NDJSON: amounts as numbers, a missing value as a missing key. */
async function genDealsNdjson(path, n, array = false) {
  const deal = dealMaker(n);
  await writeLines(path, array ? '[' : undefined, n, (i) => {
    const d = deal(i);
    const o = {};
    for (const [k, v] of Object.entries(d)) if (v !== '') o[k] = k === 'amount' ? Number(v) : v;
    // A JSON array: one element per line, a comma after each but the last.
    return array ? `${JSON.stringify(o)}${i + 1 < n ? ',' : '\n]'}` : JSON.stringify(o);
  });
}

/** HubSpot's labels for the generated sources, stages and types (the preset maps the types; the bench's config, the sources). */
const HUBSPOT_SOURCES = ['Organic Search', 'Paid Search', 'Paid Social', 'Referrals', 'Offline Sources', 'Other Campaigns', 'Direct Traffic', 'Social Media'];
const HUBSPOT_STAGES = { won: 'Closed Won', lost: 'Closed Lost', open: 'Contract Sent' };
const PRESET_CONFIG = { values: { deals: { source: Object.fromEntries(HUBSPOT_SOURCES.map((label, i) => [label, SOURCES[i]])) } } };

/**
 * The same deals twice: as a HubSpot deals export (its labels, every value quoted, the status as a
 * deal stage, the source and type as HubSpot words them) and with canonical headers and plain
 * values, in the same column order and quoted the same way. HubSpot's words are longer (18 % more
 * bytes): each canonical row is padded to its HubSpot row's length in the pipeline column, which
 * the command does not read, so both files have the same bytes to scan.
 */
async function genPresetDeals(hubspotPath, canonicalPath, n) {
  const deal = dealMaker(n);
  const type = (i) => (i % 5 === 0 ? 'expansion' : 'new');
  const hubspotRow = (d, i) => [d.id, d.note, HUBSPOT_STAGES[d.status], d.created_at, d.closed_at, d.amount, d.owner, HUBSPOT_SOURCES[SOURCES.indexOf(d.source)], type(i) === 'new' ? 'New Business' : 'Existing Business', 'Sales Pipeline'].map(quoted).join(',');
  await writeLines(hubspotPath, ['Record ID', 'Deal Name', 'Deal Stage', 'Create Date', 'Close Date', 'Amount', 'Deal owner', 'Original Traffic Source', 'Deal Type', 'Pipeline'].map(quoted).join(','), n, (i) => hubspotRow(deal(i), i));
  const again = dealMaker(n);
  await writeLines(canonicalPath, ['id', 'note', 'status', 'created_at', 'closed_at', 'amount', 'owner', 'source', 'type', 'pipeline'].map(quoted).join(','), n, (i) => {
    const d = again(i);
    const row = (pad) => [d.id, d.note, d.status, d.created_at, d.closed_at, d.amount, d.owner, d.source, type(i), `Sales Pipeline${pad}`].map(quoted).join(',');
    return row('.'.repeat(Math.max(0, Buffer.byteLength(hubspotRow(d, i)) - Buffer.byteLength(row('')))));
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

/** Each generated file once per run of the bench, shared by the workloads that read it. */
const made = new Map();
function file(key, make) {
  if (!made.has(key)) {
    made.set(key, (async () => {
      process.stderr.write(`generating ${key} … `);
      const t = performance.now();
      const out = await make();
      process.stderr.write(`${((performance.now() - t) / 1000).toFixed(1)} s\n`);
      return out;
    })());
  }
  return made.get(key);
}
const dealsCsv = (n) => file(`deals-${n}.csv`, async () => { const p = join(dir, `deals-${n}.csv`); await genDeals(p, n); return p; });
const dealsNdjson = (n) => file(`deals-${n}.ndjson`, async () => { const p = join(dir, `deals-${n}.ndjson`); await genDealsNdjson(p, n); return p; });
const dealsJson = (n) => file(`deals-${n}.json`, async () => { const p = join(dir, `deals-${n}.json`); await genDealsNdjson(p, n, true); return p; });
const presetDealsCsv = (n) => file(`hubspot-deals-${n}.csv`, async () => {
  const hubspot = join(dir, `hubspot-deals-${n}.csv`), canonical = join(dir, `canonical-deals-${n}.csv`), config = join(dir, 'hubspot-sources.config.json');
  await genPresetDeals(hubspot, canonical, n);
  writeFileSync(config, JSON.stringify(PRESET_CONFIG));
  return { hubspot, canonical, config };
});
const leadsCsv = (n) => file(`leads-${n}.csv`, async () => { const p = join(dir, `leads-${n}.csv`); await genLeads(p, n); return p; });
const fixtures = (scale) => file(`fixtures-x${scale}`, async () => {
  const out = join(dir, `fixtures-x${scale}`);
  mkdirSync(out);
  const scaled = scaleFixtures(join(ROOT, 'fixtures'), out, scale);
  for (const f of Object.values(scaled.files)) flush(f);
  return scaled;
});

/** funnel's CSV report as objects: the key columns as text, the metrics as numbers, an empty field as null. */
function csvRows(text, keys) {
  return parse(text, { columns: true }).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, keys.includes(k) ? v : v === '' ? null : Number(v)])));
}

const close = (a, b) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)));

/**
 * funnel's CSV against DuckDB's rows: the same rows in the same order, the same `keys`, each of
 * `metrics` equal (to 1e-6 relative: funnel sums money exactly or in reading order, DuckDB in its own order).
 */
const agree = (keys, metrics) => (funnelCsv, duckJson) => {
  const rows = csvRows(funnelCsv, keys), duck = JSON.parse(duckJson);
  if (rows.length !== duck.length) return `${rows.length} rows vs DuckDB ${duck.length}`;
  for (let i = 0; i < rows.length; i++) {
    const f = rows[i], d = duck[i];
    const where = keys.map((k) => f[k]).join(' ');
    for (const k of keys) if (f[k] !== String(d[k])) return `row ${i + 1}: ${k} ${f[k]} vs DuckDB ${d[k]}`;
    for (const k of metrics) {
      if (!(k in f)) return `funnel's report has no column ${k}`;
      if (!close(f[k], d[k] === null ? null : Number(d[k]))) return `row ${i + 1} (${where}): ${k} ${f[k]} vs DuckDB ${d[k]}`;
    }
  }
  return undefined;
};

const STAGES = ['lead', 'mql', 'sql', 'opportunity', 'customer'];
const FIXTURE_CONFIG = join(ROOT, 'fixtures', 'funnel.config.json');
const FLAG = { leads: '--leads', deals: '--deals', spend: '--spend', subscriptions: '--subscriptions' };
/** The inputs each view reads (the others would only add a note on stderr). */
const VIEW_INPUTS = {
  stages: ['leads', 'deals'], deals: ['deals', 'leads'], marketing: ['spend', 'leads', 'deals'],
  customers: ['deals', 'leads', 'spend', 'subscriptions'], mrr: ['subscriptions'], quality: ['leads'],
};
/** Each view's core metrics, as funnel names them and bench-duckdb.mjs computes them. */
const VIEW_CHECKS = {
  stages: { keys: ['period', 'source', 'stage'], metrics: ['reached', 'median_days_from_previous'], spec: { stages: STAGES, link: true } },
  deals: { keys: ['period', 'source'], metrics: ['created', 'won', 'lost', 'revenue', 'median_cycle_days', 'open_deals', 'pipeline_value'], spec: { pipeline: true } },
  marketing: { keys: ['period', 'source'], metrics: ['spend', 'marketing_spend', 'sales_spend', 'leads', 'new_customers', 'revenue'] },
  customers: { keys: ['period', 'source'], metrics: ['customers', 'orders', 'revenue', 'avg_lifespan_days', 'cac'] },
  mrr: { keys: ['period'], metrics: ['mrr', 'customers', 'new_mrr', 'reactivation_mrr', 'expansion_mrr', 'contraction_mrr', 'churned_mrr', 'new_customers', 'churned_customers'] },
  quality: { keys: ['period', 'source'], metrics: ['leads', 'with_email', 'with_phone', 'with_name', 'with_company', 'duplicate_emails'] },
};

/**
 * A workload's cases. Each case: `label`, `rows` (input rows read), `funnel` (funnel's argument
 * lists, run one after another: one command, or the views one by one), and either `duck` (a
 * bench-duckdb.mjs spec) with `check`, or `against` (other funnel argument lists) with `check`.
 */
async function cases(w) {
  const name = nameOf(w);
  const dealsCase = async (path, by, period, extra = []) => ({
    label: name, rows: w.rows,
    funnel: [['deals', '--deals', path, '--by', by, '--period', period, '--as-of', AS_OF, '--quiet', '--format', 'csv', '--metrics', DEAL_METRICS, ...extra]],
    duck: { query: 'deals', files: { deals: path }, by, period, format: path.endsWith('.ndjson') ? 'ndjson' : path.endsWith('.json') ? 'json' : 'csv' },
    check: agree(['period', by], ['created', 'won', 'lost', 'revenue', 'median_cycle_days']),
  });
  switch (w.family) {
    case 'deals': return [await dealsCase(await dealsCsv(w.rows), 'source', 'month')];
    case 'owners': return [await dealsCase(await dealsCsv(w.rows), 'owner', 'week')];
    case 'campaigns': return [await dealsCase(await dealsCsv(w.rows), 'campaign', 'day')];
    case 'ndjson': return [await dealsCase(await dealsNdjson(w.rows), 'source', 'month')];
    case 'json': return [await dealsCase(await dealsJson(w.rows), 'source', 'month')];
    case 'preset': {
      const { hubspot, canonical, config } = await presetDealsCsv(w.rows);
      const common = ['--by', 'source', '--period', 'month', '--as-of', AS_OF, '--quiet', '--format', 'csv', '--metrics', DEAL_METRICS];
      return [{
        label: name, rows: w.rows, name: 'funnel --preset hubspot', limit: 1.10,
        funnel: [['deals', '--deals', hubspot, '--preset', 'hubspot', '--config', config, ...common]],
        against: { name: 'canonical headers', funnel: [['deals', '--deals', canonical, ...common]] },
        check: (presetCsv, [canonicalCsv]) => (presetCsv === canonicalCsv ? undefined : 'the HubSpot export and the canonical file gave different reports'),
      }];
    }
    case 'stages': {
      const path = await leadsCsv(w.rows);
      const config = join(dir, 'bench.config.json');
      writeFileSync(config, JSON.stringify({ dealStages: null }));
      return [{
        label: name, rows: w.rows,
        funnel: [['stages', '--leads', path, '--config', config, '--by', 'source', '--period', 'month', '--as-of', AS_OF, '--quiet', '--format', 'csv',
          '--metrics', 'reached,median_days_from_previous']],
        duck: { query: 'stages', files: { leads: path }, by: 'source', period: 'month', stages: STAGES },
        check: agree(['period', 'source', 'stage'], ['reached', 'median_days_from_previous']),
      }];
    }
    case 'views': {
      const { files, rows } = await fixtures(w.scale);
      const inputs = (kinds) => kinds.flatMap((k) => [FLAG[k], files[k]]);
      const common = ['--config', FIXTURE_CONFIG, '--as-of', DEMO_AS_OF, '--quiet'];
      const out = [];
      for (const [view, kinds] of Object.entries(VIEW_INPUTS)) {
        const { keys, metrics, spec } = VIEW_CHECKS[view];
        const by = view === 'mrr' ? [] : ['--by', 'source', '--period', 'month'];
        out.push({
          label: `${name} ${view}`, rows: kinds.reduce((s, k) => s + rows[k], 0),
          funnel: [[view, ...inputs(kinds), ...by, ...common, '--format', 'csv', '--metrics', metrics.join(',')]],
          duck: { query: view, files: Object.fromEntries(kinds.map((k) => [k, files[k]])), by: 'source', period: 'month', asOf: DEMO_AS_OF, ...spec },
          check: agree(keys, metrics),
        });
      }
      const all = Object.keys(FLAG);
      const views = Object.entries(VIEW_INPUTS).map(([view, kinds]) => [view, ...inputs(kinds), '--period', 'month', ...common, '--format', 'json']);
      out.push({
        label: `${name} report`, rows: all.reduce((s, k) => s + rows[k], 0),
        funnel: [['report', ...inputs(all), '--period', 'month', ...common, '--format', 'json']],
        against: { name: 'views one by one', funnel: views },
        check: (reportJson, viewJsons) => {
          const report = JSON.parse(reportJson);
          for (const [i, view] of Object.keys(VIEW_INPUTS).entries()) {
            const alone = JSON.parse(viewJsons[i]), inReport = report.views[view];
            if (!inReport) return `report has no ${view} view`;
            if (!isDeepStrictEqual(inReport.rows, alone.rows)) return `${view}: the report's rows differ from funnel ${view}'s`;
            if (!isDeepStrictEqual(inReport.totals, alone.totals)) return `${view}: the report's totals differ from funnel ${view}'s`;
          }
          return undefined;
        },
      });
      return out;
    }
  }
  throw new Error(`unknown family ${w.family}`);
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
      // bin/funnel.js runs a large command in a child process that inherits the preload: each process
      // reports its own peak; the highest is the run's (the command's, not the watcher's ≈ 40 MB).
      const peaks = [...stderr.matchAll(/BENCH_MAXRSS_KB (\d+)/g)].map((m) => Number(m[1]) / 1024);
      if (code !== 0) reject(new Error(`${cmd.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ wall, rss: peaks.length ? Math.max(...peaks) : NaN, stdout: Buffer.concat(out).toString() });
    });
  });
}

/** Runs the commands one after another: the summed wall time, the highest peak, each one's stdout. */
async function measureAll(cmds) {
  let wall = 0, rss = 0;
  const stdout = [];
  for (const cmd of cmds) { const m = await measure(cmd); wall += m.wall; rss = Math.max(rss, m.rss); stdout.push(m.stdout); }
  return { wall, rss, stdout };
}

/** Runs the engines in turn, RUNS rounds; for each, the median wall time (with its output) and the highest peak RSS. */
async function mediansOf(engines) {
  const runs = engines.map(() => []);
  for (let i = 0; i < RUNS; i++) for (const [k, cmds] of engines.entries()) runs[k].push(await measureAll(cmds));
  return runs.map((r) => {
    r.sort((a, b) => a.wall - b.wall);
    const mid = r[Math.floor(r.length / 2)];
    return { wall: mid.wall, rss: Math.max(...r.map((x) => x.rss)), stdout: mid.stdout };
  });
}

const funnelAt = (root) => (argv) => [join(root, 'bin', 'funnel.js'), ...argv];
const current = funnelAt(ROOT);
const duckCmd = (spec, threads) => [join(ROOT, 'scripts', 'bench-duckdb.mjs'), JSON.stringify(spec), String(threads)];

const results = [];
let mismatch = false, regression = false;
/** The verdict of each case that has an acceptance limit on its ratio. */
const limits = [];
try {
  await runAll();
} catch (err) {
  // A command that failed (its stderr is in the message): one line, not a stack.
  process.stderr.write(`bench: ${err.message}\n`);
  process.exitCode = 1;
} finally {
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`files kept in ${dir}\n`);
}
if (process.exitCode === 1) process.exit(1);

async function runAll() {
  for (const w of WORKLOADS_RUN) {
    for (const c of await cases(w)) {
      let engines, names;
      if (BASELINE) {
        names = ['baseline', 'current'];
        engines = [c.funnel.map(funnelAt(BASELINE)), c.funnel.map(current)];
      } else if (c.duck) {
        names = ['funnel', 'DuckDB, 1 thread', 'DuckDB, default threads'];
        engines = [c.funnel.map(current), [duckCmd(c.duck, 1)], [duckCmd(c.duck, 0)]];
      } else {
        names = [c.name ?? 'funnel report', c.against.name];
        engines = [c.funnel.map(current), c.against.funnel.map(current)];
      }
      process.stderr.write(`${c.label}: ${names.join(', ')} in turn, ${RUNS} round(s) …\n`);
      const m = await mediansOf(engines);
      let problem;
      if (BASELINE) problem = m[0].stdout.every((s, i) => s === m[1].stdout[i]) ? undefined : 'the two builds wrote different reports';
      else if (c.duck) problem = c.check(m[0].stdout[0], m[2].stdout[0]) ?? c.check(m[0].stdout[0], m[1].stdout[0]);
      else problem = c.check(m[0].stdout[0], m[1].stdout);
      if (problem) { mismatch = true; process.stderr.write(`  MISMATCH: ${problem}\n`); }
      if (BASELINE) {
        const [base, cur] = m;
        const ratio = cur.wall / base.wall;
        // Peaks compared in whole MB, as printed: the kernel counts pages, and a few hundred KB either way is no change.
        const extra = Math.round(cur.rss) - Math.round(base.rss);
        const slower = ratio > 1.05, heavier = extra > 0;
        const verdict = [slower && `SLOWER by ${((ratio - 1) * 100).toFixed(1)} %`, heavier && `MORE MEMORY (+${extra} MB)`].filter(Boolean).join(', ') || 'ok';
        if (verdict !== 'ok') regression = true;
        results.push({ label: c.label, rows: c.rows, base, cur, ratio, verdict: problem ? `${verdict}; OUTPUT DIFFERS` : verdict });
      } else {
        for (const [k, e] of m.entries()) results.push({ label: c.label, rows: c.rows, engine: names[k], wall: e.wall, rss: e.rss, ratio: k === 0 ? undefined : m[0].wall / e.wall });
        if (c.limit !== undefined) {
          const ratio = m[0].wall / m[1].wall;
          if (ratio > c.limit) regression = true;
          limits.push(`${c.label}: ${names[0]} ÷ ${names[1]} = ${ratio.toFixed(3)} (acceptance ≤ ${c.limit.toFixed(2)}: ${ratio > c.limit ? 'OVER' : 'ok'})`);
        }
      }
    }
  }
}

const count = (n) => n.toLocaleString('en-US');
const head = `funnel bench — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, median of ${RUNS} run(s), peak RSS the highest of them`;
const lines = BASELINE
  ? [
    `${head}; baseline ${BASELINE}`,
    '',
    '| workload | rows | baseline s | current s | current ÷ baseline | baseline peak MB | current peak MB | verdict |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...results.map((r) => `| ${r.label} | ${count(r.rows)} | ${r.base.wall.toFixed(2)} | ${r.cur.wall.toFixed(2)} | ${r.ratio.toFixed(3)} | ${r.base.rss.toFixed(0)} | ${r.cur.rss.toFixed(0)} | ${r.verdict} |`),
    '',
    'verdict: ok when current takes at most 5 % longer than baseline and its peak RSS is not higher.',
    mismatch ? 'REPORTS DIFFER between the builds: see MISMATCH above' : 'Both builds wrote byte-identical reports.',
  ]
  : [
    head,
    '',
    '| workload | rows | engine | wall s | rows/s | peak RSS MB | funnel ÷ engine |',
    '|---|---:|---|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.label} | ${count(r.rows)} | ${r.engine} | ${r.wall.toFixed(2)} | ${count(Math.round(r.rows / r.wall))} | ${r.rss.toFixed(0)} | ${r.ratio === undefined ? '—' : r.ratio.toFixed(2)} |`),
    '',
    mismatch ? 'RESULTS DIFFER: see MISMATCH above'
      : `funnel and DuckDB agree on every row checked${results.some((r) => r.engine === 'funnel report') ? "; report's rows and totals equal its views' run one by one" : ''}${limits.length ? '; the preset read wrote the same report as the canonical one' : ''}.`,
    ...limits,
  ];
process.stdout.write(lines.join('\n') + '\n');
process.exitCode = mismatch ? 1 : regression ? 3 : 0;
