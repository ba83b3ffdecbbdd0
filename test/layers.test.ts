/**
 * The folders of src/ are layers, bottom to top: core, metrics, output, ingest, engine, views,
 * parallel, run, commands, cli. A file imports only its own folder and those below it, so there
 * is no cycle between folders. src/cli.ts, the entry point, is the top layer. The checker is
 * proven on small made-up trees first.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.js';
import { checkLayers, layerOf, readImports, type Import } from './helpers/layers.js';

/** Made-up imports, each written `file -> target` (paths under src/). */
const tree = (...lines: string[]): Import[] => lines.map((l, k) => {
  const [file, target] = l.split(' -> ');
  return { file, line: k + 1, specifier: `./${target}`, target };
});

describe('the layering check', () => {
  it('places each file in its layer', () => {
    expect(['core/errors.ts', 'core/kinds.ts', 'ingest/config.ts', 'cli.ts', 'views/deals.ts', 'metrics/types.ts', 'run/view.ts'].map(layerOf))
      .toEqual(['core', 'core', 'ingest', 'cli', 'views', 'metrics', 'run']);
    expect(layerOf('errors.ts')).toBeUndefined();
    expect(layerOf('misc/x.ts')).toBeUndefined();
    expect(layerOf('helpers.ts')).toBeUndefined();
  });

  it('passes imports within a folder and downwards', () => {
    expect(checkLayers(tree('cli.ts -> commands/deals.ts', 'commands/deals.ts -> commands/common.ts', 'commands/deals.ts -> core/errors.ts',
      'views/deals.ts -> engine/groups.ts', 'engine/groups.ts -> ingest/config.ts', 'ingest/inputs.ts -> output/json.ts', 'output/json.ts -> metrics/types.ts'))).toEqual([]);
  });

  it('names the file and the import that goes up a layer', () => {
    const problems = checkLayers(tree('engine/groups.ts -> metrics/values.ts', 'output/report.ts -> views/deals.ts'));
    expect(problems).toEqual([
      "src/output/report.ts:2 imports './views/deals.ts': output may not import views, a layer above it",
    ]);
    expect(checkLayers(tree('core/errors.ts -> ingest/config.ts'))[0]).toMatch(/^src\/core\/errors\.ts:1 imports '\.\/ingest\/config\.ts': core may not import ingest/);
  });

  it('finds a cycle between folders and names an import on each step', () => {
    const problems = checkLayers(tree('ingest/read.ts -> engine/params.ts', 'engine/params.ts -> views/deals.ts', 'views/deals.ts -> ingest/schemas.ts', 'ingest/schemas.ts -> core/errors.ts'));
    expect(problems.filter((p) => p.startsWith('a cycle'))).toEqual([
      "a cycle between folders engine → views → ingest → engine: src/engine/params.ts:2 imports './views/deals.ts'; src/views/deals.ts:3 imports './ingest/schemas.ts'; src/ingest/read.ts:1 imports './engine/params.ts'",
    ]);
    // A larger group names its folders beside the one cycle shown.
    expect(checkLayers(tree('ingest/read.ts -> engine/params.ts', 'engine/params.ts -> ingest/schemas.ts', 'engine/params.ts -> views/deals.ts', 'views/deals.ts -> engine/groups.ts'))
      .filter((p) => p.startsWith('a cycle'))).toEqual([
      "a cycle between folders engine → ingest → engine: src/engine/params.ts:2 imports './ingest/schemas.ts'; src/ingest/read.ts:1 imports './engine/params.ts' (one of the cycles among engine, ingest, views)",
    ]);
    // The upward imports of that cycle are named too.
    expect(problems.filter((p) => !p.startsWith('a cycle'))).toHaveLength(2);
  });

  it('finds a cycle between folders outside the known layers', () => {
    const problems = checkLayers(tree('misc/a.ts -> other/b.ts', 'other/b.ts -> misc/c.ts'));
    expect(problems).toContain("src/misc/a.ts:1 imports './other/b.ts': src/misc/a.ts is in no layer (bottom to top: core < metrics < output < ingest < engine < views < parallel < run < commands < cli)");
    expect(problems).toContain("a cycle between folders misc → other → misc: src/misc/a.ts:1 imports './other/b.ts'; src/other/b.ts:2 imports './misc/c.ts'");
    expect(problems).toHaveLength(4); // each unplaced file named once
  });

  it('reads static, re-exported, type-only and dynamic imports, not those in comments or strings', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const src = mkdtempSync(join(tmpdir(), 'funnel-layers-'));
    try {
      mkdirSync(join(src, 'output'));
      writeFileSync(join(src, 'output', 'report.ts'), [
        "import { a } from './a.js';",
        "// import { b } from '../views/commented.js';",
        "import type { T } from '../views/types.js';",
        "export { c } from '../engine/c.js';",
        "const s = \"import x from '../commands/string.js'\";",
        'export async function f() { return (await import(\'../parallel/run.js\')).run; }',
        "import { z } from 'zod';",
      ].join('\n'));
      expect(readImports(src)).toEqual([
        { file: 'output/report.ts', line: 1, specifier: './a.js', target: 'output/a.ts' },
        { file: 'output/report.ts', line: 3, specifier: '../views/types.js', target: 'views/types.ts' },
        { file: 'output/report.ts', line: 4, specifier: '../engine/c.js', target: 'engine/c.ts' },
        { file: 'output/report.ts', line: 6, specifier: '../parallel/run.js', target: 'parallel/run.ts' },
      ]);
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });
});

describe('the layering of src/', () => {
  // Fails until the redesign of the folders (issue #22) is merged: each message names a file and its import.
  it('has no import from a folder to one above it, and no cycle between folders', () => {
    const imports = readImports(join(ROOT, 'src'));
    expect(imports.length).toBeGreaterThan(100);
    expect(checkLayers(imports)).toEqual([]);
  });
});
