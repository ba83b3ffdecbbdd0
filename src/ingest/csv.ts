/**
 * RFC 4180 CSV tokenizer: string chunks in, records out, each with the line it starts on.
 *
 * Why not a library: measured in scripts/bench-csv.mjs (README "CSV parser"), csv-parse is correct
 * but 4× slower and stops the whole stream at the first bad quote; papaparse and udsv are fast but
 * merge rows silently on mixed line endings, ragged rows or blank lines, and none reports the line a
 * record starts on. This tokenizer is tested against csv-parse as the oracle (test/csv.test.ts).
 *
 * Rules: fields separated by `delimiter`; records end at LF, CRLF or a lone CR outside quotes (so a
 * file with mixed line endings still splits where a reader sees lines); `"` opens a quoted field only
 * at the start of a field, `""` inside it is a quote; a quote inside an unquoted field is literal;
 * text after a closing quote flags the record (it is rejected, never guessed at); blank lines are
 * skipped but counted, so line numbers stay right.
 */
import { dataError } from '../errors.js';

export interface RawRecord {
  /** 1-based line on which the record starts. */
  line: number;
  fields: string[];
  /** Set when the record is malformed; the row is rejected with this reason. */
  error?: string;
  /** The record's text when it could not be split into fields at all (a bad NDJSON line). */
  raw?: string;
}

export type RecordSink = (record: RawRecord) => void;

const LF = 10, CR = 13, QUOTE = 34;
/** A record longer than this is almost surely an unclosed quote swallowing the file. */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

function countLineBreaks(text: string): number {
  if (text.indexOf('\n') === -1 && text.indexOf('\r') === -1) return 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) n++;
    else if (c === CR && text.charCodeAt(i + 1) !== LF) n++;
  }
  return n;
}

export class CsvTokenizer {
  private buf = '';
  private line = 1;
  private readonly delim: number;

  constructor(delimiter = ',', private readonly file = '', firstLine = 1) {
    this.line = firstLine;
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new Error(`invalid delimiter ${JSON.stringify(delimiter)}`);
    }
    this.delim = delimiter.charCodeAt(0);
  }

  /** Feeds a chunk; complete records go to `emit`, an unfinished one waits for the next chunk. */
  push(chunk: string, emit: RecordSink): void {
    this.buf = this.buf.length === 0 ? chunk : this.buf + chunk;
    this.scan(false, emit);
    if (this.buf.length > MAX_RECORD_CHARS) {
      throw dataError('RECORD_TOO_LONG', `${this.file}:${this.line}: a record is longer than ${MAX_RECORD_CHARS / 1048576} MiB; is a quote left unclosed there?`);
    }
  }

  /** Flushes the last record (a file need not end with a newline). */
  end(emit: RecordSink): void {
    this.scan(true, emit);
    this.buf = '';
  }

  private scan(final: boolean, emit: RecordSink): void {
    const s = this.buf, n = s.length, delim = this.delim;
    let pos = 0;
    records: while (pos < n) {
      const recordStart = pos;
      let c = s.charCodeAt(pos);
      if (c === LF || c === CR) { // blank line: counted, not a record
        if (c === CR && pos + 1 >= n && !final) break;
        pos += c === CR && s.charCodeAt(pos + 1) === LF ? 2 : 1;
        this.line++;
        continue;
      }
      const fields: string[] = [];
      let extraLines = 0;
      let error: string | undefined;
      for (;;) {
        if (pos < n && s.charCodeAt(pos) === QUOTE) {
          const openedOn = this.line + extraLines;
          let value = '';
          let p = pos + 1;
          for (;;) {
            const q = s.indexOf('"', p);
            if (q === -1 || (q + 1 >= n && !final)) {
              if (!final) { pos = recordStart; break records; }
              value += s.slice(p);
              extraLines += countLineBreaks(value);
              fields.push(value);
              emit({ line: this.line, fields, error: `the quoted field opened on line ${openedOn} is never closed (the file ends inside it)` });
              this.line += 1 + extraLines;
              pos = n;
              break records;
            }
            if (s.charCodeAt(q + 1) === QUOTE) { value += s.slice(p, q + 1); p = q + 2; continue; }
            value += s.slice(p, q);
            pos = q + 1;
            break;
          }
          extraLines += countLineBreaks(value);
          c = pos < n ? s.charCodeAt(pos) : -1;
          if (c !== -1 && c !== delim && c !== LF && c !== CR) {
            // Text after the closing quote: keep it in the field so --rejects shows it, flag the record.
            let p = pos;
            while (p < n && (c = s.charCodeAt(p)) !== delim && c !== LF && c !== CR) p++;
            if (p >= n && !final) { pos = recordStart; break records; }
            error ??= `field ${fields.length + 1} has text after its closing quote`;
            value += s.slice(pos, p);
            pos = p;
          }
          fields.push(value);
        } else {
          let p = pos;
          while (p < n && (c = s.charCodeAt(p)) !== delim && c !== LF && c !== CR) p++;
          if (p >= n && !final) { pos = recordStart; break records; }
          fields.push(s.slice(pos, p));
          pos = p;
        }
        if (pos >= n) { // end of input (final) ends the record
          emit(error === undefined ? { line: this.line, fields } : { line: this.line, fields, error });
          this.line += 1 + extraLines;
          break records;
        }
        c = s.charCodeAt(pos);
        if (c === delim) { pos++; continue; }
        if (c === CR) {
          if (pos + 1 >= n && !final) { pos = recordStart; break records; }
          pos += s.charCodeAt(pos + 1) === LF ? 2 : 1;
        } else {
          pos++;
        }
        emit(error === undefined ? { line: this.line, fields } : { line: this.line, fields, error });
        this.line += 1 + extraLines;
        continue records;
      }
    }
    this.buf = pos >= n ? '' : s.slice(pos);
  }
}
