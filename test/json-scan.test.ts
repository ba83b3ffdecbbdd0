/**
 * The NDJSON reader scans lines from their bytes (src/ingest/formats/json-scan.ts) and reads any
 * line out of the plain case as the object reader did: JSON.parse and ObjectLayout.toRecord. Both
 * must give the same records (line, fields, reason, raw text) and the same header, whatever the
 * line holds: escapes, unicode, nested values, numbers in every form, duplicate keys, keys that
 * fold alike, keys JSON.parse orders first, text that is not JSON, blank lines.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openTable } from '../src/ingest/formats/index.js';
import { ObjectLayout } from '../src/ingest/formats/objects.js';
import type { RawRecord } from '../src/ingest/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-json-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The object reader, line by line (what the NDJSON reader did before it scanned bytes). */
function objectReader(text: string): { records: RawRecord[]; header: string[] } {
  const layout = new ObjectLayout();
  const records: RawRecord[] = [];
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  text.split('\n').forEach((raw, n) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    let value: unknown;
    try { value = JSON.parse(line); } catch (err) {
      records.push({ line: n + 1, fields: [], raw: line, error: `not valid JSON (${(err as Error).message})` });
      return;
    }
    records.push(layout.toRecord(value, n + 1));
  });
  return { records, header: layout.header };
}

let files = 0;
async function scanned(text: string | Buffer): Promise<{ records: RawRecord[]; header: string[] }> {
  const path = join(dir, `${files++}.ndjson`);
  writeFileSync(path, text);
  const table = openTable(path);
  const records: RawRecord[] = [];
  for await (const batch of table.batches()) records.push(...batch);
  return { records, header: table.header ?? [] };
}

const ws = fc.constantFrom('', '', '', ' ', '\t', '  ', '\r');
const keys = fc.constantFrom('id', 'created_at', 'source', 'Source', ' source ', 'amount', 'note', 'é', 'emoji😀', 'a"b', 'a\\b', '2', '10', 'x\u0001', '__proto__', 'constructor', '');
/** A JSON number's text in every form JSON allows. */
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.tuple(fc.boolean(), fc.nat(99999), fc.nat(999999), fc.integer({ min: -30, max: 30 }), fc.constantFrom('e', 'E', 'e+', 'E-', ''))
    .map(([neg, i, f, e, mark]) => `${neg ? '-' : ''}${i}.${f}${mark === '' ? '' : `${mark}${Math.abs(e)}`}`),
  fc.constantFrom('0', '-0', '0.0', '-0.0', '1.50', '0.000001', '0.0000001', '1e21', '123456789012345678', '9007199254740993', '1.000000000000000001', '1E2', '12.340'),
);
const stringText = fc.oneof(
  fc.string({ unit: 'grapheme' }).map((s) => JSON.stringify(s)),
  fc.string({ unit: 'binary' }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"\\u00e9\\n\\t\\"\\\\\\/"', '"\\ud800"', '"  padded  "', '""', '"a\\u0000b"', '"\\b\\f\\r"'),
);
const nested = fc.jsonValue({ maxDepth: 2 }).filter((v) => typeof v === 'object' && v !== null).map((v) => JSON.stringify(v));
const value = fc.oneof(
  { arbitrary: stringText, weight: 5 }, { arbitrary: numberText, weight: 4 },
  { arbitrary: fc.constantFrom('true', 'false', 'null'), weight: 2 }, { arbitrary: nested, weight: 1 },
);
/** An object's text, with white space around each token; keys may repeat. */
const objectText = fc.tuple(fc.array(fc.tuple(keys, value, ws, ws, ws), { maxLength: 8 }), ws, ws).map(([members, a, b]) =>
  `${a}{${members.map(([k, v, w1, w2, w3]) => `${w1}${JSON.stringify(k)}${w2}:${w3}${v}`).join(',')}${b}}${a}`);
/** Lines that are not a plain object: broken JSON, other values, blank ones. */
const otherText = fc.oneof(
  objectText.map((t) => t.slice(0, Math.max(0, t.length - 2))),
  fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)),
  fc.constantFrom('', '   ', '\t', '\f', '\u00a0', '{"a":1}x', '{"a":01}', '{"a":1.}', '{"a":-}', '{"a":tru}', '{"a":"\\x"}', '{"a":"\u0001"}', '{a:1}', "{'a':1}", '{"a":1,}', '{"a" 1}', '\uFEFF{"a":1}', '{"a":1} {"b":2}', 'nul'),
);
const fileText = fc.array(fc.oneof({ arbitrary: objectText, weight: 4 }, { arbitrary: otherText, weight: 1 }), { minLength: 1, maxLength: 12 })
  .chain((lines) => fc.tuple(fc.constant(lines), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.boolean()))
  .map(([lines, eol, last, bom]) => `${bom ? '\uFEFF' : ''}${lines.join(eol)}${last ? eol : ''}`);

describe('NDJSON lines scanned from their bytes', () => {
  it('give the records and header the object reader gives (property)', async () => {
    await fc.assert(fc.asyncProperty(fileText, async (text) => {
      expect(await scanned(text)).toEqual(objectReader(text));
    }), { numRuns: 150 });
  });

  it('a number keeps the text JSON.parse and String give it, in every form (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(numberText, { minLength: 1, maxLength: 20 }), async (numbers) => {
      const text = numbers.map((n) => `{"amount":${n}}`).join('\n');
      const { records } = await scanned(text);
      expect(records.map((r) => r.fields[0])).toEqual(numbers.map((n) => String(JSON.parse(n))));
    }), { numRuns: 100 });
  });

  it('every rejection reason of the object reader, on its line', async () => {
    const text = [
      '{"id":"a","amount":1}',
      '{"id":"b",',
      '[1,2]',
      '"text"',
      'null',
      '{"id":"c","tags":["x"]}',
      '{"id":"d","Amount":2,"amount":3}',
      '',
      '{"id":"e","id":"f"}',
      '{"id":"g","deep":{"a":{"b":1}}}',
    ].join('\n');
    const { records } = await scanned(text);
    expect(records).toEqual(objectReader(text).records);
    expect(records.map((r) => [r.line, r.error?.replace(/\(.*/, '')])).toEqual([
      [1, undefined],
      [2, 'not valid JSON '],
      [3, 'expected a JSON object per row, found an array'],
      [4, 'expected a JSON object per row, found string'],
      [5, 'expected a JSON object per row, found null'],
      [6, 'column "tags": nested JSON values are not supported '],
      [7, 'keys "Amount" and "amount" name the same column '],
      [9, undefined],
      [10, 'column "deep": nested JSON values are not supported '],
    ]);
    expect(records[7].fields[0]).toBe('f'); // a key met twice: the last value, as JSON.parse
  });

  it('lines across read chunks (1 MiB), multi-byte characters cut by them, a line longer than a chunk', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 12_000; i++) lines.push(JSON.stringify({ id: `D-${i}`, note: 'é😀'.repeat(i % 50), n: i / 8 }));
    lines.splice(6000, 0, JSON.stringify({ id: 'long', note: 'x'.repeat(3 * 2 ** 20) }));
    const text = lines.join('\n');
    expect(await scanned(text)).toEqual(objectReader(text));
  });

  it('bytes that are not UTF-8: the error names their line', async () => {
    const good = Buffer.from('{"id":"a"}\n{"id":"b"}\n');
    await expect(scanned(Buffer.concat([good, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d, 0x0a])]))).rejects.toThrow(/:3: is not UTF-8 text/);
  });
});

describe('NDJSON rows through the column readers', () => {
  const text = fc.constantFrom('ads', ' seo ', 'Ads', '', 'é \\"x\\"', 'paid\\nsocial', '\\u0020pad');
  const stampText = fc.constantFrom('2024-03-01', '2024-03-01T10:00:00Z', ' 2024-03-02 ', '2024-13-01', '', '1709280000', '2024-02-30');
  const amount = fc.oneof(fc.constantFrom('10', ' 12.5 ', '1e3', '12k', '', '-0', '1.50'), numberText);
  const deal = fc.record({
    id: fc.constantFrom('D-1', 'D-2', 'D-3', ' D-4', 'D-\\u0035', 'D-6', '', 7, 8.0),
    created_at: stampText, status: fc.constantFrom('won', 'lost', 'open', 'Won', '', 'maybe'),
    closed_at: stampText, amount, source: text, note: fc.oneof(text, fc.constant(null), fc.constant(true)),
  }, { requiredKeys: ['id', 'created_at'] });
  /** A deal's JSON text: strings as written above (escapes kept), numbers as numbers. */
  const json = (d: Record<string, unknown>) => `{${Object.entries(d).map(([k, v]) => `"${k}":${typeof v === 'string' && !/^[-\d]/.test(v) || k !== 'amount' ? (typeof v === 'string' ? `"${v}"` : JSON.stringify(v)) : v === '' ? '""' : /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v as string) ? v : `"${v}"`}`).join(',')}}`;

  async function readBoth(lines: string[], by: readonly string[]) {
    const { InputReader } = await import('../src/ingest/read.js');
    const { parseConfig } = await import('../src/ingest/config.js');
    const out = [];
    const array = `[${lines.join(',\n')}]\n`;
    // The JSON array from stdin: read by the streaming object reader.
    for (const [name, content] of [[`${files++}.ndjson`, lines.join('\n') + '\n'], [`${files++}.json`, array], ['-', array]]) {
      const path = name === '-' ? name : join(dir, name);
      if (name !== '-') writeFileSync(path, content);
      const rejections: unknown[] = [];
      const reader = new InputReader({
        config: parseConfig({}, 'test'), onReject: (r) => rejections.push({ ...r, file: '', reason: r.reason.replace(/first seen at .*:/, 'first seen at :') }), dims: new Set(by),
        ...(name === '-' ? { format: 'json' as const, stdin: Readable.from([Buffer.from(content)]) } : {}),
      });
      const rows: unknown[] = [];
      try {
        for await (const batch of reader.read('deals', [path])) for (const row of batch) rows.push({ ...row, file: '' });
      } catch (err) { out.push({ error: (err as Error).message.replace(name === '-' ? 'stdin' : path, '') }); continue; }
      out.push({ rows, rejections, columns: reader.stats[0].columns });
    }
    return out;
  }

  it('NDJSON and a JSON array file read as the same objects are by the object reader (a JSON array from stdin): rows, rejections, columns (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(deal, { minLength: 1, maxLength: 15 }), fc.constantFrom([], ['source'], ['note']), async (deals, by) => {
      const [ndjson, array, objects] = await readBoth(deals.map(json), by);
      expect(ndjson).toEqual(objects);
      expect(array).toEqual(objects);
    }), { numRuns: 75 });
  });
});

describe('JSON arrays scanned from their bytes', () => {
  /** The table's records and header, or its error (the file's name taken out). */
  async function records(path: string, stdin?: Buffer) {
    const table = openTable(path, { format: 'json', stdin: stdin && Readable.from([stdin]) });
    const out: RawRecord[] = [];
    try {
      for await (const batch of table.batches()) out.push(...batch);
    } catch (err) { return { error: (err as Error).message.replace(/^[^:]*:/, '') }; }
    return { records: out, header: table.header };
  }
  const element = fc.oneof({ arbitrary: objectText, weight: 6 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), weight: 1 });
  const spacing = fc.constantFrom('', '\n', ' ', '\r\n  ', '\n\n');
  const arrayText = fc.tuple(fc.array(fc.tuple(element, spacing), { maxLength: 10 }), spacing, fc.constantFrom('', '', '', 'cut', 'tail', 'comma', 'object'))
    .map(([elements, end, broken]) => {
      let text = `[${end}${elements.map(([e, sp]) => `${sp}${e}`).join(',')}${end}]\n`;
      if (broken === 'cut') text = text.slice(0, Math.floor(text.length * 0.7));
      if (broken === 'tail') text += '{"a":1}';
      if (broken === 'comma') text = text.replace(/,(?=[^,]*$)/, ',,');
      if (broken === 'object') text = text.replace('[', '{"rows":[') + '}';
      return text;
    });

  it('give the records, header and errors of the streaming object reader (property)', async () => {
    await fc.assert(fc.asyncProperty(arrayText, async (text) => {
      const path = join(dir, `${files++}.json`);
      writeFileSync(path, text);
      expect(await records(path)).toEqual(await records('-', Buffer.from(text)));
    }), { numRuns: 150 });
  });

  // A few MiB read four times: a busy machine (2 cores shared by many) stretches that past vitest's default limit.
  it('a pretty-printed array across read chunks, then an element that is not a plain object: read again by the object reader, the same records', { timeout: 180_000 }, async () => {
    const elements = Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ id: `D-${i}`, note: 'é😀'.repeat(i % 7), amount: i / 4 }, null, 2));
    for (const odd of [undefined, '{"id":"x","tags":[1]}', '{"id":"y","id":"z"}']) {
      const text = `[\n${[...elements.slice(0, 35_000), ...(odd ? [odd] : []), ...elements.slice(35_000)].join(',\n')}\n]\n`;
      expect(text.length).toBeGreaterThan(2 * 2 ** 20);
      const path = join(dir, `${files++}.json`);
      writeFileSync(path, text);
      expect(await records(path)).toEqual(await records('-', Buffer.from(text)));
    }
  });
});
