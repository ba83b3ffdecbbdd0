/**
 * One command run serially (FUNNEL_THREADS=1) and in parallel (3 threads, forced on small files by
 * FUNNEL_PARALLEL_MIN_BYTES=1, traced with FUNNEL_TRACE_PARALLEL), each in its own folder, so that
 * a --rejects file named alike in both gives alike messages: the parallel test files compare the two
 * byte for byte. Each parallel run's trace lines (each written whole) are taken out of its stderr and
 * kept apart, for the tests that read which path a file took.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type RunResult } from './cli.js';

/** Every line of the parallel read's trace. */
export const TRACE = /^funnel: parallel: .*\n/gm;

/** The file `name` a run wrote in `cwd` ('' when none), removed for the next run. */
export function takeFile(cwd: string, name = 'rejects.csv'): string {
  const path = join(cwd, name);
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  rmSync(path, { force: true });
  return text;
}

export interface BothRuns {
  serial: RunResult;
  /** The parallel run, its trace taken out of its stderr. */
  parallel: RunResult;
  /** The parallel run's trace lines. */
  trace: string;
  serialRejects: string;
  parallelRejects: string;
}

/**
 * Runs `args` both ways at once, in `dir`/serial and `dir`/parallel (made when missing), with `env`
 * added to both; `serial` replaces the serial run's runner (e.g. in process), given its cwd and env.
 */
export async function serialAndParallel(args: string[], dir: string, options: {
  env?: Record<string, string>; serial?: (args: string[], cwd: string, env: Record<string, string>) => Promise<RunResult>;
} = {}): Promise<BothRuns> {
  const serialDir = join(dir, 'serial'), parallelDir = join(dir, 'parallel');
  mkdirSync(serialDir, { recursive: true });
  mkdirSync(parallelDir, { recursive: true });
  const serialEnv = { ...options.env, FUNNEL_THREADS: '1' };
  const [serial, traced] = await Promise.all([
    options.serial ? options.serial(args, serialDir, serialEnv) : runCli(args, { cwd: serialDir, env: serialEnv }),
    runCli(args, { cwd: parallelDir, env: { ...options.env, FUNNEL_PARALLEL_MIN_BYTES: '1', FUNNEL_THREADS: '3', FUNNEL_TRACE_PARALLEL: '1' } }),
  ]);
  return {
    serial, parallel: { ...traced, stderr: traced.stderr.replace(TRACE, '') }, trace: traced.stderr.match(TRACE)?.join('') ?? '',
    serialRejects: takeFile(serialDir), parallelRejects: takeFile(parallelDir),
  };
}
