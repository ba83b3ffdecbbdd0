import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TextInterner } from '../src/ingest/intern.js';
import { NOT_FAST } from '../src/ingest/values.js';

/** The values side by side in one buffer (as fields of a CSV chunk are), with where each is. */
function laidOut(values: readonly string[]): { bytes: Buffer; at: [number, number][] } {
  const bytes = Buffer.from(values.join(''));
  let from = 0;
  return { bytes, at: values.map((v) => { const n = Buffer.byteLength(v); from += n; return [from - n, from]; }) };
}

describe('TextInterner', () => {
  it('gives each value its UTF-8 decoding (a byte order mark kept), recurring ones from the table', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom('paid_search', 'organic', 'Événements', '\uFEFFads', 'ads', 'x', '😀'), fc.string({ minLength: 1, maxLength: 10 })), { maxLength: 400 }), (values) => {
      const interner = new TextInterner(), { bytes, at } = laidOut(values);
      values.forEach((v, i) => expect(interner.at(bytes, ...at[i])).toBe(v));
    }), { numRuns: 200 });
  });

  it('keeps 1024 values apart (lookups probe past neighbours), then answers NOT_FAST once a new value finds no room', () => {
    const values = Array.from({ length: 1024 }, (_, i) => `v${i}`);
    const interner = new TextInterner(), { bytes, at } = laidOut([...values, ...values, 'one more', 'v1']);
    for (let i = 0; i < 2048; i++) expect(interner.at(bytes, ...at[i])).toBe(values[i % 1024]);
    expect(interner.at(bytes, ...at[2048])).toBe(NOT_FAST);
    // A column with that many values is not looked up any more, known values included.
    expect(interner.at(bytes, ...at[2049])).toBe(NOT_FAST);
  });

  it('tells apart values of the same length and hash by their bytes', () => {
    // FNV-1a gives "k0062vu" and "k00duea" (and their neighbours ending v/b, w/c) the same 32 bits.
    const values = ['k0062vu', 'k00duea', 'k0062vv', 'k00dueb', 'k0062vw', 'k00duec'];
    const order = [...values, ...[...values].reverse()];
    const interner = new TextInterner(), { bytes, at } = laidOut(order);
    order.forEach((v, i) => expect(interner.at(bytes, ...at[i])).toBe(v));
  });

  it('does not keep a value longer than 64 bytes', () => {
    const interner = new TextInterner(), { bytes, at } = laidOut(['a'.repeat(64), 'b'.repeat(65), 'é'.repeat(33)]);
    expect(interner.at(bytes, ...at[0])).toBe('a'.repeat(64));
    expect(interner.at(bytes, ...at[1])).toBe(NOT_FAST);
    expect(interner.at(bytes, ...at[2])).toBe(NOT_FAST); // 66 bytes
  });
});
