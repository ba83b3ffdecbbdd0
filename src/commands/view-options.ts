/**
 * Flags and output shared by the view commands (SPEC §2, §4), and writing a report.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { PERIODS, type Period } from '../engine/periods.js';
import { OUTPUT_FORMATS, WRITERS, type OutputFormat } from '../output/index.js';
import type { ViewReport } from '../output/report.js';
import { AtomicFile } from '../output/atomic.js';
import { addInputOptions, type InputFlags, type Io } from './common.js';

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
    .option('--output <file>', 'write the report to this file (atomically) instead of stdout')
    .option('--metrics <keys>', 'keep only these metric columns, comma-separated (see funnel metrics)')
    .option('--raw-csv', 'do not neutralise CSV text cells that start with = + - @ (spreadsheet formulas)');
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
  const text = WRITERS[flags.format](reports, { color, rawCsv: flags.rawCsv === true }, combined);
  if (!toFile) { io.stdout.write(text); return; }
  const file = new AtomicFile(resolve(io.cwd, flags.output!));
  try { await file.write(text); await file.commit(); } catch (err) { await file.abort(); throw err; }
}
