/**
 * Tables that fit a terminal: headers wrapped at word boundaries onto at most three lines, and,
 * when the columns still do not fit, the table split into blocks of columns that each repeat the
 * row keys (as R prints a wide data frame). Nothing is dropped: every column is in some block.
 * Only for a terminal (or a forced width); piped tables are never reflowed.
 */
import stringWidth from 'string-width';

/** The columns a line of the table costs: a border and a space either side per column. */
const columnCost = (width: number) => width + 3;

/** Words of a header put on lines of at most `width` columns (a longer word has a line of its own). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && stringWidth(line) + 1 + stringWidth(word) > width) { lines.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  if (line || !lines.length) lines.push(line);
  return lines;
}

/** The narrowest width at which a header takes at most `maxLines` lines, but no narrower than `floor`. */
export function headerWidth(text: string, floor: number, maxLines = 3): number {
  const words = text.split(' ');
  let width = Math.max(floor, ...words.map((w) => stringWidth(w)));
  while (wrapWords(text, width).length > maxLines) width++;
  return width;
}

export interface FitColumn {
  /** The header as one line of text (a human label). */
  head: string;
  /** The widest cell of the column's body. */
  bodyWidth: number;
  /** A row key (period, --by column, stage): repeated in every block. */
  key: boolean;
}

export interface Block {
  /** Indexes of the columns in this block: the keys, then its share of the others. */
  columns: number[];
  /** Each column's header, wrapped (lines joined by \n). */
  heads: string[];
}

/**
 * Splits the columns into blocks no wider than `width` (when the keys and one column fit at all),
 * with headers wrapped as narrow as their bodies allow, when the table does not fit as it is.
 */
export function fitBlocks(columns: readonly FitColumn[], width: number): Block[] {
  // A table that fits with its headers on one line is left as it is.
  const natural = columns.map((c) => Math.max(c.bodyWidth, stringWidth(c.head)));
  if (1 + natural.reduce((sum, w) => sum + columnCost(w), 0) <= width) return [{ columns: columns.map((_, i) => i), heads: columns.map((c) => c.head) }];
  const widths = columns.map((c) => headerWidth(c.head, c.bodyWidth));
  const heads = columns.map((c, i) => wrapWords(c.head, widths[i]).join('\n'));
  const keys = columns.flatMap((c, i) => (c.key ? [i] : []));
  const keyCost = 1 + keys.reduce((sum, i) => sum + columnCost(widths[i]), 0);
  const blocks: Block[] = [];
  let current: number[] = [], cost = keyCost;
  columns.forEach((c, i) => {
    if (c.key) return;
    if (current.length && cost + columnCost(widths[i]) > width) {
      blocks.push({ columns: [...keys, ...current], heads: [...keys, ...current].map((k) => heads[k]) });
      current = []; cost = keyCost;
    }
    current.push(i); cost += columnCost(widths[i]);
  });
  if (current.length || !blocks.length) blocks.push({ columns: [...keys, ...current], heads: [...keys, ...current].map((k) => heads[k]) });
  return blocks;
}
