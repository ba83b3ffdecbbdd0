/**
 * What every command that reads inputs shares: the input flags (SPEC §1, repeatable), the
 * config file and its flag overrides, and reading the inputs in a fixed order (leads first, so
 * stage events can be checked against the accepted lead ids).
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config.js';
import { INPUT_KINDS, type InputKind } from '../kinds.js';
import { usageError } from '../errors.js';
import { FORMATS, type InputFormat } from '../ingest/table.js';
import type { FileStats, ProgressSink, ReadOptions, Rejection } from '../ingest/read.js';
import { RejectionLog, RejectsFile } from '../ingest/rejects.js';
import { Progress } from '../output/progress.js';
import { loadPatternParser } from '../ingest/values.js';
import type { TypedRow } from '../ingest/schemas.js';

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
}

/** The flags with `digest` set for the output format: only JSON output and the workbook's inputs sheet show the inputs' SHA-256. */
export const digestIfShown = <F extends InputFlags & { format: string }>(flags: F): F => ({ ...flags, digest: flags.format === 'json' || flags.format === 'xlsx' });

const collect = (value: string, previous: string[]) => [...previous, value];

function intIn(min: number, max: number) {
  return (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}
function numberIn(min: number, max: number, what: string) {
  return (raw: string) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };
}
function delimiter(raw: string): string {
  const named: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };
  const d = named[raw.toLowerCase()] ?? raw;
  // One ASCII character: the CSV reader splits bytes, and a multi-byte delimiter would need decoding first.
  if (d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === '\n' || d === '\r') throw new InvalidArgumentError('expected one ASCII character other than a quote (or tab, comma, semicolon, pipe)');
  return d;
}
function stageList(raw: string): string[] {
  const stages = raw.split(',').map((s) => s.trim());
  if (stages.some((s) => s === '')) throw new InvalidArgumentError('expected comma-separated stage names, e.g. lead,mql,sql,customer');
  return stages;
}

/** Adds the input, config and rejection flags to a command. */
export function addInputOptions(cmd: Command): Command {
  return cmd
    .option('--leads <file>', 'leads file (CSV/TSV/JSON/NDJSON, - for stdin); repeatable', collect, [])
    .option('--events <file>', 'stage events file (lead_id, stage, at); needs --leads; repeatable', collect, [])
    .option('--deals <file>', 'deals / opportunities file; repeatable', collect, [])
    .option('--spend <file>', 'marketing and sales spend file; repeatable', collect, [])
    .option('--subscriptions <file>', 'subscription periods file; repeatable', collect, [])
    .option('--config <file>', 'config file (default: ./funnel.config.json if present)')
    .addOption(new Option('--input-format <format>', 'read every input as this format, whatever its extension').choices(FORMATS))
    .option('--delimiter <char>', 'CSV field delimiter (default , and tab for .tsv; also: tab, semicolon, pipe)', delimiter)
    .option('--date-format <pattern>', 'date-fns pattern for dates that are not ISO 8601, e.g. MM/dd/yyyy (read as UTC)')
    .option('--stages <list>', 'ordered stage names, overriding the config (e.g. lead,mql,sql,customer)', stageList)
    .option('--fiscal-year-start <month>', 'first month of the fiscal year, 1-12', intIn(1, 12))
    .option('--stall-days <days>', 'days in one stage after which an open item is stalled', numberIn(Number.MIN_VALUE, Number.MAX_VALUE, 'a positive number of days'))
    .option('--gross-margin <fraction>', 'gross margin 0..1 for LTV and payback', numberIn(0, 1, 'a fraction from 0 to 1'))
    .option('--strict', 'stop at the first rejected row (exit 1)')
    .option('--rejects <file>', 'write every rejected row, in full plus reason, file and line, to this CSV file')
    .option('--quiet', 'no progress line, notes or per-row rejection lines on stderr (errors and the rejected-row count still print)')
    .option('--debug', 'show stack traces of errors');
}

export async function loadConfig(flags: InputFlags, io: Io): Promise<Config> {
  let path = flags.config;
  let raw: unknown = {};
  if (path === undefined && existsSync(join(io.cwd, 'funnel.config.json'))) path = join(io.cwd, 'funnel.config.json');
  const shown = path ?? 'config';
  if (path !== undefined) {
    let text: string;
    try {
      text = await readFile(resolve(io.cwd, path), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw usageError('BAD_CONFIG', `${path}: cannot read the config file (${code === 'ENOENT' ? 'no such file' : code})`, err);
    }
    try {
      raw = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (err) {
      throw usageError('BAD_CONFIG', `${path}: the config file is not valid JSON (${(err as Error).message})`, err);
    }
  }
  // zod is loaded here, not at start-up: `funnel --help` does not need it.
  const { parseConfig, applyOverrides } = await import('../config.js');
  const config = parseConfig(raw, shown);
  return applyOverrides(config, {
    stages: flags.stages, fiscalYearStartMonth: flags.fiscalYearStart, stallDays: flags.stallDays, grossMargin: flags.grossMargin,
  }, 'flags');
}

export function inputsOf(flags: InputFlags): [InputKind, string[]][] {
  const inputs = INPUT_KINDS.map((k) => [k, flags[k]] as [InputKind, string[]]).filter(([, files]) => files.length > 0);
  const stdinCount = inputs.flatMap(([, files]) => files).filter((f) => f === '-').length;
  if (stdinCount > 1) throw usageError('TWO_STDIN', 'at most one input may be read from stdin (-)');
  if (flags.events.length && !flags.leads.length) throw usageError('EVENTS_NEED_LEADS', '--events needs --leads (events are matched to the leads by lead_id)');
  return inputs;
}

/**
 * A parallel read of a step's input: its counts and rejections (in input order), or undefined to
 * read serially. `onProgress` takes the rows and bytes read so far over all ranges.
 */
export type ParallelRead = (onProgress?: ProgressSink) => Promise<{ stats: FileStats; rejections: Rejection[] } | undefined>;

/** One input kind to read, in order, and what to do with its typed rows. */
export type ReadStep = { [K in InputKind]: { kind: K; handle?: (rows: TypedRow<K>[]) => void; parallel?: ParallelRead } }[InputKind];

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
  options: { onReject?: (r: Rejection) => void; logToStderr?: boolean; silentKinds?: ReadonlySet<InputKind>; dims?: ReadonlySet<string>; unread?: ReadOptions['unread'] } = {},
): Promise<ReadResult> {
  const given = new Map(inputsOf(flags));
  const log = new RejectionLog((line) => io.stderr.write(line), flags.rejects);
  const rejectsFile = flags.rejects && !steps.every((s) => options.silentKinds?.has(s.kind) || !given.has(s.kind))
    ? new RejectsFile(resolve(io.cwd, flags.rejects)) : undefined;
  // Rejected rows are never silent: --quiet drops the per-row lines, not the count line.
  const reportToStderr = options.logToStderr ?? true;
  const logToStderr = reportToStderr && !flags.quiet;
  const order = steps.map((s) => s.kind);
  const progress = new Progress(io.stderr, !flags.quiet && (io.stderr as { isTTY?: boolean }).isTTY === true);
  const showProgress: ProgressSink = (file, rows, bytes, size) => progress.update(file, rows, bytes, size);
  const knownLeadIds = given.has('events') && order.indexOf('leads') < order.indexOf('events') ? new Set<string>() : undefined;
  const onReject = (r: Rejection) => {
    if (options.silentKinds?.has(r.kind)) return; // already reported by an earlier read of the same file
    rejectsFile?.add(r);
    log.add(r, !logToStderr);
    options.onReject?.(r);
  };
  const { InputReader } = await import('../ingest/read.js');
  const patternParser = flags.dateFormat !== undefined ? await loadPatternParser(flags.dateFormat) : undefined;
  const reader = new InputReader({
    config, format: flags.inputFormat, delimiter: flags.delimiter, datePattern: flags.dateFormat, patternParser,
    stdin: io.stdin, strict: flags.strict,
    knownLeadIds,
    dims: options.dims,
    unread: options.unread,
    onProgress: showProgress,
    onReject,
    digest: flags.digest,
  });
  let finished = false;
  const extraStats: FileStats[] = [];
  try {
    for (const step of steps) {
      const files = given.get(step.kind);
      if (!files) continue;
      const done = step.parallel ? await step.parallel(progress.enabled ? showProgress : undefined) : undefined;
      if (done) {
        for (const r of done.rejections) onReject(r);
        extraStats.push(done.stats);
        continue;
      }
      const handle = step.handle as ((rows: unknown[]) => void) | undefined;
      const onBatch = (batch: unknown[]) => {
        if (step.kind === 'leads' && knownLeadIds) for (const row of batch as TypedRow<'leads'>[]) knownLeadIds.add(row.id);
        handle?.(batch);
      };
      for await (const _ of reader.read(step.kind, files, onBatch)); // rows go to onBatch as they are read
    }
    finished = true;
  } finally {
    progress.done();
    // Even a run stopped by --strict or a bad file leaves the rejects it found so far.
    if (rejectsFile) await rejectsFile.finish();
    if (reportToStderr && finished) { const s = log.summary(); if (s) io.stderr.write(s); }
  }
  return { stats: [...reader.stats, ...extraStats], rejected: log.count };
}
