/**
 * funnel validate — reads the inputs through the validators and reports, per file, the rows read,
 * accepted and rejected, and every rejected row with its reason.
 * Exit 0 when nothing was rejected, 1 otherwise. Memory: one row at a time, plus the ids seen
 * (for duplicates) and, with --format json, the rejected rows.
 */
import { Command, Option } from 'commander';
import Table from 'cli-table3';
import { addInputOptions, checkOutputs, digestIfShown, loadRun } from './common.js';
import { readInputs, inputsOf, type InputFlags, type Io } from '../ingest/inputs.js';
import { ExitCode, escapeText, usageError } from '../core/errors.js';
import { formatRejection, type Rejection } from '../ingest/rejection.js';
import type { FileStats } from '../ingest/read.js';
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
    const result = await readInputs(digestIfShown(flags), config, io, INPUT_KINDS.map((kind) => ({ kind })), {
      logToStderr: false,
      allowAllRejected: true,
      dims: new Set(),
      onReject: (r) => {
        if (flags.format === 'json') rejections.push({ file: r.file, line: r.line, reason: r.reason });
        else io.stdout.write(formatRejection(r) + '\n');
      },
    });
    if (flags.format === 'json') {
      // In pieces: a million rejected rows are more JSON than one string may hold.
      const pieces = jsonPieces({ inputs: inputsReport(result.stats), rejections }, 2);
      const onTerminal = (io.stdout as { isTTY?: boolean }).isTTY === true;
      await writePieces(onTerminal ? forTerminal(pieces, 'json') : pieces, (chunk) => writeStream(io.stdout, chunk));
      await writeStream(io.stdout, '\n');
    } else {
      if (result.rejected) io.stdout.write('\n');
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
