/**
 * funnel validate — reads the inputs through the validators and reports, per file, how each
 * canonical column was found (which header, constant or rule, and whether the preset, the config
 * file or the column's own name set it), the rows read, accepted and rejected, and every rejected
 * row with its reason.
 * Exit 0 when nothing was rejected, 1 otherwise. Memory: one row at a time, plus the ids seen
 * (for duplicates) and, with --format json, the rejected rows.
 */
import { Command, Option } from 'commander';
import Table from 'cli-table3';
import { addInputOptions, checkOutputs, digestIfShown, loadRun } from './common.js';
import { readInputs, inputsOf, type InputFlags, type Io } from '../ingest/inputs.js';
import { ExitCode, escapeText, showValue, usageError } from '../core/errors.js';
import { formatRejection, type Rejection } from '../ingest/rejection.js';
import type { ColumnSource, FileColumnSources, FileStats } from '../ingest/read.js';
import type { Config } from '../ingest/config.js';
import type { InputKind } from '../core/kinds.js';
import { ruleSourcesOf } from '../ingest/presets/index.js';
import { listNames } from '../ingest/names.js';
import { inputsReport } from '../ingest/inputs-report.js';
import { INPUT_KINDS } from '../core/kinds.js';
import { jsonPieces } from '../output/json.js';
import { writePieces, writeStream } from '../output/write.js';
import { forTerminal } from '../output/cells.js';

const HELP_EXAMPLES = `
Examples:
  $ funnel validate --deals deals.csv --leads leads.csv
  $ funnel validate --deals crm-export.csv --config funnel.config.json --rejects bad-rows.csv
  $ funnel validate --subscriptions subs.ndjson --format json > validation.json
`;

interface ValidateFlags extends InputFlags { format: 'table' | 'json' }

export function validateCommand(io: Io, setExitCode: (code: number) => void): Command {
  const cmd = new Command('validate')
    .description('check the input files: counts per file and every rejected row with its reason (exit 1 if any row is rejected)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'));
  addInputOptions(cmd).addHelpText('after', HELP_EXAMPLES).action(async (given: ValidateFlags) => {
    const { config, flags } = await loadRun(given, io);
    checkOutputs(flags, io);
    if (inputsOf(flags).length === 0) throw usageError('NO_INPUT', 'no input given (pass --leads, --events, --deals, --spend or --subscriptions; see funnel validate --help)');
    const rejections: Pick<Rejection, 'file' | 'line' | 'reason'>[] = [];
    const found: FoundColumns[] = [];
    const result = await readInputs(digestIfShown(flags), config, io, INPUT_KINDS.map((kind) => ({ kind })), {
      logToStderr: false,
      allowAllRejected: true,
      dims: new Set(),
      onColumnSources: (kind, file, sources) => found.push({ kind, file, sources }),
      onReject: (r) => {
        if (flags.format === 'json') rejections.push({ file: r.file, line: r.line, reason: r.reason });
        else io.stdout.write(formatRejection(r) + '\n');
      },
    });
    if (flags.format === 'json') {
      // In pieces: a million rejected rows are more JSON than one string may hold.
      const pieces = jsonPieces({ inputs: inputsReport(result.stats), columns: found.map((f) => columnsJson(f, config)), rejections }, 2);
      const onTerminal = (io.stdout as { isTTY?: boolean }).isTTY === true;
      await writePieces(onTerminal ? forTerminal(pieces, 'json') : pieces, (chunk) => writeStream(io.stdout, chunk));
      await writeStream(io.stdout, '\n');
    } else {
      if (result.rejected) io.stdout.write('\n');
      if (found.length) io.stdout.write(found.map((f) => columnsText(f, config) + '\n\n').join(''));
      io.stdout.write(countsTable(result.stats) + '\n');
    }
    setExitCode(result.rejected ? ExitCode.data : ExitCode.ok);
  });
  return cmd;
}

function countsTable(stats: FileStats[]): string {
  const table = new Table({
    head: ['input', 'file', 'rows', 'accepted', 'rejected'],
    colAligns: ['left', 'left', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  for (const s of stats) table.push([s.kind, escapeText(s.file), fmt(s.rows), fmt(s.accepted), fmt(s.rejected)]);
  return table.toString();
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** How one file's columns were found (ReadOptions.onColumnSources). */
interface FoundColumns { kind: InputKind; file: string; sources: FileColumnSources }

/** Where a rule came from: its layer (`preset`, `config`, `config over preset`), or "default name" for a column found by its own name. */
const origin = (config: Config, rule: string | undefined): string => (rule === undefined ? 'default name' : ruleSourcesOf(config).rules.get(rule) ?? 'config');

const quoted = (headers: readonly string[]) => headers.map((h) => showValue(h)).join(', ');

/** A column's finding in words: `header "Record ID"`, `first non-empty of "A", "B"`, … (text from data escaped). */
function howFound(s: ColumnSource): string {
  const values = s.values !== undefined ? ', values mapped' : '';
  switch (s.found) {
    case 'header': return `header ${quoted(s.headers!)}${values}`;
    case 'first non-empty': return `first non-empty of ${quoted(s.headers!)}${values}`;
    case 'constant': return `constant ${showValue(s.constant!)}`;
    case 'flags': return `true/false columns: ${Object.entries(s.flags!).map(([flag, h]) => `${flag} ${showValue(h)}`).join(', ')}`;
    case 'absent': return s.lookedFor === undefined ? 'absent (mapped to null)' : s.lookedFor.length === 1 ? `absent (no header ${quoted(s.lookedFor)})` : `absent (none of ${quoted(s.lookedFor)} in the file)`;
  }
}

/** The rules behind a column, each with its layer: `preset: columns.deals.id`, and its value map's. */
function whence(s: ColumnSource, config: Config): string {
  const parts = [s.rule === undefined ? 'its own name' : `${origin(config, s.rule)}: ${s.rule}`];
  if (s.values !== undefined) parts.push(`${origin(config, s.values)}: ${s.values}`);
  return escapeText(parts.join('; '));
}

/**
 * One file's columns for a terminal. A title line naming the file and the layers the rules came
 * from; a line per canonical column that a rule found (or a constant, or a value map): the column,
 * how it was found, and the rules behind it, aligned when the longest line fits in 120 columns;
 * then one line for the columns found under their own names, one for those not in the file, one
 * for the other headers (dimensions).
 */
function columnsText(f: FoundColumns, config: Config): string {
  const rows: [string, string, string][] = [];
  const own: string[] = [], missing: string[] = [];
  for (const s of f.sources.columns) {
    if (s.rule === undefined && s.values === undefined && s.found === 'header') own.push(s.column);
    else if (s.rule === undefined && s.found === 'absent') missing.push(s.column);
    else rows.push([s.column, howFound(s), whence(s, config)]);
  }
  for (const d of f.sources.dimensions) if (d.values !== undefined) rows.push([showValue(d.name), 'a dimension, values mapped', escapeText(`${origin(config, d.values)}: ${d.values}`)]);
  const colWidth = Math.max(0, ...rows.map(([c]) => c.length));
  // The rules line up after the findings that leave them room in 120 columns; a longer line goes on past.
  const howWidth = Math.max(0, ...rows.map(([, h, w]) => (2 + colWidth + 3 + h.length + 2 + w.length <= 120 ? h.length : 0)));
  const layers = [...ruleSourcesOf(config).layers].map(([layer, what]) => `${layer}: ${what}`);
  const lines = [escapeText(`columns of ${f.kind} ${f.file}${layers.length ? ` (${layers.join('; ')})` : ''}`)];
  for (const [col, how, from] of rows) lines.push(`  ${col.padEnd(colWidth)} ← ${how.padEnd(howWidth)}  ${from}`);
  if (own.length) lines.push(...wrapped(`  under their own names: ${own.join(', ')}`));
  if (missing.length) lines.push(...wrapped(`  not in the file: ${missing.join(', ')}`));
  const dims = f.sources.dimensions.map((d) => d.name);
  if (dims.length) lines.push(...wrapped(`  other headers (dimensions, for --by): ${listNames(dims)}`));
  return lines.join('\n');
}

/** A list line cut after its commas into lines of at most 120 columns, the others indented by four. */
function wrapped(line: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const part of line.split(/(?<=, )/)) {
    if (current !== '' && current.length + part.trimEnd().length > 120) { out.push(current.trimEnd()); current = '    '; }
    current += part;
  }
  out.push(current);
  return out;
}

/** One file's columns for --format json: per canonical column how it was found, its rule and the rule's layer. */
function columnsJson(f: FoundColumns, config: Config): object {
  const columns: Record<string, object> = {};
  for (const s of f.sources.columns) {
    const { column, values, ...finding } = s;
    columns[column] = {
      ...finding,
      from: origin(config, s.rule),
      ...(values !== undefined ? { values: { rule: values, from: origin(config, values) } } : {}),
    };
  }
  const dimensions = f.sources.dimensions.map((d) => (d.values === undefined ? { name: d.name } : { name: d.name, values: { rule: d.values, from: origin(config, d.values) } }));
  return { kind: f.kind, file: f.file, layers: Object.fromEntries(ruleSourcesOf(config).layers), columns, dimensions };
}
