/**
 * zod schemas of the five input kinds: the one source of the typed row types.
 * A schema takes the canonical columns of one row as trimmed strings (undefined = missing) and
 * yields a typed row, or issues whose path is the canonical column and whose message says what
 * was wrong with the value ("\"abc\" is not a number (expected …)").
 */
import { z } from 'zod';
import type { Config } from './config.js';
import { ANONYMOUS_ID, DEFAULT_STATUS } from './config.js';
import { showTime, showValue, usageError } from '../core/errors.js';
export { showTime };
import { closest } from 'fastest-levenshtein';
import { INPUT_KINDS, type InputKind } from '../core/kinds.js';
import { TimestampReader, NOT_FAST, type PatternParser, amountCell, choiceAt, commaDecimalAt, decimalAt, readAmount, parseChoice, isBad, type Bad } from './values.js';
import type { TypedCell } from './formats/format.js';
import type { NumberFormat } from './numbers.js';
import type { KindReadSettings } from './settings.js';
import { BARE_DOLLAR, EXPECTED_CURRENCY, Money, RunCurrency, currencyOf, settleMoney } from './currency.js';

export const DEAL_STATUSES = ['open', 'won', 'lost'] as const;
export const DEAL_TYPES = ['new', 'expansion', 'renewal'] as const;
export const SPEND_CATEGORIES = ['marketing', 'sales'] as const;

/** What the schemas need to know besides the row: configuration and per-input reader state. */
export interface SchemaContext {
  config: Config;
  timestamps: TimestampReader;
  /** How the input's amounts write their digits; the default "1,234.56" when not given. */
  numberFormat?: NumberFormat;
  /** The run's currency, shared by its inputs (a new one from the config when not given). */
  currency?: RunCurrency;
}

type Reader<T> = (raw: string) => T | Bad;
/**
 * The same reader over bytes[start, end) of a CSV chunk, for the common layouts only: NOT_FAST sends
 * the value to the string reader. Never returns Bad.
 */
type AtReader<T> = (bytes: Uint8Array, start: number, end: number) => T | typeof NOT_FAST;
/**
 * The same reader over a cell a format read typed (TypedCell: a workbook's number or date), taken as
 * it is; NOT_FAST for a cell it does not take (its text is read instead).
 */
type CellReader<T> = (cell: TypedCell) => T | Bad | typeof NOT_FAST;
/** `pure`: `read` gives the same value for the same text, whenever it reads it (no state, no object made): a reader may remember its values. */
interface ColumnReader<T> { read: Reader<T>; at?: AtReader<T>; cell?: CellReader<T>; pure?: boolean }

/** Text has no byte reader: the CSV reader slices it. */
const text: ColumnReader<string> = { read: (raw) => raw, pure: true };
const reader = <T>(read: Reader<T>, at?: AtReader<T>, cell?: CellReader<T>): ColumnReader<T> => ({ read, at, cell });
/** A choice among words (status, type, category): a pure reader. */
const choice = <T>(read: Reader<T>, at: AtReader<T>): ColumnReader<T> => ({ read, at, pure: true });

// The fast path (compileRowParser) runs the same readers and the same finishing rule as the zod
// schema, found through these registries; zod itself runs only for a row that fails, to word the
// message. So there is one definition of every rule, and zod stays the source of the types.
const COLUMN_READERS = new WeakMap<z.ZodType, { read: Reader<unknown>; at?: AtReader<unknown>; cell?: CellReader<unknown>; pure?: boolean; required: boolean }>();
type Finish = (row: Record<string, unknown>, issues: { addIssue(issue: { code: 'custom'; path?: PropertyKey[]; message: string }): void }) => unknown;
const FINISHERS = new WeakMap<z.ZodType, { shape: Record<string, z.ZodType>; finish: Finish }>();

/** A required column: missing is an issue saying so. */
function required<T>({ read, at, cell, pure }: ColumnReader<T>, why = 'required') {
  const schema = z.string().optional().transform((raw, ctx): T => {
    if (raw === undefined) { ctx.addIssue({ code: 'custom', message: `missing (${why})` }); return z.NEVER; }
    const v = read(raw);
    if (isBad(v)) { ctx.addIssue({ code: 'custom', message: v.bad }); return z.NEVER; }
    return v;
  });
  COLUMN_READERS.set(schema, { read, at, cell, pure, required: true });
  return schema;
}

/** An optional column: missing is undefined, but a present value that cannot be read is an issue. */
function optional<T>({ read, at, cell, pure }: ColumnReader<T>) {
  const schema = z.string().optional().transform((raw, ctx): T | undefined => {
    if (raw === undefined) return undefined;
    const v = read(raw);
    if (isBad(v)) { ctx.addIssue({ code: 'custom', message: v.bad }); return z.NEVER; }
    return v;
  });
  COLUMN_READERS.set(schema, { read, at, cell, pure, required: false });
  return schema;
}

/** z.object(shape).transform(finish), registered for the fast path. */
function rowSchema<S extends z.ZodRawShape, O>(shape: S, finish: (row: z.output<z.ZodObject<S>>, issues: z.RefinementCtx) => O) {
  const schema = z.object(shape).transform(finish);
  FINISHERS.set(schema, { shape: shape as unknown as Record<string, z.ZodType>, finish: finish as unknown as Finish });
  return schema;
}

/**
 * Shared by every row that keeps no dimension column. The place and dimensions of a row (RowMeta)
 * are set by the reader; each finishing rule lays them out in its object literal, so a row keeps one
 * shape from creation (adding them afterwards cost a shape change per row).
 */
export const NO_DIMS: Record<string, string | undefined> = Object.freeze({});

export const ROW_FAILED: unique symbol = Symbol('row failed');

/** The fast path of a row schema: its columns' readers, a scratch row and the finishing rule. */
export interface RowParser {
  /** The schema's columns in order, with their readers. */
  readonly columns: readonly { key: string; read: Reader<unknown>; at?: AtReader<unknown>; cell?: CellReader<unknown>; pure?: boolean; required: boolean; text: boolean }[];
  /** Reads the row's raw values (in column order): the typed row, or ROW_FAILED — then safeParse words the reason. */
  parse(values: readonly (string | undefined)[]): unknown;
  /** For a caller that read the values itself: sets them (typed, in column order) and applies the finishing rule. */
  finishWith(values: readonly unknown[]): unknown;
}

/**
 * The schema as plain functions (the zod schema itself only runs for a row that fails, to word the
 * message): the same readers and the same finishing rule.
 */
export function compileRowParser(schema: z.ZodType): RowParser {
  const spec = FINISHERS.get(schema);
  if (!spec) throw new Error('not a row schema');
  const columns = Object.entries(spec.shape).map(([key, s]) => {
    const reader = COLUMN_READERS.get(s)!;
    return { key, ...reader, text: reader.read === text.read };
  });
  let failed = false;
  const issues = { addIssue: () => { failed = true; } };
  // One intermediate object for every row: each finish rule copies what it keeps into a new row.
  const row: Record<string, unknown> = Object.fromEntries(columns.map((c) => [c.key, undefined]));
  const finish = () => {
    failed = false;
    const out = spec.finish(row, issues);
    return failed ? ROW_FAILED : out;
  };
  // The values are set by a function written for these columns: one named store per column, where a
  // loop storing row[key] with a different key each time is a slow generic store on every row.
  const assign = new Function('row', 'values', columns.map((c, i) => `row[${JSON.stringify(c.key)}] = values[${i}];`).join('\n')) as
    (row: Record<string, unknown>, values: readonly unknown[]) => void;
  return {
    columns,
    finishWith: (values) => { assign(row, values); return finish(); },
    parse: (values) => {
      for (let i = 0; i < columns.length; i++) {
        const c = columns[i], raw = values[i];
        if (raw === undefined) { if (c.required) return ROW_FAILED; row[c.key] = undefined; continue; }
        const v = c.read(raw);
        if (isBad(v)) return ROW_FAILED;
        row[c.key] = v;
      }
      return finish();
    },
  };
}

const timestamp = (ctx: SchemaContext, column: string) => reader<number>(
  (raw) => ctx.timestamps.read(column, raw),
  ctx.timestamps.atReader(column),
  (cell) => (cell instanceof Date ? ctx.timestamps.date(column, cell) : NOT_FAST));
/** A plain decimal is read in place; anything else ($1,200, signs, exponents) by readAmount: a Money when it states a currency (settleMoney settles it). */
const amount = (ctx: SchemaContext, allowNegative: boolean) => {
  const format = ctx.numberFormat;
  return reader<number | Money>((raw) => readAmount(raw, allowNegative, format), format === undefined || format[5] === '.' ? decimalAt : commaDecimalAt, (cell) => amountCell(cell, allowNegative));
};

/** The run's currency of a schema's context. */
const runCurrency = (ctx: SchemaContext) => (ctx.currency ??= new RunCurrency(ctx.config.currency));

/**
 * A currency column: an ISO code (any case) or a symbol, as its code. The last value's bytes are
 * kept, so a column that repeats one code is read in place.
 */
function currencyColumn(run: RunCurrency): ColumnReader<string> {
  let last: Buffer | undefined, lastCode = '';
  const read = (raw: string): string | Bad => {
    const named = currencyOf(raw);
    if (named === undefined) return { bad: `${showValue(raw)} is not a currency (${EXPECTED_CURRENCY})` };
    lastCode = named === BARE_DOLLAR ? run.bareDollar : named;
    last = Buffer.from(raw);
    return lastCode;
  };
  const at = (bytes: Uint8Array, start: number, end: number): string | typeof NOT_FAST => {
    if (last === undefined || end - start !== last.length) return NOT_FAST;
    for (let i = 0; i < last.length; i++) if (bytes[start + i] !== last[i]) return NOT_FAST;
    return lastCode;
  };
  return { read, at };
}

/**
 * Settles the money of a row read by the CSV fast path before a fold takes its values (see
 * Taker): the amount at `amountAt` becomes a number (checked against the run's currency, with the
 * currency column at `currencyAt`, if any), or false sends the row down the row path, where the
 * finishing rule words the rejection. A plain amount with no currency column is left as it is.
 */
export function moneySettler(schema: z.ZodType, ctx: SchemaContext): ((values: unknown[]) => boolean) | undefined {
  const run = runCurrency(ctx);
  const columns = canonicalColumns(schema);
  const column = columns.includes('mrr') ? 'mrr' : 'amount';
  const amountAt = columns.indexOf(column), currencyAt = columns.indexOf('currency');
  if (amountAt < 0) return undefined;
  return (values) => {
    const value = values[amountAt], currency = currencyAt < 0 ? undefined : values[currencyAt] as string | undefined;
    if (currency === undefined && !(value instanceof Money)) return true;
    const settled = settleMoney(value as number | Money | undefined, currency, run, column);
    if (settled !== undefined && typeof settled !== 'number') return false;
    values[amountAt] = settled;
    return true;
  };
}

/** `<stage>_at` column names for the stages after stage 0 (which is reached at created_at). */
export const stageColumns = (config: Config) => config.stages.slice(1).map((s) => `${s.toLowerCase()}_at`);
/**
 * Stage 0's own column, `<stage 0>_at`, when the config may feed it (stageColumns templates, or a
 * mapping of that column); else undefined, and stage 0 is reached at created_at. It comes after the
 * other stage columns, so that theirs keep their places.
 */
export function stageZeroColumn(config: Config): string | undefined {
  const col = `${config.stages[0].toLowerCase()}_at`;
  if (col === 'created_at') return undefined;
  return config.stageColumns.leads !== undefined || col in (config.columns.leads ?? {}) ? col : undefined;
}

// ---------------------------------------------------------------------------------------------

/** Each column's place in a list of columns (where a view finds a column among the typed values the fast path read). */
export const columnPlaces = <C extends string>(columns: readonly C[]): Record<C, number> =>
  Object.fromEntries(columns.map((c, i) => [c, i])) as Record<C, number>;

/** The leads schema's columns before its stage columns (stageColumns), in its order: the order of the typed values the CSV fast path reads. */
export const LEAD_COLUMNS = ['id', 'created_at', 'source', 'campaign', 'owner', 'name', 'email', 'phone', 'company'] as const;

export function leadSchema(ctx: SchemaContext) {
  const stageShape: Record<string, ReturnType<typeof optional<number>>> = {};
  const stageCols = stageColumns(ctx.config);
  for (const col of stageCols) stageShape[col] = optional(timestamp(ctx, col));
  const zeroCol = stageZeroColumn(ctx.config);
  if (zeroCol !== undefined) stageShape[zeroCol] = optional(timestamp(ctx, zeroCol));
  const schema = rowSchema({
    id: required(text),
    created_at: required(timestamp(ctx, 'created_at')),
    source: optional(text),
    campaign: optional(text),
    owner: optional(text),
    name: optional(text),
    email: optional(text),
    phone: optional(text),
    company: optional(text),
    ...stageShape,
  }, (row, issues) => {
    // stageAt[k] = when the lead reached stage k; stage 0 at its own column's time when it has one, else
    // at created_at. No stage is entered before created_at.
    const stageAt: (number | undefined)[] = [row.created_at];
    for (let k = zeroCol === undefined ? 1 : 0; k <= stageCols.length; k++) {
      const col = k === 0 ? zeroCol! : stageCols[k - 1];
      const at = (row as Record<string, unknown>)[col] as number | undefined;
      const time = at === undefined ? undefined : notBefore(row.created_at, at);
      if (time !== time) {
        issues.addIssue({ code: 'custom', path: [col], message: `${showTime(at!)} is before created_at ${showTime(row.created_at)} (a lead reaches a stage after it is created)` });
        return z.NEVER;
      }
      if (k > 0) stageAt.push(time);
      else if (time !== undefined) stageAt[0] = time;
    }
    return {
      // undefined for a lead of a file without ids (set by the reader: ingest/config ANONYMOUS_ID).
      id: row.id as string | undefined, createdAt: row.created_at, source: row.source, campaign: row.campaign, owner: row.owner,
      name: row.name, email: row.email, phone: row.phone, company: row.company, stageAt, file: '', line: 0, dims: NO_DIMS,
    };
  });
  if (canonicalColumns(schema).join() !== [...LEAD_COLUMNS, ...stageCols, ...(zeroCol === undefined ? [] : [zeroCol])].join()) throw new Error('leadSchema: its columns are not LEAD_COLUMNS and the stage columns');
  return schema;
}

export function eventSchema(ctx: SchemaContext) {
  const stages = ctx.config.stages.map((s) => s.toLowerCase());
  const aliases = new Map(Object.entries(ctx.config.stageAliases).map(([k, v]) => [k.trim().toLowerCase(), v.toLowerCase()]));
  const stage: Reader<number> = (raw) => {
    const folded = raw.toLowerCase();
    const i = stages.indexOf(aliases.get(folded) ?? folded);
    return i >= 0 ? i : { bad: `${showValue(raw)} is not a configured stage (expected one of ${ctx.config.stages.join(', ')}, or map it in stageAliases)` };
  };
  return rowSchema({
    lead_id: required(text),
    stage: required(reader(stage)),
    at: required(timestamp(ctx, 'at')),
    // An anonymous stage entry (no lead id) is grouped by its own columns (a linked one, by its lead's).
    source: optional(text),
    campaign: optional(text),
    owner: optional(text),
  }, (row) => ({
    // undefined for an anonymous stage entry (set by the reader: ingest/config ANONYMOUS_ID).
    leadId: row.lead_id as string | undefined, stageIndex: row.stage, at: row.at,
    source: row.source, campaign: row.campaign, owner: row.owner, file: '', line: 0, dims: NO_DIMS,
  }));
}

/** The deals schema's columns, in its order: the order of the typed values the CSV fast path reads (see dealSchema). */
export const DEAL_COLUMNS = ['id', 'created_at', 'status', 'stage', 'closed_at', 'amount', 'source', 'campaign', 'owner', 'lead_id', 'customer_id', 'type', 'probability', 'currency'] as const;

/**
 * The config's words for won and lost (a status or stage holding one of them), folded; `byStage`
 * remembers the status derived from each stage text met (a file has a few: each is folded once, not
 * once per row), up to STAGES_REMEMBERED of them.
 */
export interface StatusWords { won: ReadonlySet<string>; lost: ReadonlySet<string>; byStage?: Map<string, 'open' | 'won' | 'lost'> }

const STAGES_REMEMBERED = 4096;

export function dealStatusWords(config: Config): StatusWords {
  return {
    won: new Set((config.status.won ?? DEFAULT_STATUS.won).map((s) => s.trim().toLowerCase())),
    lost: new Set((config.status.lost ?? DEFAULT_STATUS.lost).map((s) => s.trim().toLowerCase())),
    byStage: new Map(),
  };
}

/** The status of a deal without one, from its stage: won or lost when the stage is one of the config's words for it, else open. */
export function statusOfStage(stage: string, words: StatusWords): (typeof DEAL_STATUSES)[number] {
  const folded = stage.toLowerCase();
  return words.won.has(folded) ? 'won' : words.lost.has(folded) ? 'lost' : 'open';
}

/**
 * The deals schema's finishing rule, as a decision on the read values: the deal's status (derived
 * from its stage when it has none: a won or lost word, else open), or the issue that rejects it.
 */
export function settleDeal(
  status: (typeof DEAL_STATUSES)[number] | undefined, stage: string | undefined, closedAt: number | undefined, amount: number | undefined,
  words: StatusWords, createdAt: number,
): (typeof DEAL_STATUSES)[number] | { path: 'status' | 'closed_at' | 'amount'; message: string } {
  let derived = status;
  if (derived === undefined) {
    if (stage === undefined) return { path: 'status', message: 'missing (required; or a stage to derive it from)' };
    derived = words.byStage?.get(stage);
    if (derived === undefined) {
      derived = statusOfStage(stage, words);
      if (words.byStage && words.byStage.size < STAGES_REMEMBERED) words.byStage.set(stage, derived);
    }
  }
  if (derived !== 'open' && closedAt === undefined) return { path: 'closed_at', message: `missing (required for ${derived} deals)` };
  // An open deal's closed_at is an expected date: not checked (and not kept).
  if (derived !== 'open' && Number.isNaN(notBefore(createdAt, closedAt!))) {
    return { path: 'closed_at', message: `${showTime(closedAt!)} is before created_at ${showTime(createdAt)} (a ${derived} deal closes after it is created)` };
  }
  if (derived === 'won' && amount === undefined) return { path: 'amount', message: 'missing (required for won deals)' };
  return derived;
}

const DAY_MS = 86_400_000;

/**
 * A time that must not be before `since` (a close after a creation, a stage entry after a lead's
 * creation): the time to use, or NaN when it is before. A date without a time — read as that day's
 * 00:00 UTC, so any time at exactly midnight counts as one — on the day of `since` is not before
 * it: it is taken as `since` itself, a duration of 0 (a date-only close of a deal created that day).
 */
export function notBefore(since: number, time: number): number {
  if (time >= since) return time;
  return time % DAY_MS === 0 && time === since - (((since % DAY_MS) + DAY_MS) % DAY_MS) ? since : NaN;
}


export function dealSchema(ctx: SchemaContext) {
  const words = dealStatusWords(ctx.config);
  const run = runCurrency(ctx);
  const { won, lost } = words;
  // A status column may hold open/won/lost or a stage name listed in the config's status lists.
  const status: Reader<(typeof DEAL_STATUSES)[number]> = (raw) => {
    const folded = raw.toLowerCase();
    if (won.has(folded)) return 'won';
    if (lost.has(folded)) return 'lost';
    return parseChoice(raw, DEAL_STATUSES);
  };
  // In place: the words of the lists, then open/won/lost, as `status` tries them.
  const statusAt = choiceAt<(typeof DEAL_STATUSES)[number]>([
    ...[...won].map((w) => [w, 'won'] as const), ...[...lost].map((w) => [w, 'lost'] as const), ...DEAL_STATUSES.map((s) => [s, s] as const),
  ]);
  const schema = rowSchema({
    id: required(text),
    created_at: required(timestamp(ctx, 'created_at')),
    status: optional(choice(status, statusAt)),
    stage: optional(text),
    closed_at: optional(timestamp(ctx, 'closed_at')),
    amount: optional(amount(ctx, false)),
    source: optional(text),
    campaign: optional(text),
    owner: optional(text),
    lead_id: optional(text),
    customer_id: optional(text),
    type: optional(choice((raw) => parseChoice(raw, DEAL_TYPES), choiceAt(DEAL_TYPES.map((t) => [t, t] as const)))),
    probability: optional(reader((raw) => ctx.timestamps.probability('probability', raw))),
    currency: optional(currencyColumn(run)),
  }, (row, issues) => {
    const amount = settleMoney(row.amount, row.currency, run, 'amount');
    if (amount !== undefined && typeof amount !== 'number') {
      issues.addIssue({ code: 'custom', path: [amount.path], message: amount.message });
      return z.NEVER;
    }
    const derived = settleDeal(row.status, row.stage, row.closed_at, amount, words, row.created_at);
    if (typeof derived !== 'string') {
      issues.addIssue({ code: 'custom', path: [derived.path], message: derived.message });
      return z.NEVER;
    }
    return {
      id: row.id, createdAt: row.created_at, status: derived, stage: row.stage,
      closedAt: derived === 'open' ? undefined : notBefore(row.created_at, row.closed_at!),
      amount, source: row.source, campaign: row.campaign, owner: row.owner,
      leadId: row.lead_id, customerId: row.customer_id ?? row.id, type: row.type ?? 'new',
      probability: row.probability, file: '', line: 0, dims: NO_DIMS,
    };
  });
  if (canonicalColumns(schema).join() !== DEAL_COLUMNS.join()) throw new Error('dealSchema: its columns are not DEAL_COLUMNS');
  return schema;
}

export function spendSchema(ctx: SchemaContext) {
  const run = runCurrency(ctx);
  return rowSchema({
    date: required(timestamp(ctx, 'date')),
    amount: required(amount(ctx, true)),
    source: optional(text),
    campaign: optional(text),
    category: optional(choice((raw) => parseChoice(raw, SPEND_CATEGORIES), choiceAt(SPEND_CATEGORIES.map((c) => [c, c] as const)))),
    currency: optional(currencyColumn(run)),
  }, (row, issues) => {
    const amount = settleMoney(row.amount, row.currency, run, 'amount');
    if (typeof amount !== 'number') {
      issues.addIssue({ code: 'custom', path: [amount?.path ?? 'amount'], message: amount?.message ?? 'missing (required)' });
      return z.NEVER;
    }
    return {
      date: row.date, amount, source: row.source, campaign: row.campaign,
      category: row.category ?? 'marketing', file: '', line: 0, dims: NO_DIMS,
    };
  });
}

export function subscriptionSchema(ctx: SchemaContext) {
  const run = runCurrency(ctx);
  return rowSchema({
    customer_id: required(text),
    start_date: required(timestamp(ctx, 'start_date')),
    end_date: optional(timestamp(ctx, 'end_date')),
    mrr: required(amount(ctx, false)),
  }, (row, issues) => {
    if (row.end_date !== undefined && row.end_date < row.start_date) {
      issues.addIssue({ code: 'custom', path: ['end_date'], message: 'is before start_date' });
      return z.NEVER;
    }
    const mrr = settleMoney(row.mrr, undefined, run, 'mrr');
    if (typeof mrr !== 'number') {
      issues.addIssue({ code: 'custom', path: [mrr?.path ?? 'mrr'], message: mrr?.message ?? 'missing (required)' });
      return z.NEVER;
    }
    return { customerId: row.customer_id, startDate: row.start_date, endDate: row.end_date, mrr, file: '', line: 0, dims: NO_DIMS };
  });
}

export const SCHEMAS = {
  leads: leadSchema,
  events: eventSchema,
  deals: dealSchema,
  spend: spendSchema,
  subscriptions: subscriptionSchema,
} as const;

export type SchemaKind = keyof typeof SCHEMAS;
/** The typed row of each input kind, plus its location and dimension columns. */
export type TypedRow<K extends SchemaKind> = z.output<ReturnType<(typeof SCHEMAS)[K]>> & RowMeta;
export interface RowMeta {
  file: string;
  line: number;
  /** Columns the schema does not name, by folded header name, usable in --by. */
  dims: Record<string, string | undefined>;
}
export type Lead = TypedRow<'leads'>;
export type StageEvent = TypedRow<'events'>;
export type Deal = TypedRow<'deals'>;
export type Spend = TypedRow<'spend'>;
export type Subscription = TypedRow<'subscriptions'>;

/** Canonical columns of a row schema, in its order (read from the schema: there is no second list). */
export function canonicalColumns(schema: z.ZodType): string[] {
  return Object.keys(FINISHERS.get(schema)!.shape);
}

/** The columns a row schema requires (those declared with `required`). */
export function requiredColumns(schema: z.ZodType): string[] {
  const { shape } = FINISHERS.get(schema)!;
  return Object.keys(shape).filter((col) => COLUMN_READERS.get(shape[col])?.required);
}

/**
 * Checks the config's column mappings and constants before any input is read: each names a column
 * of its input kind, and a constant's value reads as that column's values do (with --date-format
 * and the other read settings of its kind). A constant holds for every row, so a bad one is one usage error naming the key, not a
 * rejection of every row.
 */
export function checkConfigColumns(config: Config, file: string, settings: KindReadSettings = {}, entry?: { kind: InputKind; at: string }): void {
  for (const kind of entry ? [entry.kind] : INPUT_KINDS) {
    // A key's name in messages: `columns.deals.amount`, or for an entry of the config's inputs, `inputs.2.columns.amount`.
    const at = (section: string, name: string) => entry ? `${entry.at}${section}.${name}` : `${section}.${kind}.${name}`;
    const mapping = config.columns[kind] ?? {};
    const mapped = Object.keys(mapping);
    const constants = Object.entries(config.constants[kind] ?? {});
    if (mapped.length === 0 && constants.length === 0) continue;
    // A reader of its own: reading a constant must not settle a column of the real read as dates or epoch.
    const parser = compileRowParser(SCHEMAS[kind]({ config, timestamps: new TimestampReader(settings[kind]?.dates), numberFormat: settings[kind]?.numberFormat }));
    const known = parser.columns.map((c) => c.key);
    for (const key of mapped) {
      if (!known.includes(key)) throw usageError('BAD_CONFIG', `${file}: "${at('columns', key)}": unknown ${kind} column "${key}"; did you mean "${closest(key, known)}"? (known: ${known.join(', ')})`);
      // null (alone or ending a list) lets the file lack the column: not for one every row needs, unless a constant gives it.
      const to = mapping[key];
      const mayLack = to === null || (Array.isArray(to) && to[to.length - 1] === null);
      // The id column may: the rows then have no ids (ANONYMOUS_ID).
      if (mayLack && key !== ANONYMOUS_ID[kind] && parser.columns.find((c) => c.key === key)!.required && !(key in (config.constants[kind] ?? {}))) {
        throw usageError('BAD_CONFIG', `${file}: "${at('columns', key)}": ${kind} column "${key}" is required, so it cannot be mapped to null (the file must have it)`);
      }
    }
    for (const [key, value] of constants) {
      const where = `${file}: "${at('constants', key)}"`;
      const column = parser.columns.find((c) => c.key === key);
      if (!column) throw usageError('BAD_CONFIG', `${where}: unknown ${kind} column "${key}"; did you mean "${closest(key, known)}"? (known: ${known.join(', ')})`);
      const raw = value.trim();
      if (raw === '') throw usageError('BAD_CONFIG', `${where}: is empty (a constant gives every row this value; remove it to leave the column missing)`);
      const read = column.read(raw);
      if (isBad(read)) throw usageError('BAD_CONFIG', `${where}: ${read.bad}`);
    }
  }
}
