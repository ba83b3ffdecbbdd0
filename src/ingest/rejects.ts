/**
 * Where rejected rows go: the first 20 to stderr then a count, and with `--rejects FILE`
 * every one in full — the original columns plus `reason`, `file` and `line` — as CSV.
 * Rows of several inputs have different columns, so they are spilled to a temporary NDJSON file
 * while reading (memory stays flat) and written out at the end under the union of their headers.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { AtomicFile } from '../output/atomic.js';
import { resolveTarget, spillPathOf } from '../output/targets.js';
import { trackTemp } from '../output/temps.js';
import { csvLine } from '../output/csv-text.js';
import { formatRejection, type Rejection } from './rejection.js';
import { dataError, escapeText } from '../core/errors.js';

export const STDERR_REJECTION_LINES = 20;

export class RejectionLog {
  count = 0;
  private shown = 0;
  constructor(private readonly write: (line: string) => void, private readonly rejectsFile?: string) {}

  /** Counts a rejected row, and prints it while fewer than 20 were printed (unless `quiet`). */
  add(r: Rejection, quiet = false): void {
    this.count++;
    if (!quiet && this.shown < STDERR_REJECTION_LINES) { this.shown++; this.write(formatRejection(r) + '\n'); }
  }

  /** The closing count line, if any row was rejected. */
  summary(): string | undefined {
    if (this.count === 0) return undefined;
    const hidden = this.count - this.shown;
    const where = this.rejectsFile ? `all written to ${escapeText(this.rejectsFile)}` : 'use --rejects FILE to keep them all';
    return `${this.count} row${this.count === 1 ? '' : 's'} rejected${hidden ? ` (${hidden} not shown)` : ''}; ${where}\n`;
  }
}

export class RejectsFile {
  private readonly spillPath: string;
  private readonly spill: WriteStream;
  private readonly headers: string[][] = [];
  private readonly headerIds = new Map<readonly string[], number>();
  private readonly untrackSpill: () => void;
  private ownsSpill = true;

  constructor(readonly path: string) {
    // Beside the file it feeds (through a symlink, beside its target); private, like the rejects file.
    this.spillPath = spillPathOf(resolveTarget(path).real);
    this.untrackSpill = trackTemp(this.spillPath);
    this.spill = createWriteStream(this.spillPath, { flags: 'wx', mode: 0o600 });
    this.spill.on('error', (err) => {
      this.failed ??= err;
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') { this.ownsSpill = false; this.untrackSpill(); }
    });
  }

  private failed: Error | undefined;

  add(r: Rejection): void {
    let id = this.headerIds.get(r.header);
    if (id === undefined) {
      id = this.headers.length;
      // A name repeated within one header keeps both columns: "Email", "Email (2)" (or "Email (3)" when
      // the file also has a column named "Email (2)").
      const taken = new Set(r.header);
      const named = new Set<string>();
      this.headers.push(r.header.map((name) => {
        let unique = name;
        for (let n = 2; named.has(unique) || (unique !== name && taken.has(unique)); n++) unique = `${name} (${n})`;
        named.add(unique);
        return unique;
      }));
      this.headerIds.set(r.header, id);
    }
    this.spill.write(JSON.stringify([id, r.file, r.line, r.reason, r.fields]) + '\n');
  }

  /** Writes the CSV (atomically) and removes the spill file. */
  async finish(): Promise<void> {
    if (!this.spill.closed) {
      this.spill.end();
      await new Promise<void>((resolve) => { this.spill.once('close', () => resolve()); this.spill.once('error', () => resolve()); });
    }
    let out: AtomicFile | undefined;
    try {
      if (this.failed) throw dataError('UNWRITABLE', `${this.path}: cannot write the rejected rows (${(this.failed as NodeJS.ErrnoException).code ?? this.failed.message})`, this.failed);
      // Union of the original columns, by first appearance; extra fields of ragged rows get their own.
      const columns: string[] = [];
      const position = new Map<string, number>();
      const add = (name: string) => { if (!position.has(name)) { position.set(name, columns.length); columns.push(name); } };
      for (const h of this.headers) h.forEach(add);
      const lines = createInterface({ input: createReadStream(this.spillPath), crlfDelay: Infinity });
      let maxExtra = 0;
      for await (const line of lines) {
        const [id, , , , fields] = JSON.parse(line) as [number, string, number, string, string[]];
        maxExtra = Math.max(maxExtra, fields.length - this.headers[id].length);
      }
      // Extra fields of ragged rows get columns of their own, named apart from every data column.
      const extra: string[] = [];
      for (let i = 1; i <= maxExtra; i++) {
        let name = `(extra field ${i})`;
        while (position.has(name)) name = '_' + name;
        add(name);
        extra.push(name);
      }
      const own = ['reason', 'file', 'line'].map((name) => { let n = name; while (position.has(n)) n = '_' + n; return n; });
      // Rejected rows hold whole records (e-mails, phones): a new rejects file is readable by its owner only.
      out = new AtomicFile(this.path, { mode: 0o600 });
      await out.write(csvLine([...columns, ...own]));
      for await (const line of createInterface({ input: createReadStream(this.spillPath), crlfDelay: Infinity })) {
        const [id, file, lineNo, reason, fields] = JSON.parse(line) as [number, string, number, string, string[]];
        const header = this.headers[id];
        const cells = new Array<string>(columns.length).fill('');
        fields.forEach((v, i) => {
          const name = i < header.length ? header[i] : extra[i - header.length];
          cells[position.get(name)!] = v;
        });
        await out.write(csvLine([...cells, reason, file, String(lineNo)]));
      }
      await out.commit();
    } catch (err) {
      await out?.abort();
      throw err;
    } finally {
      if (this.ownsSpill) await rm(this.spillPath, { force: true });
      this.untrackSpill();
    }
  }
}
