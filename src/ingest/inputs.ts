/**
 * Reading the inputs of a run: the input flags, the streams a command is given, and reading the
 * inputs in a fixed order (leads first, so stage events can be checked against the accepted lead
 * ids) through the validators, with every rejected row sent to stderr and --rejects.
 */
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { closest } from 'fastest-levenshtein';
import { idsMayLack, type Config } from './config.js';
import { INPUT_KINDS, type InputKind } from '../core/kinds.js';
import { dataError, escapeText, showTime, usageError } from '../core/errors.js';
import type { InputFormat } from './formats/index.js';
import type { FileSettings, FileStats, ProgressSink, ReadOptions, Rejection } from './read.js';
import { rawGroupColumns } from './group-columns.js';
import { RejectionLog, RejectsFile } from './rejects.js';
import { Progress } from '../output/progress.js';
import { loadKindReadSettings, loadReadSettings, type ReadSettings } from './settings.js';
import type { TypedRow } from './schemas.js';
import { listNames } from './names.js';

/** Streams and environment, injected so commands can be tested without touching globals. */
export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface InputFlags {
  leads: string[];
  events: string[];
  deals: string[];
  spend: string[];
  subscriptions: string[];
  config?: string;
  preset?: string;
  inputFormat?: InputFormat;
  delimiter?: string;
  dateFormat?: string;
  stages?: string[];
  fiscalYearStart?: number;
  stallDays?: number;
  grossMargin?: number;
  strict?: boolean;
  rejects?: string;
  quiet?: boolean;
  debug?: boolean;
  /**
   * Not a command-line flag: whether each input's SHA-256 is computed. Only JSON output shows it
   * (`inputs.*.sha256`), so the commands set this from --format (digestIfShown); hashing costs
   * ≈ 0.6 s of CPU time per GB, on a core the parallel read uses. Default true.
   */
  digest?: boolean;
  /**
   * Not a command-line flag: the run's one place for rejected rows, when a command reads its
   * inputs more than once (report: once per view). Unset, each read has its own.
   */
  rejections?: RejectionSink;
  /**
   * Not a command-line flag: per kind, the files of flags[kind] that the config's `inputs` lists,
   * at the same places (they come first; a file given by a flag has none).
   */
  listed?: { readonly [K in InputKind]?: readonly (ListedFile | undefined)[] };
}

/** A file listed in the config's `inputs`: read with settings of its own. */
export interface ListedFile {
  /** Where it is listed, for messages: `monthly.json: inputs.2`. */
  readonly at: string;
  /** The config file, as messages name it. */
  readonly configFile: string;
  /** The key path of its entry: `inputs.2.`. */
  readonly key: string;
  /** The config as this file sees it: its entry's columns, constants and values over its kind's. */
  readonly config: Config;
  /** Its read settings: the kind's, then its entry's, then the flags'. */
  readonly settings: ReadSettings;
  readonly format?: InputFormat;
  readonly delimiter?: string;
  /** The constants its entry sets (others come from `constants.<kind>`), for messages. */
  readonly constants: readonly string[];
  /** The columns its entry maps and the columns whose values it maps (others: `columns.<kind>`, `values.<kind>`). */
  readonly columns?: readonly string[];
  readonly values?: readonly string[];
  /** Whether its entry sets its own stageColumns. */
  readonly stageColumns?: boolean;
}

/** Where a file's constant is set: its entry's `inputs.2.constants.status`, else `constants.deals.status`. */
export const constantAtOf = (kind: InputKind, file: ListedFile | undefined) => (column: string): string =>
  file !== undefined && file.constants.includes(column) ? `${file.key}constants.${column}` : `constants.${kind}.${column}`;

type RuleSection = 'columns' | 'constants' | 'values' | 'stageColumns';

/** Where a file's rule for a column is set: its entry's `inputs.2.columns.id`, else `columns.deals.id` (the same for constants and values). */
export const ruleAtOf = (kind: InputKind, file: ListedFile | undefined) => (section: RuleSection, column: string): string => {
  if (section === 'stageColumns') return file?.stageColumns ? `${file.key}stageColumns` : `stageColumns.${kind}`;
  const own = file === undefined ? undefined : section === 'constants' ? file.constants : file[section];
  return own?.includes(column) ? `${file!.key}${section}.${column}` : `${section}.${kind}.${column}`;
};

/** A file's own read settings and view of the config, loaded for the reader (undefined: the kind's). */
async function fileSettingsOf(kind: InputKind, file: ListedFile | undefined): Promise<FileSettings | undefined> {
  if (file === undefined) return undefined;
  return { config: file.config, settings: await loadReadSettings(file.settings, file.configFile), format: file.format, delimiter: file.delimiter, constantAt: constantAtOf(kind, file), ruleAt: ruleAtOf(kind, file) };
}

/**
 * Where a run's rejected rows go: stderr (the first 20, then one count line) and --rejects.
 * A command that reads several times shares one, so the file holds every rejected row once and
 * the count line is printed once.
 */
export class RejectionSink {
  readonly log: RejectionLog;
  readonly file: RejectsFile | undefined;
  constructor(flags: InputFlags, io: Io) {
    this.log = new RejectionLog((line) => io.stderr.write(line), flags.rejects);
    this.file = flags.rejects ? new RejectsFile(resolve(io.cwd, flags.rejects)) : undefined;
  }

  /** Writes the --rejects file (even after a stopped run: it keeps the rejects found so far). */
  async finish(): Promise<void> { await this.file?.finish(); }

  /** The count line on stderr, if any row was rejected. */
  summarize(stderr: Writable): void { const s = this.log.summary(); if (s) stderr.write(s); }
}

/** `config`: when given, events are checked to have the leads they need (none when they may lack lead ids: anonymous stage entries). */
export function inputsOf(flags: InputFlags, config?: Config): [InputKind, string[]][] {
  const inputs = INPUT_KINDS.map((k) => [k, flags[k]] as [InputKind, string[]]).filter(([, files]) => files.length > 0);
  const stdinCount = inputs.flatMap(([, files]) => files).filter((f) => f === '-').length;
  if (stdinCount > 1) throw usageError('TWO_STDIN', 'at most one input may be read from stdin (-)');
  if (config !== undefined && flags.events.length && !flags.leads.length && !idsMayLack(config, 'events')) throw usageError('EVENTS_NEED_LEADS', '--events needs --leads (events are matched to the leads by lead_id)');
  return inputs;
}

/**
 * A parallel read of a step's input: its counts and rejections (in input order), or undefined to
 * read serially. `onProgress` takes the rows and bytes read so far over all ranges. `unlisted`:
 * rejected rows counted but not kept (none are when --rejects wants them all); `onHeader` the
 * file's header, once read (before any range). `currency`: the run's currency as the inputs read
 * before stated it (its rows in another are rejected, as a serial read rejects them); the read
 * hands back the run's currency after it (that one, else the first its rows stated).
 */
export type ParallelRead = (onProgress?: ProgressSink, onHeader?: (header: string[]) => void, currency?: string) => Promise<{ stats: FileStats; rejections: Rejection[]; unlisted?: number; currency?: string } | undefined>;

/**
 * One input kind to read, in order, and what to do with its typed rows. `after`: the inputs whose
 * rows this step needs read before it (all the earlier steps' when unsaid); a run of several views
 * (report) reads a file once for every view whose steps allow it (run/view.ts runViews). `silent`:
 * a file read again, whose rejected rows, counts and notes an earlier read of it has reported.
 */
export type ReadStep = { [K in InputKind]: { kind: K; handle?: (rows: TypedRow<K>[]) => void; parallel?: ParallelRead; after?: readonly InputKind[]; silent?: boolean } }[InputKind];

/** A view's --by columns, checked once the headers are read (see readInputs). `reads`: the kinds its steps read (all the steps' when unsaid). */
export interface ByCheck { view: string; by: readonly string[]; kinds: (col: string) => readonly InputKind[]; reads?: readonly InputKind[] }

export interface ReadResult {
  stats: FileStats[];
  rejected: number;
}

/**
 * Reads the given inputs through the validators, kind by kind in the order of `steps` (kinds the
 * user gave but no step names are not read). Rejections go to `onReject` (if given), to stderr
 * (first 20, unless --quiet) and to --rejects.
 */
export async function readInputs(
  flags: InputFlags, config: Config, io: Io, steps: ReadStep[],
  options: {
    onReject?: (r: Rejection) => void; logToStderr?: boolean; silentKinds?: ReadonlySet<InputKind>; dims?: ReadonlySet<string>; unread?: ReadOptions['unread'];
    /**
     * The view's --by columns, checked once the headers are read: a column that no file of the
     * kinds it is read from (`kinds`) has is a usage error naming the headers and the closest one.
     */
    checkBy?: ByCheck | readonly ByCheck[];
    /** --as-of: a note per file whose rows are dated after it (counted all the same). */
    asOf?: number;
    /** Whether a file of which every row was rejected may pass (validate: it reports it); else it stops the run. */
    allowAllRejected?: boolean;
    /** How each file's columns were found (validate). */
    onColumnSources?: ReadOptions['onColumnSources'];
  } = {},
): Promise<ReadResult> {
  const given = new Map(inputsOf(flags, config));
  const shared = flags.rejections;
  const log = shared?.log ?? new RejectionLog((line) => io.stderr.write(line), flags.rejects);
  const rejectsFile = shared ? shared.file : flags.rejects && !steps.every((s) => options.silentKinds?.has(s.kind) || !given.has(s.kind))
    ? new RejectsFile(resolve(io.cwd, flags.rejects)) : undefined;
  let rejected = 0;
  // Rejected rows are never silent: --quiet drops the per-row lines, not the count line.
  const reportToStderr = options.logToStderr ?? true;
  const logToStderr = reportToStderr && !flags.quiet;
  const order = steps.map((s) => s.kind);
  const progress = new Progress(io.stderr, !flags.quiet && (io.stderr as { isTTY?: boolean }).isTTY === true);
  const showProgress: ProgressSink = (file, rows, bytes, size) => progress.update(file, rows, bytes, size);
  const knownLeadIds = given.has('events') && order.indexOf('leads') < order.indexOf('events') ? new Map<string, number>() : undefined;
  // A step that reads a file again (ReadStep.silent): its rejections, counts and notes were the first read's.
  let silentStep = false;
  const silentStats = new Set<FileStats>();
  const onReject = (r: Rejection) => {
    if (silentStep || options.silentKinds?.has(r.kind)) return; // already reported by an earlier read of the same file
    rejectsFile?.add(r);
    rejected++;
    log.add(r, !logToStderr);
    options.onReject?.(r);
  };
  const { InputReader, headerGroupNames, headerConstantNotes } = await import('./read.js');
  // A note about a file once per run: not again when a later view reads it (silentKinds), nor twice for one read.
  const noted = new Set<string>();
  const onNote = (kind: InputKind, file: string, note: string) => {
    if (flags.quiet || options.silentKinds?.has(kind) || noted.has(note)) return;
    noted.add(note);
    io.stderr.write(`funnel: note: ${note}\n`);
  };
  const read = steps.map((s) => s.kind).filter((k) => given.has(k));
  const checks = options.checkBy === undefined ? [] : 'view' in options.checkBy ? [options.checkBy as ByCheck] : options.checkBy as readonly ByCheck[];
  const byChecks = checks.map((check) => new ByColumnsCheck(check, (kind) => ((check.reads ?? read).includes(kind) ? given.get(kind)?.length ?? 0 : 0)));
  const byCheck = byChecks.length ? { seen: (kind: InputKind, file: string, columns: string[]) => { for (const c of byChecks) c.seen(kind, file, columns); } } : undefined;
  const reader = new InputReader({
    config, format: flags.inputFormat, delimiter: flags.delimiter, settings: await loadKindReadSettings(config, flags),
    stdin: io.stdin, strict: flags.strict,
    knownLeadIds,
    dims: options.dims,
    asOf: options.asOf,
    rawDims: options.dims ? rawGroupColumns([...options.dims]) : undefined,
    unread: options.unread,
    onProgress: showProgress,
    onColumns: byCheck && ((kind, file, columns) => byCheck.seen(kind, file, columns)),
    onReject,
    onNote,
    digest: flags.digest,
    onColumnSources: options.onColumnSources,
  });
  let finished = false;
  const extraStats: FileStats[] = [];
  try {
    for (const step of steps) {
      const files = given.get(step.kind);
      if (!files) continue;
      const listed = flags.listed?.[step.kind];
      const fileConfig = listed?.[0]?.config ?? config;
      const onHeader = (header: string[]) => {
        for (const note of headerConstantNotes(step.kind, header, files[0], fileConfig, constantAtOf(step.kind, listed?.[0]))) onNote(step.kind, files[0], note);
        byCheck?.seen(step.kind, files[0], headerGroupNames(step.kind, header, files[0], fileConfig));
      };
      silentStep = step.silent === true;
      // The run's currency so far goes with the read (its rows in another are rejected, as here);
      // the first one its rows stated is the run's from then on, as a serial read would have set it.
      const done = step.parallel ? await step.parallel(progress.enabled ? showProgress : undefined, onHeader, reader.currency.code) : undefined;
      if (done) {
        reader.currency.code ??= done.currency;
        for (const r of done.rejections) onReject(r);
        if (!options.silentKinds?.has(step.kind) && !silentStep) log.count += done.unlisted ?? 0;
        if (silentStep) silentStats.add(done.stats);
        extraStats.push(done.stats);
        continue;
      }
      const statsBefore = reader.stats.length;
      const handle = step.handle as ((rows: unknown[]) => void) | undefined;
      const onBatch = (batch: unknown[]) => {
        if (step.kind === 'leads' && knownLeadIds) for (const row of batch as TypedRow<'leads'>[]) if (row.id !== undefined) knownLeadIds.set(row.id, row.createdAt);
        handle?.(batch);
      };
      const own = listed && await Promise.all(listed.map((file) => fileSettingsOf(step.kind, file)));
      for await (const _ of reader.read(step.kind, files, onBatch, own)); // rows go to onBatch as they are read
      if (silentStep) for (const s of reader.stats.slice(statsBefore)) silentStats.add(s);
    }
    finished = true;
  } finally {
    progress.done();
    // Even a run stopped by --strict or a bad file leaves the rejects it found so far (a shared
    // sink is finished by its command, after its last read).
    if (!shared) {
      if (rejectsFile) await rejectsFile.finish();
      if (reportToStderr && finished) { const s = log.summary(); if (s) io.stderr.write(s); }
    }
  }
  const stats = [...reader.stats, ...extraStats].filter((s) => !silentStats.has(s));
  if (options.asOf !== undefined && !flags.quiet) {
    for (const s of stats) {
      if (s.late === undefined || options.silentKinds?.has(s.kind)) continue;
      const one = s.late.rows === 1;
      io.stderr.write(`funnel: note: ${escapeText(s.file)}: ${one ? '1 row is' : `${s.late.rows} rows are`} dated after --as-of ${showTime(options.asOf)} (latest ${showTime(s.late.latest)}); ${one ? 'it is counted as its dates say' : 'they are counted as their dates say'}\n`);
    }
  }
  // A report's footer (its totals and copyright lines), skipped: said once per file.
  if (!flags.quiet) {
    for (const s of stats) {
      if (!s.footer || options.silentKinds?.has(s.kind)) continue;
      io.stderr.write(`funnel: note: ${escapeText(s.file)}: skipped the export's footer at its end (${s.footer === 1 ? '1 row' : `${s.footer} rows`}: totals, copyright), not data; counted as "skipped" in the JSON inputs\n`);
    }
  }
  // A report of nothing but zeros and nulls is not a success: it would read as a quiet month.
  // The files of one kind are one input (read as one stream): it is empty when none of them has an accepted row.
  const kinds = options.allowAllRejected ? [] : [...new Set(stats.map((s) => s.kind))];
  for (const kind of kinds) {
    const files = stats.filter((s) => s.kind === kind);
    const rows = files.reduce((n, s) => n + s.rows, 0), rejectedRows = files.reduce((n, s) => n + s.rejected, 0);
    if (rows === 0 || files.some((s) => s.accepted > 0)) continue;
    const names = files.filter((s) => s.rows > 0).map((s) => s.file).join(', ');
    throw dataError('ALL_REJECTED', `${names}: every row was rejected (${rejectedRows} of ${rows}${flags.quiet ? '' : '; see the reasons above'}${flags.rejects ? `; every one is in ${flags.rejects}` : ''}); no report is written`);
  }
  return { stats, rejected };
}

/**
 * A --by column that no input it could come from has: a usage error, never one silent group of
 * "(not set)". Each file says what it has once its header is read (ReadOptions.onColumns), so the
 * run stops as soon as the last file a column could come from lacks it, before its rows are read.
 */
class ByColumnsCheck {
  private readonly pending: Set<string>;
  private readonly told = new Set<string>();
  private readonly found: { kind: InputKind; file: string; columns: string[] }[] = [];

  constructor(private readonly check: { view: string; by: readonly string[]; kinds: (col: string) => readonly InputKind[] }, private readonly filesOf: (kind: InputKind) => number) {
    this.pending = new Set(check.by);
  }

  seen(kind: InputKind, file: string, columns: string[]): void {
    const key = kind + '\u0000' + file;
    if (this.told.has(key)) return; // a parallel read that fell back to the serial one
    this.told.add(key);
    this.found.push({ kind, file, columns });
    for (const col of this.pending) {
      const kinds = this.check.kinds(col);
      if (!kinds.includes(kind)) continue;
      if (columns.includes(col)) { this.pending.delete(col); continue; }
      const files = this.found.filter((f) => kinds.includes(f.kind));
      if (files.length < kinds.reduce((n, k) => n + this.filesOf(k), 0)) continue;
      const names = [...new Set(files.flatMap((f) => f.columns))];
      const hint = names.length ? `; did you mean "${closest(col, names)}"?` : '';
      const where = files.map((f) => `${f.file}: ${listNames(f.columns)}`).join('; ');
      throw usageError('UNKNOWN_BY_COLUMN', `--by "${col}": no input of the ${this.check.view} view has this column${hint} (columns found in ${where})`);
    }
  }
}
