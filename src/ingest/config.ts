/**
 * The configuration file (--config, else ./funnel.config.json), validated with zod: the schema is
 * the one source of the config type. An unknown or ill-typed key is a usage error naming the key
 * and what was expected.
 */
import { z } from 'zod';
import { closest } from 'fastest-levenshtein';
import { usageError } from '../core/errors.js';
import { isCurrencyCode } from './currency.js';
import { NUMBER_FORMATS, numberFormatOf } from './numbers.js';
import { isTimeZone } from './timezone.js';
import { DELIMITER_EXPECTED, delimiterOf } from './delimiter.js';
import { FORMATS, type InputFormat } from './formats/index.js';
import { mergeLayers } from './presets/index.js';

import { INPUT_KINDS, type InputKind } from '../core/kinds.js';
export { INPUT_KINDS, type InputKind };

export const DEFAULT_STATUS = { won: ['won', 'closed won'], lost: ['lost', 'closed lost'] };

const stageName = z.string().trim().min(1, 'a stage name must not be empty');
const perInput = <T extends z.ZodType>(value: T) =>
  z.strictObject({
    leads: value.optional(),
    events: value.optional(),
    deals: value.optional(),
    spend: value.optional(),
    subscriptions: value.optional(),
  });

const headerName = z.string().trim().min(1, 'a header name must not be empty');
/**
 * Where a canonical column comes from: a header; a list of alternative headers (a row's value is the
 * first non-empty one among those the file has; a `null` last: none of them need be in the file); or
 * `null`: the file has no such column (a header of that name is an ordinary dimension).
 */
const headerList = z.array(headerName.nullable()).min(1, 'a list of headers must not be empty')
  .refine((l) => l.every((h, i) => h !== null || i === l.length - 1), 'null may only end a list of headers (meaning: none of them need be in the file)')
  .refine((l) => l.some((h) => h !== null), 'a list of headers needs at least one header name');
const columnMapping = z.union([
  headerName,
  headerList,
  z.null(),
], { error: 'expected a header name, a list of header names (null may end it), or null (the file has no such column)' });
export type ColumnMapping = z.output<typeof columnMapping>;
/**
 * A deal's status from boolean columns: won when `won` is true; lost when `lost` is true, or `closed` is and `won` is not; else open.
 * Each flag is a header or a list of alternatives (a `null` last: the file may lack it); a file without
 * the won column, or without both the closed and lost ones, has its status from the stage.
 */
const flagMapping = z.union([headerName, headerList]);
const statusFlags = z.strictObject({ won: flagMapping, closed: flagMapping.optional(), lost: flagMapping.optional() })
  .refine((f) => f.closed !== undefined || f.lost !== undefined, 'needs "closed" or "lost" (or both) besides "won"');
export type StatusFlags = z.output<typeof statusFlags>;
const dealColumns = z.record(z.string(), z.union([columnMapping, statusFlags], { error: 'expected a header name, a list of header names (null may end it), or null (the file has no such column); for status also {"won": "<header>", "closed": "<header>"} (each may be a list of headers)' }))
  .superRefine((cols, ctx) => {
    for (const [col, to] of Object.entries(cols)) {
      if (col !== 'status' && to !== null && typeof to === 'object' && !Array.isArray(to)) {
        ctx.addIssue({ code: 'custom', path: [col], message: 'only deals.status may be an object of boolean columns; expected a header name, a list of header names, or null' });
      }
    }
  });

/**
 * Header templates for stage entry times (`stageColumns.leads`; a per-file `inputs` entry takes the
 * same list): `{stage}` stands for a stage name as the header spells it (matched case-insensitively,
 * else through stageAliases), `*` for any text. Expanded against each file's header row
 * (ingest/stage-templates.ts).
 */
export const stageColumnTemplates = z.array(z.string().trim()
  .refine((t) => t.toLowerCase().split('{stage}').length === 2, 'a template needs "{stage}" exactly once, e.g. "Became a {stage} Date" or "date_entered_{stage}"'))
  .min(1, 'a list of templates must not be empty');

/** How values are written (ingest/settings.ts): at the top level for every input, and per input kind under `formats`. */
const formatKeys = {
  dateFormats: z.array(z.string().refine((p) => p.trim() !== '', 'a date pattern must not be empty')).optional(),
  numberFormat: z.string().transform((f, ctx) => numberFormatOf(f) ?? (ctx.addIssue({ code: 'custom', message: `expected one of ${NUMBER_FORMATS.map((n) => JSON.stringify(n)).join(', ')}` }), z.NEVER)).optional(),
  timezone: z.string().trim().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin or America/New_York').optional(),
  /** A CSV file's field delimiter (one character, or tab, comma, semicolon, pipe). */
  delimiter: z.string().transform((d, ctx) => delimiterOf(d) ?? (ctx.addIssue({ code: 'custom', message: DELIMITER_EXPECTED }), z.NEVER)).optional(),
  /** A workbook's sheet: its name, or its 1-based number. */
  sheet: z.union([z.string().trim().min(1, 'a sheet name must not be empty'), z.number().int().min(1)], { message: 'expected a sheet name or a sheet number from 1' }).optional(),
};

/**
 * One file of the config's `inputs`: its kind, its path (relative to the config file's folder) and
 * settings of its own, which win over the per-kind and top-level ones for this file alone.
 */
const inputEntry = z.strictObject({
  kind: z.enum(INPUT_KINDS, { error: `expected one of ${INPUT_KINDS.join(', ')}` }),
  file: z.string({ error: 'expected a file name' }).refine((f) => f.trim() !== '', 'expected a file name, not an empty string'),
  format: z.enum(FORMATS as [InputFormat, ...InputFormat[]], { error: `expected one of ${FORMATS.join(', ')}` }).optional(),
  ...formatKeys,
  columns: dealColumns.optional(),
  constants: z.record(z.string(), z.string()).optional(),
  values: z.record(z.string(), z.record(z.string(), z.string())).optional(),
  /** Header templates for stage entry times, for a leads file (as stageColumns.leads). */
  stageColumns: stageColumnTemplates.optional(),
}).refine((e) => e.stageColumns === undefined || e.kind === 'leads', { path: ['stageColumns'], message: 'only a leads file has stage date columns (stageColumns)' });
export type InputEntry = z.output<typeof inputEntry>;
/** The keys of an entry of `inputs`, for messages. */
export const INPUT_ENTRY_KEYS = Object.keys(inputEntry.shape);

/** Value maps are matched after trimming and case-insensitively: two keys that fold alike are ambiguous. */
function checkValueMaps(columns: Record<string, Record<string, string>>, path: (string | number)[], ctx: z.core.$RefinementCtx): void {
  const seenColumns = new Map<string, string>();
  for (const [column, map] of Object.entries(columns)) {
    const c = column.trim().toLowerCase();
    if (seenColumns.has(c)) ctx.addIssue({ code: 'custom', path: [...path, column], message: `names the same column as "${seenColumns.get(c)}" (column names are matched trimmed and case-insensitively)` });
    seenColumns.set(c, column);
    const seen = new Map<string, string>();
    for (const raw of Object.keys(map)) {
      const r = raw.trim().toLowerCase();
      if (seen.has(r) && map[seen.get(r)!] !== map[raw]) ctx.addIssue({ code: 'custom', path: [...path, column, raw], message: `matches the same values as "${seen.get(r)}" (values are matched trimmed and case-insensitively) but maps them to something else` });
      seen.set(r, raw);
    }
  }
}

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    stages: z.array(stageName).min(1, 'at least one stage is needed')
      .refine((s) => new Set(s.map((x) => x.toLowerCase())).size === s.length, 'stage names must be unique')
      .default(['lead', 'mql', 'sql', 'opportunity', 'customer']),
    stageAliases: z.record(z.string(), stageName).default({}),
    columns: perInput(z.record(z.string(), columnMapping)).extend({ deals: dealColumns.optional() }).default({}),
    constants: perInput(z.record(z.string(), z.string())).default({}),
    values: perInput(z.record(z.string(), z.record(z.string(), z.string()))).default({}),
    // Only leads have stage columns (`<stage>_at`).
    stageColumns: z.strictObject({ leads: stageColumnTemplates.optional() }).default({}),
    dealStages: z
      .strictObject({ created: stageName.nullable().optional(), won: stageName.nullable().optional() })
      .nullable()
      .default({ created: 'opportunity', won: 'customer' }),
    status: z
      .strictObject({ won: z.array(z.string()).optional(), lost: z.array(z.string()).optional() })
      .default({}),
    stageProbability: z.record(z.string(), z.number().min(0).max(1)).default({}),
    fiscalYearStartMonth: z.number().int().min(1).max(12).default(1),
    stallDays: z.number().positive().default(30),
    grossMargin: z.number().min(0).max(1).default(1),
    currency: z.string().trim().toUpperCase().refine(isCurrencyCode, 'expected an ISO 4217 currency code such as USD or EUR').optional(),
    /** The preset the config is merged over (see ingest/presets/); set to the one in use once merged. */
    preset: z.string().optional(),
    ...formatKeys,
    formats: perInput(z.strictObject(formatKeys)).default({}),
    inputs: z.array(inputEntry).default([]),
  })
  .superRefine((cfg, ctx) => {
    // A stage after the first is read from a `<stage>_at` column: `created` would be the leads' created_at.
    cfg.stages.forEach((stage, i) => {
      if (i > 0 && stage.toLowerCase() === 'created') {
        ctx.addIssue({ code: 'custom', path: ['stages', i], message: `"${stage}" cannot be a stage after the first: its column, created_at, is the leads' creation date (rename the stage, e.g. "created_stage", and map its column in columns.leads)` });
      }
    });
    const won = new Set((cfg.status.won ?? DEFAULT_STATUS.won).map((w) => w.trim().toLowerCase()));
    for (const [i, word] of (cfg.status.lost ?? DEFAULT_STATUS.lost).entries()) {
      if (won.has(word.trim().toLowerCase())) {
        const from = (list: 'won' | 'lost') => (cfg.status[list] ? `status.${list}` : `the default status.${list}`);
        ctx.addIssue({ code: 'custom', path: ['status', 'lost', i], message: `"${word}" is listed as both won (${from('won')}) and lost (${from('lost')}); a deal cannot be both` });
      }
    }
    for (const [kind, columns] of Object.entries(cfg.values)) checkValueMaps(columns ?? {}, ['values', kind], ctx);
    cfg.inputs.forEach((entry, i) => {
      if (entry.values) checkValueMaps(entry.values, ['inputs', i, 'values'], ctx);
      const status = entry.columns?.status;
      if (entry.kind !== 'deals' && status !== null && typeof status === 'object' && !Array.isArray(status)) {
        ctx.addIssue({ code: 'custom', path: ['inputs', i, 'columns', 'status'], message: 'only deals.status may be an object of boolean columns; expected a header name, a list of header names, or null' });
      }
    });
    const stages = new Set(cfg.stages.map((s) => s.toLowerCase()));
    for (const [alias, stage] of Object.entries(cfg.stageAliases)) {
      if (!stages.has(stage.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: ['stageAliases', alias], message: `names stage "${stage}", which is not in stages (${cfg.stages.join(', ')})` });
      }
    }
  });

export type ConfigInput = z.input<typeof ConfigSchema>;
export type Config = z.output<typeof ConfigSchema>;

/** The keys allowed at a path of the config (top level, or the per-input maps). */
function knownKeys(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(ConfigSchema.shape).filter((k) => k !== '$schema');
  if (path.length === 1 && (path[0] === 'columns' || path[0] === 'constants' || path[0] === 'values' || path[0] === 'formats')) return [...INPUT_KINDS];
  if (path.length === 2 && path[0] === 'formats') return Object.keys(formatKeys);
  if (path.length === 1 && path[0] === 'status') return ['won', 'lost'];
  if (path.length === 1 && path[0] === 'stageColumns') return ['leads'];
  if (path.length === 3 && path[0] === 'columns' && path[1] === 'deals' && path[2] === 'status') return ['won', 'closed', 'lost'];
  if (path.length === 1 && path[0] === 'dealStages') return ['created', 'won'];
  if (path.length === 2 && path[0] === 'inputs') return INPUT_ENTRY_KEYS;
  if (path.length === 4 && path[0] === 'inputs' && path[2] === 'columns' && path[3] === 'status') return ['won', 'closed', 'lost'];
  return [];
}

/** Formats the first zod issue as `key.path: what was expected`. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const at = issue.path.length ? `${path}: ` : '';
    const known = knownKeys(issue.path);
    const hint = known.length === 0 ? '' : `; did you mean "${closest(issue.keys[0], known)}"? (known keys: ${known.join(', ')})`;
    return `${at}unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}${hint}`;
  }
  return `"${path}": ${issue.message}`;
}

/**
 * Where the config has a key named `__proto__`, if anywhere. JSON.parse keeps it as a key, but a
 * map parsed into a plain object would drop it without a word (it names the object's prototype).
 */
function protoKeyPath(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, v] of Object.entries(value)) {
    if (key === '__proto__') return [...path, key];
    const found = protoKeyPath(v, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

export function parseConfig(raw: unknown, file: string): Config {
  const proto = protoKeyPath(raw);
  if (proto) throw usageError('BAD_CONFIG', `${file}: "${proto.join('.')}": "__proto__" cannot be used as a name in the config (it is reserved in JavaScript)`);
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problem(s))` : '';
    throw usageError('BAD_CONFIG', `${file}: ${first ? describeIssue(first) : 'invalid'}${more}`);
  }
  return result.data;
}

/**
 * The config as one file of its `inputs` sees it: the entry's columns, constants and values merged
 * over its kind's (object by object; a list or a single value replaces the one below), validated by
 * the same schema. The entry's formats are a layer of the read settings (ingest/settings.ts).
 * `at`: where the entry is, for messages (`monthly.json: inputs.2`).
 */
export function fileConfig(config: Config, entry: InputEntry, at: string): Config {
  const { kind } = entry;
  const layer = {
    columns: { [kind]: entry.columns }, constants: { [kind]: entry.constants }, inputs: [],
    ...(entry.stageColumns ? { stageColumns: { leads: entry.stageColumns } } : {}),
  };
  const merged = mergeLayers(config, layer) as Record<string, unknown>;
  if (entry.values) merged.values = { ...config.values, [kind]: mergeValueMaps(config.values[kind] ?? {}, entry.values) };
  return parseConfig(merged, at);
}

/**
 * Value maps, `upper` over `lower`. Columns and raw values are matched trimmed and
 * case-insensitively, so the upper's entry replaces a lower one that folds alike (both would be an
 * ambiguous map).
 */
function mergeValueMaps(lower: Record<string, Record<string, string>>, upper: Record<string, Record<string, string>>): Record<string, Record<string, string>> {
  const fold = (name: string) => name.trim().toLowerCase();
  const out = new Map(Object.entries(lower));
  for (const [column, map] of Object.entries(upper)) {
    const same = [...out.keys()].find((c) => fold(c) === fold(column));
    const below = same === undefined ? {} : out.get(same)!;
    if (same !== undefined) out.delete(same);
    const raws = new Set(Object.keys(map).map(fold));
    out.set(column, { ...Object.fromEntries(Object.entries(below).filter(([raw]) => !raws.has(fold(raw)))), ...map });
  }
  return Object.fromEntries(out);
}

/** Overrides from flags: a flag wins over the config file. */
export interface ConfigOverrides {
  stages?: string[];
  fiscalYearStartMonth?: number;
  stallDays?: number;
  grossMargin?: number;
}

export function applyOverrides(cfg: Config, o: ConfigOverrides, file: string): Config {
  const merged = { ...cfg };
  if (o.stages) merged.stages = o.stages;
  if (o.fiscalYearStartMonth !== undefined) merged.fiscalYearStartMonth = o.fiscalYearStartMonth;
  if (o.stallDays !== undefined) merged.stallDays = o.stallDays;
  if (o.grossMargin !== undefined) merged.grossMargin = o.grossMargin;
  return parseConfig(merged, file);
}

/**
 * The column that names a row of each kind that has ids (always the schema's first). Mapped to
 * null, the rows have none: leads and events are then anonymous (their typed rows carry no id, so
 * nothing links to them), a deal is named by its file and line (its customer_id by default).
 */
export const ANONYMOUS_ID: { readonly [K in InputKind]?: string } = { leads: 'id', deals: 'id', events: 'lead_id' };

/** Whether the config lets the rows of `kind` lack ids (ANONYMOUS_ID mapped to null, or to a list ending in null: then known when a file is read). */
export function idsMayLack(config: Config, kind: InputKind): boolean {
  const column = ANONYMOUS_ID[kind], to = column === undefined ? undefined : config.columns[kind]?.[column];
  return to === null || (Array.isArray(to) && to[to.length - 1] === null);
}
