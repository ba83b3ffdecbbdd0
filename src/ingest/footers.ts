/**
 * Report footers: the lines a CRM writes after an export's data (a Salesforce report's
 * "Grand Totals (N records)" and its copyright lines), declared by the preset in use (Preset.footers).
 * Only the end of a file is a footer: a record that is rejected and looks like a footer line (or has
 * nothing in any field) waits; if the file ends with such records, they are skipped and counted
 * (FileStats.skipped), else they are rejected as they would have been. Without such a preset they
 * are always rejected rows, never data. Only records that are rejected are looked at, so an accepted
 * row costs nothing and a row of data is never taken for a footer.
 */
import type { Config } from './config.js';
import { PRESETS } from './presets/index.js';
import type { FooterLine } from './presets/preset.js';

/** Whether a record's fields are a footer line of the preset in use; undefined when the preset declares none. */
export type FooterTest = (fields: readonly (string | undefined)[]) => boolean;

const blank = (field: string | undefined) => field === undefined || field.trim() === '';

export function footerTest(config: Config): FooterTest | undefined {
  const lines: readonly FooterLine[] | undefined = PRESETS.find((p) => p.name === config.preset)?.footers;
  if (!lines?.length) return undefined;
  return (fields) => {
    const first = fields[0]?.trim() ?? '';
    const restBlank = () => { for (let i = 1; i < fields.length; i++) if (!blank(fields[i])) return false; return true; };
    // A row with nothing in it: the blank line between the data and the footer, as a spreadsheet re-saves it (",,,").
    if (first === '') return restBlank();
    return lines.some((line) => line.text.test(first) && (line.totals === true || restBlank()));
  };
}
