/**
 * Flags and output shared by the view commands (grouping, period, range, as-of, format,
 * metrics, output), and writing a report.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { PERIODS, type Period } from '../engine/periods.js';
import { OUTPUT_FORMATS, textWriter, type OutputFormat } from '../output/index.js';
import { LAYOUTS, WIDE_FORMATS, widen, type Layout } from '../output/wide.js';
import type { ViewReport } from '../output/report.js';
import { AtomicFile } from '../output/atomic.js';
import { forTerminal } from '../output/cells.js';
import { writePieces, writeStream } from '../output/write.js';
import { addInputOptions, checkOutputs, filePath } from './common.js';
import type { InputFlags, Io } from '../ingest/inputs.js';
import { digestIfShown, loadRun } from './common.js';
import { makeParams } from '../engine/params.js';
import { selectMetrics, VIEW_METRICS, type ViewName } from '../views/registry.js';
import { parseAlerts, evaluateAlerts, formatBreach, type Alert } from '../engine/alerts.js';
import { ExitCode, usageError } from '../core/errors.js';
import { keepColumns, runView } from '../run/view.js';
import { byOutside, viewRuns, type ViewDef, type ViewFlags } from '../views/view.js';
import { noteEmptyMetrics, refuseByCollisions, refuseNulledGroupColumns, requireInput, warnUnused } from './view-checks.js';

export interface OutputFlags {
  by?: string;
  period?: Period;
  from?: string;
  to?: string;
  asOf?: string;
  format: OutputFormat;
  output?: string;
  metrics?: string;
  rawCsv?: boolean;
  layout?: Layout;
  width?: number;
}

export function addViewOptions(cmd: Command): Command {
  addInputOptions(cmd);
  return cmd
    .option('--by <columns>', 'group by these columns (source, campaign, owner or any other column), comma-separated')
    .addOption(new Option('--period <period>', 'one row per period').choices(PERIODS).default('none'))
    .option('--from <date>', 'only events on or after this date (attribution date of each metric)')
    .option('--to <date>', 'only events before this date (half-open: [from, to))')
    .option('--as-of <date>', '"now" for open pipeline, stalled items and active subscriptions (default: the current time)')
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('--output <file>', 'write the report to this file (atomically) instead of stdout', filePath)
    .option('--metrics <keys>', 'keep only these metric columns, comma-separated (see funnel metrics)')
    .option('--raw-csv', 'do not neutralise CSV text cells that start with = + - @ (spreadsheet formulas)')
    // A terminal's width, forced (tests; a terminal a program cannot measure): tables fit it as on a terminal.
    .addOption(new Option('--width <columns>', 'fit tables to this many columns, as on a terminal').argParser(terminalWidth).hideHelp())
    .addOption(new Option('--layout <layout>', 'wide: one row per group × metric, one column per period (csv, xlsx, markdown, table)').choices(LAYOUTS).default('long'));
}

/** Output flags that cannot go together, checked before any input is read. */
export function checkOutputFlags(flags: OutputFlags): void {
  if (flags.format === 'xlsx' && flags.output === undefined) {
    throw usageError('XLSX_NEEDS_OUTPUT', '--format xlsx writes a workbook, not text: give --output FILE.xlsx');
  }
  if (flags.layout === 'wide' && !WIDE_FORMATS.includes(flags.format)) {
    throw usageError('LAYOUT_FORMAT', `--layout wide is for ${WIDE_FORMATS.join(', ')}; --format ${flags.format} keeps one record per row`);
  }
}

function terminalWidth(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 20) throw new InvalidArgumentError('expected a whole number of columns, at least 20');
  return n;
}

/**
 * The width tables fit: a forced --width, else on a terminal its width (COLUMNS first, as shells
 * set it and a user may override it). Piped or to a file: none, so tables are never reflowed.
 */
function tableWidth(flags: OutputFlags, io: Io, isTty: boolean): number | undefined {
  if (flags.format !== 'table') return undefined;
  if (flags.width !== undefined) return flags.width;
  if (!isTty) return undefined;
  const columns = Number(io.env.COLUMNS);
  if (Number.isInteger(columns) && columns >= 20) return columns;
  const measured = (io.stdout as { columns?: number }).columns;
  return typeof measured === 'number' && measured >= 20 ? measured : 80;
}

export const positiveDays = (raw: string) => {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of days');
  return n;
};

/** Writes the reports to --output (atomically) or stdout. Colour only on a TTY with NO_COLOR unset. */
export async function writeReports(reports: ViewReport[], flags: OutputFlags & InputFlags, io: Io, combined?: { params: Record<string, unknown>; inputs: Record<string, unknown> }): Promise<void> {
  const toFile = flags.output !== undefined;
  const isTty = !toFile && (io.stdout as { isTTY?: boolean }).isTTY === true;
  const color = isTty && flags.format === 'table' && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '');
  const rawCsv = flags.rawCsv === true;
  // A workbook is bytes, made whole (write-excel-file zips it in memory); it always goes to --output.
  const bytes = flags.format === 'xlsx' ? await (await import('../output/xlsx.js')).workbook(reports, { layout: flags.layout ?? 'long', rawCsv }, combined) : undefined;
  const shaped = flags.layout === 'wide' ? reports.map((r) => widen(r, flags.format === 'csv' ? 'machine' : 'human')) : reports;
  const written = flags.format === 'xlsx' ? [] : (await textWriter(flags.format))(shaped, { color, rawCsv, width: tableWidth(flags, io, isTty) }, combined);
  const pieces = isTty ? forTerminal(written, flags.format) : written;
  if (!toFile) { await writePieces(pieces, (chunk) => writeStream(io.stdout, chunk)); return; }
  const file = new AtomicFile(resolve(io.cwd, flags.output!));
  // The file stream under AtomicFile takes bytes as well as text.
  const writeAll = () => (bytes ? file.write(bytes as unknown as string) : writePieces(pieces, (chunk) => file.write(chunk)));
  try { await writeAll(); await file.commit(); } catch (err) { await file.abort(); throw err; }
}

// ---------------------------------------------------------------------------------------------
// One factory for the view commands: a command per row of the views table (see commands/views.ts).


export interface AlertFlags { alert: string[]; alertRows?: boolean }

export function addAlertOptions(cmd: Command): Command {
  return cmd
    .option('--alert <expr>', "exit 3 when a metric crosses a threshold, e.g. 'win_rate < 0.2' (on totals; repeatable)", (v: string, prev: string[]) => [...prev, v], [])
    .option('--alert-rows', 'evaluate --alert on every row too, not only on totals');
}

/** The metrics to compute: those --metrics shows, and those an --alert reads (shown or not). */
export function withAlertMetrics(selected: Set<string> | undefined, alerts: readonly Alert[]): Set<string> | undefined {
  return selected && new Set([...selected, ...alerts.map((a) => a.metric)]);
}

/** The report without the metrics computed only for an --alert (see withAlertMetrics). */
export function onlySelected(report: ViewReport, view: ViewName, selected: Set<string> | undefined): ViewReport {
  const hidden = new Set(VIEW_METRICS[view].map((m) => m.key).filter((key) => selected && !selected.has(key)));
  if (!report.columns.some((c) => hidden.has(c.key))) return report;
  const columns = report.columns.filter((c) => !hidden.has(c.key));
  const totals = keepColumns(Array.isArray(report.totals) ? report.totals : [report.totals], columns);
  return { ...report, columns, rows: keepColumns(report.rows, columns), totals: Array.isArray(report.totals) ? totals : totals[0] };
}

/** Evaluates alerts on the reports: one stderr line per breach; true when any fired. */
export function reportBreaches(alerts: Alert[], runs: { view: ViewName; report: ViewReport }[], flags: AlertFlags, io: Io): boolean {
  let fired = false;
  for (const { view, report } of runs) {
    const own = alerts.filter((a) => VIEW_METRICS[view].some((m) => m.key === a.metric));
    if (!own.length) continue;
    const groupKeys = report.columns.filter((c) => c.unit === 'text').map((c) => c.key);
    for (const b of evaluateAlerts(own, view, report.totals, report.rows, groupKeys, flags.alertRows === true)) {
      io.stderr.write(formatBreach(b) + '\n');
      fired = true;
    }
  }
  return fired;
}

/** The command of a view: its row's description and help; `options`, the flags of that view alone. */
export function viewCommand(spec: ViewDef<ViewName>, io: Io, setExitCode: (code: number) => void, options?: (cmd: Command) => void): Command {
  const cmd = new Command(spec.name).description(spec.description);
  addViewOptions(cmd);
  options?.(cmd);
  addAlertOptions(cmd).addHelpText('after', spec.help).action(async (flags: ViewFlags & OutputFlags & AlertFlags) => {
    checkOutputFlags(flags);
    const selected = selectMetrics(flags.metrics, [spec.name]);
    const alerts = parseAlerts(flags.alert, VIEW_METRICS[spec.name].map((m) => m.key));
    const loaded = await loadRun(flags, io);
    flags = loaded.flags;
    const config = loaded.config;
    checkOutputs(flags, io);
    const params = makeParams(flags, config, Date.now());
    const outside = byOutside(spec, params.by);
    if (outside.length) throw usageError('BAD_BY', `the ${spec.name} view groups by ${spec.groupsOnly!.columns.join(' and/or ')} only, not ${outside.map((c) => `"${c}"`).join(', ')} (${spec.groupsOnly!.why})`);
    refuseByCollisions(params.by, [spec.name], false);
    refuseNulledGroupColumns(params.by, config);
    if (!viewRuns(spec, flags)) requireInput(flags, spec.requires, spec.name);
    warnUnused(flags, spec.reads, spec.name, io);
    const { report, empty } = await runView(spec, digestIfShown(flags), config, params, io, withAlertMetrics(selected, alerts));
    noteEmptyMetrics(empty ?? [], flags, io);
    await writeReports([onlySelected(report, spec.name, selected)], flags, io);
    if (reportBreaches(alerts, [{ view: spec.name, report }], flags, io)) setExitCode(ExitCode.alert);
  });
  return cmd;
}
