#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json), as is the bundle it loads through dist/bundle/cli.cjs: no ES-module
// loader is started, in this process or in the child (docs/performance.md "Start-up").
//
// A run that could fill the JavaScript heap happens in a child process, watched by this one: a run
// that exhausts the heap ends in V8's fatal error (an abort, exit 134) with no say of ours, so this
// process adds one line saying what to do. The child has the same stdin, stdout and stderr (a terminal stays a terminal),
// and gets the signals sent to this process; its exit code (or signal) becomes this one's. A kill
// that cannot be caught (SIGKILL) takes the child too: it stops when its channel to this process closes.

// Help, the version and the commands that read no data (`funnel metrics`, `presets`, the demo's
// own small files) start in this process, as does a run whose inputs are small beside the heap
// limit: a second Node start-up costs ≈ 0.1 s, a large part of a run on an export of a few MB, for
// a line it cannot need.
const args = process.argv.slice(2);
const helpOrVersion = args.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V');

if (process.env.FUNNEL_CHILD === '1' || helpOrVersion || !mayRunOutOfMemory() || !watch()) run();

/**
 * Whether the run could fill the JavaScript heap. A view's groups take up to ≈ 1.6 GB (the most
 * measured, 490 k owners as JSON, at the limit of 500,000 groups × periods a view may have): a run
 * is watched when 2 GiB for them and 16 bytes for each byte of its inputs reach the heap limit (a
 * workbook's bytes count eight times: it is compressed). Beyond the groups, memory grows with the
 * rows' ids and durations: at most about as many bytes as the inputs have in the bench's runs.
 * Always watched: a run with an input whose size is not known (stdin, a pipe, a terminal, a
 * device, or a config that is one); `report`, whose every view may have as many groups; and
 * `validate --format json`, which keeps every rejected row for its report. The inputs are the
 * values of the input flags and the files the config lists (--config, else ./funnel.config.json),
 * found as the CLI finds them (src/commands/common.ts readConfig) without loading it: this decides
 * before the bundle is loaded, and a config it cannot read is left to the run to report.
 */
function mayRunOutOfMemory() {
  const { statSync, fstatSync, readFileSync } = require('node:fs');
  const { resolve, dirname } = require('node:path');
  let given = false, unknown = false, bytes = 0;
  /** The values given to a flag, in order (`--flag value` or `--flag=value`), as commander reads them. */
  const values = (flag) => {
    const found = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === flag) { if (i + 1 < args.length) found.push(args[++i]); }
      else if (args[i].startsWith(`${flag}=`)) found.push(args[i].slice(flag.length + 1));
    }
    return found;
  };
  const value = (flag) => values(flag).at(-1);
  const inputFormat = value('--input-format');
  /** Adds a file's size; a path that is not there is left to the run to report. */
  const count = (file, folder, format = inputFormat) => {
    given = true;
    let stats;
    try { stats = file === '-' ? fstatSync(0) : statSync(resolve(folder, file)); } catch { return; }
    if (stats.isFile()) bytes += stats.size * ((format ?? (/\.xlsx$/i.test(file) ? 'xlsx' : '')) === 'xlsx' ? 8 : 1);
    else if (!stats.isDirectory()) unknown = true;
  };
  for (const kind of ['leads', 'events', 'deals', 'spend', 'subscriptions']) for (const file of values(`--${kind}`)) count(file, process.cwd());
  try {
    const path = resolve(value('--config') ?? 'funnel.config.json');
    const stats = statSync(path);
    if (stats.isFile()) {
      const { inputs } = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
      if (Array.isArray(inputs)) {
        for (const entry of inputs) if (typeof entry?.file === 'string') count(entry.file, dirname(path), inputFormat ?? entry.format);
      }
    } else if (!stats.isDirectory()) unknown = given = true; // a pipe: the files it lists are not known
  } catch { /* no config, or one the run will report */ }
  if (!given) return false;
  const command = args.find((a) => !a.startsWith('-'));
  if (unknown || command === 'report' || (command === 'validate' && value('--format') === 'json')) return true;
  return 2 * 2 ** 30 + bytes * 16 >= require('node:v8').getHeapStatistics().heap_size_limit;
}

/** Starts the run in a watched child and ends as it ends; false when no child could be started. */
function watch() {
  // Loaded here only: the child (and a run in this process) never needs them.
  const { spawn } = require('node:child_process');
  const { isatty } = require('node:tty');
  const { constants } = require('node:os');
  // SIGINT from a terminal reaches the child too (one process group): forwarded only when no
  // stream is a terminal (a script or test signalling this process alone), so it is not sent twice.
  // Listened for before the child starts: with no listener yet, a signal that came while it starts
  // would end this process and leave the child running. A listener runs from the event loop, once
  // the child exists (if none could be started, a signal that came meanwhile is lost: rare twice over).
  const interactive = isatty(0) || isatty(1) || isatty(2);
  let child;
  const forward = (signal) => { try { child.kill(signal); } catch { /* already gone */ } };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  const listeners = signals.map((signal) => [signal, () => { if (signal !== 'SIGINT' || !interactive) forward(signal); }]);
  for (const [signal, listener] of listeners) process.on(signal, listener);
  try {
    child = spawn(process.execPath, [...process.execArgv, __filename, ...args], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: { ...process.env, FUNNEL_CHILD: '1' },
    });
  } catch {
    for (const [signal, listener] of listeners) process.off(signal, listener);
    return false; // no process to spare: run here, unwatched
  }
  const end = (code) => process.exit(code);
  child.once('error', () => end(70));
  child.once('exit', (exitCode, signal) => {
    if (signal === 'SIGABRT' || exitCode === 134) {
      end(outOfMemory());
    } else if (signal) {
      // The child was killed by a signal: so is this process (a shell then reports it the same way).
      for (const s of signals) process.removeAllListeners(s);
      process.kill(process.pid, signal);
      end(128 + (constants.signals[signal] ?? 0));
    } else end(exitCode ?? 70);
  });
  return true;
}

/** The line after V8's fatal error (an abort is almost always the heap limit): what to do, exit 1. */
function outOfMemory() {
  const { getHeapStatistics } = require('node:v8');
  const limit = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  process.stderr.write(`funnel: ran out of memory (the JavaScript heap limit is ${limit.toLocaleString('en-US')} MB); ` +
    `use --from/--to or a coarser --by or --period, or give it more memory: NODE_OPTIONS=--max-old-space-size=${2 * limit}\n`);
  return 1;
}

/** The run itself: in the watched child, or in this process when nothing is watched. */
function run() {
  if (process.channel) {
    // The watching process is gone (killed outright): so is this run, as if killed with it.
    process.channel.unref();
    process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  }

  const { main, removeTempsOnExit, stdoutFailure } = require('../dist/bundle/cli.cjs');

  // Temporary files (an output's temp file, the rejects spill) never outlive the process, however it
  // ends; a run stopped by SIGINT, SIGTERM or SIGHUP still ends by that signal (exit 130, 143, 129).
  removeTempsOnExit();

  // A reader that stops early (`funnel … | head -1`) is not an error: stop quietly with success.
  // Another failure of stdout (a full disk) is reported by main, or here when it comes after main.
  let finished = false;
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    if (finished) { process.stderr.write(stdoutFailure(err)); process.exitCode = 1; }
  });
  // stderr carries messages only: when it is closed, they are lost, but the report is still written
  // and the exit code still tells of alerts and rejections (writes to a failed stream do nothing).
  process.stderr.on('error', () => {});

  main(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  }).then((code) => {
    process.exitCode = code;
    finished = true;
    // The report is written: end now, without waiting for Node to take the heap apart (≈ 15 ms
    // after a large read), once what is already under way has run (a failure of stdout is
    // reported above) and when nothing is still waiting to be written (a pipe may be asynchronous);
    // otherwise Node ends the process when all is done, as it would have.
    setImmediate(() => { if (idle(process.stdout) && idle(process.stderr)) process.exit(); });
  });
}

/** Whether a stream has nothing left to write and has not failed. */
function idle(stream) {
  return !stream.destroyed && !stream.errored && stream.writableLength === 0;
}
