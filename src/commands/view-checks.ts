import { usageError } from '../core/errors.js';
import type { Config, InputKind } from '../ingest/config.js';
import { TYPED_GROUP_COLUMNS } from '../engine/params.js';
import { INPUT_KINDS } from '../core/kinds.js';
import type { InputFlags, Io } from '../ingest/inputs.js';
import type { EmptyMetrics } from '../views/view.js';
import { VIEW_METRICS, type ViewName } from '../views/registry.js';

export function requireInput(flags: InputFlags, kind: InputKind, view: string): void {
  if (flags[kind].length === 0) throw usageError('NO_INPUT', `the ${view} view needs --${kind} (see funnel ${view} --help)`);
}

/**
 * Inputs given by flags that a view does not read are named on stderr, so nobody thinks they were
 * used (the config's `inputs` lists every input of a run, for whichever view is asked for).
 */
export function warnUnused(flags: InputFlags, used: readonly InputKind[], view: string, io: Io): void {
  const unused = INPUT_KINDS.filter((k) => flags[k].some((_, n) => flags.listed?.[k]?.[n] === undefined) && !used.includes(k));
  if (unused.length && !flags.quiet) io.stderr.write(`funnel: note: the ${view} view does not read ${unused.map((k) => `--${k}`).join(', ')} (funnel report runs every view)\n`);
}

/**
 * One stderr note per set of missing inputs, over every view of the run: which metrics are empty
 * and which flag would fill them (e.g. "cac, ltv_to_cac are empty: they need --spend").
 */
export function noteEmptyMetrics(empty: readonly EmptyMetrics[], flags: InputFlags, io: Io): void {
  if (flags.quiet) return;
  const byMissing = new Map<string, EmptyMetrics>();
  for (const e of empty) {
    const key = e.why ?? e.missing.join();
    const entry = byMissing.get(key) ?? { ...e, keys: [] };
    for (const k of e.keys) if (!entry.keys.includes(k)) entry.keys.push(k);
    byMissing.set(key, entry);
  }
  for (const { missing, keys, why } of byMissing.values()) {
    const one = keys.length === 1;
    const reason = why ?? `${one ? 'it needs' : 'they need'} ${missing.map((k) => `--${k}`).join(' and ')}`;
    io.stderr.write(`funnel: note: ${keys.join(', ')} ${one ? 'is' : 'are'} empty: ${reason}\n`);
  }
}

/**
 * A --by column named like a key of the output rows would overwrite it or be overwritten (the
 * period label, the stages view's stage, the combined report's view, a metric) and `__proto__`
 * is no key an object can hold: refused, before any input is read, rather than renamed.
 */
export function refuseByCollisions(by: readonly string[], views: readonly ViewName[], combined: boolean): void {
  for (const col of by) {
    let what: string | undefined;
    if (col === '__proto__') throw usageError('BY_COLLIDES', '--by "__proto__": not a column name funnel can group by (a JavaScript object cannot hold it as a key)');
    if (col === 'period') what = 'is the period column of every report';
    else if (col === 'stage' && views.includes('stages')) what = 'is the stage column of the stages view';
    else if (col === 'view' && combined) what = 'is the view column of a combined report';
    else {
      const owner = views.find((v) => VIEW_METRICS[v].some((m) => m.key === col));
      if (owner) what = `is a metric of the ${owner} view`;
    }
    if (what) throw usageError('BY_COLLIDES', `--by "${col}": "${col}" ${what}; a group column of the same name would be mixed up with it, so funnel does not group by a column named so`);
  }
}

/**
 * A --by column the config maps to null for an input whose rows group by it as a typed field
 * (deals' type, source, stage …): the file's header of that name is then only a dimension, while the
 * grouping would read the typed field (a default such as type "new"): one silent group. Refused
 * until grouping can read the dimension; a value map keeps the column and rewrites its values.
 */
export function refuseNulledGroupColumns(by: readonly string[], config: Config): void {
  for (const col of by) {
    for (const kind of INPUT_KINDS) {
      const columns = config.columns[kind] as Record<string, unknown> | undefined;
      if (!TYPED_GROUP_COLUMNS[kind].includes(col) || columns === undefined || columns[col] !== null) continue;
      throw usageError('BY_NULLED_COLUMN', `--by "${col}": the config maps columns.${kind}.${col} to null, so the ${kind} rows have no ${col} to group by (a header of that name is read as a dimension, which --by cannot yet tell from the ${col} column); map its values with "values" instead of null to group by them`);
    }
  }
}
