/**
 * A chunk read from a file is made into text when a record's text fields are read
 * (CsvTokenizer.slice: 64 KiB windows, a longer value alone). Node makes a string of more than
 * ≈ 0.98 MiB outside the V8 heap (an external string), which the collector frees late, so a run's
 * peak memory moved with its timing: the chunks are kept under that size (ingest/source.ts CHUNK),
 * and their text on the heap.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteSource, CHUNK } from '../src/ingest/source.js';
import { CsvTokenizer } from '../src/ingest/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-chunk-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a chunk\'s text', () => {
  it('is a string on the V8 heap, not an external one', async () => {
    const path = join(dir, 'leads.csv');
    const row = (i: number) => `L-${String(i).padStart(7, '0')},2024-01-01T10:00:00Z,organic,spring-launch\n`;
    const rows = ['id,created_at,source,campaign\n'];
    for (let i = 0, size = 0; size < 2 * CHUNK; i++) { rows.push(row(i)); size += rows[rows.length - 1].length; }
    writeFileSync(path, rows.join(''));
    // The structural kernel's memory (external too) is made on first use: before the measure.
    new CsvTokenizer(',').push(Buffer.from(rows.slice(0, 3).join('')), () => {});
    const source = new ByteSource(path, path, undefined, statSync(path).size);
    let length = 0, grown = 0, records = 0;
    for await (const chunk of source.chunks(true)) {
      length = chunk.length;
      const before = process.memoryUsage().external;
      // Each record's fields are read as text: the chunk's text is made, and held while the tokenizer is on it.
      new CsvTokenizer(',').push(chunk, (r) => { records += r.fields.length > 0 ? 1 : 0; });
      grown = process.memoryUsage().external - before;
      break;
    }
    expect(length).toBe(CHUNK);
    expect(records).toBeGreaterThan(10_000);
    // An external string of the chunk would add its whole length here.
    expect(grown).toBeLessThan(CHUNK / 2);
  });
});
