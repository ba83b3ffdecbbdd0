/** RFC 4180 text: a cell is quoted when it holds the delimiter, a quote, CR or LF. */
export function csvCell(value: string, delimiter = ','): string {
  if (value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r')) {
    return '"' + value.replaceAll('"', '""') + '"';
  }
  return value;
}

export function csvLine(cells: readonly string[], delimiter = ','): string {
  return cells.map((c) => csvCell(c, delimiter)).join(delimiter) + '\n';
}
