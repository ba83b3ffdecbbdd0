import { afterEach, describe, expect, it } from 'vitest';
import { CsvTokenizer, type RawRecord } from '../src/ingest/csv.js';
import { AFTER_QUOTE, LINE_BREAK, POSITION, SPECIAL, useStructuralKernel, withStructure } from '../src/ingest/structural.js';
import { STRUCTURAL_WASM } from '../src/ingest/structural-wasm.js';
// @ts-expect-error: a plain ES module script without types
import { compileStructural } from '../scripts/build-wasm.mjs';

afterEach(() => { useStructuralKernel(true); });

/**
 * The kernel's tagged positions of data[from, to), as [offset, kind] — kind: d (delimiter) or b
 * (line break), then q when the field was quoted and s when it holds a doubled quote or a line
 * break — or undefined when it does not answer.
 */
function structure(text: string, from = 0, to?: number, delimiter = ',') {
  const data = Buffer.from(text);
  let got: [number, string][] | undefined;
  withStructure(data, delimiter.charCodeAt(0), (scan) => {
    const positions = scan(from, to ?? data.length);
    const kind = (t: number) => ((t & LINE_BREAK) !== 0 ? 'b' : 'd') + ((t & AFTER_QUOTE) !== 0 ? 'q' : '') + ((t & SPECIAL) !== 0 ? 's' : '');
    got = positions && Array.from(positions, (t) => [t & POSITION, kind(t)]);
  });
  return got;
}

/** Every record (line, fields, error), the tokenizer's line after them and what it left pending, with the kernel on or off. */
function tokenize(pieces: Buffer[], kernel: boolean, delimiter = ',') {
  useStructuralKernel(kernel);
  const out: RawRecord[] = [];
  const t = new CsvTokenizer(delimiter, 'test.csv');
  for (const p of pieces) t.scanChunk(p, false, () => out.push(t.record()));
  const pending = t.pending.toString('latin1');
  t.end((r) => out.push(r));
  return { out, pending, nextLine: t.nextLine };
}

describe('the structural kernel (CSV fast path)', () => {
  it('is the compilation of its source, structural.wat', async () => {
    expect((await compileStructural()).toString('base64')).toBe(STRUCTURAL_WASM);
  });

  it('finds delimiters and line breaks outside quotes, tagging line breaks, quoted fields and what is in them', () => {
    expect(structure('a,"b,\n""c",d\r\ne')).toEqual([[1, 'd'], [10, 'dqs'], [12, 'b'], [13, 'b']]);
    expect(structure('"a""b","c\rd","e\r\n",""\n')).toEqual([[6, 'dqs'], [12, 'dqs'], [18, 'dqs'], [21, 'bq']]);
    // What a field holds is its own: not the next field's.
    expect(structure('"a""",b,"c"\n')).toEqual([[5, 'dqs'], [7, 'd'], [11, 'bq']]);
    expect(structure('x;y,z\n', 0, undefined, ';')).toEqual([[1, 'd'], [5, 'b']]);
  });

  it('carries quotes across its 64-byte blocks and starts at a given record', () => {
    const long = 'k,"' + 'x'.repeat(60) + '\n' + 'y'.repeat(70) + '",z\n';
    expect(structure(long)).toEqual([[1, 'd'], [135, 'dqs'], [137, 'b']]);
    // From the second record on: offsets stay the data's.
    expect(structure('a,b\nc,"d"\n', 4)).toEqual([[5, 'd'], [9, 'bq']]);
    // A closing quote as the window's last byte, and a quote pair cut by it.
    expect(structure('a,"b"', 0)).toEqual([[1, 'd']]);
    expect(structure('a,"b""c"\n', 0, 5)).toEqual([[1, 'd']]);
  });

  it('does not answer for a quote out of the common way', () => {
    expect(structure('a,b"c\n')).toBeUndefined(); // a quote inside an unquoted field
    expect(structure('a,"b"c\n')).toBeUndefined(); // text after a closing quote
    expect(structure('"a"' + 'x'.repeat(61) + '"b"\n')).toBeUndefined(); // the same across a block boundary (the quote is byte 63)
    expect(structure('a,"b"\n')).toEqual([[1, 'd'], [5, 'bq']]);
    // At the data's start, a quote opens a field.
    expect(structure('"a",b\n')).toEqual([[3, 'dq'], [5, 'b']]);
    // Across a block boundary (bytes 63 and 64): a closing quote followed by text, an opening
    // quote after text, and the same quotes where they belong.
    const k = (n: number) => 'k'.repeat(n);
    expect(structure(k(60) + ',"a"b\n')).toBeUndefined();
    expect(structure(k(64) + '"a"\n')).toBeUndefined();
    expect(structure(k(60) + ',"a",b\n')).toEqual([[60, 'd'], [64, 'dq'], [66, 'b']]);
    expect(structure(k(63) + ',"a"\n')).toEqual([[63, 'd'], [67, 'bq']]);
  });

  it('gives the tokenizer the records its JavaScript scan gives, at any chunk boundary (differential test)', () => {
    let seed = 5;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
    // Mostly clean fields, some quoted with delimiters, doubled quotes and line breaks; now and then
    // a quote out of the common way, a blank line, a lone CR, a long field, a non-ASCII character.
    const plain = ['abc', '12.5', '', 'é€', '2024-01-02 03:04:05', 'x'.repeat(70)];
    const quoted = ['"a,b"', '"say ""hi"""', '"line\nbreak"', '"crlf\r\ninside"', '""', '"' + 'q'.repeat(90) + '"', '"cr\ronly"'];
    const odd = ['a"b', '"a"b', '"unclosed'];
    for (let file = 0; file < 400; file++) {
      const dirty = rand() < 0.25;
      let text = '';
      for (let r = 0; r < 1 + Math.floor(rand() * 40); r++) {
        const width = 1 + Math.floor(rand() * 5);
        const fields = Array.from({ length: width }, () => (dirty && rand() < 0.05 ? pick(odd) : rand() < 0.3 ? pick(quoted) : pick(plain)));
        text += fields.join(rand() < 0.1 ? ';' : ',') + pick(['\n', '\n', '\r\n', '\r', '\n\n', '\r\n\r\n']);
      }
      if (rand() < 0.3) text = text.replace(/[\r\n]+$/, '');
      const bytes = Buffer.from(text);
      const cuts = [0, ...Array.from({ length: Math.floor(rand() * 4) }, () => Math.floor(rand() * bytes.length)), bytes.length].sort((a, b) => a - b);
      const pieces = cuts.slice(1).map((c, i) => bytes.subarray(cuts[i], c));
      expect(tokenize(pieces, true), JSON.stringify(text)).toEqual(tokenize(pieces, false));
    }
  });

  it('leaves the last record of a chunk readable after the chunk, when another scan has used the kernel since', () => {
    const a = new CsvTokenizer(',', 'a.csv'), b = new CsvTokenizer(',', 'b.csv');
    a.scanChunk(Buffer.from('1,"x, y",z\n2,"say ""hi""",w\npending'), false, () => undefined);
    b.scanChunk(Buffer.from('q,r\n"s",t,u,v,w\n'), false, () => undefined);
    expect(a.record()).toEqual({ line: 2, fields: ['2', 'say "hi"', 'w'] });
    expect(b.record()).toEqual({ line: 2, fields: ['s', 't', 'u', 'v', 'w'] });
  });

  it('hands records longer than its window to the JavaScript scan, with the same result', () => {
    const text = 'id,note\n1,"' + 'n'.repeat(100_000) + '\n"\n2,x\n' + '3,'.padEnd(200_000, 'y') + '\n4,"a""b"\n';
    const bytes = Buffer.from(text);
    const pieces = [bytes.subarray(0, 150_000), bytes.subarray(150_000)];
    const on = tokenize(pieces, true);
    expect(on).toEqual(tokenize(pieces, false));
    expect(on.out.map((r) => [r.line, r.fields[0], r.fields[1].length])).toEqual([[1, 'id', 4], [2, '1', 100_001], [4, '2', 1], [5, '3', 199_998], [6, '4', 3]]);
  });
});
