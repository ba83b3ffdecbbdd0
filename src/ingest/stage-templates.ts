/**
 * stageColumns: header templates for stage entry times (`Became a {stage} Date`,
 * `Date entered "{stage} (*)"`, `date_entered_{stage}`), expanded against one file's header row into
 * column mappings (`<stage>_at` → the headers that match). It runs once per file, on the header: the
 * per-row path sees only ordinary mappings.
 *
 * `{stage}` is a stage name as the header spells it: a configured stage when it equals one's name
 * (trimmed, case-insensitive), else the stage stageAliases maps it to; `*` is any text. A header whose
 * stage is not configured matches nothing and stays an ordinary dimension. Explicit
 * `columns.leads.<stage>_at` (or a constant) wins over the templates. Several headers for one stage
 * (one per pipeline) are alternatives: a row's value is the first non-empty one, in the order of the
 * templates, then of the headers. Stage 0's headers feed its own column (stageZeroColumn); when the
 * file has no created_at (neither mapped, nor a constant, nor a header of that name), they are created_at.
 */
import type { ColumnMapping, Config } from './config.js';
import { stageZeroColumn } from './schemas.js';

const fold = (name: string) => name.trim().toLowerCase();
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A template as two patterns over a folded header: the stage as short as it can be, then as long (the first that names a stage wins). */
function templatePatterns(template: string): RegExp[] {
  const [before, after] = fold(template).split('{stage}').map((part) => part.split('*').map(escape).join('.*'));
  return ['(.+?)', '(.+)'].map((stage) => new RegExp(`^${before}${stage}${after}$`, 's'));
}

/** The configured stage a header's spelling names (its index), or -1. */
function stageNamed(config: Config): (spelled: string) => number {
  const stages = config.stages.map(fold);
  const aliases = new Map(Object.entries(config.stageAliases).map(([alias, stage]) => [fold(alias), stages.indexOf(fold(stage))]));
  return (spelled) => {
    const name = fold(spelled);
    const at = stages.indexOf(name);
    return at >= 0 ? at : aliases.get(name) ?? -1;
  };
}

/**
 * The leads' column mappings for one file: `mapping` (the config's columns.leads) with the headers
 * that the stageColumns templates match added as `<stage>_at` (stage 0: see the module comment).
 * `mapping` itself when nothing is added.
 */
export function withStageColumns<M>(header: readonly string[], config: Config, mapping: Readonly<Record<string, M | ColumnMapping>>, constants: Readonly<Record<string, string>>): Readonly<Record<string, M | ColumnMapping>> {
  const templates = config.stageColumns.leads;
  const zeroCol = stageZeroColumn(config);
  if (templates === undefined && zeroCol === undefined) return mapping;
  const explicit = (col: string) => col in mapping || col in constants;
  const hasCreated = explicit('created_at') || header.some((h) => fold(h) === 'created_at');
  // A mapped stage-0 column and no created_at: that column is created_at.
  if (zeroCol !== undefined && explicit(zeroCol) && !hasCreated && mapping[zeroCol] !== undefined && mapping[zeroCol] !== null) {
    return { ...mapping, created_at: mapping[zeroCol], [zeroCol]: null };
  }
  if (templates === undefined) return mapping;
  const named = stageNamed(config);
  // Per stage, the headers its templates match, in the order of the templates, then of the headers.
  const matched: string[][] = config.stages.map(() => []);
  const taken = new Set<number>();
  for (const patterns of templates.map(templatePatterns)) {
    header.forEach((h, i) => {
      if (taken.has(i)) return;
      const name = fold(h);
      for (const pattern of patterns) {
        const spelled = pattern.exec(name)?.[1];
        const stage = spelled === undefined ? -1 : named(spelled);
        if (stage >= 0) { matched[stage].push(h); taken.add(i); return; }
      }
    });
  }
  const out: Record<string, M | ColumnMapping> = { ...mapping };
  const headers = (list: string[]): ColumnMapping => (list.length === 1 ? list[0] : list);
  matched.forEach((list, k) => {
    if (list.length === 0) return;
    if (k > 0) {
      const col = `${config.stages[k].toLowerCase()}_at`;
      if (!explicit(col)) out[col] = headers(list);
    } else if (!hasCreated) {
      out.created_at = headers(list);
      if (zeroCol !== undefined && !explicit(zeroCol)) out[zeroCol] = null;
    } else if (zeroCol !== undefined && !explicit(zeroCol)) {
      out[zeroCol] = headers(list);
    }
  });
  return out;
}
