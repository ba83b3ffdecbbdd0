import { describe, expect, it, onTestFinished } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseSync } from 'csv-parse/sync';
import { humanValue, machineValue, neutraliseFormula } from '../src/output/cells.js';
import { escapeText, showValue } from '../src/core/errors.js';
import { runCli, runMain } from './helpers/cli.js';
import Table from 'cli-table3';
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { boxTable, type Align } from '../src/output/box-table.js';
import { writeTable } from '../src/output/table.js';
import { writeMarkdown } from '../src/output/markdown.js';
import { textOf } from '../src/output/report.js';
import { jsonPieces } from '../src/output/json.js';

describe('cells', () => {
  it('never lets NaN, Infinity or -0 out', () => {
    expect(machineValue(NaN, 'rate')).toBeNull();
    expect(machineValue(Infinity, 'money')).toBeNull();
    expect(Object.is(machineValue(-0, 'count'), 0)).toBe(true);
    expect(Object.is(machineValue(-1e-12, 'money'), 0)).toBe(true); // rounds to -0, shown as 0
    expect(humanValue(NaN, 'rate')).toBe('—');
  });

  it('rounds money to 1e-9 and leaves other numbers alone', () => {
    expect(machineValue(0.1 + 0.2, 'money')).toBe(0.3);
    expect(machineValue(1 / 3, 'rate')).toBe(1 / 3);
  });

  it('formats by unit for people', () => {
    expect(humanValue(0.2537, 'rate')).toBe('25.4%');
    expect(humanValue(1234567.891, 'money')).toBe('1,234,567.89');
    expect(humanValue(12.345, 'days')).toBe('12.3');
    expect(humanValue(null, 'count')).toBe('—');
    expect(humanValue(true, 'flag')).toBe('yes');
  });

  it('shows no minus sign on a value that rounds to zero (-0.001 is 0.00)', () => {
    expect(humanValue(-0.001, 'money')).toBe('0.00');
    expect(humanValue(-2.7755575615628914e-17, 'money_per_day')).toBe('0.00');
    expect(humanValue(-0.0001, 'rate')).toBe('0.0%');
    expect(humanValue(-0.01, 'days')).toBe('0.0');
    expect(humanValue(-0.001, 'ratio')).toBe('0.00');
    expect(humanValue(-0.4, 'count')).toBe('-0.40');
    expect(humanValue(-1.5, 'money')).toBe('-1.50');
  });

  it('neutralises formula starters in CSV text and escapes control characters for terminals', () => {
    for (const s of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(neutraliseFormula(s)).toBe("'" + s);
    expect(neutraliseFormula('plain')).toBe('plain');
    expect(escapeText('\u001b[31mred\u0007\u009b')).toBe('\\x1b[31mred\\x07\\x9b');
  });

  it('escapes bidi controls, zero-width and other invisible format characters, in cells and in messages', () => {
    expect(escapeText('ab\u202Ecd\u2066e\u2069\u200Bf\u200Dg\uFEFFh\u00ADi\u2028j\u{E0041}')).toBe(
      'ab\\u{202E}cd\\u{2066}e\\u{2069}\\u{200B}f\\u{200D}g\\u{FEFF}h\\xadi\\u{2028}j\\u{E0041}');
    expect(escapeText('tab\tline\nreturn\r')).toBe('tab\\tline\\nreturn\\r');
    expect(escapeText('Zoë 東京 – naïve \\x1b')).toBe('Zoë 東京 – naïve \\x1b'); // printable text, backslashes included, is left alone
    expect(humanValue('evil\u202Etxt.exe', 'text')).toBe('evil\\u{202E}txt.exe');
    expect(showValue('say "hi"\n\u202E')).toBe('"say \\"hi\\"\\n\\u{202E}"');
  });
});

describe('report tables', () => {
  // cli-table3 as report tables used it before boxTable (its layout time grows with rows squared).
  const oracle = (head: string[], rows: string[][], align: Align[]) => {
    const table = new Table({ head, colAligns: align, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
    for (const row of rows) table.push(row);
    return table.toString();
  };
  const bold = new Chalk({ level: 1 }).bold, dim = new Chalk({ level: 1 }).dim;
  // ASCII, wide CJK, an emoji, a combining accent, empty, a second line (never coloured: cli-table3
  // carries a colour over a line break, which report cells never need — their control characters are escaped).
  const plain = fc.constantFrom('', 'a', 'won', '1,234.50', '—', '日本', '👍', 'e\u0301', ' x ', 'total');
  const cell = fc.oneof(plain, plain.map((t) => bold(t)), plain.map((t) => dim(t)), fc.tuple(plain, plain).map(([a, b]) => `${a}\n${b}`));

  it('draws exactly what cli-table3 draws for them', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }).chain((n) => fc.record({
      head: fc.array(cell, { minLength: n, maxLength: n }),
      rows: fc.array(fc.array(cell, { minLength: n, maxLength: n }), { maxLength: 6 }),
      align: fc.array(fc.constantFrom<Align>('left', 'right'), { minLength: n, maxLength: n }),
    })), ({ head, rows, align }) => {
      expect(boxTable(head, rows, align)).toBe(oracle(head, rows, align));
    }), { numRuns: 500 });
  });

  it('escapes control characters in a header (a --by column named in the input) as in cells, in tables and markdown', () => {
    const report = { view: 'deals', title: 'Deals', params: { by: ['\u001b[31mred'] }, inputs: {}, columns: [{ key: '\u001b[31mred', unit: 'text' as const }, { key: 'won', unit: 'count' as const }],
      rows: [{ '\u001b[31mred': 'a\nb', won: 1 }], totals: { won: 1 } };
    const text = textOf(writeTable([report], { color: false, rawCsv: false }));
    expect(text).not.toContain('\u001b');
    expect(text).toContain('│ \\x1b[31mred │ won │');
    expect(text).toContain('│ a\\nb        │   1 │');
    const md = textOf(writeMarkdown([report], { color: false, rawCsv: false }));
    expect(md).not.toContain('\u001b');
    expect(md).toContain('| \\\\x1b[31mred | won |');
  });

  it('draws a 20,000-row table (cli-table3 took minutes over one)', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [`owner ${i}`, String(i), '1,234.50']);
    const text = boxTable(['owner', 'won', 'revenue'], rows, ['left', 'right', 'right']);
    expect(text.split('\n')).toHaveLength(20_003);
    expect(text.split('\n')[20_001]).toBe('│ owner 19999 │ 19999 │ 1,234.50 │');
  });
});

describe('--output', () => {
  it('writes the report to the file, atomically, and nothing to stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'funnel-out-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'deals.csv');
    const r = await runMain(['deals', '--config', 'fixtures/funnel.config.json', '--deals', 'fixtures/deals.csv', '--leads', 'fixtures/leads.csv', '--by', 'source', '--as-of', '2026-01-01', '--format', 'csv', '--output', out]);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const rows = parseSync(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((x) => x.source)).toEqual(['events', 'organic', 'outbound', 'paid_search', 'paid_social', 'referral']);
    expect(readdirSync(dir)).toEqual(['deals.csv']); // no temp file left behind
  });

  it('fails with one line when the folder does not exist', async () => {
    const r = await runMain(['deals', '--deals', 'fixtures/deals.csv', '--as-of', '2026-01-01', '--output', '/nonexistent-dir/x.csv']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('funnel: /nonexistent-dir/x.csv: cannot write (ENOENT)\n');
    expect(existsSync('/nonexistent-dir')).toBe(false);
  });

  it('CSV output parses back to the JSON values', async () => {
    const args = ['deals', '--config', 'fixtures/funnel.config.json', '--deals', 'fixtures/deals.csv', '--by', 'owner', '--period', 'quarter', '--as-of', '2026-01-01'];
    const [csv, json] = await Promise.all([runCli([...args, '--format', 'csv']), runCli([...args, '--format', 'json'])]);
    const fromCsv = parseSync(csv.stdout, { columns: true, cast: (v) => (v === '' ? null : Number.isNaN(Number(v)) ? v : Number(v)) }) as Record<string, unknown>[];
    expect(fromCsv).toEqual(JSON.parse(json.stdout).rows);
  });
});

describe('colour', () => {
  async function render(isTTY: boolean, env: Record<string, string>) {
    const { main } = await import('../src/cli.js');
    const { PassThrough } = await import('node:stream');
    let out = '';
    const stdout = Object.assign(new PassThrough(), { isTTY });
    stdout.on('data', (d) => { out += d; });
    const stderr = new PassThrough();
    const code = await main(['deals', '--deals', 'fixtures/deals.csv', '--as-of', '2026-01-01', '--metrics', 'created'],
      { stdin: new PassThrough(), stdout, stderr, env, cwd: process.cwd() });
    return { code, out };
  }
  const ESC = '\u001b[';
  it('is used on a TTY', async () => expect((await render(true, {})).out).toContain(ESC));
  it('is not used when NO_COLOR is set', async () => expect((await render(true, { NO_COLOR: '1' })).out).not.toContain(ESC));
  it('is not used when piped', async () => expect((await render(false, {})).out).not.toContain(ESC));
});

describe('--output to a device', () => {
  it('writes /dev/null directly and leaves it a device (a rename would replace it with a file)', async () => {
    const { statSync } = await import('node:fs');
    const r = await runMain(['deals', '--deals', 'fixtures/deals.csv', '--as-of', '2026-01-01', '--output', '/dev/null']);
    expect(r.code).toBe(0);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });
});

describe('progress line', () => {
  async function lines(enabled: boolean) {
    const { Progress } = await import('../src/output/progress.js');
    const { PassThrough } = await import('node:stream');
    let out = '';
    const stream = new PassThrough();
    stream.on('data', (d) => { out += d; });
    let now = 0;
    const p = new Progress(stream, enabled, () => now);
    for (const [t, rows] of [[500, 10], [1200, 1_000_000], [1300, 1_100_000], [1600, 1_500_000]] as const) { now = t; p.update('deals.csv', rows, rows * 77, 200_000_000); }
    p.done();
    return out;
  }
  it('shows rows, rows/s and percent on a terminal, throttled, and erases itself', async () => {
    expect(await lines(true)).toBe('\r\u001b[2Kfunnel: deals.csv 39% — 1,000,000 rows, 833,333 rows/s\r\u001b[2Kfunnel: deals.csv 58% — 1,500,000 rows, 937,500 rows/s\r\u001b[2K');
  });
  it('is silent when disabled (--quiet, or stderr not a terminal)', async () => {
    expect(await lines(false)).toBe('');
  });
});

describe('reports in pieces', () => {
  it('jsonPieces writes what JSON.stringify(value, null, 2) writes, at any depth', () => {
    // JSON values, with what JSON.stringify leaves out of objects or writes as null in arrays.
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.jsonValue({ maxDepth: 0 }), fc.constant(undefined), fc.constant(() => 1), fc.double(), fc.constant(-0), fc.string()),
      node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(fc.property(fc.oneof(fc.array(value), fc.dictionary(fc.string(), value)), fc.integer({ min: 0, max: 5 }), (v, depth) => {
      expect(textOf(jsonPieces(v, depth))).toBe(JSON.stringify(v, null, 2));
    }), { numRuns: 500 });
  });

  it('a report of several MiB reaches stdout in several writes, the same text as --output writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'funnel-pieces-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    // 4,000 owners × 30 days: about 14,000 rows of JSON (≈ 10 MiB).
    const lines = ['id,created_at,status,closed_at,amount,owner'];
    for (let i = 0; i < 20_000; i++) {
      const day = String(1 + (i % 30)).padStart(2, '0');
      lines.push(`D${i},2025-04-${day},${i % 3 === 0 ? 'won' : 'open'},${i % 3 === 0 ? `2025-05-${day}` : ''},${100 + i},Owner ${i % 4000}`);
    }
    const deals = join(dir, 'deals.csv');
    writeFileSync(deals, lines.join('\n') + '\n');
    const args = ['deals', '--deals', deals, '--by', 'owner', '--period', 'day', '--as-of', '2026-01-01', '--format', 'json'];
    const { main } = await import('../src/cli.js');
    const { PassThrough } = await import('node:stream');
    const writes: string[] = [];
    const stdout = new PassThrough();
    stdout.on('data', (d: Buffer) => { writes.push(d.toString()); });
    const code = await main(args, { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {}, cwd: process.cwd() });
    expect(code).toBe(0);
    expect(writes.length).toBeGreaterThan(3);
    const out = join(dir, 'report.json');
    expect((await runMain([...args, '--output', out])).code).toBe(0);
    expect(writes.join('')).toBe(readFileSync(out, 'utf8'));
    expect(JSON.parse(writes.join('')).rows.length).toBeGreaterThan(10_000);
  }, 120_000); // a few seconds of CPU: the limit is a safeguard for a busy machine, not a measure
});

describe('JSON rows made as written', () => {
  it('a view report in JSON is the same at any depth of writing, and as JSON.stringify writes it', async () => {
    const { viewJson, jsonPieces: pieces } = await import('../src/output/json.js');
    const report = { view: 'deals', title: 'Deals', params: { by: ['source'] }, inputs: {}, columns: [{ key: 'source', unit: 'text' as const }, { key: 'revenue', unit: 'money' as const }],
      rows: [{ source: 'a', revenue: 0.1 + 0.2 }, { source: 'b', revenue: -0 }], totals: { revenue: 0.30000000000000004 } };
    const whole = JSON.stringify(viewJson(report), null, 2);
    expect(JSON.parse(whole).rows).toEqual([{ source: 'a', revenue: 0.3 }, { source: 'b', revenue: 0 }]);
    for (const depth of [0, 1, 2, 3, 5]) expect(textOf(pieces(viewJson(report), depth))).toBe(whole);
  });
});

describe('validate --format json in pieces', () => {
  it('lists 30,000 rejected rows (several MiB of JSON, written in chunks) as JSON.stringify would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'funnel-validate-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const deals = join(dir, 'deals.csv');
    writeFileSync(deals, 'id,created_at,status,closed_at,amount\n' + Array.from({ length: 30_000 }, (_, i) => `D${i},not a date,open,,`).join('\n') + '\n');
    const { main } = await import('../src/cli.js');
    const { PassThrough } = await import('node:stream');
    const writes: string[] = [];
    const stdout = new PassThrough();
    stdout.on('data', (d: Buffer) => { writes.push(d.toString()); });
    const code = await main(['validate', '--deals', deals, '--format', 'json'], { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {}, cwd: process.cwd() });
    expect(code).toBe(1);
    expect(writes.length).toBeGreaterThan(2);
    const text = writes.join('');
    const parsed = JSON.parse(text) as { inputs: unknown; rejections: { line: number; reason: string }[] };
    expect(parsed.rejections).toHaveLength(30_000);
    expect(parsed.rejections[29_999]).toMatchObject({ line: 30_001 });
    expect(text).toBe(JSON.stringify(parsed, null, 2) + '\n');
  }, 120_000); // a few seconds of CPU: the limit is a safeguard for a busy machine, not a measure
});
