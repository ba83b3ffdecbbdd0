#!/usr/bin/env node
import { main, removeTempsOnExit, stdoutFailure } from '../dist/bundle/cli.js';

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

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
finished = true;
