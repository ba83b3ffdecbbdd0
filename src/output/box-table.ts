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

/**
 * The table as text (no newline at its end): a top border, the header and the rows (a cell's
 * lines stacked within its row), a bottom border. Every row has a cell per header column.
 */
export function boxTable(head: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const all = [head, ...rows];
  const widths = head.map(() => 0);
  const lines = all.map((row) => row.map((cell, i) => {
    // Columns a terminal gives the text: SGR colour codes take none, East Asian wide characters two.
    const parts = cell.split('\n').map((text) => ({ text, width: stringWidth(text) }));
    for (const p of parts) if (p.width > widths[i]) widths[i] = p.width;
    return parts;
  }));
  const rule = (left: string, mid: string, right: string) => left + widths.map((w) => '─'.repeat(w + 2)).join(mid) + right;
  const out = [rule('┌', '┬', '┐')];
  for (const row of lines) {
    let height = 1;
    for (const cell of row) if (cell.length > height) height = cell.length;
    for (let k = 0; k < height; k++) {
      let text = '│';
      for (let i = 0; i < row.length; i++) {
        const part = row[i][k] ?? { text: '', width: 0 };
        const pad = ' '.repeat(widths[i] - part.width);
        text += ' ' + (align[i] === 'right' ? pad + part.text : part.text + pad) + ' │';
      }
      out.push(text);
    }
  }
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}
