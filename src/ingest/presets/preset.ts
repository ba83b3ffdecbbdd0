/** What a preset is: a config fragment shipped with the tool that maps one CRM's standard exports. */
import type { ConfigInput } from '../config.js';
import type { InputKind } from '../../core/kinds.js';

export interface Preset {
  /** The name given to --preset and to "preset" in the config. */
  name: string;
  /** The CRM's name as people write it, for messages. */
  label: string;
  /** One line for `funnel presets`. */
  summary: string;
  /** The fragment: config keys as a config file writes them (validated by the same schema). */
  config: Omit<ConfigInput, 'preset' | '$schema'>;
  /** Headers of the CRM's exports that the fragment does not map, but that tell its exports apart (for the missing-column hint). */
  alsoSeen?: Partial<Record<InputKind, string[]>>;
  /**
   * Lines the CRM writes after the data of an export (a report's totals and copyright lines): records
   * at the very end of a file that match them are skipped and counted, not rejected (see ingest/footers.ts).
   */
  footers?: FooterLine[];
}

/**
 * A footer line: its first field matches `text` (trimmed); its other fields are empty, unless it is a
 * totals line (`totals`), whose other fields may hold the totals.
 */
export interface FooterLine {
  text: RegExp;
  totals?: boolean;
}
