import { describe, expect, it } from 'vitest';
import { parse as parseSync } from 'csv-parse/sync';
import { CsvTokenizer, countLineBreaks, type RawRecord } from '../src/ingest/csv.js';

/** Tokenizes `text`, fed in the given pieces. */
function tokenize(pieces: string[], delimiter = ','): RawRecord[] {
  const out: RawRecord[] = [];
  const t = new CsvTokenizer(delimiter, 'test.csv');
  for (const p of pieces) t.push(p, (r) => out.push(r));
  t.end((r) => out.push(r));
  return out;
}
const rows = (text: string, delimiter = ',') => tokenize([text], delimiter);

describe('CsvTokenizer', () => {
  it('gives each record the line it starts on, across quoted newlines and blank lines', () => {
    const text = 'id,note\n1,"two\nlines"\n\n2,plain\r\n3,"a\r\nb\r\nc"\n4,x';
    expect(rows(text).map((r) => [r.line, ...r.fields])).toEqual([
      [1, 'id', 'note'], [2, '1', 'two\nlines'], [5, '2', 'plain'], [6, '3', 'a\r\nb\r\nc'], [9, '4', 'x'],
    ]);
  });

  it('unescapes doubled quotes and keeps delimiters inside quotes', () => {
    expect(rows('a,b\n"say ""hi""","1,5"\n')[1].fields).toEqual(['say "hi"', '1,5']);
  });

  it('splits on LF, CRLF and lone CR, even mixed in one file', () => {
    expect(rows('a,b\r\n1,2\n3,4\r5,6\r\n').map((r) => r.fields)).toEqual([['a', 'b'], ['1', '2'], ['3', '4'], ['5', '6']]);
  });

  it('keeps empty fields and trailing delimiters', () => {
    expect(rows('a,b,c\n,,\n1,,\n')[1].fields).toEqual(['', '', '']);
    expect(rows('a,b,c\n,,\n1,,\n')[2].fields).toEqual(['1', '', '']);
  });

  it('keeps a short row short (it is rejected later, never merged with the next)', () => {
    expect(rows('a,b,c\n1,2\n5,6,7\n').map((r) => r.fields.length)).toEqual([3, 2, 3]);
  });

  it('treats a quote inside an unquoted field as text', () => {
    expect(rows('a,b\n1,5" screen\n')[1].fields).toEqual(['1', '5" screen']);
  });

  it('flags text after a closing quote and keeps it in the field', () => {
    const [, r] = rows('a,b\n"1"x,2\n');
    expect(r.error).toBe('field 1 has text after its closing quote');
    expect(r.fields).toEqual(['1x', '2']);
  });

  it('flags a quoted field that is never closed, naming the line it opened on', () => {
    const out = rows('a,b\n1,2\n3,"open\n4,5\n');
    expect(out).toHaveLength(3);
    expect(out[2]).toMatchObject({ line: 3, error: 'the quoted field opened on line 3 is never closed (the file ends inside it)' });
  });

  it('reads other delimiters', () => {
    expect(rows('a;b\n"1;5";2\n', ';')[1].fields).toEqual(['1;5', '2']);
    expect(rows('a\tb\n1\t2\n', '\t')[1].fields).toEqual(['1', '2']);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = 'id,note,amount\r\n1,"a ""quoted""\r\nnote",5\r\n\r\n2,,"1,200"\n3,x,\r4,"",7';
    const whole = rows(text);
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j += 3) {
        expect(tokenize([text.slice(0, i), text.slice(i, j), text.slice(j)])).toEqual(whole);
      }
    }
  });

  it('agrees with csv-parse on generated RFC 4180 files (differential test)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const alphabet = ['a', 'b', ' ', ',', '"', '\n', '\r\n', 'é', '€', 'x', '1', '\t'];
    const field = () => {
      const n = Math.floor(rand() * 6);
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      return s;
    };
    const cell = (s: string) => (/[",\r\n]/.test(s) || (s === '' && rand() < 0.3) ? `"${s.replaceAll('"', '""')}"` : s);
    for (let file = 0; file < 300; file++) {
      const width = 1 + Math.floor(rand() * 4);
      const eol = rand() < 0.5 ? '\n' : '\r\n';
      const table: string[][] = [];
      for (let r = 0; r < 1 + Math.floor(rand() * 6); r++) {
        const row = Array.from({ length: width }, field);
        if (width === 1 && row[0] === '') row[0] = 'z'; // a lone empty field is a blank line
        table.push(row);
      }
      const text = table.map((r) => r.map(cell).join(',')).join(eol) + (rand() < 0.5 ? eol : '');
      const expected = parseSync(text, { relax_column_count: true, skip_empty_lines: false }) as string[][];
      const cut = Math.floor(rand() * text.length);
      const got = tokenize([text.slice(0, cut), text.slice(cut)]).map((r) => r.fields);
      expect(got, JSON.stringify(text)).toEqual(expected);
      expect(got).toEqual(table);
    }
  });

  it('finds the end of short and long quoted fields, with their line breaks counted, at any chunk boundary', () => {
    // A quoted field's closing quote is looked for by a loop over its first 64 bytes, then by a
    // native search: fields around that length, with quotes and line breaks on either side of it.
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pieces = ['a', '""', '\n', '\r\n', '\r', 'é', ','];
    for (let file = 0; file < 200; file++) {
      const records: string[][] = [];
      const lines: number[] = [];
      let line = 1;
      for (let r = 0; r < 1 + Math.floor(rand() * 5); r++) {
        const target = [0, 5, 60, 63, 64, 65, 70, 130][Math.floor(rand() * 8)];
        let body = '';
        while (body.length < target) body += rand() < 0.9 ? 'x' : pieces[Math.floor(rand() * pieces.length)];
        const value = body.replaceAll('""', '"');
        records.push(['k' + r, value, 'z']);
        lines.push(line);
        line += 1 + (value.match(/\r\n|\r|\n/g)?.length ?? 0);
        body = `k${r},"${body}",z`;
        records[r].push(body);
      }
      const text = records.map((r) => r[3]).join('\n');
      const cut = Math.floor(rand() * text.length);
      const got = tokenize([text.slice(0, cut), text.slice(cut)]);
      expect(got.map((r) => [r.line, ...r.fields]), JSON.stringify(text)).toEqual(records.map((r, i) => [lines[i], r[0], r[1], r[2]]));
    }
  });

  it('rejects delimiters that cannot work', () => {
    expect(() => new CsvTokenizer('"')).toThrow();
    expect(() => new CsvTokenizer(',,')).toThrow();
  });
});

describe('countLineBreaks', () => {
  it('counts LF, CRLF and a lone CR once each, in short spans (a loop) and long ones (the native search)', () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pieces = ['a', 'bc', ',', '"', '\n', '\r', '\r\n', '\n\r', 'é'];
    for (let k = 0; k < 500; k++) {
      let text = '';
      const length = rand() < 0.5 ? Math.floor(rand() * 40) : 40 + Math.floor(rand() * 200);
      while (text.length < length) text += pieces[Math.floor(rand() * pieces.length)];
      const bytes = Buffer.from(`xx${text}yy`);
      const expected = (text.match(/\r\n|\r|\n/g) ?? []).length;
      expect(countLineBreaks(bytes, 2, bytes.length - 2), JSON.stringify(text)).toBe(expected);
    }
  });
});
