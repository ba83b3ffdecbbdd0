/**
 * The layering of src/: each folder is a layer, and a file may import only files of its own layer
 * or of a layer below it. The imports are read with TypeScript's own pre-processor (static
 * `import … from`, `export … from`, `import '…'`, `import type`, and dynamic `import('…')`;
 * comments and strings are not mistaken for imports); only relative imports are between layers.
 */
import ts from 'typescript';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

/** The layers, bottom to top. */
export const LAYERS = ['core', 'metrics', 'output', 'ingest', 'engine', 'views', 'parallel', 'run', 'commands', 'cli'] as const;

/** Files at src/'s root that are a layer of their own: the entry point. */
const PLACED: Record<string, string> = { 'cli.ts': 'cli' };

/** One import: the importing file and the imported one, both relative to src/ with '/' separators. */
export interface Import { file: string; line: number; specifier: string; target: string }

/** The layer of a file (relative to src/), or undefined when it is in none. */
export function layerOf(file: string): string | undefined {
  const [first] = file.split('/');
  const layer = PLACED[first] ?? first;
  return (LAYERS as readonly string[]).includes(layer) ? layer : undefined;
}

/** The relative imports of every .ts file under `srcDir`. */
export function readImports(srcDir: string): Import[] {
  const imports: Import[] = [];
  for (const path of tsFiles(srcDir)) {
    const file = relative(srcDir, path).split(sep).join('/');
    const text = readFileSync(path, 'utf8');
    for (const { fileName, pos } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue; // node: built-ins and packages
      const target = posix.normalize(posix.join(posix.dirname(file), fileName)).replace(/\.js$/, '.ts');
      imports.push({ file, line: text.slice(0, pos).split('\n').length, specifier: fileName, target });
    }
  }
  return imports;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1)).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const folderOf = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');
const where = (i: Import) => `src/${i.file}:${i.line} imports '${i.specifier}'`;

/**
 * What breaks the layering, one message per problem (none: the layering holds): a file in no layer
 * or an import of one, an import from a layer of one above it, and each cycle between layers.
 */
export function checkLayers(imports: readonly Import[]): string[] {
  const problems: string[] = [];
  const rank = (layer: string) => (LAYERS as readonly string[]).indexOf(layer);
  // The folder-level graph: for each pair of layers, the first import that joins them.
  const edges = new Map<string, Map<string, Import>>();
  const unplaced = new Set<string>();
  for (const i of imports) {
    const from = layerOf(i.file), to = layerOf(i.target);
    for (const [layer, file] of [[from, i.file], [to, i.target]] as const) {
      if (layer === undefined && !unplaced.has(file)) problems.push(`${where(i)}: src/${file} is in no layer (bottom to top: ${LAYERS.join(' < ')})`);
      if (layer === undefined) unplaced.add(file);
    }
    // A folder in no layer is still a node of the graph (a cycle through it is found too).
    const source = from ?? folderOf(i.file), dest = to ?? folderOf(i.target);
    if (source === dest) continue;
    if (from !== undefined && to !== undefined && rank(to) > rank(from)) problems.push(`${where(i)}: ${from} may not import ${to}, a layer above it`);
    const out = edges.get(source) ?? new Map<string, Import>();
    if (!out.has(dest)) out.set(dest, i);
    edges.set(source, out);
  }
  for (const { group, cycle } of cycles(edges)) {
    const steps = cycle.map((from, k) => edges.get(from)!.get(cycle[(k + 1) % cycle.length])!);
    const all = group.length > cycle.length ? ` (one of the cycles among ${group.join(', ')})` : '';
    problems.push(`a cycle between folders ${[...cycle, cycle[0]].join(' → ')}: ${steps.map(where).join('; ')}${all}`);
  }
  return problems;
}

/**
 * Each strongly connected group of two or more folders (Tarjan's algorithm), with one cycle through
 * it: a shortest one from the group's first folder back to itself (a breadth-first search).
 */
function cycles(edges: Map<string, Map<string, Import>>): { group: string[]; cycle: string[] }[] {
  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])])].sort();
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], onStack = new Set<string>();
  const groups: string[][] = [];
  let next = 0;
  const connect = (v: string) => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of [...(edges.get(v)?.keys() ?? [])].sort()) {
      if (!index.has(w)) { connect(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); group.push(w); } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) connect(v);
  return groups.map((group) => {
    const start = group[0];
    const cameFrom = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0 && !cameFrom.has(start)) {
      const v = queue.shift()!;
      for (const w of [...(edges.get(v)?.keys() ?? [])].sort()) {
        if (!group.includes(w) || cameFrom.has(w)) continue;
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
    const cycle = [start];
    for (let v = cameFrom.get(start)!; v !== start; v = cameFrom.get(v)!) cycle.splice(1, 0, v);
    return { group, cycle };
  });
}
