import Table from 'cli-table3';
import { Chalk } from 'chalk';
import { humanValue } from './cells.js';
import { humanTotals } from './report.js';
import type { Row, ViewReport, Writer } from './report.js';

function render(r: ViewReport, color: boolean): string {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  const table = new Table({
    head: r.columns.map((c) => chalk.bold(c.key)),
    colAligns: r.columns.map((c) => (c.unit === 'text' ? 'left' : 'right')),
    style: { head: [], border: [] }, // cli-table3 colours these even when piped unless told not to
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }, // no rule between rows
  });
  const line = (row: Row) => r.columns.map((c) => {
    const text = humanValue(row[c.key], c.unit);
    return row[c.key] === null || row[c.key] === undefined ? chalk.dim(text) : text;
  });
  for (const row of r.rows) table.push(line(row));
  for (const t of humanTotals(r)) {
    const cells = line(t);
    // The group columns of a totals row read "total" (the first) or stay empty.
    r.columns.forEach((c, i) => { if (!(c.key in t)) cells[i] = i === 0 ? chalk.bold('total') : ''; });
    table.push(cells);
  }
  return table.toString() + '\n';
}

export const writeTable: Writer = (reports, options, combined) =>
  reports.map((r) => ((combined || reports.length > 1) ? `${r.title}\n` : '') + render(r, options.color)).join('\n');
