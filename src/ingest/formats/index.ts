/**
 * The input formats: one file each, behind one interface (format.ts). Adding a format is its file
 * and one line here; --input-format, the extensions and openTable read this list.
 */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { dataError, usageError } from '../../core/errors.js';
import { ByteSource, describeFsError } from '../source.js';
import type { Format, Table, TableOptions } from './format.js';
import { CSV } from './csv.js';
import { JSON_ARRAY } from './json.js';
import { NDJSON } from './ndjson.js';
import { XLSX } from './workbook.js';

const REGISTRY = [
  CSV,
  JSON_ARRAY,
  NDJSON,
  XLSX,
] as const;

export type InputFormat = (typeof REGISTRY)[number]['names'][number];
/** Every format's names, as --input-format takes them. */
export const FORMATS: readonly InputFormat[] = REGISTRY.flatMap((f) => f.names);

const formatOf = (name: string): Format | undefined => REGISTRY.find((f) => (f.names as readonly string[]).includes(name));

/** The format's name for a path: the override, else by extension; stdin is CSV unless told. */
export function detectFormat(path: string, override?: InputFormat): InputFormat {
  if (override) return override;
  if (path === '-') return 'csv';
  const ext = extname(path).toLowerCase();
  for (const format of REGISTRY) {
    const name = (format.extensions as Readonly<Record<string, InputFormat>>)[ext];
    if (name !== undefined) return name;
  }
  const known = REGISTRY.flatMap((f) => f.listed);
  throw usageError('UNKNOWN_FORMAT', `${path}: cannot tell the format from the extension "${ext}" (expected ${known.slice(0, -1).join(', ')} or ${known[known.length - 1]}; or pass --input-format)`);
}

/** Whether a parallel read can split a file of this format into byte ranges. */
export const readsRanges = (format: InputFormat): boolean => formatOf(format)!.ranges;

export function openTable(path: string, options: TableOptions = {}): Table {
  let size: number | undefined;
  if (path !== '-') {
    // Checked before the extension, so a typo in a path says "no such file", not "unknown format".
    let stat;
    try { stat = statSync(path); } catch (err) { throw dataError('UNREADABLE', describeFsError(path, err as NodeJS.ErrnoException), err); }
    if (stat.isDirectory()) throw dataError('UNREADABLE', `${path}: is a directory, not a file`);
    size = stat.isFile() ? (options.range ? options.range.end - options.range.start : stat.size) : undefined;
  }
  const name = detectFormat(path, options.format as InputFormat | undefined);
  const format = formatOf(name)!;
  const file = path === '-' ? 'stdin' : path;
  if (!format.byteStream && path === '-') throw usageError('UNKNOWN_FORMAT', `stdin: ${name} cannot be read from stdin (give the file's path)`);
  if (options.range && !format.ranges) throw new Error(`a ${name} file cannot be read by byte ranges`);
  const digest = options.digest !== false;
  const bytes = format.byteStream ? new ByteSource(path, file, options.stdin, size, options.range, digest) : undefined;
  return format.open({ path, file, name, bytes, digest, delimiter: options.delimiter, range: options.range, sheet: options.sheet, required: options.required });
}

export type { Format, Table, TableOptions, TableRecord, TypedCell } from './format.js';
export { CsvTable } from './csv.js';
export { NdjsonTable, NEW_KEY_IN_RANGE } from './ndjson.js';
export { JsonArrayTable } from './json.js';
