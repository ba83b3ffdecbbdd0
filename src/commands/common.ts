/**
 * What every command that reads inputs shares on the command line: the input flags (each
 * repeatable), the config file and its flag overrides, and the check that no output overwrites an
 * input. Reading the inputs is ingest's (ingest/inputs.ts).
 */
import { readFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../ingest/config.js';
import { INPUT_KINDS, type InputKind } from '../core/kinds.js';
import { dataError, showValue, usageError } from '../core/errors.js';
import { FORMATS } from '../ingest/formats/index.js';
import type { InputFlags, Io, ListedFile } from '../ingest/inputs.js';
import { describeFsError } from '../ingest/source.js';
import { checkCollisions, identity, resolveTarget, spillPathOf, type Place } from '../output/targets.js';
import { loadKindReadSettings, loadReadSettings, readSettings } from '../ingest/settings.js';
import { DELIMITER_EXPECTED, delimiterOf } from '../ingest/delimiter.js';

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
  const d = delimiterOf(raw);
  if (d === undefined) throw new InvalidArgumentError(DELIMITER_EXPECTED);
  return d;
}
/** A file name given to a flag: an empty one would name the current directory. */
export function filePath(raw: string): string {
  if (raw.trim() === '') throw new InvalidArgumentError('expected a file name, not an empty string');
  return raw;
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
    .option('--preset <name>', 'read a CRM\'s standard exports: hubspot, salesforce, pipedrive or zoho (the config file is merged over it; see funnel presets)')
    .addOption(new Option('--input-format <format>', 'read every input as this format, whatever its extension').choices(FORMATS))
    .option('--delimiter <char>', 'CSV field delimiter (default , and tab for .tsv; also: tab, semicolon, pipe)', delimiter)
    .option('--date-format <pattern>', 'date-fns pattern for dates that are not ISO 8601, e.g. MM/dd/yyyy (read as UTC unless the config sets a timezone); replaces the config\'s dateFormats')
    .option('--stages <list>', 'ordered stage names, overriding the config (e.g. lead,mql,sql,customer)', stageList)
    .option('--fiscal-year-start <month>', 'first month of the fiscal year, 1-12', intIn(1, 12))
    .option('--stall-days <days>', 'days in one stage after which an open item is stalled', numberIn(Number.MIN_VALUE, Number.MAX_VALUE, 'a positive number of days'))
    .option('--gross-margin <fraction>', 'gross margin 0..1 for LTV and payback', numberIn(0, 1, 'a fraction from 0 to 1'))
    .option('--strict', 'stop at the first rejected row (exit 1)')
    .option('--rejects <file>', 'write every rejected row, in full plus reason, file and line, to this CSV file', filePath)
    .option('--quiet', 'no progress line, notes or per-row rejection lines on stderr (errors and the rejected-row count still print)')
    .option('--debug', 'show stack traces of errors');
}

export async function loadConfig(flags: InputFlags, io: Io): Promise<Config> {
  return (await readConfig(flags, io)).config;
}

/** The config (file over preset, flags over it), checked; `path`: the config file's, if any; `shown`: how messages name it. */
async function readConfig(flags: InputFlags, io: Io): Promise<{ config: Config; path: string | undefined; shown: string }> {
  let path = flags.config;
  let raw: unknown = {};
  if (path === undefined && existsSync(join(io.cwd, 'funnel.config.json'))) path = join(io.cwd, 'funnel.config.json');
  let shown = path ?? 'config';
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
  // A preset is the layer below the config file (flags are the one above it).
  const { withPreset, rememberRuleSources, newRuleSources } = await import('../ingest/presets/index.js');
  // Where each per-column rule came from (preset or config file): validate shows it.
  const sources = newRuleSources();
  raw = withPreset(raw, shown, flags.preset, flags.stages, sources);
  const preset = typeof raw === 'object' && raw !== null ? (raw as { preset?: unknown }).preset : undefined;
  if (typeof preset === 'string') shown = path === undefined ? `preset "${preset}"` : `${shown} over preset "${preset}"`;
  // zod is loaded here, not at start-up: `funnel --help` does not need it.
  const { parseConfig, applyOverrides } = await import('../ingest/config.js');
  const config = applyOverrides(parseConfig(raw, shown), {
    stages: flags.stages, fiscalYearStartMonth: flags.fiscalYearStart, stallDays: flags.stallDays, grossMargin: flags.grossMargin,
  }, 'flags');
  // Checked before any input is read: the date patterns, and the constants (read with their kind's settings).
  const settings = await loadKindReadSettings(config, flags, shown);
  const { checkConfigColumns } = await import('../ingest/schemas.js');
  checkConfigColumns(config, shown, settings);
  rememberRuleSources(config, sources);
  return { config, path, shown };
}

/**
 * Refuses a file given twice for one kind (two flags, or listed in the config's inputs and given by
 * a flag; the same file through a link too): its rows would be counted twice, and rows without ids
 * have no duplicate check to catch it.
 */
function refuseTwice<F extends InputFlags>(flags: F, io: Io): F {
  for (const kind of INPUT_KINDS) {
    const seen = new Map<string, string>();
    for (const file of flags[kind]) {
      if (file === '-') continue;
      const id = identity(resolve(io.cwd, file));
      if (id === undefined) continue;
      const before = seen.get(id);
      if (before !== undefined) {
        const which = before === file ? `${showValue(file)} is given twice` : `${showValue(before)} and ${showValue(file)} are the same file`;
        throw usageError('INPUT_TWICE', `--${kind}: ${which} (by flags or the config's inputs); each file is read once, or its rows would be counted twice`);
      }
      seen.set(id, file);
    }
  }
  return flags;
}

/**
 * The config and the run's inputs: the files the config's `inputs` lists (each path relative to the
 * config file's folder) come first in their kind, with their own view of the config and read
 * settings (InputFlags.listed), then those given by flags. Each listed file must exist, and its own
 * settings are checked as the config's are, before anything is read.
 */
export async function loadRun<F extends InputFlags>(flags: F, io: Io): Promise<{ config: Config; flags: F }> {
  const { config, path, shown } = await readConfig(flags, io);
  if (config.inputs.length === 0) return { config, flags: refuseTwice(flags, io) };
  const { fileConfig } = await import('../ingest/config.js');
  const { checkConfigColumns } = await import('../ingest/schemas.js');
  const folder = path === undefined ? io.cwd : dirname(resolve(io.cwd, path));
  const files = new Map<InputKind, string[]>(), listed = new Map<InputKind, ListedFile[]>();
  for (const [i, entry] of config.inputs.entries()) {
    const { kind } = entry, key = `inputs.${i}.`, at = `${shown}: inputs.${i}`;
    // Named as a flag would name it: relative to the working directory (an absolute path is kept).
    const file = entry.file === '-' || isAbsolute(entry.file) ? entry.file : relative(io.cwd, resolve(folder, entry.file)) || '.';
    if (file !== '-') {
      try { statSync(resolve(io.cwd, file)); } catch (err) { throw dataError('UNREADABLE', `${shown}: "${key}file": ${describeFsError(file, err as NodeJS.ErrnoException)}`, err); }
    }
    const own = fileConfig(config, entry, at);
    const settings = readSettings(own, kind, flags, { layer: entry, at: key });
    checkConfigColumns(own, shown, { [kind]: await loadReadSettings(settings, shown) }, { kind, at: key });
    files.set(kind, [...(files.get(kind) ?? []), file]);
    listed.set(kind, [...(listed.get(kind) ?? []), {
      at, configFile: shown, key, config: own, settings, format: entry.format, delimiter: entry.delimiter,
      constants: Object.keys(entry.constants ?? {}), columns: Object.keys(entry.columns ?? {}), values: Object.keys(entry.values ?? {}), stageColumns: entry.stageColumns !== undefined,
    }]);
  }
  const run: F = { ...flags, listed: {} };
  for (const [kind, names] of files) {
    run[kind] = [...names, ...flags[kind]];
    (run.listed as Record<InputKind, (ListedFile | undefined)[]>)[kind] = [...listed.get(kind)!, ...flags[kind].map(() => undefined)];
  }
  return { config, flags: refuseTwice(run, io) };
}

/**
 * Refuses, before anything is read, a run whose --output or --rejects (or the rejects' spill file,
 * or the report on stdout) is one of its inputs or config, or another of its outputs — seen through
 * symlinks and hard links: writing it would destroy what is read or what the other one wrote.
 */
export function checkOutputs(flags: InputFlags & { output?: string }, io: Io): void {
  const place = (role: string, path: string): Place => ({ role, path: path === '-' ? '-' : resolve(io.cwd, path), shown: path });
  const inputs = INPUT_KINDS.flatMap((kind) => flags[kind].map((file, n) => {
    const listed = flags.listed?.[kind]?.[n];
    return place(listed ? `${listed.key.slice(0, -1)} of ${listed.configFile}` : `--${kind}`, file);
  }));
  const config = flags.config ?? (existsSync(join(io.cwd, 'funnel.config.json')) ? 'funnel.config.json' : undefined);
  if (config !== undefined) inputs.push(place('--config', config));
  const outputs: Place[] = [];
  if (flags.output !== undefined) outputs.push(place('--output', flags.output));
  if (flags.rejects !== undefined) {
    const rejects = place('--rejects', flags.rejects);
    const spill = spillPathOf(resolveTarget(rejects.path).real);
    outputs.push(rejects, { role: 'the temporary file of --rejects', path: spill });
  }
  const fd = (stream: unknown) => (stream as { fd?: unknown }).fd;
  checkCollisions(inputs, outputs, { stdin: fd(io.stdin), stdout: flags.output === undefined ? fd(io.stdout) : undefined });
}
