import { Chalk, type ChalkInstance } from 'chalk';
import stringWidth from 'string-width';
import { boxLines } from './box-table.js';
import { fitBlocks } from './fit.js';
import { humanLabel } from './labels.js';
import { changeText, headlines } from './summary.js';
import { humanValue } from './cells.js';
import { escapeText } from '../core/errors.js';
import { humanTotals } from './report.js';
import type { Row, ViewReport, WriteOptions, Writer } from './report.js';

function* render(r: ViewReport, color: boolean, width?: number): Generator<string> {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  // A header can be a column name from the input (a --by column): escaped like any cell.
  const head = r.columns.map((c) => chalk.bold(escapeText(width === undefined ? c.key : humanLabel(c.key))));
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
  if (width === undefined) {
    for (const text of boxLines(head, rows, align)) yield text + '\n';
    return;
  }
  const bodyWidths = r.columns.map((_, i) => rows.reduce((w, row) => Math.max(w, stringWidth(row[i])), 0));
  const keys = new Set(r.columns.filter((c) => c.unit === 'text').map((c) => c.key));
  const blocks = fitBlocks(r.columns.map((c, i) => ({ head: escapeText(humanLabel(c.key)), bodyWidth: bodyWidths[i], key: keys.has(c.key) })), width);
  for (const [n, block] of blocks.entries()) {
    if (n > 0) yield '\n';
    const blockHead = block.heads.map((h) => h.split('\n').map((line) => chalk.bold(line)).join('\n'));
    for (const text of boxLines(blockHead, rows.map((row) => block.columns.map((i) => row[i])), block.columns.map((i) => align[i]))) yield text + '\n';
  }
  if (r.view === 'stages') yield* funnelBars(r, chalk, width);
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
/** A bar of `fraction` × `width` columns, in eighths of a column. */
function bar(fraction: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * width * 8);
  return '█'.repeat(eighths >> 3) + EIGHTHS[eighths & 7];
}

/** The funnel under the stages table: each stage's reach over all periods and groups, as a bar. */
function* funnelBars(r: ViewReport, chalk: ChalkInstance, width: number): Generator<string> {
  const totals = Array.isArray(r.totals) ? r.totals : [r.totals];
  if (!r.columns.some((c) => c.key === 'reached') || !totals.length) return;
  const reached = totals.map((t) => (typeof t.reached === 'number' ? t.reached : 0));
  const labels = totals.map((t) => escapeText(String(t.stage)));
  const counts = reached.map((n) => humanValue(n, 'count'));
  const rates = totals.map((t) => (typeof t.rate_from_previous === 'number' ? `${humanValue(t.rate_from_previous, 'rate')} of previous` : ''));
  const labelWidth = Math.max(...labels.map((l) => stringWidth(l)));
  const countWidth = Math.max(...counts.map((c) => c.length));
  const rateWidth = Math.max(...rates.map((c) => c.length));
  const barWidth = Math.max(4, Math.min(50, width - 2 - labelWidth - 1 - 1 - countWidth - 2 - rateWidth - 1));
  const max = Math.max(1, ...reached);
  yield `\n${chalk.bold('Funnel')} (leads reaching each stage, all periods)\n`;
  for (let i = 0; i < totals.length; i++) {
    yield `  ${labels[i]}${' '.repeat(labelWidth - stringWidth(labels[i]))} ${chalk.cyan(bar(reached[i] / max, barWidth).padEnd(barWidth))} ${counts[i].padStart(countWidth)}  ${rates[i]}`.trimEnd() + '\n';
  }
}

/** A report's opening lines on a terminal: each view's headline metrics of the last period and their change. */
function* summary(reports: readonly ViewReport[], chalk: ChalkInstance): Generator<string> {
  const items = headlines(reports);
  if (!items.length) return;
  yield `${chalk.bold('Summary')} (the last period, and its change from the one before)\n`;
  const labels = items.map((h) => `${humanLabel(h.key)}${h.period ? ` ${h.period}` : ''}`);
  const values = items.map((h) => humanValue(h.value, h.unit));
  const labelWidth = Math.max(...labels.map((l) => stringWidth(l)));
  const valueWidth = Math.max(...values.map((v) => v.length));
  for (const [i, h] of items.entries()) {
    const change = changeText(h);
    yield `  ${escapeText(labels[i]).padEnd(labelWidth)}  ${values[i].padStart(valueWidth)}${change ? `  ${change} vs ${escapeText(h.previousPeriod ?? '')}` : ''}\n`;
  }
  yield '\n';
}

export const writeTable: Writer = function* (reports, options: WriteOptions, combined) {
  if (combined && options.width !== undefined) yield* summary(reports, new Chalk({ level: options.color ? 1 : 0 }));
  for (const [i, r] of reports.entries()) {
    if (i > 0) yield '\n';
    if (combined || reports.length > 1) yield `${r.title}\n`;
    yield* render(r, options.color, options.width);
  }
};
