#!/usr/bin/env node
// Measures the CSV parser candidates on this machine: correctness on RFC 4180 edge cases,
// then rows/s on a generated 1 M-row deals file with quoted fields (written to a temp dir).
// Usage: node scripts/bench-csv.mjs [--rows N] [--runs N]
import { createReadStream, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as csvParse } from 'csv-parse';
import Papa from 'papaparse';
import { inferSchema, initParser } from 'udsv';
import { CsvTokenizer } from '../dist/ingest/csv.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const ROWS = opt('--rows', 1_000_000);
const RUNS = opt('--runs', 3);

// ---- candidates: each streams a file and calls onRow(fields: string[]) --------------
const candidates = {
  // funnel's own tokenizer (src/ingest/csv.ts); BOM stripping happens in the reader before it.
  'funnel': async (path, onRow) => {
    const tok = new CsvTokenizer(',');
    const emit = (r) => onRow(r.fields);
    let first = true;
    for await (let chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      if (first && chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      first = false;
      tok.push(chunk, emit);
    }
    tok.end(emit);
  },
  'csv-parse': (path, onRow) => new Promise((resolve, reject) => {
    createReadStream(path).pipe(csvParse({ bom: true, relax_column_count: true, skip_empty_lines: true }))
      .on('data', onRow).on('end', resolve).on('error', reject);
  }),
  papaparse: (path, onRow) => new Promise((resolve, reject) => {
    // BOM stripped by the reader, as for funnel's tokenizer.
    Papa.parse(createReadStream(path, 'utf8'), {
      skipEmptyLines: true, step: (r) => onRow(r.data), complete: resolve, error: reject,
    });
  }),
  udsv: async (path, onRow) => {
    // udsv takes the header from the first chunk and skips it; quote char and row delimiter pinned.
    let parser = null;
    for await (const chunk of createReadStream(path, 'utf8')) {
      if (!parser) {
        const header = chunk.slice(0, chunk.search(/\r?\n/));
        parser = initParser(inferSchema(chunk, { col: ',', encl: '"', esc: '"', trim: false }));
        onRow(header.replace(/^\uFEFF/, '').split(','));
      }
      parser.chunk(chunk, parser.stringArrs, (row) => { onRow(row); });
    }
    parser?.end();
  },
};

// ---- correctness: every candidate must give these fields -----------------------------
const cases = [
  ['quoted newline', 'a,b\n1,"x\ny"\n2,z\n', [['a', 'b'], ['1', 'x\ny'], ['2', 'z']]],
  ['escaped quote', 'a,b\n1,"say ""hi"""\n', [['a', 'b'], ['1', 'say "hi"']]],
  ['CRLF', 'a,b\r\n1,2\r\n3,4\r\n', [['a', 'b'], ['1', '2'], ['3', '4']]],
  ['BOM', '\uFEFFa,b\n1,2\n', [['a', 'b'], ['1', '2']]],
  ['quoted comma', 'a,b\n"1,5",2\n', [['a', 'b'], ['1,5', '2']]],
  ['no final newline', 'a,b\n1,2', [['a', 'b'], ['1', '2']]],
  ['quoted CRLF in CRLF file', 'a,b\r\n1,"x\r\ny"\r\n', [['a', 'b'], ['1', 'x\r\ny']]],
  // A short row must stay a short row (to be rejected), never borrow fields from the next one.
  ['ragged row', 'a,b,c\n1,2\n5,6,7\n', [['a', 'b', 'c'], ['1', '2'], ['5', '6', '7']]],
  // A stray LF inside a CRLF file (hand-edited exports) still ends a line.
  ['mixed line endings', 'a,b\r\n1,2\n3,4\r\n', [['a', 'b'], ['1', '2'], ['3', '4']]],
  ['blank line skipped', 'a,b\n1,2\n\n3,4\n', [['a', 'b'], ['1', '2'], ['3', '4']]],
];
const dir = mkdtempSync(join(tmpdir(), 'funnel-bench-csv-'));
try {
  console.log('correctness (RFC 4180 cases):');
  const correct = {};
  for (const [name, run] of Object.entries(candidates)) {
    const failed = [];
    for (const [label, text, expected] of cases) {
      const p = join(dir, 'case.csv');
      writeFileSync(p, text);
      const got = [];
      try { await run(p, (r) => got.push([...r])); } catch (e) { got.push(['ERROR ' + e.message]); }
      if (JSON.stringify(got) !== JSON.stringify(expected)) failed.push(`${label} → ${JSON.stringify(got)}`);
    }
    correct[name] = failed.length === 0;
    console.log(`  ${name.padEnd(10)} ${failed.length === 0 ? 'all pass' : 'FAILS: ' + failed.join('; ')}`);
  }

  // ---- speed ----------------------------------------------------------------------------
  const file = join(dir, 'deals.csv');
  const sources = ['organic', 'paid_search', 'referral', 'outbound', 'partner', 'events'];
  const parts = ['id,created_at,status,closed_at,amount,source,owner,note\n'];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < ROWS; i++) {
    const day = 1 + Math.floor(rnd() * 28);
    const note = rnd() < 0.2 ? '"follow up, then ""close"""' : rnd() < 0.05 ? '"two\nlines"' : '';
    parts.push(`D${i},2024-03-${String(day).padStart(2, '0')}T10:00:00Z,won,2024-04-02,"${(rnd() * 9000 + 100).toFixed(2)}",${sources[i % 6]},"Owner ${i % 40}",${note}\n`);
    if (parts.length > 50_000) { writeFileSync(file, parts.join(''), { flag: 'a' }); parts.length = 0; }
  }
  writeFileSync(file, parts.join(''), { flag: 'a' });
  console.log(`\nspeed: ${ROWS.toLocaleString('en-US')} rows with quoted fields, median of ${RUNS} runs`);
  for (const [name, run] of Object.entries(candidates)) {
    const times = [];
    let rows = 0;
    for (let r = 0; r < RUNS; r++) {
      rows = 0;
      const t0 = performance.now();
      await run(file, () => { rows++; });
      times.push((performance.now() - t0) / 1000);
    }
    times.sort((a, b) => a - b);
    const med = times[Math.floor(times.length / 2)];
    console.log(`  ${name.padEnd(10)} ${med.toFixed(2)} s  ${Math.round(rows / med).toLocaleString('en-US').padStart(10)} rows/s  (${rows} rows)${correct[name] ? '' : '  [incorrect]'}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
