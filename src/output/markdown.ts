import { humanValue } from './cells.js';
import type { Row, ViewReport, Writer } from './report.js';

const cell = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('|', '\\|');

function table(r: ViewReport): string {
  const keys = r.columns.map((c) => c.key);
  const right = r.columns.map((c) => c.unit !== 'text');
  let out = `| ${keys.map(cell).join(' | ')} |\n| ${right.map((x) => (x ? '---:' : '---')).join(' | ')} |\n`;
  const line = (row: Row, label?: string) =>
    `| ${r.columns.map((c, i) => (i === 0 && label ? `**${label}**` : cell(humanValue(row[c.key], c.unit)))).join(' | ')} |\n`;
  for (const row of r.rows) out += line(row);
  const totals = Array.isArray(r.totals) ? r.totals : [r.totals];
  for (const t of totals) out += line({ ...t, [keys[0]]: t[keys[0]] ?? '' }, keys[0] in t ? undefined : 'total');
  return out;
}

export const writeMarkdown: Writer = (reports, _options, combined) =>
  reports.map((r) => (combined || reports.length > 1 ? `## ${r.title}\n\n` : '') + table(r)).join('\n');
