/** One JSON object per line (NDJSON, JSON Lines); a line that is not valid JSON is rejected with its text. */
import { MAX_RECORD_CHARS, type RawRecord } from '../csv.js';
import { dataError } from '../../core/errors.js';
import { Utf8Decoder } from '../source.js';
import { ByteStreamTable, type Format } from './format.js';
import { ObjectLayout } from './objects.js';

export const NDJSON: Format<'ndjson'> = {
  names: ['ndjson'],
  extensions: { '.ndjson': 'ndjson', '.jsonl': 'ndjson' },
  listed: ['.ndjson', '.jsonl'],
  byteStream: true,
  ranges: false,
  open: ({ file, bytes }) => new NdjsonTable(file, bytes!),
};

class NdjsonTable extends ByteStreamTable {
  readonly format = 'ndjson' as const;
  readonly fixedWidth = false;

  async *batches(): AsyncGenerator<RawRecord[]> {
    const layout = new ObjectLayout();
    const decoder = new Utf8Decoder(this.file);
    let rest = '', line = 1;
    let batch: RawRecord[] = [];
    const take = (text: string) => {
      const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
      if (trimmed.trim() !== '') {
        let value: unknown;
        try { value = JSON.parse(trimmed); } catch (err) {
          batch.push({ line, fields: [], raw: trimmed, error: `not valid JSON (${(err as Error).message})` });
          line++;
          return;
        }
        batch.push(layout.toRecord(value, line));
        this.header = layout.header;
      }
      line++;
    };
    const feed = (text: string) => {
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        take(text.slice(start, nl));
        start = nl + 1;
      }
      return text.slice(start);
    };
    for await (const buf of this.source.chunks()) {
      const text = decoder.decode(buf);
      // A line longer than a chunk: the text is added to it without searching it again for a line
      // break (searching rest + text each time made a long line cost time quadratic in its length).
      rest = text.includes('\n') ? feed(rest + text) : rest + text;
      if (rest.length > MAX_RECORD_CHARS) throw dataError('RECORD_TOO_LONG', `${this.file}:${line}: a line is longer than ${MAX_RECORD_CHARS / 1048576} MiB`);
      if (batch.length) { yield batch; batch = []; }
    }
    rest = feed(rest + decoder.decode(Buffer.alloc(0), true));
    if (rest !== '') take(rest);
    this.header ??= layout.header;
    if (batch.length) yield batch;
  }
}
