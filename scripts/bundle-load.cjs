'use strict';
// dist/bundle/load.cjs (copied there by scripts/bundle.mjs): loads the bundle's CommonJS files with
// V8's code cache. Each file is compiled as Node compiles a CommonJS module, given its `file.cache`
// (bytecode saved at build time after a run of the demo), so the functions a run needs are read,
// not compiled again. V8 refuses a cache made by another V8 version or with other V8 flags
// (`cachedDataRejected`): the file is then compiled from its source, as without a cache. The cache
// changes how fast the code starts, never what it does. The files are ASCII (scripts/bundle.mjs
// checks every byte), read as latin1: one-byte strings, cheaper to make and to parse than UTF-8's.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

/** Node's CommonJS wrapper (`require('node:module').wrap`, which would load Node's ES-module loader's code). */
const wrap = (source) => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

/**
 * Node's modules that the bundle requires at load but many runs never use: a worker thread reads
 * its ranges without them, `--version` and `--help` need none, readline is for `--rejects` only,
 * child_process for commander's external commands (funnel has none). Each is required when one of
 * its exports is first read, through a stand-in object: at load they were ≈ 30 of Node's modules
 * in every thread (docs/performance.md "Start-up").
 */
const LAZY = new Set(['node:crypto', 'node:fs/promises', 'node:readline', 'node:child_process']);
const lazies = new Map(); // module id → its stand-in

function lazy(id) {
  let standIn = lazies.get(id);
  if (standIn !== undefined) return standIn;
  let mod;
  const real = () => (mod ??= require(id));
  standIn = new Proxy({}, {
    get: (_, key) => real()[key],
    has: (_, key) => key in real(),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      if (d !== undefined) d.configurable = true; // a proxy may not report a property the stand-in lacks as fixed
      return d;
    },
  });
  lazies.set(id, standIn);
  return standIn;
}

const loaded = new Map(); // file name → its module, { exports }
const scripts = new Map(); // file name → its compiled script (to save its cache at build time)
const counts = { used: 0, rejected: 0, none: 0 };

/** The exports of `name` (a file of dist/bundle), loaded once per thread, as `require` would. */
function load(name) {
  let mod = loaded.get(name);
  if (mod !== undefined) return mod.exports;
  mod = { exports: {} };
  loaded.set(name, mod);
  const filename = join(__dirname, name);
  let cachedData;
  try { cachedData = readFileSync(`${filename}.cache`); } catch { cachedData = undefined; }
  const script = new Script(wrap(readFileSync(filename, 'latin1')), { filename, cachedData });
  counts[cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used']++;
  scripts.set(name, script);
  // The bundle's files require each other as './file.cjs'; everything else is Node's.
  const own = (id) => (id.startsWith('./') ? load(id.slice(2)) : LAZY.has(id) ? lazy(id) : require(id));
  script.runInThisContext()(mod.exports, own, mod, filename, __dirname);
  return mod.exports;
}

/** Build time, after a training run: saves each loaded file's code cache beside it. */
function saveCodeCache() {
  for (const [name, script] of scripts) writeFileSync(join(__dirname, `${name}.cache`), script.createCachedData());
}

module.exports = { load, saveCodeCache, counts };
