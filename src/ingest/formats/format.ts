/**
 * What every input format gives the reader: a `Table`, with a header (the column names as written)
 * and records in batches, each carrying the line (or row) it starts on. A format is one file that
 * exports a `Format`, and one line of the registry (formats/index.ts).
 */
import type { Readable } from 'node:stream';
import type { RawRecord } from '../csv.js';
import type { ByteSource } from '../source.js';

/**
 * A cell a format read already typed — a workbook's number, date or boolean: a column that can
 * take it (a timestamp a date, an amount a number) takes it as it is, without reading its text
 * again. Its text (as the sheet shows it) is still in the record's fields, for messages,
 * --rejects, dimensions and every other column.
 */
export type TypedCell = number | Date | boolean;

/** A record of a table: its fields as text, and for a format with typed cells, the typed value of each cell that has one. */
export interface TableRecord extends RawRecord {
  /** Per field (same index), the cell's typed value; undefined where the cell is text or empty, or the whole array for a text format. */
  cells?: readonly (TypedCell | undefined)[];
}

export interface Table {
  /** The input's name in messages ("stdin" for -). */
  readonly file: string;
  /** The format's name (as --input-format takes it). */
  readonly format: string;
  /** Column names as written in the file; undefined until the first batch (or for an empty file). */
  header: string[] | undefined;
  /** Whether every record must have exactly header.length fields (CSV/TSV). */
  readonly fixedWidth: boolean;
  /** Whether records may carry typed cells (TableRecord.cells). */
  readonly typedCells: boolean;
  batches(): AsyncGenerator<TableRecord[]>;
  /** The input's SHA-256 in hex ('' when not computed); available once all batches were read. */
  readonly sha256: string;
  /** Bytes read so far (a format read whole counts its size once read). */
  readonly bytes: number;
  /** The input's size when known (not for stdin). */
  readonly size?: number;
  /** Rows above the header that were skipped (a workbook's title and filter rows); known once the header is found. */
  readonly skipped?: number;
}

/** What opening one input needs. */
export interface OpenInput {
  /** The path as given ('-': stdin). */
  readonly path: string;
  /** The name for messages. */
  readonly file: string;
  /** Which of the format's names was asked for, by --input-format or the extension (e.g. csv or tsv). */
  readonly name: string;
  /** The bytes, for a format that reads a byte stream (Format.byteStream); undefined for one opened by path. */
  readonly bytes: ByteSource | undefined;
  /** Whether to compute the input's SHA-256 (a format opened by path computes it itself). */
  readonly digest: boolean;
  /** --delimiter. */
  readonly delimiter?: string;
  /** A byte range of the file (a parallel worker's share): only for a format with `ranges`. */
  readonly range?: ByteRange;
  /** A workbook's sheet (name or 1-based number), for a format with sheets; the first when not given. */
  readonly sheet?: string | number;
  /** Headers the header row must hold (each a name, or alternatives), for a format that looks for its header row. */
  readonly required?: readonly (string | readonly string[])[];
}

/** Bytes of a file that start at a record boundary on `firstLine`, with the file's header; `last`: whether they end at the file's end (a JSON array's range before the last is told so by false). */
export interface ByteRange { start: number; end: number; firstLine: number; header: string[]; last?: boolean }

export interface Format<Name extends string = string> {
  /** Its names for --input-format (a format may have variants: csv and tsv). */
  readonly names: readonly Name[];
  /** File extensions (lower case, with the dot) and the name each one means. */
  readonly extensions: Readonly<Record<string, Name>>;
  /** The extensions named in a message about a file of unknown format (not the rarer aliases). */
  readonly listed: readonly string[];
  /**
   * Whether it reads a byte stream (so also stdin): the registry hands it a ByteSource. A format
   * that is not one (a workbook is a zip, read by path) is opened by path, never from stdin.
   */
  readonly byteStream: boolean;
  /** Whether it can read a byte range of a file on its own (CSV, NDJSON, a JSON array: a parallel read splits a file into ranges). */
  readonly ranges: boolean;
  open(input: OpenInput): Table;
}

/** The options of openTable. */
export interface TableOptions {
  format?: string;
  delimiter?: string;
  stdin?: Readable;
  /** Read only these bytes of a file (a format with `ranges`). */
  range?: ByteRange;
  /** Whether to compute the file's SHA-256 (`sha256`; '' when not). Default true. */
  digest?: boolean;
  sheet?: string | number;
  required?: readonly (string | readonly string[])[];
}

/** What every byte-stream format's table shares: the byte source (hash, counts, size) and the header. */
export abstract class ByteStreamTable implements Table {
  header: string[] | undefined;
  abstract readonly format: string;
  abstract readonly fixedWidth: boolean;
  readonly typedCells = false;
  constructor(readonly file: string, protected readonly source: ByteSource) {}
  get sha256() { return this.source.digest; }
  get bytes() { return this.source.bytes; }
  get size() { return this.source.size; }
  abstract batches(): AsyncGenerator<TableRecord[]>;
}
