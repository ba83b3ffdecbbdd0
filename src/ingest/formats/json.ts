/**
 * A JSON array of objects, read as a stream by @streamparser/json (never the whole file in memory).
 * Objects are laid out against a header that grows as new keys appear (see objects.ts).
 */
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import type { RawRecord } from '../csv.js';
import { dataError } from '../../core/errors.js';
import { ByteStreamTable, type Format } from './format.js';
import { ObjectLayout } from './objects.js';

export const JSON_ARRAY: Format<'json'> = {
  names: ['json'],
  extensions: { '.json': 'json' },
  listed: ['.json'],
  byteStream: true,
  ranges: false,
  open: ({ file, bytes }) => new JsonArrayTable(file, bytes!),
};

class JsonArrayTable extends ByteStreamTable {
  readonly format = 'json' as const;
  readonly fixedWidth = false;

  async *batches(): AsyncGenerator<RawRecord[]> {
    const layout = new ObjectLayout();
    const tokenizer = new Tokenizer();
    const parser = new TokenParser({ paths: ['$.*'], keepStack: false });
    let batch: RawRecord[] = [];
    // Offsets of the tokenizer are byte offsets; lines are counted up to each element's first token.
    let chunk: Buffer = Buffer.alloc(0);
    let chunkStart = 0, counted = 0, line = 1, depth = 0, elementLine = 1, sawRoot = false;
    const lineAt = (offset: number) => {
      const from = Math.max(counted, chunkStart) - chunkStart, to = offset - chunkStart;
      for (let i = chunk.indexOf(10, from); i !== -1 && i < to; i = chunk.indexOf(10, i + 1)) line++;
      counted = Math.max(counted, offset);
      return line;
    };
    tokenizer.onToken = (t) => {
      if (!sawRoot) {
        sawRoot = true;
        if (t.token !== TokenType.LEFT_BRACKET) {
          throw dataError('BAD_JSON', `${this.file}:${lineAt(t.offset)}: expected a JSON array of objects (the file starts with something else; use .ndjson for one object per line)`);
        }
      }
      if (depth === 1 && t.token !== TokenType.COMMA && t.token !== TokenType.RIGHT_BRACKET) elementLine = lineAt(t.offset);
      if (t.token === TokenType.LEFT_BRACE || t.token === TokenType.LEFT_BRACKET) depth++;
      else if (t.token === TokenType.RIGHT_BRACE || t.token === TokenType.RIGHT_BRACKET) depth--;
      parser.write(t);
    };
    parser.onValue = ({ value }) => { batch.push(layout.toRecord(value, elementLine)); this.header = layout.header; };
    const fail = (err: unknown): never => {
      if (err instanceof Error && err.name === 'FunnelError') throw err;
      if (err instanceof RangeError) throw dataError('BAD_JSON', `${this.file}:${line}: the JSON is nested too deeply to read (after this line)`, err);
      const msg = err instanceof Error ? err.message : String(err);
      throw dataError('BAD_JSON', `${this.file}:${line}: not valid JSON after this line (${msg})`, err);
    };
    let first = true;
    for await (let buf of this.source.chunks()) {
      if (first && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3); // UTF-8 BOM
      first = false;
      chunk = buf;
      try { tokenizer.write(buf); } catch (err) { fail(err); }
      lineAt(chunkStart + buf.length);
      chunkStart += buf.length;
      if (batch.length) { yield batch; batch = []; }
    }
    if (!sawRoot) throw dataError('EMPTY_INPUT', `${this.file}: is empty (expected a JSON array of objects)`);
    if (depth > 0) throw dataError('BAD_JSON', `${this.file}:${line}: the JSON array is never closed (the file ends inside it)`);
    try { tokenizer.end(); } catch (err) { fail(err); }
    this.header ??= layout.header;
    if (batch.length) yield batch;
  }
}
