import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'funnel.js');
export const DATASETS = join(ROOT, '..', 'shared', 'datasets');

export interface RunResult { stdout: string; stderr: string; code: number | null }

/**
 * Runs the built binary as a user would: NO_COLOR, a non-UTC TZ, cwd at the repository root.
 * A command that could fill the heap (large inputs, a pipe, a report) runs, for a user, in a child of
 * bin/funnel.js watched by it (a second Node start-up, ≈ 0.2 s of CPU time per run); here every run
 * starts as that child directly (FUNNEL_CHILD=1) unless `watched` asks for bin/funnel.js as a user
 * runs it — the tests of the wrapper itself (the out-of-memory line, when a run is watched, signals,
 * exit codes passed on) and the first golden case of each exit code do.
 */
export function runCli(args: string[], options: { stdin?: string | Buffer; cwd?: string; env?: Record<string, string>; watched?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', TZ: 'America/Los_Angeles', ...(options.watched ? {} : { FUNNEL_CHILD: '1' }), ...options.env },
    });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code }));
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}

type Main = (argv: string[], io: object) => Promise<number>;
let built: Main | undefined;
/**
 * Runs the built CLI's `main` in this process (dist/bundle/cli.js): the same program as the binary,
 * without a Node start-up per run (≈ 0.2 s of CPU each), with streams of its own, the repository root
 * as its working directory, NO_COLOR and `env` as its environment. For tests that need no stdin and
 * no process of their own (exit codes through the wrapper, signals, memory limits: runCli). One run
 * at a time: the module state is shared. `cwd`: another working directory (the paths in `args`
 * are read from there, as from a user's shell there).
 */
export async function runMain(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<RunResult> {
  built ??= ((await import(join(ROOT, 'dist', 'bundle', 'cli.js'))) as { main: Main }).main;
  const stdout = new PassThrough(), stderr = new PassThrough();
  const out: Buffer[] = [], err: Buffer[] = [];
  stdout.on('data', (d: Buffer) => out.push(d));
  stderr.on('data', (d: Buffer) => err.push(d));
  const code = await built(args, { stdin: Readable.from([]), stdout, stderr, env: { NO_COLOR: '1', ...options.env }, cwd: options.cwd ?? ROOT });
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code };
}

/** Splits a command line written in a golden case's `cmd` file (single quotes group words). */
export function splitArgs(line: string): string[] {
  const args: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) args.push(m[1] ?? m[2] ?? m[3]);
  return args;
}
