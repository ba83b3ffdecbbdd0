/**
 * Reads the files of one input kind as one stream of validated, typed rows.
 * Every record read ends up either accepted (yielded) or rejected (handed to `onReject` with its
 * file, line, reason and original fields) — never dropped. Counts are kept per file.
 */
import { closest } from 'fastest-levenshtein';
import type { ZodType } from 'zod';
import type { Config, InputKind } from './config.js';
import { dataError, escapeText, showValue } from '../core/errors.js';
import { ESCAPED, type CsvTokenizer, type RawRecord } from './csv.js';
import { AFTER_QUOTE, POSITION, SPECIAL } from './structural.js';
import { IdBatch, IdSet, type IdCheck } from './id-set.js';
import { TextInterner } from './intern.js';
import { formatRejection, type Rejection } from './rejection.js';
import { listNames, showName } from './names.js';
export { formatRejection, type Rejection };
import { CsvTable, JsonArrayTable, NdjsonTable, openTable, type InputFormat, type Table, type TableRecord, type TypedCell } from './formats/index.js';
import { NOT_FAST, TimestampReader, isBad, type PatternParser } from './values.js';
import type { KindReadSettings, LoadedReadSettings } from './settings.js';
import { rowTime, valuesTime, type LateRows } from './late.js';
import { RunCurrency } from './currency.js';
import { presetHint } from './presets/index.js';
import { withStageColumns } from './stage-templates.js';
import { footerTest, type FooterTest } from './footers.js';
import { ANONYMOUS_ID, idsMayLack } from './config.js';
import { SCHEMAS, ROW_FAILED, canonicalColumns, dealStatusWords, statusOfStage, moneySettler, notBefore, showTime, compileRowParser, requiredColumns, NO_DIMS, type RowParser, type SchemaContext, type TypedRow } from './schemas.js';

export interface FileStats {
  kind: InputKind;
  file: string;
  format: string;
  sha256: string;
  bytes: number;
  rows: number;
  accepted: number;
  rejected: number;
  /** Rows skipped: above the header (a workbook's title and filter rows) and a report's footer at the end (see footers.ts); undefined when none. */
  skipped?: number;
  /** Of `skipped`, the footer rows at the file's end; undefined when none. */
  footer?: number;
  /** Accepted rows dated after ReadOptions.asOf, and the latest such time (see late.ts); undefined when none. */
  late?: LateRows;
  /** What the file's rows can be grouped by (--by): its headers (folded) and the canonical columns it has; set once its header is read. */
  columns?: string[];
}

/** Where reading stands: the file, rows read so far, bytes read, the file's size (unknown for stdin). */
export type ProgressSink = (file: string, rows: number, bytes: number, size: number | undefined) => void;

export interface ReadOptions {
  config: Config;
  /** The run's currency as the inputs read before this reader's stated it (a parallel read's worker), when the config sets none. */
  currency?: string;
  format?: InputFormat;
  delimiter?: string;
  /** Per input kind, how its values are written (dates, numbers, time zone); the defaults when not given. */
  settings?: KindReadSettings;
  stdin?: NodeJS.ReadableStream;
  strict?: boolean;
  onReject: (r: Rejection) => void;
  /** Accepted lead ids and their created_at: an event for another id, or before it, is rejected. */
  knownLeadIds?: ReadonlyMap<string, number>;
  /** Dimension columns to keep on each row (folded names); all when undefined. */
  dims?: ReadonlySet<string>;
  /** Per input kind, canonical columns whose raw text is also kept in a row's dims, under the canonical name (--by amount, --by id). */
  rawDims?: { readonly [K in InputKind]?: ReadonlySet<string> };
  /**
   * Per input kind, optional text columns (canonical names) that nothing reads: the CSV fast path
   * leaves them undefined instead of making a string of each value (they have no rule to check).
   */
  unread?: { readonly [K in InputKind]?: ReadonlySet<string> };
  /** Called after each chunk read. */
  onProgress?: ProgressSink;
  /** --as-of: accepted rows dated after it are counted per file (FileStats.late). */
  asOf?: number;
  /**
   * Told once per file what its rows can be grouped by (FileStats.columns): as soon as its header
   * is read, before any row is folded (CSV, TSV); at its end for JSON, whose keys may appear late.
   */
  onColumns?: (kind: InputKind, file: string, columns: string[]) => void;
  /** Whether to compute each file's SHA-256 (FileStats.sha256; '' when not): only JSON output shows it. Default true. */
  digest?: boolean;
  /** A note for stderr about one file (a column read as a dimension because a constant gives its value), once per file read. */
  onNote?: (kind: InputKind, file: string, note: string) => void;
  /** Told once per file, with onColumns, how each canonical column was found (validate shows it). */
  onColumnSources?: (kind: InputKind, file: string, sources: FileColumnSources) => void;
}

/**
 * How one canonical column of a file is found. `found`: a header; the first non-empty of several
 * headers the file has (per row); a constant; boolean columns (deals.status); or absent. `rule`: the
 * config key that decided it (`columns.deals.id`, `constants.deals.status`), or undefined when the
 * column is found (or missed) by its own name. `values`: the key of the value map applied to it.
 */
export interface ColumnSource {
  column: string;
  found: 'header' | 'first non-empty' | 'constant' | 'flags' | 'absent';
  headers?: string[];
  flags?: { won?: string; closed?: string; lost?: string };
  constant?: string;
  /** For an absent column mapped in the config: the headers it looked for (none: mapped to null). */
  lookedFor?: string[];
  rule?: string;
  values?: string;
}

/** A file's column sources, in schema order, and its other headers (dimensions), with their value maps' keys. */
export interface FileColumnSources {
  columns: ColumnSource[];
  dimensions: { name: string; values?: string }[];
}

/**
 * A file with settings of its own (an entry of the config's `inputs`): the config as it sees it,
 * its read settings, its format and delimiter (the flags', when given, win), and where each of its
 * constants is set, for messages.
 */
export interface FileSettings {
  config: Config;
  settings: LoadedReadSettings;
  format?: InputFormat;
  delimiter?: string;
  constantAt?: (column: string) => string;
  /** Where its rule for a column is set (`inputs.2.columns.id`), for validate. */
  ruleAt?: (section: 'columns' | 'constants' | 'values' | 'stageColumns', column: string) => string;
}

const fold = (name: string) => name.trim().toLowerCase();

/**
 * The headers a file of `kind` must have, as the config maps its required columns (a column set by a
 * constant needs none; a list of headers is alternatives): a workbook's header row is the first
 * row holding them all.
 */
function headersRequired(kind: InputKind, config: Config, schema: ZodType): (string | string[])[] {
  const mapping = config.columns[kind] ?? {};
  const constants = config.constants[kind] ?? {};
  const names = (col: string): string[] | undefined => {
    if (col in constants) return undefined;
    const mapped = mapping[col];
    if (mapped === null) return undefined;
    if (mapped === undefined) return [col];
    if (typeof mapped === 'string') return [mapped];
    if (Array.isArray(mapped)) return mapped[mapped.length - 1] === null ? undefined : mapped.filter((h): h is string => h !== null);
    return undefined; // deals.status from boolean columns: each is checked with the header
  };
  const out: (string | string[])[] = [];
  for (const col of requiredColumns(schema)) { const n = names(col); if (n) out.push(n.length === 1 ? n[0] : n); }
  if (kind === 'deals') {
    const status = names('status'), stage = names('stage');
    const flags = mapping.status !== null && typeof mapping.status === 'object' && !Array.isArray(mapping.status);
    if (status && stage && !flags) out.push([...status, ...stage]);
  }
  return out;
}

/** Where each canonical column of a kind comes from in one file. */
class ColumnMap {
  /** canonical column → header index, or -1 when it comes from a constant or is absent. */
  readonly index = new Map<string, number>();
  readonly constant = new Map<string, string>();
  /** Header indexes kept as dimensions, with their folded names. */
  readonly dims: [number, string][] = [];
  /** Per canonical column: its header index (−1: none) and constant, in schema order. */
  readonly sources: [string, number, string | undefined][] = [];
  /** The same, as flat arrays for the per-row loop. */
  sourceIndex: number[] = [];
  sourceConstant: (string | undefined)[] = [];
  /**
   * Canonical columns mapped to a list of headers of which the file has more than one: their header
   * indexes, in the list's order (a row's value is the first non-empty one). Per column in schema order too.
   */
  readonly coalesced = new Map<string, number[]>();
  sourceCoalesced: (number[] | undefined)[] = [];
  /** Value maps (values.<kind>.<column>), folded raw value → value (undefined: missing): per canonical column read from the file, in schema order; per dimension name. */
  sourceValues: (Map<string, string | undefined> | undefined)[] | undefined;
  readonly dimValues = new Map<string, Map<string, string | undefined>>();
  /** deals.status from boolean columns (the config's object form): each flag's header index, −1 when not mapped. */
  statusFlags: { won: number; closed: number; lost: number } | undefined;
  /** Canonical columns a constant gives although the file has a column of that name (read as a dimension), with that column's header. */
  readonly shadowed: [string, string][] = [];
  /**
   * Whether the file's rows have no ids (ANONYMOUS_ID: the id column mapped to null, or to a list
   * ending in null of which the file has no header): each row is its own record, named by its file
   * and line (anonymousName), with no duplicate check.
   */
  readonly anonymous: boolean;
  /** Leads columns whose mapping the stageColumns templates gave (for validate). */
  readonly templated = new Set<string>();

  constructor(kind: InputKind, readonly header: readonly string[], file: string, ctx: SchemaContext, schema: ZodType, checkRequired: boolean, fixedWidth = true) {
    const folded = header.map(fold);
    const constants = ctx.config.constants[kind] ?? {};
    const mapped = ctx.config.columns[kind] ?? {};
    const mapping = kind === 'leads' ? withStageColumns(header, ctx.config, mapped, constants) : mapped;
    for (const col of Object.keys(mapping)) if (mapping[col] !== mapped[col]) this.templated.add(col);
    const canonical = canonicalColumns(schema);
    // Where each name first stands; names standing more than once, with all their places.
    const first = new Map<string, number>();
    const repeats = new Map<string, number[]>();
    folded.forEach((h, i) => {
      const at = first.get(h);
      if (at === undefined) first.set(h, i);
      else repeats.set(h, [...(repeats.get(h) ?? [at]), i]);
    });
    const used = new Set<number>();
    const pick = (name: string, label: string): number => {
      const at = first.get(fold(name));
      if (at === undefined) return -1;
      const all = repeats.get(fold(name));
      if (all) {
        throw dataError('DUPLICATE_HEADER', `${file}: the header has "${name}" ${all.length} times (columns ${all.map((i) => i + 1).join(', ')}); rename one so ${label} is unambiguous`);
      }
      return at;
    };
    for (const col of canonical) {
      const mapped = mapping[col];
      let i: number;
      let present = [] as number[];
      if (col in constants) {
        // A constant wins over a column of the file: that column (its mapped header, or its own name) is read as a dimension.
        i = -1;
        const names = mapped === undefined ? [col] : mapped === null ? [] : typeof mapped === 'string' ? [mapped] : Array.isArray(mapped) ? mapped.filter((h) => h !== null) : [mapped.won].flat().filter((h) => h !== null);
        const at = names.map((name) => first.get(fold(name))).find((n) => n !== undefined);
        if (at !== undefined) this.shadowed.push([col, header[at]]);
      } else if (mapped === null) {
        i = -1; // the file has no such column: a header of that name is an ordinary dimension
      } else if (mapped !== undefined && !Array.isArray(mapped) && typeof mapped === 'object') {
        // deals.status from boolean columns: each must be in the file (a list: the first of its headers the file has; a null
        // last: it may have none); the won column stands for status in messages.
        const flag = (names: string | (string | null)[] | undefined, key: string) => {
          if (names === undefined) return -1;
          const list = typeof names === 'string' ? [names] : names.filter((h) => h !== null);
          const at = list.map((name) => pick(name, `${kind}.${col}.${key}`)).find((n) => n >= 0) ?? -1;
          if (at < 0 && !(Array.isArray(names) && names[names.length - 1] === null)) {
            const which = list.length === 1 ? `header "${list[0]}", which is not` : `headers ${list.map((h) => `"${h}"`).join(', ')}, none of which is`;
            throw dataError('MISSING_COLUMN', `${file}: the config maps ${kind} column "${col}.${key}" to ${which} in the file${suggest(list[0], header)} (headers: ${listNames(header)})`);
          }
          return at;
        };
        const flags = { won: flag(mapped.won, 'won'), closed: flag(mapped.closed, 'closed'), lost: flag(mapped.lost, 'lost') };
        // Without the won column, or without both the closed and lost ones, the flags cannot tell a status: it comes from the stage.
        if (flags.won >= 0 && (flags.closed >= 0 || flags.lost >= 0)) {
          this.statusFlags = flags;
          present = [flags.won, flags.closed, flags.lost].filter((at, n, all) => at >= 0 && all.indexOf(at) === n);
        }
        i = this.statusFlags?.won ?? -1;
      } else if (mapped !== undefined) {
        const names = typeof mapped === 'string' ? [mapped] : mapped.filter((h) => h !== null);
        present = names.map((name) => pick(name, `${kind}.${col}`)).filter((at, n, all) => at >= 0 && all.indexOf(at) === n);
        i = present[0] ?? -1;
        const mayLack = Array.isArray(mapped) && mapped[mapped.length - 1] === null;
        if (i < 0 && !mayLack && !(col in constants)) {
          const which = names.length === 1 ? `header "${names[0]}", which is` : `headers ${names.map((h) => `"${h}"`).join(', ')}, none of which is`;
          throw dataError('MISSING_COLUMN', `${file}: the config maps ${kind} column "${col}" to ${which} in the file${suggest(names[0], header)} (headers: ${listNames(header)})`);
        }
        if (present.length > 1) this.coalesced.set(col, present);
      } else {
        i = pick(col, `column "${col}"`);
        if (i >= 0) present = [i];
      }
      this.index.set(col, i);
      // A mapped header stays usable in --by under its own name (e.g. sales_agent mapped to owner);
      // so does a currency column, a dimension before it was read (--by currency).
      for (const at of present) {
        if ((folded[at] !== col || col === 'currency') && !used.has(at)) this.dims.push([at, folded[at]]);
        used.add(at);
      }
      if (i < 0 && col in constants) this.constant.set(col, constants[col]);
    }
    const idColumn = ANONYMOUS_ID[kind];
    this.anonymous = idColumn !== undefined && this.index.get(idColumn)! < 0 && !this.constant.has(idColumn) && idsMayLack(ctx.config, kind);
    for (const col of Object.keys(mapping)) {
      if (!canonical.includes(col)) {
        throw dataError('BAD_MAPPING', `the config maps unknown ${kind} column "${col}" (known: ${canonical.join(', ')})`);
      }
    }
    folded.forEach((h, i) => {
      if (!used.has(i) && h !== '' && first.get(h) === i) this.dims.push([i, h]);
    });
    for (const col of canonical) this.sources.push([col, this.index.get(col)!, this.constant.get(col)]);
    this.sourceIndex = this.sources.map((x) => x[1]);
    this.sourceConstant = this.sources.map((x) => x[2]);
    this.sourceCoalesced = this.sources.map(([col]) => this.coalesced.get(col));
    // Value maps, by a column's name as headers are matched: a canonical column's (or its header's), a dimension's.
    const valueMaps = new Map(Object.entries(ctx.config.values[kind] ?? {}).map(([column, m]) =>
      [fold(column), new Map(Object.entries(m).map(([raw, v]) => [fold(raw), trimmed(v)]))] as const));
    if (valueMaps.size > 0) {
      this.sourceValues = this.sources.map(([col, at]) => (at >= 0 ? valueMaps.get(col) ?? valueMaps.get(folded[at]) : undefined));
      for (const [, name] of this.dims) { const m = valueMaps.get(name); if (m) this.dimValues.set(name, m); }
    }
    if (!checkRequired) return;
    const has = (col: string) => (this.index.get(col) ?? -1) >= 0 || this.constant.has(col);
    const hint = () => presetHint(kind, header, canonical, ctx.config.preset);
    for (const col of requiredColumns(schema)) if (!has(col) && !(this.anonymous && col === ANONYMOUS_ID[kind])) throw missingColumn(kind, col, header, file, hint());
    if (kind === 'deals' && !has('status') && !has('stage')) throw missingColumn(kind, 'status', header, file, hint(), ' (or a "stage" column to derive it from)');
    // A JSON file's columns are known only at its end (an object may omit a key): checked there (checkNeeded).
    if (fixedWidth) this.checkNeeded(kind, file, ctx);
  }

  /**
   * Columns that some rows need (closed_at of won and lost deals, amount of won deals): a file that
   * lacks one entirely is one error, not a rejection per row and a report of zeros. They are needed
   * unless the config's status constant rules such rows out (a constant "open": an export of open deals).
   */
  checkNeeded(kind: InputKind, file: string, ctx: SchemaContext): void {
    if (kind !== 'deals') return;
    const has = (col: string) => (this.index.get(col) ?? -1) >= 0 || this.constant.has(col);
    const constant = this.index.get('status')! < 0 ? trimmed(this.constant.get('status'))?.toLowerCase() : undefined;
    const words = dealStatusWords(ctx.config);
    const can = (status: 'won' | 'lost') => constant === undefined || constant === status || words[status].has(constant);
    const open = ' (or, for an export of open deals only: {"constants": {"deals": {"status": "open"}}})';
    const hint = () => presetHint(kind, this.header, this.sources.map(([col]) => col), ctx.config.preset);
    if (!has('closed_at') && (can('won') || can('lost'))) throw missingColumn(kind, 'closed_at', this.header, file, hint(), '', 'won and lost deals need it', open);
    if (!has('amount') && can('won')) throw missingColumn(kind, 'amount', this.header, file, hint(), '', 'won deals need it', open);
  }

  /** What rows of this file can be grouped by: every header (folded) and every canonical column it has (a deal's status also when derived from its stage). */
  groupNames(kind: InputKind): string[] {
    const names = new Set(this.header.map(fold).filter((h) => h !== ''));
    const has = (col: string) => (this.index.get(col) ?? -1) >= 0 || this.constant.has(col);
    for (const [col] of this.sources) if (has(col)) names.add(col);
    if (kind === 'deals' && has('stage')) names.add('status');
    return [...names];
  }

  /** How each canonical column was found, and the other headers (ReadOptions.onColumnSources). */
  explain(kind: InputKind, config: Config, ruleAt = (section: 'columns' | 'constants' | 'values' | 'stageColumns', column: string) => (section === 'stageColumns' ? `stageColumns.${kind}` : `${section}.${kind}.${column}`)): FileColumnSources {
    const mapping = config.columns[kind] ?? {};
    const constants = config.constants[kind] ?? {};
    const valueKeys = Object.keys(config.values[kind] ?? {});
    const valueKey = (name: string) => valueKeys.find((k) => fold(k) === name);
    const headerOf = (at: number) => this.header[at].trim();
    const columns = this.sources.map(([col, at], c): ColumnSource => {
      const mapped = mapping[col];
      const rule = this.templated.has(col) ? ruleAt('stageColumns', kind) : mapped !== undefined ? ruleAt('columns', col) : undefined;
      const values = this.sourceValues?.[c] === undefined ? undefined : valueKey(col) ?? valueKey(fold(this.header[at]));
      const withValues = (source: ColumnSource): ColumnSource => (values === undefined ? source : { ...source, values: ruleAt('values', values) });
      if (col === 'status' && this.statusFlags) {
        const { won, closed, lost } = this.statusFlags;
        const flags: ColumnSource['flags'] = {};
        if (won >= 0) flags.won = headerOf(won);
        if (closed >= 0) flags.closed = headerOf(closed);
        if (lost >= 0) flags.lost = headerOf(lost);
        return { column: col, found: 'flags', flags, rule };
      }
      const several = this.coalesced.get(col);
      if (several) return withValues({ column: col, found: 'first non-empty', headers: several.map(headerOf), rule });
      if (at >= 0) return withValues({ column: col, found: 'header', headers: [headerOf(at)], rule });
      if (this.constant.has(col)) return { column: col, found: 'constant', constant: this.constant.get(col), rule: ruleAt('constants', col) };
      const lookedFor = mapped === undefined || mapped === null ? undefined : typeof mapped === 'string' ? [mapped] : Array.isArray(mapped) ? mapped.filter((h): h is string => h !== null) : undefined;
      return { column: col, found: 'absent', rule, ...(lookedFor ? { lookedFor } : {}) };
    });
    const read = new Set([...this.sourceIndex, ...[...this.coalesced.values()].flat(), ...Object.values(this.statusFlags ?? {})]);
    const dimensions = this.dims.filter(([at]) => !read.has(at))
      .map(([at, name]) => { const values = this.dimValues.has(name) ? valueKey(name) : undefined; return values === undefined ? { name: headerOf(at) } : { name: headerOf(at), values: ruleAt('values', values) }; });
    return { columns, dimensions };
  }

  /** The name to show for a canonical column in messages: the file's header, or the constant. */
  describe(col: string): string {
    const i = this.index.get(col) ?? -1;
    if (col === 'status' && this.statusFlags) {
      const { won, closed, lost } = this.statusFlags;
      return `columns ${[won, closed, lost].filter((at) => at >= 0).map((at) => `"${this.header[at].trim()}"`).join(', ')} (status)`;
    }
    const several = this.coalesced.get(col);
    if (several) return `columns ${several.map((at) => `"${this.header[at].trim()}"`).join(', ')} (${col}, the first non-empty)`;
    if (i >= 0) {
      const name = this.header[i].trim();
      return fold(name) === col ? `column "${name}"` : `column "${name}" (${col})`;
    }
    if (this.constant.has(col)) return `constant "${col}"`;
    return `column "${col}"`;
  }
}

/** A row without an id, named by its file and line: "Leads.csv:12" (unique across the files of a kind, which are named as given). */
export const anonymousName = (file: string, line: number): string => `${file}:${line}`;

const TRUE_WORDS = ['true', '1', 'yes', 'y', 't'];
const FALSE_WORDS = ['false', '0', 'no', 'n', 'f'];

/**
 * A deal's status from its boolean columns: won when `won` is true; lost when `lost` is true, or
 * `closed` is and `won` is not; else open. A value that is neither true nor false: which one it is.
 */
export function statusFromFlags(flags: { won: number; closed: number; lost: number }, fields: readonly (string | undefined)[]): 'won' | 'lost' | 'open' | { flag: 'won' | 'closed' | 'lost'; at: number; raw: string } {
  const read = (flag: 'won' | 'closed' | 'lost'): boolean | { flag: 'won' | 'closed' | 'lost'; at: number; raw: string } => {
    const at = flags[flag];
    if (at < 0) return false;
    const raw = fields[at] ?? '';
    const v = raw.trim().toLowerCase();
    if (v === '' || FALSE_WORDS.includes(v)) return false;
    if (TRUE_WORDS.includes(v)) return true;
    return { flag, at, raw };
  };
  const won = read('won'), closed = read('closed'), lost = read('lost');
  for (const f of [won, closed, lost]) if (typeof f === 'object') return f;
  return won ? 'won' : lost || closed ? 'lost' : 'open';
}

/** "Did you mean": the closest of the first 10,000 headers (a file with a million columns is not worth more). */
function suggest(name: string, header: readonly string[]): string {
  const candidates = header.slice(0, 10_000).map((h) => h.trim()).filter((h) => h !== '');
  if (!candidates.length) return '';
  const folded = candidates.map(fold);
  return `; did you mean "${showName(candidates[folded.indexOf(closest(fold(name), folded))])}"?`;
}


/** `hint`: which preset the headers look like (presetHint), or ''. */
function missingColumn(kind: InputKind, col: string, header: readonly string[], file: string, hint: string, extra = '', neededBy?: string, otherwise = '') {
  const what = neededBy === undefined ? `required ${kind} column "${col}"${extra} is missing` : `${kind} column "${col}" is missing (${neededBy})`;
  return dataError('MISSING_COLUMN',
    `${file}: ${what}${suggest(col, header)} (headers: ${listNames(header)}); ` +
    `${hint ? `${hint}, or ` : ''}map it in the config: {"columns": {"${kind}": {"${col}": "<header>"}}}${otherwise}`);
}

/** A value as the schemas take it: trimmed when it has something to trim, and undefined when empty. */
function trimmed(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const first = value.charCodeAt(0), last = value.charCodeAt(value.length - 1);
  if (first <= 32 || last <= 32) value = value.trim(); // trim only when there is something to trim
  return value === '' ? undefined : value;
}

/**
 * A fold that takes a row's typed values (in schema order, as the CSV fast path read them, before
 * the schema's finishing rule) instead of a row object: it applies the finishing rule itself and
 * returns true when it took the row, or false to have the row made and handed on as usual (a row
 * the rule rejects, or one it does not handle). Only for a read that keeps no row: a worker's range,
 * with ids checked later and no dimension column kept.
 */
export interface Taker {
  take(values: readonly unknown[]): boolean;
  /**
   * Whether take() reads the id (values[0]). When not, the reader leaves it undefined where it is
   * plain in the record's bytes, and logs the id by hashing those bytes (no string made per row).
   */
  readonly takesId: boolean;
  /** The taker of the rows of a file without ids (ANONYMOUS_ID), when they are taken another way; else such rows take the row route. */
  readonly anonymous?: Taker;
}

/**
 * A record scanned from bytes, as the CSV tokenizer and the JSON lines scanner (formats/json-scan.ts)
 * give it: what the column readers and the fast routes read of it.
 */
type ScannedRecord = Pick<CsvTokenizer, 'data' | 'line' | 'fieldCount' | 'starts' | 'ends' | 'flags' | 'error' | 'lazy' | 'positions' | 'base'
  | 'recordStart' | 'recordEnd' | 'field' | 'slice' | 'record' | 'recordAt'>;

/** Reads the columns of the tokenizer's current record into `read` (typed, in schema order); false: the row must take the every-field path. */
type ColumnsReader = (t: ScannedRecord, read: unknown[]) => boolean;

/** A file layout's column readers: for a record with its bounds written out, and for one made from the kernel's positions (CsvTokenizer.lazy). */
interface ColumnsReaders { written: ColumnsReader; lazy: ColumnsReader }

/**
 * The fast path's per-row work for one file's column layout, written out column by column: each
 * column's readers are called from a place of their own, which the JIT can inline (one loop over
 * the columns called them all from one place). Constants are read once. A field is read in place
 * from the bytes unless it needs trimming or unescaping; a reader's NOT_FAST falls back on its
 * string reader; a missing required value or a bad one sends the row to the every-field path.
 * `idInBytes`: the id (column 0) is left undefined when its field's bytes are the value as they
 * are (no quote to unescape, nothing to trim), for the caller to read from there: data[idAt[0], idAt[1])
 * (see Taker). Two readers: one takes a field's bounds from the tokenizer's starts and ends, the
 * other (for a `lazy` record) from the kernel's positions, so that no other field's are written;
 * a field the kernel marks (a doubled quote or a line break inside quotes) is read as a string.
 */
function compileColumnsReader(parser: RowParser, map: ColumnMap, unread: ReadonlySet<string> | undefined, idInBytes: boolean, idAt: Int32Array, stageStatus?: (stage: string) => unknown): ColumnsReaders {
  const names: string[] = [], values: unknown[] = [];
  const bind = (value: unknown) => { names.push(`x${names.length}`); values.push(value); return names[names.length - 1]; };
  const notFast = bind(NOT_FAST), bad = bind(isBad), trim = bind(trimmed), idBounds = bind(idAt);
  // A deal's status from its stage (no status column, constant or flags; a stage column read as it is): each
  // distinct stage text's status is derived once, with the text (see DerivedValues), and set with the stage.
  const statusAt = parser.columns.findIndex((col) => col.key === 'status'), stageAt = parser.columns.findIndex((col) => col.key === 'stage');
  const statusFromStage = stageStatus !== undefined && statusAt >= 0 && stageAt > statusAt && map.sourceIndex[statusAt] < 0 && map.sourceConstant[statusAt] === undefined
    && map.statusFlags === undefined && map.sourceIndex[stageAt] >= 0 && map.sourceValues?.[stageAt] === undefined && map.sourceCoalesced[stageAt] === undefined
    && parser.columns[stageAt].text && !unread?.has('stage');
  /** Field i's bounds into s and e, and whether it must be read as a string (`special`): from starts and ends, or from the positions. */
  const written = {
    head: 'const bytes = t.data, starts = t.starts, ends = t.ends, flags = t.flags;\nlet v, s, e, raw, k;\n',
    bounds: (i: number) => `s = starts[${i}]; e = ends[${i}];\n`,
    special: (i: number) => `(flags[${i}] & ${ESCAPED}) !== 0`,
  };
  const lazy = {
    head: 'const bytes = t.data, pos = t.positions, b = t.base;\nlet v, s, e, raw, tag, k;\n',
    bounds: (i: number) => `tag = pos[b + ${i}]; e = tag & ${POSITION}; s = ${i === 0 ? 't.recordStart' : `(pos[b + ${i - 1}] & ${POSITION}) + 1`};
if ((tag & ${AFTER_QUOTE}) !== 0) { s++; e--; }\n`,
    special: () => `(tag & ${SPECIAL}) !== 0`,
  };
  const bodies = [written, lazy].map(({ head, bounds, special }) => {
    let body = head;
    for (const [c, column] of parser.columns.entries()) {
      const i = map.sourceIndex[c];
      if (column.text && !column.required && unread?.has(column.key)) continue; // `read` keeps undefined there
      if (c === 0 && map.anonymous) { body += 'read[0] = undefined;\n'; continue; } // named by the caller (see anonymousName)
      if (c === 0 && idInBytes && i >= 0 && column.text && column.required) {
        body += `${bounds(i)}if (s === e) return false;
if (${special(i)} || bytes[s] <= 32 || bytes[e - 1] <= 32) { raw = ${trim}(t.field(${i})); if (raw === undefined) return false; read[0] = raw; }
else { read[0] = undefined; ${idBounds}[0] = s; ${idBounds}[1] = e; }
`;
        continue;
      }
      if (map.statusFlags !== undefined && column.key === 'status') {
        // A deal's status from boolean columns (a value that is neither true nor false: the every-field path words why).
        const flags = map.statusFlags, ats = [flags.won, flags.closed, flags.lost].filter((at) => at >= 0), fields: (string | undefined)[] = [];
        const derive = bind((t: CsvTokenizer) => {
          for (const at of ats) fields[at] = t.field(at);
          const status = statusFromFlags(flags, fields);
          return typeof status === 'string' ? status : undefined;
        });
        const valueMap = map.sourceValues?.[c];
        const mapped = valueMap === undefined ? '' : `raw = ${bind(valueMapper(valueMap))}(raw); if (raw === undefined) return false; `;
        body += `raw = ${derive}(t); if (raw === undefined) return false; ${mapped}v = ${bind(column.read)}(raw);
if (${bad}(v)) return false;
read[${c}] = v;
`;
        continue;
      }
      if (i < 0) {
        const k = trimmed(map.sourceConstant[c]);
        const v = k === undefined ? undefined : column.read(k);
        if (v === undefined ? column.required : isBad(v)) return 'return false;';
        body += `read[${c}] = ${bind(v)};\n`;
        continue;
      }
      const readString = bind(column.read);
      // A column with a value map: its raw value (each distinct one decoded once, when short) is mapped, then read.
      const valueMap = map.sourceValues?.[c];
      const mapper = valueMap === undefined ? undefined : valueMapper(valueMap);
      const fromRaw = mapper === undefined ? `v = ${readString}(raw)` : `raw = ${bind(mapper)}(raw); v = raw === undefined ? undefined : ${readString}(raw)`;
      // An empty value: missing; for a column mapped to several headers the file has, the first non-empty of the others (coalesced before any value map, as on the every-field path).
      const several = map.sourceCoalesced[c];
      const empty = several === undefined ? '{ v = undefined; }' : `{ raw = ${bind(laterValue(several))}(t); if (raw === undefined) v = undefined; else { ${fromRaw}; } }`;
      // A text column's values are found by their bytes (each distinct one decoded once): see TextInterner.
      // With a pure reader, each distinct value's typed value too is found by its bytes (mapped and read once: see DerivedValues).
      const mapped = mapper !== undefined && column.pure ? bind(new DerivedValues((text) => { const to = mapper(text); return to === undefined ? undefined : column.read(to); })) : undefined;
      const stages = statusFromStage && c === stageAt ? bind(new DerivedValues(stageStatus!)) : undefined;
      const at = mapped !== undefined || stages !== undefined ? undefined
        : column.text || valueMap !== undefined ? `${bind(new TextInterner())}.at` : column.at === undefined ? undefined : bind(column.at);
      const readBytes = mapped !== undefined ? `k = ${mapped}.indexAt(bytes, s, e); if (k >= 0) v = ${mapped}.value(k); else { raw = t.slice(s, e); ${fromRaw}; }`
        : stages !== undefined ? `k = ${stages}.indexAt(bytes, s, e); if (k >= 0) { v = ${stages}.text(k); read[${statusAt}] = ${stages}.value(k); } else v = t.slice(s, e);`
        : valueMap !== undefined ? `raw = ${at}(bytes, s, e); if (raw === ${notFast}) raw = t.slice(s, e); ${fromRaw};`
        : at === undefined ? `v = ${readString}(t.slice(s, e));` : `v = ${at}(bytes, s, e); if (v === ${notFast}) v = ${readString}(t.slice(s, e));`;
      body += `${bounds(i)}if (s === e) ${empty}
else if (${special(i)} || bytes[s] <= 32 || bytes[e - 1] <= 32) { raw = ${trim}(t.field(${i})); if (raw === undefined) ${empty} else { ${fromRaw}; } }
else { ${readBytes} }
if (${column.required ? 'v === undefined ||' : 'v !== undefined &&'} ${bad}(v)) return false;
read[${c}] = v;
`;
    }
    return body + 'return true;';
  });
  const [w, l] = new Function(...names, `return [(t, read) => {\n${bodies[0]}\n}, (t, read) => {\n${bodies[1]}\n}];`)(...values) as ColumnsReader[];
  return { written: w, lazy: l };
}

/** The header of a JSON file before its first object. */
const NO_HEADER: string[] = [];
/** For a column mapped to several headers: the first non-empty (trimmed) value among the file's others, after the first; undefined when none. */
function laterValue(several: readonly number[]): (t: CsvTokenizer) => string | undefined {
  return (t) => {
    for (let n = 1; n < several.length; n++) { const v = trimmed(t.field(several[n])); if (v !== undefined) return v; }
    return undefined;
  };
}

/**
 * A value map as the fast path applies it to a raw value (trimmed, not empty): the value it maps to
 * (undefined: missing), or the raw value when the map does not name it; matched case-insensitively,
 * as the every-field path does. Each distinct raw value is looked up once (the first 4,096).
 */
function valueMapper(m: ReadonlyMap<string, string | undefined>): (raw: string) => string | undefined {
  const memo = new Map<string, string | undefined>();
  return (raw) => {
    const known = memo.get(raw);
    if (known !== undefined || memo.has(raw)) return known;
    const key = raw.toLowerCase();
    const to = m.has(key) ? m.get(key) : raw;
    if (memo.size < 4096) memo.set(raw, to);
    return to;
  };
}

/**
 * A column's distinct values read from a CSV chunk's bytes (TextInterner), each with a value derived
 * from its text once: the typed value of a column with a value map and a pure reader (RowParser
 * columns' `pure`: mapped and read once), a deal's status from its stage text. The value is then
 * found by the text's index, with no string lookup or reading per row.
 */
export class DerivedValues {
  private readonly texts = new TextInterner();
  /** The derived value of each of `texts`' values, by its index. */
  private readonly values: unknown[] = [];
  constructor(private readonly derive: (text: string) => unknown) {}

  /** The index of bytes[start, end)'s text (trimmed, not empty), or −1 where TextInterner.at answers NOT_FAST (the caller reads the text). */
  indexAt(bytes: Uint8Array, start: number, end: number): number {
    const k = this.texts.indexAt(bytes, start, end);
    // A new text's index is the number met before it (TextInterner.indexAt): its value goes at the end.
    if (k === this.values.length) this.values.push(this.derive(this.texts.text(k)));
    return k;
  }

  /** The text of index k. */
  text(k: number): string { return this.texts.text(k); }
  /** The value derived from the text of index k. */
  value(k: number): unknown { return this.values[k]; }
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

interface KindReader {
  ctx: SchemaContext; schema: ZodType; parser: RowParser; idColumn: string | undefined;
  /** Settles a row's money before a fold takes its values (see moneySettler); undefined for an input without money. */
  settleMoney: ((values: unknown[]) => boolean) | undefined;
  /** Where the config sets a constant, for messages (`constants.deals.status`). */
  constantAt: (column: string) => string;
  ruleAt: (section: 'columns' | 'constants' | 'values' | 'stageColumns', column: string) => string;
  /** The CSV column layout last read with this reader and its compiled column reader: reused by the next range (or file) with the same header. */
  layout?: { map: ColumnMap; readers: ColumnsReaders; idInBytes: boolean; idAt: Int32Array };
}

export class InputReader {
  readonly stats: FileStats[] = [];

  /** The timestamp reader of the last readRange (its column decisions). */
  timestamps: TimestampReader | undefined;
  /** Whether the last readRange ended exactly at a record's end (so the next range starts at one). */
  rangeEndsClean = false;
  /** The line breaks the last readRange went over (the next range starts that many lines after it). */
  rangeLines = 0;
  /** Whether the last readRange ended inside a quoted field (see CsvTable.unclosed). */
  rangeUnclosed = false;
  /**
   * Whether the last readRange, not the file's last, ended with records that look like a report's
   * footer (see footers.ts): they were rejected, which is right only if data follows in the next range.
   */
  rangeEndsInFooter = false;
  private rangeReader: { kind: InputKind; reader: KindReader } | undefined;
  /** The last table read. */
  private lastRead: TableRead<InputKind> | undefined;
  /** The run's currency, one for every input read (the config's, else the first a row states). */
  readonly currency: RunCurrency;
  constructor(private readonly options: ReadOptions) {
    this.currency = new RunCurrency(options.config.currency, options.currency);
  }

  /**
   * Reads the files of one kind, in the order given, as one stream of batches of typed rows. With
   * `onBatch`, rows go to it in small batches as soon as they are read (so they die young, cheap
   * for the garbage collector), and the generator yields nothing.
   */
  read<K extends InputKind>(kind: K, paths: readonly string[], onBatch?: (rows: TypedRow<K>[]) => void, own?: readonly (FileSettings | undefined)[]): AsyncGenerator<TypedRow<K>[]> {
    const options = this.options;
    const kindReader = this.kindReader(kind);
    // Each file is opened when its turn comes (a missing second file is found after the first is read),
    // with its own settings when it has some. A workbook's sheet, and the headers its header row must hold (rows above it are skipped).
    const tables = (function* (this: InputReader) {
      for (const [n, path] of paths.entries()) {
        const file = own?.[n];
        const reader = file === undefined ? kindReader : this.kindReader(kind, file);
        const settings = (file?.settings ?? options.settings?.[kind])?.settings;
        const sheet = settings?.sheet;
        const required = headersRequired(kind, reader.ctx.config, reader.schema);
        const table = openTable(path, { format: options.format ?? file?.format, delimiter: options.delimiter ?? file?.delimiter ?? settings?.delimiter, stdin: options.stdin as never, digest: options.digest, sheet, required });
        yield [table, reader] as [Table, KindReader];
      }
    }).call(this);
    return this.readTablesWith(kind, tables, onBatch);
  }

  /** As read(), over tables already opened (or opened as they are asked for): a format's own table, in a test. */
  readTables<K extends InputKind>(kind: K, tables: Iterable<Table>, onBatch?: (rows: TypedRow<K>[]) => void): AsyncGenerator<TypedRow<K>[]> {
    const kindReader = this.kindReader(kind);
    return this.readTablesWith(kind, (function* () { for (const table of tables) yield [table, kindReader] as [Table, KindReader]; })(), onBatch);
  }

  private async *readTablesWith<K extends InputKind>(kind: K, tables: Iterable<[Table, KindReader]>, onBatch?: (rows: TypedRow<K>[]) => void): AsyncGenerator<TypedRow<K>[]> {
    // id → where its first row was, packed as file index × 2^32 + line.
    const ids = { seen: new IdSet(), files: [] as string[] };
    for (const [table, kindReader] of tables) {
      ids.files.push(table.file);
      yield* this.readTable(kind, table, kindReader, ids, onBatch);
    }
  }

  /**
   * Reads one byte range of a CSV, NDJSON or JSON array file (a parallel worker's share), with ids checked by `ids` only
   * (an IdLog checks them after the read); the caller checks ids across ranges. `take`: see Taker.
   */
  async *readRange<K extends InputKind>(
    kind: K, path: string, range: { start: number; end: number; firstLine: number; header: string[]; last?: boolean }, ids: IdCheck,
    onBatch?: (rows: TypedRow<K>[]) => void, take?: Taker,
  ): AsyncGenerator<TypedRow<K>[]> {
    // Ranges of one file read one after another share their schema, timestamp decisions and
    // compiled column reader (a new one per range would be compiled and optimised again each time).
    const kindReader = this.rangeReader?.kind === kind ? this.rangeReader.reader : this.kindReader(kind);
    this.rangeReader = { kind, reader: kindReader };
    this.timestamps = kindReader.ctx.timestamps;
    const table = openTable(path, { format: this.options.format, delimiter: this.options.delimiter, range });
    yield* this.readTable(kind, table, kindReader, { seen: ids, files: [table.file] }, onBatch, take, range.last === true);
    const ranged = table instanceof CsvTable || table instanceof NdjsonTable || table instanceof JsonArrayTable;
    this.rangeEndsClean = ranged && table.endsClean;
    this.rangeLines = ranged ? table.endLine - range.firstLine : 0;
    this.rangeUnclosed = table instanceof CsvTable && table.unclosed;
    this.rangeEndsInFooter = this.lastRead?.endsInFooter === true;
  }

  /**
   * What reading one input kind needs: its schema (with this read's timestamp decisions), the
   * schema's fast path, and its id column; `file`: a file's own settings, when it has some.
   */
  private kindReader(kind: InputKind, file?: FileSettings): KindReader {
    const settings = file?.settings ?? this.options.settings?.[kind];
    const ctx: SchemaContext = { config: file?.config ?? this.options.config, timestamps: new TimestampReader(settings?.dates), numberFormat: settings?.numberFormat, currency: this.currency };
    const schema: ZodType = SCHEMAS[kind](ctx);
    return {
      ctx, schema, parser: compileRowParser(schema), idColumn: kind === 'leads' || kind === 'deals' ? 'id' : undefined, settleMoney: moneySettler(schema, ctx),
      constantAt: file?.constantAt ?? ((column) => `constants.${kind}.${column}`),
      ruleAt: file?.ruleAt ?? ((section, column) => (section === 'stageColumns' ? `stageColumns.${kind}` : `${section}.${kind}.${column}`)),
    };
  }

  /** Reads one table: its records, each by its route (TableRead.readCsvRecord), into rows and rejections. */
  private readTable<K extends InputKind>(
    kind: K, table: Table, kindReader: KindReader,
    ids: { seen: IdCheck; files: string[] }, onBatch?: (rows: TypedRow<K>[]) => void, take?: Taker, atFileEnd = true,
  ): AsyncGenerator<TypedRow<K>[]> {
    const stats: FileStats = { kind, file: table.file, format: table.format, sha256: '', bytes: 0, rows: 0, accepted: 0, rejected: 0 };
    this.stats.push(stats);
    const read = new TableRead(this.options, kind, table, kindReader, ids, stats, onBatch, take, atFileEnd);
    this.lastRead = read as unknown as TableRead<InputKind>;
    return read.rows();
  }
}

/** TableRead.reserveEarly: the rows it judges by, and the most ids it reserves room for. */
const EARLY_RESERVE_ROWS = 256, EARLY_RESERVE_MAX = 1 << 20;

/** A typed cell as text that its column reads as the same value (to have zod word why a row was rejected). */
const cellText = (cell: TypedCell): string => (cell instanceof Date ? cell.toISOString() : String(cell));

/**
 * The reading of one table, in the order its parts run: the column layout (once the header is
 * read), each record by its route, rows waiting for the id check, flushes in reading order, and
 * the checks at the end of the table.
 */
class TableRead<K extends InputKind> {
  private readonly flushAt: number;
  private readonly fileIndex: number;
  private readonly knownLeadIds: ReadonlyMap<string, number> | undefined;
  private readonly asOf: number | undefined;
  /** --as-of: the time of a row given to `take` (only its values are seen). */
  private readonly takenTime: ((values: readonly unknown[]) => number) | undefined;
  private columnsTold = false;
  private map: ColumnMap | undefined;
  /** Dimensions to keep: header index, name, and for a canonical column mapped to several headers the file has, their indexes. */
  private keep: [number, string, number[]?][] = [];
  /** The every-field route's values (trimmed strings, in schema order). */
  private readonly values: (string | undefined)[] = [];

  // Rows wait in `out`, and rejections in `held`, until flush(), which checks the rows' ids a batch
  // at a time (IdSet.firstOrAddBatch: the memory waits of a batch overlap) and lets rows and
  // rejections go in reading order. A waiting row's record is kept only as where its bytes are in
  // the tokenizer's chunk (every flush happens before the next chunk), or as the record itself when
  // it was read field by field.
  private out: TypedRow<K>[] = [];
  /** The ids of the waiting rows, for the duplicate check; undefined for a kind without ids, or a file whose rows have none. */
  private batch: IdBatch | undefined;
  private firsts = new Float64Array(256);
  /** Per waiting row: its record's bytes in the chunk (record starts and ends). */
  private starts: number[] = [];
  private ends: number[] = [];
  /** Waiting rows read field by field (by place in `out`): their record and header (a JSON header may grow). */
  private raws = new Map<number, [RawRecord, readonly string[]]>();
  private held: Rejection[] = [];
  private heldAt: number[] = [];
  /** The ids of rows given to `take`: logged a batch at a time (the id check answers later). */
  private readonly taken = new IdBatch();
  private readonly takenFirsts = new Float64Array(256);

  // The CSV routes' state: the tokenizer on the current record, the values the column reader read.
  private tokenizer: ScannedRecord | undefined;
  private read: unknown[] = [];
  private readers: ColumnsReaders = { written: () => false, lazy: () => false };
  /** The column layout `readers` were chosen for. */
  private readersMap: ColumnMap | undefined;
  /** Where the id's bytes are when the column reader leaves it unread (read[0] undefined). */
  private idAt: Int32Array = new Int32Array(2);
  /** The fold taking rows (see Taker), when this read can give it rows, else undefined. */
  private direct: Taker | undefined;
  /** Whether the id is left unread when plain (read[0] undefined: its field's bytes are the value). */
  private idInBytes = false;
  private readonly field = (i: number) => this.tokenizer!.field(i);
  /** The values of a record with typed cells (see readCells), and which columns took their cell. */
  private readonly cellValues: unknown[] = [];
  private readonly tookCell: boolean[] = [];

  // A report's footer (see footers.ts): rejected records that look like footer lines wait in
  // `pending`, each with where its rejection would stand among the held ones, until a later record
  // shows they are not the file's end (then they are held as rejections) or the table ends.
  private readonly footer: FooterTest | undefined;
  private pending: { rejection: Rejection; at: number; heldIndex: number }[] = [];
  /** The record number (stats.rows) of the last pending record. */
  private pendingLast = 0;
  /** Footer records skipped at the file's end. */
  private footerSkipped = 0;
  /** Whether the table (a range that is not the file's last) ended with pending records, rejected. */
  endsInFooter = false;
  /** Whether room for the table's ids was reserved (see rows() and reserveEarly), and whether a step (a CSV chunk) has ended. */
  private reserved = false;
  private stepped = false;

  constructor(
    private readonly options: ReadOptions, private readonly kind: K, private readonly table: Table, private readonly kindReader: KindReader,
    private readonly ids: { seen: IdCheck; files: string[] }, private readonly stats: FileStats,
    private readonly onBatch?: (rows: TypedRow<K>[]) => void, private readonly take?: Taker,
    /** Whether the table's end is the file's (not a range's before the last). */
    private readonly atFileEnd = true,
  ) {
    this.flushAt = onBatch ? 256 : Infinity;
    this.fileIndex = ids.files.length - 1;
    this.knownLeadIds = kind === 'events' ? options.knownLeadIds : undefined;
    this.asOf = options.asOf;
    this.takenTime = this.asOf !== undefined && take !== undefined ? valuesTime(kind, kindReader.ctx.config, this.asOf) : undefined;
    this.batch = kindReader.idColumn !== undefined ? new IdBatch() : undefined;
    this.footer = table.fixedWidth ? footerTest(options.config) : undefined;
  }

  /** The table's rows, batch by batch (none with onBatch: they go there); one step per chunk read (CSV) or batch of records. */
  async *rows(): AsyncGenerator<TypedRow<K>[]> {
    const { table, stats, onBatch } = this;
    const { idColumn } = this.kindReader;
    try {
      for await (const _ of this.steps()) {
        this.stepped = true;
        this.options.onProgress?.(table.file, stats.rows, table.bytes, table.size);
        if (!this.reserved && idColumn !== undefined && this.batch !== undefined && table.size !== undefined && table.bytes > 0 && stats.rows >= 1000) {
          // Room for the ids the rest of the file will hold, judged by its first rows.
          this.reserved = true;
          this.ids.seen.reserve(Math.ceil(((table.size - table.bytes) / table.bytes) * stats.rows * 1.05));
        }
        // Still within the chunk the waiting rows' bytes are in.
        if (this.out.length || this.held.length) {
          const rows = this.flush();
          if (rows.length) { if (onBatch) onBatch(rows); else yield rows; }
        } else this.logTaken();
      }
    } catch (err) {
      // What was read before the error is reported as the row-by-row reading would have (and
      // under --strict, an earlier rejection is the error); the rows are not needed any more.
      this.flush();
      throw err;
    }
    if (this.pending.length) this.endFooter();
    this.finish();
  }

  /**
   * At the table's end, the records waiting as a footer (the last ones read): at the file's end,
   * skipped and counted; at the end of a range before the last, rejected (the main thread reads the
   * file serially if the next range does not show that right: see parallel/run.ts).
   */
  private endFooter(): void {
    if (this.atFileEnd) {
      this.footerSkipped = this.pending.length;
      this.stats.rows -= this.pending.length;
      this.pending = [];
      return;
    }
    this.endsInFooter = true;
    this.release();
    this.flush();
  }

  /** The waiting footer records turn out not to be the file's end: their rejections are held, where they would have stood. */
  private release(): void {
    let k = 0;
    for (const p of this.pending) {
      this.held.splice(p.heldIndex + k, 0, p.rejection);
      this.heldAt.splice(p.heldIndex + k, 0, p.at);
      k++;
    }
    this.pending = [];
  }

  /** Each record to its route: CSV records as the tokenizer scans them, other formats' a batch at a time. */
  private steps(): AsyncIterable<unknown> {
    const { table, stats } = this;
    if (table instanceof CsvTable) return table.scan((t) => this.readCsvRecord(t));
    // NDJSON lines and a JSON array's elements are scanned from the bytes too, and take the same routes as CSV records.
    if (table instanceof NdjsonTable || table instanceof JsonArrayTable) return table.scan((t) => this.readCsvRecord(t));
    const self = this;
    return (async function* () {
      for await (const records of table.batches()) {
        const header = table.header ?? [];
        for (const record of records) {
          stats.rows++;
          self.readRecord(record, header);
        }
        yield;
      }
    })();
  }

  /**
   * The one place a CSV record's route is chosen. Three routes give the same rows (test/take.test.ts
   * and test/read.test.ts check it); the faster two exist for speed, for the common case only:
   *  1. field by field (readRecord): every field made a string, zod wording the reason of a
   *     rejection — the definition. Anything out of the common way goes here: a malformed record, a
   *     wrong field count, a value the column reader does not read in place, a row the rules reject.
   *  2. the compiled column reader (compileColumnsReader): only the columns in use are read, in
   *     place from the chunk's bytes, and the schema's finishing rule makes the row.
   *  3. `take`: the same values go straight to a worker's fold, with no row made at all — when the
   *     read keeps no row (see Taker) and no row read the long way is waiting (rows keep their order).
   */
  private readCsvRecord(t: ScannedRecord): void {
    this.tokenizer = t;
    this.stats.rows++;
    const header = this.table.header ?? NO_HEADER;
    // A JSON file's header may grow (a new key): its layout and column readers are chosen again.
    if (this.map === undefined || this.readersMap !== this.map || this.map.header.length !== header.length) this.chooseColumnsReader(header);
    const read = this.read;
    if (t.error !== undefined || t.fieldCount !== header.length || !(t.lazy ? this.readers.lazy : this.readers.written)(t, read)) { this.readRecord(t.record(), header); return; }
    // A fold takes numbers: an amount that states a currency is settled first (a row it rejects goes the row path, where the reason is worded).
    const direct = this.direct, settleMoney = this.kindReader.settleMoney;
    if (direct !== undefined && this.out.length === 0 && (settleMoney === undefined || settleMoney(read)) && direct.take(read)) { this.tookRow(t); return; }
    if (this.idInBytes && read[0] === undefined) read[0] = t.slice(this.idAt[0], this.idAt[1]);
    // A deal without an id is named (a lead's or event's name is dropped in accept). In a worker's range the
    // line is the range's own until its rejections are moved: no fold read there reads a deal's name.
    else if (this.map!.anonymous && this.kind === 'deals') read[0] = anonymousName(this.table.file, t.line);
    const data = this.kindReader.parser.finishWith(read);
    if (data === ROW_FAILED) { this.readRecord(t.record(), header); return; }
    this.accept(data as TypedRow<K>, undefined, t.line, read[0] as string, this.field);
  }

  /**
   * At a CSV file's first record: its column layout, whether its rows may go to `take`, and its
   * compiled column reader (the one of the reader's previous range or file with the same layout).
   */
  private chooseColumnsReader(header: string[]): void {
    const { parser, idColumn } = this.kindReader;
    const m = this.mapFor(header), layout = this.kindReader.layout;
    if (this.read.length !== parser.columns.length) this.read = new Array(parser.columns.length).fill(undefined);
    // Rows without ids are taken by their own taker, if any.
    const take = m.anonymous ? this.take?.anonymous : this.take;
    this.direct = take !== undefined && this.ids.seen.checksLater && idColumn !== undefined && this.keep.length === 0 && this.knownLeadIds === undefined ? take : undefined;
    this.idInBytes = this.direct !== undefined && !this.direct.takesId && !m.anonymous;
    if (layout?.map === m && layout.idInBytes === this.idInBytes) ({ readers: this.readers, idAt: this.idAt } = layout);
    else {
      const words = this.kind === 'deals' ? dealStatusWords(this.kindReader.ctx.config) : undefined;
      this.readers = compileColumnsReader(parser, m, this.options.unread?.[this.kind], this.idInBytes, (this.idAt = new Int32Array(2)), words && ((stage) => statusOfStage(stage, words)));
    }
    this.kindReader.layout = { map: m, readers: this.readers, idInBytes: this.idInBytes, idAt: this.idAt };
    this.readersMap = m;
  }

  /** A row `take` took: counted, its time noted, its id logged (from its bytes when it was left unread). */
  private tookRow(t: ScannedRecord): void {
    this.stats.accepted++;
    if (this.takenTime !== undefined) this.noteLate(this.takenTime(this.read));
    if (this.map!.anonymous) return; // no id to check
    const id = this.read[0] as string | undefined, place = this.fileIndex * 2 ** 32 + t.line;
    if (id !== undefined) this.taken.add(id, place);
    else this.taken.addBytes(t.data, this.idAt[0], this.idAt[1], place);
    if (this.taken.length === 256) this.logTaken();
  }

  /** Route 1, which every record can take: all fields as strings, zod wording the reason of a rejection. */
  private readRecord(record: TableRecord, header: readonly string[]): void {
    const map = this.mapFor(header as string[]);
    if (record.error !== undefined) { this.reject(record, record.error, map.header); return; }
    if (this.table.fixedWidth && record.fields.length !== header.length) {
      this.reject(record, `the row has ${record.fields.length} field${record.fields.length === 1 ? '' : 's'}, but the header has ${header.length}`, map.header);
      return;
    }
    const { parser, schema } = this.kindReader;
    const values = this.values;
    const sources = map.sources, fields = record.fields, at = map.sourceIndex, constants = map.sourceConstant;
    values.length = sources.length;
    for (let c = 0; c < at.length; c++) {
      const i = at[c];
      values[c] = trimmed(i >= 0 ? fields[i] : constants[c]);
    }
    if (map.anonymous) values[0] = anonymousName(this.table.file, record.line);
    // A deal's status from boolean columns (the fast path leaves such rows to this one).
    if (map.statusFlags !== undefined) {
      const status = statusFromFlags(map.statusFlags, fields);
      if (typeof status !== 'string') { this.reject(record, `column "${map.header[status.at].trim()}" (status.${status.flag}): ${showValue(status.raw)} is not true or false (true: ${TRUE_WORDS.join(', ')}; false: ${FALSE_WORDS.join(', ')} or empty)`, map.header); return; }
      values[map.sources.findIndex(([col]) => col === 'status')] = status;
    }
    // A column mapped to several headers the file has: the first non-empty value.
    if (map.coalesced.size > 0) {
      for (const [c, list] of map.sourceCoalesced.entries()) {
        if (list === undefined) continue;
        for (let n = 1; values[c] === undefined && n < list.length; n++) values[c] = trimmed(fields[list[n]]);
      }
    }
    // Value maps, before the values are read.
    if (map.sourceValues !== undefined) {
      for (const [c, m] of map.sourceValues.entries()) {
        const v = values[c];
        if (m !== undefined && v !== undefined) { const to = m.get(v.toLowerCase()); if (to !== undefined || m.has(v.toLowerCase())) values[c] = to; }
      }
    }
    const data = record.cells === undefined ? parser.parse(values) : this.readCells(record.cells, map);
    if (data === ROW_FAILED) {
      // The rare path: zod words the reason (the fast path only knows that the row failed).
      const input: Record<string, string | undefined> = {};
      sources.forEach(([col], c) => { input[col] = values[c]; });
      // A typed cell that was taken is shown to zod as text that reads as the same value.
      if (record.cells !== undefined) this.tookCell.forEach((took, c) => { if (took) input[sources[c][0]] = cellText(record.cells![at[c]]!); });
      const result = schema.safeParse(input);
      const issues = result.success ? [] : result.error.issues;
      const issue = issues[0];
      const col = String(issue?.path[0] ?? '');
      const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''} in this row)` : '';
      this.reject(record, issue ? `${map.describe(col)}: ${issue.message}${more}` : 'rejected', map.header);
      return;
    }
    this.accept(data as TypedRow<K>, record, record.line, values[0]!, (i) => record.fields[i]);
  }

  /**
   * A record of a format with typed cells (TableRecord.cells): a column whose reader takes its
   * cell's type (a timestamp a date, an amount a number) takes the cell as it is, without reading
   * its text; every other column reads its value as `parse` does. A column whose value came from
   * several headers or a value map reads the value found that way.
   */
  private readCells(cells: NonNullable<TableRecord['cells']>, map: ColumnMap): unknown {
    const parser = this.kindReader.parser, columns = parser.columns, values = this.values, out = this.cellValues;
    out.length = columns.length;
    this.tookCell.fill(false).length = columns.length;
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c], i = map.sourceIndex[c];
      const cell = i >= 0 && column.cell !== undefined && map.sourceCoalesced[c] === undefined && map.sourceValues?.[c] === undefined ? cells[i] : undefined;
      let v: unknown = cell === undefined ? NOT_FAST : column.cell!(cell);
      this.tookCell[c] = v !== NOT_FAST;
      if (v === NOT_FAST) {
        const raw = values[c];
        if (raw === undefined) { if (column.required) return ROW_FAILED; out[c] = undefined; continue; }
        v = column.read(raw);
      }
      if (isBad(v)) return ROW_FAILED;
      out[c] = v;
    }
    return parser.finishWith(out);
  }

  /** The column layout of a header (checked when first seen); the dimensions to keep. */
  private mapFor(header: string[]): ColumnMap {
    let map = this.map;
    if (!map || map.header.length !== header.length) {
      const { ctx, schema } = this.kindReader;
      // The layout of the reader's previous range of this file, when the header is the same (its columns were checked then).
      const previous = this.kindReader.layout?.map;
      const firstMap = !this.map;
      map = previous !== undefined && sameList(previous.header, header) ? previous : new ColumnMap(this.kind, header.slice(), this.table.file, ctx, schema, firstMap, this.table.fixedWidth);
      if (firstMap && this.options.onNote) for (const note of constantNotes(map, this.kind, this.table.file, ctx.config, this.kindReader.constantAt)) this.options.onNote(this.kind, this.table.file, note);
      if (this.map === undefined && map.anonymous) this.batch = undefined; // rows without ids: no duplicate check
      this.map = map;
      const wanted = this.options.dims;
      this.keep = map.dims.filter(([, name]) => !wanted || wanted.has(name));
      if (!this.columnsTold && this.table.fixedWidth) this.tellColumns(map);
      for (const col of this.options.rawDims?.[this.kind] ?? []) {
        const i = map.index.get(col) ?? -1;
        if (i >= 0 && !this.keep.some(([, name]) => name === col)) this.keep.push([i, col, map.coalesced.get(col)]);
      }
    }
    return map;
  }

  /**
   * The lead check of events (it may reject the row); then the row's place and dimensions, and it
   * waits for flush() with its id. `raw`: the record, when it was read field by field; else the
   * record is the tokenizer's current one.
   */
  private accept(row: TypedRow<K>, raw: RawRecord | undefined, line: number, id: string, field: (i: number) => string | undefined): void {
    const map = this.map!, knownLeadIds = this.knownLeadIds;
    // Rows without ids: a lead or event carries none (nothing can link to it), a deal keeps its name (see config ANONYMOUS_ID).
    if (map.anonymous) {
      if (this.kind === 'leads') (row as TypedRow<'leads'>).id = undefined;
      else if (this.kind === 'events') (row as TypedRow<'events'>).leadId = undefined;
    } else if (knownLeadIds) {
      const created = knownLeadIds.get(id);
      if (created === undefined) {
        this.reject(raw ?? this.tokenizer!.record(), `${map.describe('lead_id')}: ${showValue(id)} is not the id of any accepted lead`, map.header);
        return;
      }
      // As a stage column of the lead: no stage is entered before the lead's created_at (a date on its day is not before it).
      const event = row as TypedRow<'events'>, at = notBefore(created, event.at);
      if (at !== at) {
        this.reject(raw ?? this.tokenizer!.record(), `${map.describe('at')}: ${showTime(event.at)} is before the lead's created_at ${showTime(created)} (a lead reaches a stage after it is created)`, map.header);
        return;
      }
      event.at = at;
    }
    // Only the dimension columns someone asked for (--by) are kept; all of them when unsaid.
    let dims: Record<string, string | undefined> = NO_DIMS;
    if (this.keep.length > 0) {
      dims = {};
      for (const [i, name, several] of this.keep) {
        let v = field(i)?.trim();
        if (several !== undefined) for (let n = 1; !v && n < several.length; n++) v = field(several[n])?.trim();
        dims[name] = v === '' ? undefined : v;
      }
      if (map.dimValues.size > 0) {
        for (const [name, m] of map.dimValues) {
          const v = dims[name];
          if (v !== undefined && m.has(v.toLowerCase())) dims[name] = m.get(v.toLowerCase());
        }
      }
    }
    row.file = this.table.file; row.line = line; row.dims = dims;
    if (this.batch !== undefined) {
      this.batch.add(id, this.fileIndex * 2 ** 32 + line);
      if (raw === undefined) { this.starts.push(this.tokenizer!.recordStart); this.ends.push(this.tokenizer!.recordEnd); }
      else { this.raws.set(this.out.length, [raw, map.header]); this.starts.push(-1); this.ends.push(-1); }
    }
    if (this.out.push(row) >= this.flushAt) this.onBatch!(this.flush());
  }

  private rejection(record: RawRecord, reason: string, header: readonly string[]): Rejection {
    const { kind, table } = this;
    return record.raw !== undefined
      ? { kind, file: table.file, line: record.line, reason, header: ['(raw line)'], fields: [record.raw] }
      : { kind, file: table.file, line: record.line, reason, header, fields: record.fields };
  }

  /** A rejection waits, in reading order, for the next flush; one that looks like a report's footer waits to see whether the file ends there. */
  private reject(record: RawRecord, reason: string, header: readonly string[]): void {
    if (this.footer !== undefined && record.raw === undefined && this.footer(record.fields)) {
      // A record read since the last waiting one: those are not the end.
      if (this.pending.length && this.pendingLast !== this.stats.rows - 1) this.release();
      this.pending.push({ rejection: this.rejection(record, reason, header), at: this.out.length, heldIndex: this.held.length });
      this.pendingLast = this.stats.rows;
      return;
    }
    if (this.pending.length) this.release();
    this.held.push(this.rejection(record, reason, header));
    this.heldAt.push(this.out.length);
  }

  private emit(rejection: Rejection): void {
    this.stats.rejected++;
    this.options.onReject(rejection);
    if (this.options.strict) throw dataError('STRICT', `${formatRejection(rejection)} (stopped at the first rejected row: --strict)`);
  }

  private logTaken(): void {
    if (this.taken.length) { this.ids.seen.firstOrAddBatch(this.taken, this.takenFirsts); this.taken.length = 0; }
  }

  /** The waiting rows whose ids were not seen before, in reading order, with the rejections among them emitted. */
  private flush(): TypedRow<K>[] {
    if (this.pending.length) {
      // Footer records followed by another record are no footer; else they wait on, before anything read after this flush.
      if (this.pendingLast !== this.stats.rows) this.release();
      else for (const p of this.pending) { p.at = 0; p.heldIndex = 0; }
    }
    this.logTaken();
    // Taken out first: an emitted rejection may throw (--strict), and nothing is emitted twice.
    const rows = this.out, rejections = this.held, at = this.heldAt, from = this.starts, to = this.ends, records = this.raws;
    this.out = []; this.held = []; this.heldAt = []; this.starts = []; this.ends = []; this.raws = new Map();
    const { batch, ids, stats, map, kind } = this;
    if (batch !== undefined) {
      if (!this.reserved && !this.stepped && batch.length >= EARLY_RESERVE_ROWS) this.reserveEarly(batch.length);
      if (this.firsts.length < batch.length) this.firsts = new Float64Array(batch.a.length);
      ids.seen.firstOrAddBatch(batch, this.firsts);
      batch.length = 0;
    }
    const firsts = this.firsts;
    let h = 0, kept = 0;
    for (let i = 0; i < rows.length; i++) {
      while (h < rejections.length && at[h] <= i) this.emit(rejections[h++]);
      const first = batch !== undefined ? firsts[i] : -1;
      if (first >= 0) {
        const row = rows[i] as TypedRow<K> & { id: string };
        const [record, header] = records.get(i) ?? [this.tokenizer!.recordAt(from[i], to[i], row.line), map!.header];
        const where = `${ids.files[Math.floor(first / 2 ** 32)]}:${first % 2 ** 32}`;
        this.emit(this.rejection(record, `${map!.describe(this.kindReader.idColumn!)}: ${showValue(row.id)} is a duplicate (first seen at ${where})`, header));
        continue;
      }
      stats.accepted++;
      if (this.asOf !== undefined) this.noteLate(rowTime(kind, rows[i]));
      rows[kept++] = rows[i];
    }
    while (h < rejections.length) this.emit(rejections[h++]);
    rows.length = kept;
    return rows;
  }

  /**
   * Room for the ids of a CSV file (or range) of known size, judged at its first batch of rows
   * (`waiting` ids, none of this file's added yet) by the bytes its records took so far: the first
   * chunk's bytes start where the table does. Made before any of the file's ids is added, the id
   * set's table is not moved for them: growing it at the end of the first chunk (in rows()) moved 10 k ids
   * in code that runs once, unoptimised (≈ 10–15 ms for 55 k deals). A guess above
   * EARLY_RESERVE_MAX ids is left to that later one, from a larger sample; a guess too small only
   * means the set grows as before, one too large only costs memory: the answers are the same.
   */
  private reserveEarly(waiting: number): void {
    const { table, tokenizer } = this;
    if (!(table instanceof CsvTable) || table.size === undefined || tokenizer === undefined || tokenizer.recordEnd <= 0) return;
    const guess = Math.ceil((table.size / tokenizer.recordEnd) * this.stats.rows * 1.05);
    if (guess > EARLY_RESERVE_MAX) return;
    this.reserved = true;
    this.ids.seen.reserve(Math.max(guess, waiting));
  }

  /** An accepted row's time, counted when after --as-of (FileStats.late). */
  private noteLate(t: number): void {
    if (!(t > this.asOf!)) return;
    const stats = this.stats;
    if (stats.late === undefined) stats.late = { rows: 0, latest: t };
    stats.late.rows++;
    if (t > stats.late.latest) stats.late.latest = t;
  }

  private tellColumns(m: ColumnMap | undefined): void {
    this.columnsTold = true;
    this.stats.columns = m?.groupNames(this.kind) ?? [];
    this.options.onColumns?.(this.kind, this.table.file, this.stats.columns);
    if (m !== undefined) this.options.onColumnSources?.(this.kind, this.table.file, m.explain(this.kind, this.kindReader.ctx.config, this.kindReader.ruleAt));
  }

  /** At the table's end: an empty file is an error; the columns are told and checked; the counts of bytes. */
  private finish(): void {
    const { table, kind, stats, map } = this;
    const { ctx, schema } = this.kindReader;
    if (table.header === undefined) {
      throw dataError('EMPTY_INPUT', `${table.file}: is empty (expected a header row${table.format === 'csv' || table.format === 'tsv' ? '' : ' or at least one object'})`);
    }
    // A header-only CSV still has its columns checked; an empty JSON array has no columns to check.
    const columns = map ?? ((table.fixedWidth || table.header.length > 0) ? new ColumnMap(kind, table.header, table.file, ctx, schema, true) : undefined);
    if (!this.columnsTold || !table.fixedWidth) this.tellColumns(columns);
    // JSON: the columns some rows need, over the keys of every object read (an error stops the run before any report).
    if (map && !table.fixedWidth) new ColumnMap(kind, table.header, table.file, ctx, schema, false, false).checkNeeded(kind, table.file, ctx);
    stats.sha256 = table.sha256;
    stats.bytes = table.bytes;
    const skipped = (table.skipped ?? 0) + this.footerSkipped;
    if (skipped) stats.skipped = skipped;
    if (this.footerSkipped) stats.footer = this.footerSkipped;
  }
}

/** The notes on a file's columns that a constant shadows: each is read as a dimension. */
function constantNotes(map: ColumnMap, kind: InputKind, file: string, config: Config, constantAt: (column: string) => string): string[] {
  return map.shadowed.map(([col, header]) =>
    `${escapeText(file)}: column ${showValue(header.trim())} is read as a dimension: the config sets ${col} to ${showValue(config.constants[kind]![col])} for every row (${constantAt(col)})`);
}

/** The notes on a header read elsewhere (a parallel read's): see constantNotes. */
export function headerConstantNotes(kind: InputKind, header: readonly string[], file: string, config: Config, constantAt = (column: string) => `constants.${kind}.${column}`): string[] {
  if (Object.keys(config.constants[kind] ?? {}).length === 0) return [];
  const ctx: SchemaContext = { config, timestamps: new TimestampReader() };
  return constantNotes(new ColumnMap(kind, header, file, ctx, SCHEMAS[kind](ctx), false), kind, file, config, constantAt);
}

/** What rows with this header can be grouped by (FileStats.columns), for a header read elsewhere (a parallel read's). */
export function headerGroupNames(kind: InputKind, header: readonly string[], file: string, config: Config): string[] {
  const ctx: SchemaContext = { config, timestamps: new TimestampReader() };
  return new ColumnMap(kind, header, file, ctx, SCHEMAS[kind](ctx), false).groupNames(kind);
}
