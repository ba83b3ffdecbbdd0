import type { Writer } from './report.js';
import { writeTable } from './table.js';
import { writeJson } from './json.js';
import { writeCsv } from './csv.js';
import { writeNdjson } from './ndjson.js';
import { writeMarkdown } from './markdown.js';

export const OUTPUT_FORMATS = ['table', 'json', 'csv', 'ndjson', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const WRITERS: Record<OutputFormat, Writer> = {
  table: writeTable, json: writeJson, csv: writeCsv, ndjson: writeNdjson, markdown: writeMarkdown,
};
