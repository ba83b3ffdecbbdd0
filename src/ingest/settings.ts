/**
 * The settings a file's values are read with: its date patterns (tried after ISO 8601), its number
 * format and its time zone. They come in layers, merged key by key, a key set in a layer replacing
 * the one below (a list too): the defaults, the config's top level, its `formats.<kind>`, then the
 * flags (--date-format). A per-file layer (the config's `inputs`) is one more mergeReadSettings
 * between the kind's and the flags'.
 */
import type { Config } from './config.js';
import { INPUT_KINDS, type InputKind } from '../core/kinds.js';
import { DEFAULT_NUMBER_FORMAT, type NumberFormat } from './numbers.js';
import { Zone, isUtc } from './timezone.js';
import { loadPatternParser, patternWritesLocalTime, type DateReading } from './values.js';

/** One layer of settings, as the config writes it (at the top level, under `formats.<kind>`). */
export interface FormatLayer {
  readonly dateFormats?: readonly string[];
  readonly numberFormat?: NumberFormat;
  readonly timezone?: string;
  readonly sheet?: string | number;
  readonly delimiter?: string;
}

/** The settings of one file, resolved: plain data (a parallel read sends it to its threads). */
export interface ReadSettings {
  readonly dateFormats: readonly string[];
  /** The key that set dateFormats (`dateFormats`, `formats.deals.dateFormats`) or `--date-format`, for messages. */
  readonly dateFormatsFrom: string;
  readonly numberFormat: NumberFormat;
  /** The IANA zone of timestamps written without an offset; undefined: UTC. */
  readonly timezone: string | undefined;
  /** A workbook's sheet (name or 1-based number); undefined: the first. */
  readonly sheet?: string | number;
  /** A CSV file's field delimiter; undefined: by its extension (tab for .tsv, else a comma). */
  readonly delimiter?: string;
}

export const DEFAULT_READ_SETTINGS: ReadSettings = { dateFormats: [], dateFormatsFrom: 'dateFormats', numberFormat: DEFAULT_NUMBER_FORMAT, timezone: undefined };

/** `layer` over `below`; `at`: where the layer sits in the config (`formats.deals.`), for messages. */
export function mergeReadSettings(below: ReadSettings, layer: FormatLayer | undefined, at: string): ReadSettings {
  if (layer === undefined) return below;
  return {
    dateFormats: layer.dateFormats ?? below.dateFormats,
    dateFormatsFrom: layer.dateFormats !== undefined ? `${at}dateFormats` : below.dateFormatsFrom,
    numberFormat: layer.numberFormat ?? below.numberFormat,
    timezone: layer.timezone ?? below.timezone,
    sheet: layer.sheet ?? below.sheet,
    delimiter: layer.delimiter ?? below.delimiter,
  };
}

/**
 * The settings of an input kind's files: the config's layers, then the flags. `file`: a file's own
 * layer (its entry in the config's `inputs`, at `inputs.2.`), between the kind's and the flags.
 */
export function readSettings(config: Config, kind: InputKind, flags: { dateFormat?: string } = {}, file?: { layer: FormatLayer; at: string }): ReadSettings {
  let settings = mergeReadSettings(DEFAULT_READ_SETTINGS, config, '');
  settings = mergeReadSettings(settings, config.formats[kind], `formats.${kind}.`);
  if (file) settings = mergeReadSettings(settings, file.layer, file.at);
  if (flags.dateFormat !== undefined) settings = { ...settings, dateFormats: [flags.dateFormat], dateFormatsFrom: '--date-format' };
  return settings;
}

/** Settings ready for the readers: the date patterns loaded (date-fns is loaded only when there are some), the zone built. */
export interface LoadedReadSettings {
  readonly settings: ReadSettings;
  readonly dates: DateReading;
  readonly numberFormat: NumberFormat;
}

/**
 * Loads the settings: a pattern date-fns refuses, or one without a year, is a usage error naming
 * where it was set (`file`: the config file, for messages).
 */
export async function loadReadSettings(settings: ReadSettings, file = 'the config'): Promise<LoadedReadSettings> {
  const flag = settings.dateFormatsFrom === '--date-format';
  const patterns = await Promise.all(settings.dateFormats.map(async (pattern, i) => ({
    parse: await loadPatternParser(pattern, flag ? '--date-format' : `${file}: "${settings.dateFormatsFrom}.${i}"`),
    local: patternWritesLocalTime(pattern),
    named: flag ? `--date-format ${pattern}` : `the dateFormats pattern ${JSON.stringify(pattern)}`,
  })));
  const named = flag ? `--date-format ${settings.dateFormats[0]}`
    : patterns.length === 1 ? patterns[0]?.named ?? '' : `one of the dateFormats ${settings.dateFormats.map((p) => JSON.stringify(p)).join(', ')}`;
  const zone = settings.timezone !== undefined && !isUtc(settings.timezone) ? new Zone(settings.timezone) : undefined;
  return { settings, dates: { patterns, named, zone }, numberFormat: settings.numberFormat };
}

/** The loaded settings of every input kind. */
export type KindReadSettings = { readonly [K in InputKind]?: LoadedReadSettings };

export async function loadKindReadSettings(config: Config, flags: { dateFormat?: string } = {}, file?: string): Promise<KindReadSettings> {
  const loaded = await Promise.all(INPUT_KINDS.map(async (kind) => [kind, await loadReadSettings(readSettings(config, kind, flags), file)] as const));
  return Object.fromEntries(loaded);
}
