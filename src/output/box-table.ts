/**
 * A boxed text table in one pass over its cells: the report tables, which can have tens of
 * thousands of rows (`--by owner --period week`).
 *
 * Why not cli-table3 here: its `toString` lays the table out by checking every cell against every
 * earlier cell (for row and column spans) and merges its options into every cell, so its time grows
 * with the square of the rows (cli-table3 issue #68, open since 2018). 322 rows × 17 columns took
 * 0.25 s; 8,000 rows took 43 s. This draws exactly what cli-table3 draws for our tables (no spans,
 * no word wrap, no rule between rows, padding 1) — test/output.test.ts checks it against cli-table3
 * on random tables — and cli-table3 stays for the small tables (`funnel metrics`, which wraps
 * words, and `funnel validate`).
 */
import stringWidth from 'string-width';

export type Align = 'left' | 'right';

/** Printable ASCII only: a terminal gives it one column a character (most cells are numbers). */
const PLAIN = /^[\x20-\x7e]*$/;
/** Widths of other texts, which repeat: "—" for a missing value, and its colour codes. */
const textWidths = new Map<string, number>();
function widthOf(text: string): number {
  if (PLAIN.test(text)) return text.length;
  let width = textWidths.get(text);
  if (width === undefined) {
    width = stringWidth(text);
    if (textWidths.size >= 10_000) textWidths.clear();
    textWidths.set(text, width);
  }
  return width;
}

/** The table as text (no newline at its end); see boxLines. */
export function boxTable(head: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  return [...boxLines(head, rows, align)].join('\n');
}

/**
 * The table's lines (without line breaks): a top border, the header and the rows (a cell's lines
 * stacked within its row), a bottom border. Every row has a cell per header column. Two passes
 * over the cells and nothing kept per cell but its width: the column widths first, then the lines,
 * made as they are taken (a table can have millions of cells).
 */
export function* boxLines(head: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): Generator<string> {
  const columns = head.length;
  const columnWidths = new Array<number>(columns).fill(0);
  // Each cell's width (a one-line cell's) or −1 (a cell of several lines, measured again when drawn).
  const cellWidths = new Int32Array((rows.length + 1) * columns);
  let at = 0;
  const measure = (row: readonly string[]) => {
    for (let i = 0; i < columns; i++) {
      const cell = row[i];
      // Columns a terminal gives the text: SGR colour codes take none, East Asian wide characters two.
      let width: number;
      if (cell.includes('\n')) {
        width = 0;
        for (const text of cell.split('\n')) width = Math.max(width, widthOf(text));
        cellWidths[at++] = -1;
      } else {
        width = widthOf(cell);
        cellWidths[at++] = width;
      }
      if (width > columnWidths[i]) columnWidths[i] = width;
    }
  };
  measure(head);
  for (const row of rows) measure(row);
  const rule = (left: string, mid: string, right: string) => left + columnWidths.map((w) => '─'.repeat(w + 2)).join(mid) + right;
  yield rule('┌', '┬', '┐');
  const padded = (text: string, width: number, i: number) => {
    const pad = ' '.repeat(columnWidths[i] - width);
    return ' ' + (align[i] === 'right' ? pad + text : text + pad) + ' │';
  };
  at = 0;
  /** The lines of a row: one, unless a cell has several. */
  const draw = (row: readonly string[]): string[] => {
    const from = at;
    let height = 1;
    for (let i = 0; i < columns; i++) if (cellWidths[at++] < 0) height = Math.max(height, row[i].split('\n').length);
    if (height === 1) {
      let text = '│';
      for (let i = 0; i < columns; i++) text += padded(row[i], cellWidths[from + i], i);
      return [text];
    }
    const lines = row.map((cell) => cell.split('\n'));
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      let text = '│';
      for (let i = 0; i < columns; i++) {
        const part = lines[i][k] ?? '';
        text += padded(part, cellWidths[from + i] >= 0 && k === 0 ? cellWidths[from + i] : widthOf(part), i);
      }
      out.push(text);
    }
    return out;
  };
  yield* draw(head);
  for (const row of rows) yield* draw(row);
  yield rule('└', '┴', '┘');
}
