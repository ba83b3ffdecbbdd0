/**
 * The presets (one file per CRM) and the layering of config: preset < config file < flags. Layers
 * merge object by object; a list or a single value (null included) replaces the one below it.
 * Pure data and functions: nothing here reads files or knows the commands.
 */
import { closest } from 'fastest-levenshtein';
import { usageError } from '../../core/errors.js';
import type { InputKind } from '../../core/kinds.js';
import type { Preset } from './preset.js';
import { hubspot } from './hubspot.js';
import { salesforce } from './salesforce.js';
import { pipedrive } from './pipedrive.js';
import { zoho } from './zoho.js';
export type { Preset };

export const PRESETS: readonly Preset[] = [hubspot, salesforce, pipedrive, zoho];
export const PRESET_NAMES = PRESETS.map((p) => p.name);

/** The preset of that name (any case, trimmed), or a usage error naming the valid ones; `where` says who named it. */
export function presetNamed(name: string, where: string): Preset {
  const wanted = name.trim().toLowerCase();
  const found = PRESETS.find((p) => p.name === wanted);
  if (found) return found;
  throw usageError('UNKNOWN_PRESET', `${where}: unknown preset "${name}"; did you mean "${closest(wanted, PRESET_NAMES)}"? (presets: ${PRESET_NAMES.join(', ')}; see funnel presets)`);
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets a key as an own property, whatever its name (`__proto__` included: the config check refuses it by name). */
function put(target: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `upper` over `lower`: objects merge key by key; anything else in `upper` (a list, a value, null) replaces what is below. */
export function mergeLayers(lower: Json, upper: Json): Json {
  if (!isObject(lower) || !isObject(upper)) return upper === undefined ? lower : upper;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(lower)) put(out, key, value);
  for (const [key, value] of Object.entries(upper)) put(out, key, Object.hasOwn(out, key) ? mergeLayers(out[key], value) : value);
  return out;
}

/**
 * A preset's fragment for the stages of the run. Presets map the stage dates of the default stages
 * (`mql_at` …); with other stages, a stage the run does not have is not read, as a stage column of an
 * unconfigured stage is an ordinary dimension. `stages` undefined: the default stages.
 */
export function presetLayer(preset: Preset, stages: readonly string[] | undefined): Record<string, Json> {
  const layer = structuredClone(preset.config) as Record<string, Json>;
  if (stages === undefined) return layer;
  const known = new Set(stages.map((s) => s.trim().toLowerCase()));
  const leads = (layer.columns as Record<string, Record<string, Json>> | undefined)?.leads;
  // A stage's column is `<stage>_at`; created_at is the leads' own (stage 0's) column.
  const stageColumn = (col: string) => col.endsWith('_at') && col !== 'created_at';
  if (leads) for (const col of Object.keys(leads)) if (stageColumn(col) && !known.has(col.slice(0, -3))) delete leads[col];
  const aliases = layer.stageAliases as Record<string, string> | undefined;
  if (aliases) for (const [alias, stage] of Object.entries(aliases)) if (!known.has(stage.toLowerCase())) delete aliases[alias];
  return layer;
}

/**
 * The config file's content over the preset it or the --preset flag names (the flag wins), with
 * `preset` set to the name in use. `raw`: the parsed config file ({} without one). Unchanged when no
 * preset is named. `stages`: --stages, if given.
 */
export function withPreset(raw: Json, file: string, flag: string | undefined, stages: readonly string[] | undefined, sources?: RuleSources): Json {
  const named = flag ?? (isObject(raw) && typeof raw.preset === 'string' ? raw.preset : undefined);
  const configLayer = { name: 'config', json: raw };
  const hasConfig = isObject(raw) && Object.keys(raw).length > 0;
  if (named === undefined) {
    if (sources) { if (hasConfig) sources.layers.set('config', file); noteSources(sources, [configLayer]); }
    return raw;
  }
  const preset = presetNamed(named, flag !== undefined ? '--preset' : `${file}: "preset"`);
  const fileStages = isObject(raw) && Array.isArray(raw.stages) && raw.stages.every((s) => typeof s === 'string') ? raw.stages as string[] : undefined;
  const layer = presetLayer(preset, stages ?? fileStages);
  const merged = mergeLayers(layer, raw);
  if (sources) {
    sources.layers.set('preset', flag !== undefined ? `${preset.name} (--preset)` : preset.name);
    if (hasConfig) sources.layers.set('config', file);
    noteSources(sources, [{ name: 'preset', json: layer }, configLayer]);
  }
  if (isObject(merged)) put(merged, 'preset', preset.name);
  return merged;
}

/**
 * Where the per-column rules of a merged config came from: `rules` maps a rule's key
 * (`columns.deals.id`, `values.deals.type`) to its layer (`preset`, `config`, or `config over
 * preset` for an object both add to), `layers` each layer to what it is (`hubspot (--preset)`, the
 * config file's name). A side record kept beside the config, which stays as every reader knows it.
 * Another layer (a per-file entry of the config) adds its name to `layers` and its rules' keys.
 */
export interface RuleSources {
  readonly rules: Map<string, string>;
  readonly layers: Map<string, string>;
}
export const newRuleSources = (): RuleSources => ({ rules: new Map(), layers: new Map() });

/** The per-column rules whose origin is recorded: `<section>.<kind>.<column>`. */
const RULE_SECTIONS = ['columns', 'constants', 'values'] as const;

/**
 * Notes each rule's layer, from the layers lowest first: the layer that sets it, or, for an object
 * merged key by key (a value map, deals.status's boolean columns), every layer that adds to it,
 * topmost first.
 */
function noteSources(sources: RuleSources, layers: readonly { name: string; json: Json }[]): void {
  const at = (json: Json, ...keys: string[]): Json => keys.reduce<Json>((v, k) => (isObject(v) && Object.hasOwn(v, k) ? v[k] : undefined), json);
  const keysOf = (json: Json) => (isObject(json) ? Object.keys(json) : []);
  for (const section of RULE_SECTIONS) {
    for (const kind of new Set(layers.flatMap((l) => keysOf(at(l.json, section))))) {
      for (const column of new Set(layers.flatMap((l) => keysOf(at(l.json, section, kind))))) {
        let from: string[] = [];
        for (const layer of layers) {
          const v = at(layer.json, section, kind, column);
          if (v !== undefined) from = isObject(v) && from.length > 0 ? [layer.name, ...from] : [layer.name];
        }
        sources.rules.set(`${section}.${kind}.${column}`, from.join(' over '));
      }
    }
  }
  // Stage column templates: a list per kind, which the topmost layer that sets it gives whole.
  for (const kind of new Set(layers.flatMap((l) => keysOf(at(l.json, 'stageColumns'))))) {
    const top = [...layers].reverse().find((l) => at(l.json, 'stageColumns', kind) !== undefined);
    if (top) sources.rules.set(`stageColumns.${kind}`, top.name);
  }
}

const RULE_SOURCES = new WeakMap<object, RuleSources>();

/** Records where a loaded config's per-column rules came from (withPreset's `sources`), for ruleSourcesOf. */
export function rememberRuleSources(config: object, sources: RuleSources): void {
  RULE_SOURCES.set(config, sources);
}

/** Where a loaded config's per-column rules came from; empty when not recorded. */
export function ruleSourcesOf(config: object): RuleSources {
  return RULE_SOURCES.get(config) ?? newRuleSources();
}

const fold = (name: string) => name.trim().toLowerCase();

/** The headers a preset knows for a kind: those it maps, and those it knows its CRM's exports by. */
function knownHeaders(preset: Preset, kind: InputKind): Set<string> {
  const names = new Set<string>();
  const add = (v: Json) => {
    if (typeof v === 'string') names.add(fold(v));
    else if (Array.isArray(v)) v.forEach(add);
    else if (isObject(v)) Object.values(v).forEach(add);
  };
  add((preset.config.columns as Record<string, Json> | undefined)?.[kind]);
  add(preset.alsoSeen?.[kind]);
  return names;
}

/**
 * The presets whose exports a file's headers look like, best first: at least two headers that the
 * preset knows for this kind and that are not canonical column names (a plain file's `id` or `amount`
 * says nothing about a CRM). Ties are all returned; none when nothing fits.
 */
export function presetsLookingLike(kind: InputKind, header: readonly string[], canonical: readonly string[]): Preset[] {
  const plain = new Set(canonical);
  const names = new Set(header.slice(0, 10_000).map(fold).filter((h) => h !== '' && !plain.has(h)));
  let best = 1;
  let found: Preset[] = [];
  for (const preset of PRESETS) {
    const known = knownHeaders(preset, kind);
    let score = 0;
    for (const name of names) if (known.has(name)) score++;
    if (score > best) { best = score; found = [preset]; } else if (score === best && found.length) found.push(preset);
  }
  return found;
}

/** The hint for a missing-column error: which preset to add, or '' (also when a preset is in use). */
export function presetHint(kind: InputKind, header: readonly string[], canonical: readonly string[], inUse: string | undefined): string {
  if (inUse !== undefined) return '';
  const found = presetsLookingLike(kind, header, canonical);
  if (!found.length) return '';
  return `these headers look like a ${found.map((p) => p.label).join(' or ')} export: add ${found.map((p) => `--preset ${p.name}`).join(' or ')}`;
}
