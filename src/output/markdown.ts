import { escapeControl, humanValue } from './cells.js';
import { humanTotals, type Row, type ViewReport, type Writer } from './report.js';

const cell = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('|', '\\|');

function table(r: ViewReport): string {
  const keys = r.columns.map((c) => escapeControl(c.key)); // a --by column's name comes from the input
  const right = r.columns.map((c) => c.unit !== 'text');
  let out = `| ${keys.map(cell).join(' | ')} |\n| ${right.map((x) => (x ? '---:' : '---')).join(' | ')} |\n`;
  const line = (row: Row) => `| ${r.columns.map((c) => cell(humanValue(row[c.key], c.unit))).join(' | ')} |\n`;
  for (const row of r.rows) out += line(row);
  for (const t of humanTotals(r)) {
    out += `| ${r.columns.map((c, i) => (c.key in t ? cell(humanValue(t[c.key], c.unit)) : i === 0 ? '**total**' : '')).join(' | ')} |\n`;
  }
  return out;
}

export const writeMarkdown: Writer = (reports, _options, combined) =>
  reports.map((r) => (combined || reports.length > 1 ? `## ${r.title}\n\n` : '') + table(r)).join('\n');
