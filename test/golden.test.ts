/**
 * Golden CLI cases: test/golden/<case>/cmd holds the arguments (one line, after "funnel"),
 * stdout / stderr / exit the expected results. Run against the built binary from the repository
 * root. To update on purpose: UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts, then review the diff.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, splitArgs } from './helpers/cli.js';

const GOLDEN = join(ROOT, 'test', 'golden');
const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(GOLDEN, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('golden CLI cases', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(10));
  for (const name of cases) {
    it(name, async () => {
      const dir = join(GOLDEN, name);
      const args = splitArgs(readFileSync(join(dir, 'cmd'), 'utf8').trim());
      const stdinFile = join(dir, 'stdin');
      const result = await runCli(args, { stdin: existsSync(stdinFile) ? readFileSync(stdinFile) : undefined });
      if (update) {
        writeFileSync(join(dir, 'stdout'), result.stdout);
        writeFileSync(join(dir, 'stderr'), result.stderr);
        writeFileSync(join(dir, 'exit'), `${result.code}\n`);
        return;
      }
      expect({ stdout: result.stdout, stderr: result.stderr, exit: result.code }).toEqual({
        stdout: readFileSync(join(dir, 'stdout'), 'utf8'),
        stderr: readFileSync(join(dir, 'stderr'), 'utf8'),
        exit: Number(readFileSync(join(dir, 'exit'), 'utf8').trim()),
      });
    });
  }
});
