import { humanValue } from './cells.js';
import { escapeText } from '../core/errors.js';
import { humanTotals, type Row, type ViewReport, type Writer } from './report.js';

const cell = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('|', '\\|');

function* table(r: ViewReport): Generator<string> {
  const keys = r.columns.map((c) => escapeText(c.key)); // a --by column's name comes from the input
  const right = r.columns.map((c) => c.unit !== 'text');
  yield `| ${keys.map(cell).join(' | ')} |\n| ${right.map((x) => (x ? '---:' : '---')).join(' | ')} |\n`;
  const line = (row: Row) => `| ${r.columns.map((c) => cell(humanValue(row[c.key], c.unit))).join(' | ')} |\n`;
  for (const row of r.rows) yield line(row);
  for (const t of humanTotals(r)) {
    yield `| ${r.columns.map((c, i) => (c.key in t ? cell(humanValue(t[c.key], c.unit)) : i === 0 ? '**total**' : '')).join(' | ')} |\n`;
  }
}

export const writeMarkdown: Writer = function* (reports, _options, combined) {
  for (const [i, r] of reports.entries()) {
    if (i > 0) yield '\n';
    if (combined || reports.length > 1) yield `## ${r.title}\n\n`;
    yield* table(r);
  }
};
