#!/usr/bin/env node
// Measures the .xlsx reading candidates on this machine: wall time and peak RSS reading a generated
// deals workbook (100 k and 1 M rows by default), and what each costs to install (bytes on disk, packages),
// with its licence and the Node versions it declares. Every candidate must give the same row count and
// the same sums (amounts, dates, won flags), else the bench exits 1.
// The workbooks are written with exceljs's streaming writer (shared strings and styles, as Excel writes
// them) into a temp folder, and each candidate is installed into a temp folder of its own with
// `npm install` (to measure its size; needs the registry). Each read runs in its own process.
// Usage: npm run build && node scripts/bench-xlsx.mjs [--rows 100000,1000000] [--runs 3] [--timeout SECONDS] [--keep DIR]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const ROW_COUNTS = opt('--rows', '100000,1000000').split(',').map(Number);
const RUNS = Number(opt('--runs', '3'));
const KEEP = opt('--keep', undefined);
/** A read taking longer than this many seconds is stopped and shown as such (one candidate can take many minutes). */
const TIMEOUT = Number(opt('--timeout', '300'));
const WORK = KEEP ?? mkdtempSync(join(tmpdir(), 'funnel-bench-xlsx-'));
mkdirSync(WORK, { recursive: true });

// ---- candidates: a package set to install, and a reader run in a child process --------------
// Each reader calls row(cells) with the cells of every row (header included), as plain JS values.
const candidates = [
  { name: 'funnel (yauzl + saxes)', install: ['yauzl@3.4.0', 'saxes@6.0.0'], streams: true, code: `
    const { readXlsxRows } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/ingest/formats/xlsx.js')).href)});
    for await (const r of readXlsxRows(FILE)) row(r.cells.map((c) => typeof c === 'object' ? new Date(c.date) : c));` },
  { name: 'exceljs 4.4 (streaming reader)', install: ['exceljs@4.4.0'], streams: true, code: `
    const { default: ExcelJS } = await import('exceljs');
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(FILE, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit' });
    for await (const ws of reader) { for await (const r of ws) row(r.values.slice(1)); break; }` },
  { name: 'read-excel-file 9.3', install: ['read-excel-file@9.3.17'], streams: false, code: `
    const { readSheet } = await import('read-excel-file/node');
    for (const r of await readSheet(FILE)) row(r);` },
  { name: 'SheetJS 0.20.3 (@e965/xlsx)', install: ['@e965/xlsx@0.20.3'], streams: false, code: `
    const XLSX = await import('@e965/xlsx');
    XLSX.set_fs(await import('node:fs')); // its ES module build reads files only through a given fs
    const wb = XLSX.readFile(FILE, { dense: true, cellDates: true, sheets: 0 });
    for (const r of XLSX.utils.sheet_to_json(wb.Sheets[wb.SheetNames[0]], { header: 1, raw: true })) row(r);` },
  { name: 'xlsx-stream-reader 1.1', install: ['xlsx-stream-reader@1.1.1'], streams: true, code: `
    const { createReadStream } = await import('node:fs');
    const { default: XlsxStreamReader } = await import('xlsx-stream-reader');
    await new Promise((resolve, reject) => {
      const wb = new XlsxStreamReader({ formatting: false });
      let done = false;
      wb.on('error', reject);
      wb.on('worksheet', (ws) => {
        if (done) return ws.skip();
        done = true;
        ws.on('row', (r) => row(r.values.slice(1)));
        ws.on('end', resolve);
        ws.process();
      });
      createReadStream(FILE).pipe(wb);
    });` },
];

// ---- the workbooks ----------------------------------------------------------------------------
const STAGES = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'];
const SOURCES = ['Web', 'Referral', 'Partner', 'Cold Call', 'Trade Show', 'Paid Search'];

async function writeWorkbook(path, rows) {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true, useStyles: true });
  const ws = wb.addWorksheet('Deals');
  ws.getColumn(5).numFmt = 'yyyy-mm-dd';
  ws.getColumn(6).numFmt = 'yyyy-mm-dd hh:mm';
  ws.addRow(['deal_id', 'stage', 'source', 'amount', 'created_at', 'closed_at', 'won']).commit();
  const base = Date.UTC(2023, 0, 1);
  for (let i = 0; i < rows; i++) {
    const stage = STAGES[i % 6];
    const closed = stage.startsWith('Closed');
    const created = new Date(base + (i % 700) * 86_400_000);
    ws.addRow([`D-${i + 1}`, stage, SOURCES[(i * 7) % 6], (i % 10_000) * 12.5 + 100, created,
      closed ? new Date(created.getTime() + ((i % 90) + 1) * 86_400_000 + (i % 24) * 3_600_000) : undefined, stage === 'Closed Won']).commit();
  }
  ws.commit();
  await wb.commit();
}

// ---- measuring ----------------------------------------------------------------------------
function installCandidate(c) {
  const dir = join(WORK, 'pkg-' + c.name.replace(/[^a-z0-9]+/gi, '-'));
  if (!existsSync(join(dir, 'node_modules'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"private":true,"type":"module"}');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', ...c.install], { cwd: dir, stdio: 'inherit' });
  }
  const modules = join(dir, 'node_modules');
  const packages = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      if (name.startsWith('.')) continue;
      if (name.startsWith('@')) { walk(join(d, name)); continue; }
      if (existsSync(join(d, name, 'package.json'))) packages.push(join(d, name));
    }
  };
  walk(modules);
  const top = JSON.parse(readFileSync(join(modules, c.install[0].replace(/@[^@]*$/, ''), 'package.json'), 'utf8'));
  const bytes = Number(execFileSync('du', ['-sb', modules]).toString().split('\t')[0]);
  return { dir, bytes, packages: packages.length, licence: top.license, engines: top.engines?.node ?? '(none)' };
}

function runOnce(c, dir, file) {
  const script = join(dir, 'read.mjs');
  writeFileSync(script, `const FILE = ${JSON.stringify(file)};
let rows = 0, amount = 0, dates = 0, won = 0;
const row = (cells) => { rows++; const a = cells[3]; if (typeof a === 'number') amount += a;
  for (const c of cells) { if (c instanceof Date) dates += c.getTime() / 86400000; else if (c === true) won++; } };
${c.code}
console.log(JSON.stringify({ rows, amount, dates: Math.round(dates), won }));
const cpu = process.cpuUsage();
console.log((cpu.user + cpu.system) / 1e6);`);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(ROOT, 'scripts', 'bench-rss.mjs')).href, script], { cwd: dir });
    const out = [], err = [];
    const timer = setTimeout(() => child.kill(), TIMEOUT * 1000);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) return reject(new Error(`${c.name}: stopped after ${TIMEOUT} s`));
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const stderr = Buffer.concat(err).toString();
      const rss = Number(/BENCH_MAXRSS_KB (\d+)/.exec(stderr)?.[1] ?? NaN) / 1024;
      if (code !== 0) return reject(new Error(`${c.name}: exit ${code}: ${stderr.replace(/\s*BENCH_MAXRSS_KB \d+\s*/, '').trim().split('\n').slice(0, 4).join(' | ')}`));
      const [result, cpu] = Buffer.concat(out).toString().trim().split('\n');
      resolve({ wall, cpu: Number(cpu), rss, result });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const installed = new Map(candidates.map((c) => [c.name, installCandidate(c)]));
const results = [];
let disagree = false;
for (const n of ROW_COUNTS) {
  const file = join(WORK, `deals-${n}.xlsx`);
  if (!existsSync(file)) {
    process.stderr.write(`writing ${file} ...\n`);
    await writeWorkbook(file, n);
  }
  const size = statSync(file).size;
  const runs = new Map(candidates.map((c) => [c.name, []]));
  // Candidates take turns, round by round, so a slower spell of this shared machine falls on all.
  for (let round = 0; round < RUNS; round++) {
    for (const c of candidates) {
      try { runs.get(c.name).push(await runOnce(c, installed.get(c.name).dir, file)); }
      catch (err) { runs.get(c.name).push({ wall: NaN, cpu: NaN, rss: NaN, result: `failed: ${err.message}` }); }
    }
  }
  const reference = runs.get(candidates[0].name)[0].result;
  for (const c of candidates) {
    const r = runs.get(c.name);
    const same = r.every((x) => x.result === reference);
    if (!same) { disagree = true; process.stderr.write(`${c.name} at ${n} rows: ${r[0].result} (funnel: ${reference})\n`); }
    results.push({ n, size, name: c.name, wall: median(r.map((x) => x.wall)), cpu: median(r.map((x) => x.cpu)), rss: Math.max(...r.map((x) => x.rss)), same });
  }
}

const mb = (b) => (b / 1048576).toFixed(1);
console.log(`\nNode ${process.version}, ${RUNS} runs each (median wall and CPU seconds, highest peak RSS)\n`);
console.log('| reader | rows | workbook MB | wall s | CPU s | peak RSS MB | same values |');
console.log('|---|---:|---:|---:|---:|---:|---|');
const num = (x, digits) => (Number.isNaN(x) ? 'failed' : x.toFixed(digits));
for (const r of results) {
  console.log(`| ${r.name} | ${r.n.toLocaleString('en-US')} | ${mb(r.size)} | ${num(r.wall, 2)} | ${num(r.cpu, 2)} | ${num(r.rss, 0)} | ${r.same ? 'yes' : 'NO'} |`);
}
console.log('\n| reader | install MB | packages | licence | engines.node | streams the sheet |');
console.log('|---|---:|---:|---|---|---|');
for (const c of candidates) {
  const i = installed.get(c.name);
  console.log(`| ${c.name} | ${mb(i.bytes)} | ${i.packages} | ${i.licence} | ${i.engines} | ${c.streams ? 'yes' : 'no'} |`);
}
if (!KEEP) rmSync(WORK, { recursive: true, force: true });
process.exit(disagree ? 1 : 0);
