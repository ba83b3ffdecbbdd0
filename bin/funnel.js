#!/usr/bin/env node
import { main, stdoutFailure } from '../dist/bundle/cli.js';

// A reader that stops early (`funnel … | head -1`) is not an error: stop quietly with success.
// Another failure of stdout (a full disk) is reported by main, or here when it comes after main.
let finished = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    if (stream !== process.stdout) throw err;
    if (finished) { process.stderr.write(stdoutFailure(err)); process.exitCode = 1; }
  });
}

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
finished = true;
