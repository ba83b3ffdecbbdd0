import { Chalk } from 'chalk';
import { boxLines } from './box-table.js';
import { humanValue } from './cells.js';
import { escapeText } from '../errors.js';
import { humanTotals } from './report.js';
import type { Row, ViewReport, Writer } from './report.js';

function* render(r: ViewReport, color: boolean): Generator<string> {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  // A header can be a column name from the input (a --by column): escaped like any cell.
  const head = r.columns.map((c) => chalk.bold(escapeText(c.key)));
  const align = r.columns.map((c) => (c.unit === 'text' ? 'left' as const : 'right' as const));
  const line = (row: Row) => r.columns.map((c) => {
    const text = humanValue(row[c.key], c.unit);
    return row[c.key] === null || row[c.key] === undefined ? chalk.dim(text) : text;
  });
  const rows = r.rows.map(line);
  for (const t of humanTotals(r)) {
    const cells = line(t);
    // The group columns of a totals row read "total" (the first) or stay empty.
    r.columns.forEach((c, i) => { if (!(c.key in t)) cells[i] = i === 0 ? chalk.bold('total') : ''; });
    rows.push(cells);
  }
  for (const text of boxLines(head, rows, align)) yield text + '\n';
}

export const writeTable: Writer = function* (reports, options, combined) {
  for (const [i, r] of reports.entries()) {
    if (i > 0) yield '\n';
    if (combined || reports.length > 1) yield `${r.title}\n`;
    yield* render(r, options.color);
  }
};
