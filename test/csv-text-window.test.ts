/**
 * CsvTokenizer.slice on an ASCII chunk decodes a window of the chunk at a time (not the whole
 * chunk as one string): values in one window, across windows, longer than a window, an earlier
 * record's value after later ones, and a chunk that is not ASCII all read as their bytes say.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { CsvTokenizer } from '../src/ingest/csv.js';

/** 6,000 records (about 400 KiB: several windows), one field of 70,000 characters, one quoted field with a doubled quote. */
function text(extra = ''): string {
  const lines = ['id,name,note'];
  for (let i = 0; i < 6_000; i++) {
    const note = i === 2_500 ? 'n'.repeat(70_000) : i === 4_000 ? '"say ""hi"", then go"' : `note ${i}${extra}`;
    lines.push([`ID-${String(i).padStart(6, '0')}-${'x'.repeat(i % 40)}`, `name ${i}`, note].join(','));
  }
  return lines.join('\n') + '\n';
}

/** Each record's fields (field()), and each record's first field sliced again 1,000 records later (a step back). */
function read(chunk: Buffer) {
  const t = new CsvTokenizer(',', 'window.csv');
  const fields: string[][] = [], again: string[] = [], bounds: [number, number][] = [];
  const onRecord = () => {
    const r = t.record();
    fields.push([...r.fields] as string[]);
    bounds.push([t.starts[0], t.ends[0]]);
    const back = bounds[bounds.length - 1_001];
    if (back !== undefined) again.push(t.slice(back[0], back[1]));
  };
  t.push(chunk, onRecord);
  t.end(onRecord);
  return { fields, again };
}

describe('CsvTokenizer: ASCII text decoded a window at a time', () => {
  it.each([['ASCII', ''], ['not ASCII', 'é']])('%s: every value as the bytes say, and a step back too', (_name, extra) => {
    const csv = text(extra);
    const expected = parse(csv, { relax_column_count: true }) as string[][];
    const { fields, again } = read(Buffer.from(csv));
    expect(fields).toEqual(expected);
    expect(fields[2_501][2]).toHaveLength(70_000);
    expect(again).toEqual(expected.slice(0, expected.length - 1_000).map((r) => r[0]));
  });
});
