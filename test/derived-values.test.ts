/**
 * Values derived once per distinct text on the CSV fast path (ingest/read DerivedValues): a column
 * with a value map and a pure reader is mapped and read once per text it meets, and a deal's status
 * from its stage (no status column) is derived once per stage text and set with the stage. What the
 * rows get is what mapping and reading each row's text gives: texts in another case, mapped to
 * missing or to a value the column rejects, not in the map, and more texts than the interner keeps.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/ingest/config.js';
import { IdLog } from '../src/ingest/id-log.js';
import { DerivedValues, InputReader, type Rejection } from '../src/ingest/read.js';
import { DEAL_COLUMNS, columnPlaces } from '../src/ingest/schemas.js';
import { serialAndParallel } from './helpers/parallel.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-derived-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The values side by side in one buffer (as a CSV chunk's fields are), with where each is. */
function laidOut(values: readonly string[]): { bytes: Buffer; at: [number, number][] } {
  const bytes = Buffer.from(values.join(''));
  let from = 0;
  return { bytes, at: values.map((v) => { const n = Buffer.byteLength(v); from += n; return [from - n, from]; }) };
}

describe('DerivedValues', () => {
  it('derives each distinct text once, in the order met, and finds its value by its index', () => {
    const seen: string[] = [];
    const values = new DerivedValues((text) => { seen.push(text); return text.toUpperCase(); });
    const texts = ['Closed Won', 'closed won', 'Closed Won', 'Offene', 'CLOSED WON', 'Offene', 'é'];
    const { bytes, at } = laidOut(texts);
    const indexes = texts.map((_, i) => values.indexAt(bytes, ...at[i]));
    expect(indexes).toEqual([0, 1, 0, 2, 3, 2, 4]);
    expect(seen).toEqual(['Closed Won', 'closed won', 'Offene', 'CLOSED WON', 'é']);
    expect(indexes.map((k) => values.text(k))).toEqual(texts);
    expect(indexes.map((k) => values.value(k))).toEqual(texts.map((t) => t.toUpperCase()));
  });

  it('keeps undefined and other values as derived; past 1,024 texts it answers −1 and derives nothing more', () => {
    let calls = 0;
    const values = new DerivedValues((text) => { calls++; return text.endsWith('7') ? undefined : { text }; });
    const texts = Array.from({ length: 1024 }, (_, i) => `label ${i}`);
    const { bytes, at } = laidOut([...texts, ...texts, 'one more', 'label 1']);
    for (let i = 0; i < 2048; i++) {
      const k = values.indexAt(bytes, ...at[i]);
      expect(k).toBe(i % 1024);
      expect(values.value(k)).toEqual(texts[k].endsWith('7') ? undefined : { text: texts[k] });
    }
    expect(calls).toBe(1024);
    expect(values.indexAt(bytes, ...at[2048])).toBe(-1);
    expect(values.indexAt(bytes, ...at[2049])).toBe(-1); // a full table is not looked up any more (the reader reads the text)
    expect(calls).toBe(1024);
  });
});

// ---------------------------------------------------------------------------------------------

const AT = columnPlaces(DEAL_COLUMNS);
/** Stage texts in several cases, one quoted, one with a space to trim (that one is read as a string: its status is left to the finishing rule). */
const STAGES = ['Closed Won', 'closed won', 'CLOSED WON', 'Closed Lost', '"closed lost"', 'Contract Sent', 'contract SENT', 'Signed', 'SIGNED', 'Closed Won '];
const TYPES = ['New Business', 'new business', 'NEW BUSINESS', 'Existing Business', 'renewal', 'Renewal', 'Upsell'];
/** 1,500 source labels: more than the interner keeps (1,024); every third mapped, every 17th of those to missing (an empty text). */
const LABELS = Array.from({ length: 1500 }, (_, i) => `Label ${i}`);
const config = parseConfig({
  status: { won: ['Closed Won', 'signed'], lost: ['Closed Lost'] },
  values: {
    deals: {
      source: Object.fromEntries(LABELS.filter((_, i) => i % 3 === 0).map((label, n) => [label, n % 17 === 0 ? '' : `src ${n % 5}`])),
      type: { 'New Business': 'new', 'Existing Business': 'expansion', Upsell: 'upgrade' },
    },
  },
}, 'test');

/** What a row's text is read as, by the rules (not by the reader): a deal's status from its stage, a value map then the reader. */
const statusOf = (stage: string) => (['closed won', 'signed'].includes(stage.toLowerCase()) ? 'won' : stage.toLowerCase() === 'closed lost' ? 'lost' : 'open');
function sourceOf(label: string): string | undefined {
  const i = LABELS.indexOf(label);
  if (i % 3 !== 0) return label;
  const n = i / 3;
  return n % 17 === 0 ? undefined : `src ${n % 5}`;
}
const typeOf = (t: string) => ({ 'new business': 'new', 'existing business': 'expansion', renewal: 'renewal', upsell: 'upgrade' })[t.toLowerCase()];

describe('the CSV fast path with value maps and a status from the stage', () => {
  const rows = 4000;
  const lines = ['id,created_at,stage,closed_at,amount,source,type'];
  for (let i = 0; i < rows; i++) {
    lines.push([`D${i}`, '2024-01-02', STAGES[i % STAGES.length], '2024-02-03', `${100 + i}`, LABELS[(i * 7) % LABELS.length], TYPES[i % TYPES.length]].join(','));
  }
  const text = lines.join('\n') + '\n';
  const path = join(dir, 'deals.csv');
  writeFileSync(path, text);

  it('gives each taken row the status of its stage and its mapped values; a value mapped to a bad one is rejected', async () => {
    const unquoted = (stage: string) => stage.replaceAll('"', '');
    const taken: unknown[][] = [], rejections: Rejection[] = [];
    const reader = new InputReader({ config, onReject: (r) => rejections.push(r), dims: new Set() });
    const head = text.slice(0, text.indexOf('\n'));
    const range = { start: head.length + 1, end: Buffer.byteLength(text), firstLine: 2, header: head.split(',') };
    const take = { take: (v: readonly unknown[]) => { taken.push([...v]); return true; }, takesId: true };
    for await (const _ of reader.readRange('deals', path, range, new IdLog(64), () => { throw new Error('no row is made'); }, take));
    const expected = lines.slice(1).map((line) => line.split(',')).filter(([, , , , , , type]) => typeOf(type) !== 'upgrade');
    expect(taken.map((v) => [v[AT.id], v[AT.stage], v[AT.status], v[AT.source], v[AT.type]])).toEqual(
      expected.map(([id, , stage, , , source, type]) => [id, unquoted(stage).trim(), stage.endsWith(' ') ? undefined : statusOf(unquoted(stage)), sourceOf(source), typeOf(type)]));
    // The map's "upgrade" is not a deal type: those rows are rejected, naming the column.
    expect(rejections).toHaveLength(rows - expected.length);
    expect(rejections[0].reason).toContain('"upgrade" is not one of new, expansion, renewal');
  });

  it('reads the same report serially and in parallel (the typed route)', async () => {
    writeFileSync(join(dir, 'funnel.config.json'), JSON.stringify({
      status: { won: ['Closed Won', 'signed'], lost: ['Closed Lost'] },
      values: { deals: { source: Object.fromEntries(LABELS.filter((_, i) => i % 3 === 0).map((label, n) => [label, n % 17 === 0 ? '' : `src ${n % 5}`])), type: { 'New Business': 'new', 'Existing Business': 'expansion' } } },
    }));
    const both = await serialAndParallel(['deals', '--deals', path, '--config', join(dir, 'funnel.config.json'), '--by', 'source', '--period', 'month', '--as-of', '2025-01-01', '--format', 'csv'], dir);
    expect(both.parallel.code).toBe(0);
    expect(both.trace).toContain('read in');
    expect(both.parallel.stdout).toBe(both.serial.stdout);
    expect(both.parallel.stderr).toBe(both.serial.stderr);
    expect(both.serial.stdout).toContain('src 3');
  });
});
