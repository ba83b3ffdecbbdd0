import type { Writer } from './report.js';
import { writeTable } from './table.js';
import { writeJson } from './json.js';
import { writeCsv } from './csv.js';
import { writeNdjson } from './ndjson.js';
import { writeMarkdown } from './markdown.js';

export const OUTPUT_FORMATS = ['table', 'json', 'csv', 'ndjson', 'markdown', 'html', 'xlsx'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const WRITERS: Record<Exclude<OutputFormat, 'html' | 'xlsx'>, Writer> = {
  table: writeTable, json: writeJson, csv: writeCsv, ndjson: writeNdjson, markdown: writeMarkdown,
};

/** The writer of a text format; the HTML page's (with its chart library) is loaded only when asked for. */
export async function textWriter(format: Exclude<OutputFormat, 'xlsx'>): Promise<Writer> {
  return format === 'html' ? (await import('./html.js')).writeHtml : WRITERS[format];
}
