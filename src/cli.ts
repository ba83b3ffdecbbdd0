/**
 * Builds the commander program and maps every way a run can end to an exit code
 * (0 ok, 1 input data error, 2 usage error, 3 alert fired).
 * The only place that decides the exit code; commands get their streams injected.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, FunnelError, escapeLines, escapeText } from './core/errors.js';
import type { Io } from './ingest/inputs.js';
import { validateCommand } from './commands/validate.js';
import { viewCommands } from './commands/views.js';
import { reportCommand, demoCommand } from './commands/report.js';
import { metricsCommand } from './commands/metrics.js';
import { presetsCommand } from './commands/presets.js';

export const VERSION = '0.1.0';

export function buildProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command('funnel')
    .description('Sales-funnel metrics from CRM, billing and marketing exports (CSV, TSV, JSON, NDJSON, Excel .xlsx).')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(escapeLines(s)), // commander quotes what was typed (an unknown option)
    });
  program.addHelpText('after', `
Exit codes: 0 success, 1 input data error, 2 usage error, 3 an --alert fired.
Run "funnel <command> --help" for a command's options and examples.`);
  const commands = [
    ...viewCommands(io, setExitCode), reportCommand(io, setExitCode), validateCommand(io, setExitCode),
    metricsCommand(io), presetsCommand(io), demoCommand(io, setExitCode),
  ];
  for (const cmd of commands) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(escapeLines(s)) });
    program.addCommand(cmd);
  }
  return program;
}

/** The line for a report that could not be written to stdout (a full disk: `funnel … > /dev/full`). */
export const stdoutFailure = (err: NodeJS.ErrnoException) => `funnel: cannot write to stdout (${err.code ?? err.message})\n`;

export async function main(argv: string[], io: Io): Promise<number> {
  // A failed write to stdout is an 'error' event, not an exception: one line and exit 1, no stack.
  // A closed pipe (EPIPE) is not a failure (bin/funnel.js ends the run quietly).
  let failed: NodeJS.ErrnoException | undefined;
  const onError = (err: NodeJS.ErrnoException) => { if (err.code !== 'EPIPE') failed ??= err; };
  io.stdout.on('error', onError);
  const code = await runProgram(argv, io);
  io.stdout.off('error', onError);
  if (failed) { io.stderr.write(stdoutFailure(failed)); return ExitCode.data; }
  return code;
}

async function runProgram(argv: string[], io: Io): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const debug = argv.includes('--debug');
  const program = buildProgram(io, (code) => { exitCode = code; });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander printed its own message; help and version are successes, the rest usage errors.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return ExitCode.ok;
      if (err.code === 'commander.help') return ExitCode.usage; // "funnel" alone: help on stderr
      return ExitCode.usage;
    }
    if (err instanceof FunnelError) {
      // Messages quote values and name files: whatever they hold is escaped (see escapeText).
      io.stderr.write(`funnel: ${escapeText(err.message)}\n`);
      if (debug) io.stderr.write(escapeLines(`${err.stack}\n${err.cause instanceof Error ? `caused by: ${err.cause.stack}\n` : ''}`));
      return err.exitCode;
    }
    const e = err as Error;
    io.stderr.write(`funnel: internal error: ${escapeText(e?.message ?? String(err))}\n${escapeLines(e?.stack ?? '')}\n` +
      'This is a bug in funnel, not in your data. Please report it with the command you ran.\n');
    return 70;
  }
}

export { removeTempsOnExit } from './output/temps.js';
