/**
 * Reading .xlsx inputs (src/ingest/formats/xlsx.ts) on workbooks the tests write: with exceljs (as a
 * spreadsheet program writes them: shared strings, styles) and by hand (parts exceljs never writes:
 * inline and rich strings, ISO date cells, error cells, phonetic runs, prefixed XML), plus a committed
 * workbook in the shape of a Salesforce report export.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { strToU8, zipSync } from 'fflate';
import { FunnelError } from '../src/core/errors.js';
import {
  findHeaderRow, isDateFormat, openXlsx, readXlsxRows, serialToCell, type XlsxCell, type XlsxRow,
} from '../src/ingest/formats/xlsx.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-xlsx-input-'));
let n = 0;
const utc = (iso: string) => ({ date: Date.parse(iso) });

async function writeWorkbook(build: (wb: ExcelJS.Workbook) => void): Promise<string> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  const file = join(dir, `book-${++n}.xlsx`);
  await wb.xlsx.writeFile(file);
  return file;
}

async function all(rows: AsyncIterable<XlsxRow>): Promise<XlsxRow[]> {
  const out: XlsxRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<FunnelError> {
  try { await promise; } catch (err) { expect(err).toBeInstanceOf(FunnelError); return err as FunnelError; }
  throw new Error('expected a FunnelError');
}

/** A workbook written part by part: the sheet's XML as given, the rest minimal. */
function handWorkbook(sheetXml: string, options: { sharedStrings?: string; styles?: string; workbookPr?: string; prefix?: string } = {}): string {
  const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const p = options.prefix ? `${options.prefix}:` : '';
  const xmlns = options.prefix ? `xmlns:${options.prefix}="${ns}"` : `xmlns="${ns}"`;
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    '_rels/.rels': strToU8(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
    'xl/workbook.xml': strToU8(`<?xml version="1.0" encoding="UTF-8"?><${p}workbook ${xmlns} xmlns:r="${rel}">${options.workbookPr ?? ''}<${p}sheets><${p}sheet name="Data" sheetId="1" r:id="rId1"/></${p}sheets></${p}workbook>`),
    'xl/_rels/workbook.xml.rels': strToU8(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/>${options.sharedStrings ? `<Relationship Id="rId2" Type="${rel}/sharedStrings" Target="sharedStrings.xml"/>` : ''}${options.styles ? `<Relationship Id="rId3" Type="${rel}/styles" Target="/xl/styles.xml"/>` : ''}</Relationships>`),
    'xl/worksheets/sheet1.xml': strToU8(`<?xml version="1.0" encoding="UTF-8"?><${p}worksheet ${xmlns}><${p}sheetData>${sheetXml}</${p}sheetData></${p}worksheet>`),
  };
  if (options.sharedStrings) files['xl/sharedStrings.xml'] = strToU8(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${ns}">${options.sharedStrings}</sst>`);
  if (options.styles) files['xl/styles.xml'] = strToU8(`<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="${ns}">${options.styles}</styleSheet>`);
  const file = join(dir, `hand-${++n}.xlsx`);
  writeFileSync(file, zipSync(files));
  return file;
}

describe('reading a sheet written by a spreadsheet library', () => {
  it('skips and counts the title and filter rows above the header; numbers, booleans, empty cells', async () => {
    const file = await writeWorkbook((wb) => {
      const ws = wb.addWorksheet('Deals');
      ws.addRow(['Pipeline by stage']);
      ws.addRow(['Filtered by: Owner equals Ana']);
      ws.addRow([]);
      ws.addRow(['  Deal ID ', 'Amount', 'Won', 'Region']);
      ws.addRow(['D-1', 1234.5, true, 'EMEA']);
      ws.addRow(['D-2', -3, false, null]);
      ws.addRow(['D-3', null, null, 'APAC']);
    });
    const header = await findHeaderRow(await openXlsx(file), ['deal id', 'AMOUNT']);
    expect(header.row).toBe(4);
    expect(header.names).toEqual(['  Deal ID ', 'Amount', 'Won', 'Region']);
    expect(header.skipped).toEqual([1, 2]); // the blank row 3 is no record: not counted
    expect(await all(header.rows)).toEqual([
      { row: 5, cells: ['D-1', 1234.5, true, 'EMEA'] },
      { row: 6, cells: ['D-2', -3, false] },
      { row: 7, cells: ['D-3', undefined, undefined, 'APAC'] },
    ]);
  });

  it('date cells and date-formatted serial numbers become UTC timestamps; other numbers stay numbers', async () => {
    const file = await writeWorkbook((wb) => {
      const ws = wb.addWorksheet('Dates');
      ws.addRow(['created', 'serial as date', 'serial with time', 'plain serial', 'custom format', 'time of day']);
      ws.addRow([new Date(Date.UTC(2024, 1, 29, 13, 45, 30)), 45352, 45352.75, 45352, 45352, 0.5]);
      ws.getCell('B2').numFmt = 'yyyy-mm-dd';
      ws.getCell('C2').numFmt = 'm/d/yyyy h:mm';
      ws.getCell('E2').numFmt = '[$-409]d\\-mmm\\-yy;@';
      ws.getCell('F2').numFmt = 'h:mm AM/PM';
    });
    const rows = await all(readXlsxRows(file));
    expect(rows[1]!.cells).toEqual([
      utc('2024-02-29T13:45:30Z'), utc('2024-03-01T00:00:00Z'), utc('2024-03-01T18:00:00Z'), 45352, utc('2024-03-01T00:00:00Z'), 0.5,
    ]);
  });

  it('the 1904 date system', async () => {
    const file = await writeWorkbook((wb) => {
      wb.properties.date1904 = true;
      const ws = wb.addWorksheet('Mac');
      ws.addRow(['at']);
      ws.addRow([0]);
      ws.addRow([43890]); // 1904 serial of 2024-03-01 (1462 days less than the 1900 serial 45352)
      ws.getCell('A2').numFmt = 'yyyy-mm-dd';
      ws.getCell('A3').numFmt = 'yyyy-mm-dd';
    });
    const sheet = await openXlsx(file);
    expect(sheet.date1904).toBe(true);
    expect((await all(sheet.rows())).map((r) => r.cells[0])).toEqual(['at', utc('1904-01-01T00:00:00Z'), utc('2024-03-01T00:00:00Z')]);
  });

  it('a sheet by name (case-insensitive) or by 1-based number; the first by default', async () => {
    const file = await writeWorkbook((wb) => {
      wb.addWorksheet('Summary').addRow(['summary']);
      wb.addWorksheet('Raw Data').addRow(['raw']);
    });
    const first = await openXlsx(file);
    expect([first.sheet, first.sheets]).toEqual(['Summary', ['Summary', 'Raw Data']]);
    expect((await all(first.rows()))[0]!.cells).toEqual(['summary']);
    expect((await all(readXlsxRows(file, { sheet: 'raw data' })))[0]!.cells).toEqual(['raw']);
    expect((await all(readXlsxRows(file, { sheet: 2 })))[0]!.cells).toEqual(['raw']);
  });

  it('a missing sheet names the sheets there are', async () => {
    const file = await writeWorkbook((wb) => {
      wb.addWorksheet('Summary').addRow(['summary']);
      wb.addWorksheet('Raw Data').addRow(['raw']);
    });
    const byName = await failure(openXlsx(file, { sheet: 'Deals' }));
    expect(byName.code).toBe('MISSING_SHEET');
    expect(byName.exitCode).toBe(1);
    expect(byName.message).toBe(`${file}: has no sheet "Deals" (its sheets: 1 "Summary", 2 "Raw Data")`);
    const byNumber = await failure(openXlsx(file, { sheet: 3 }));
    expect(byNumber.message).toBe(`${file}: has no sheet number 3 (it has 2: 1 "Summary", 2 "Raw Data")`);
  });

  it('no row holding every required header: names the closest row and what it lacks', async () => {
    const file = await writeWorkbook((wb) => {
      const ws = wb.addWorksheet('Deals');
      ws.addRow(['Report']);
      ws.addRow(['id', 'amount']);
    });
    const err = await failure(findHeaderRow(await openXlsx(file), ['id', 'amount', 'close date']));
    expect(err.code).toBe('MISSING_COLUMN');
    expect(err.message).toBe(`${file}: sheet "Deals": no row holds every required header; the closest, row 2, lacks "close date"`);
    const alternatives = await failure(findHeaderRow(await openXlsx(file), ['id', ['Close Date', 'CloseDate']]));
    expect(alternatives.message).toMatch(/row 2, lacks "Close Date" or "CloseDate"$/);
  });

  it('a required header may be a list of alternatives, any one of which will do', async () => {
    const file = await writeWorkbook((wb) => {
      const ws = wb.addWorksheet('Deals');
      ws.addRow(['Deal ID', 'Title']);
      ws.addRow(['Record ID', 'Deal Name', 'Amount']);
    });
    const header = await findHeaderRow(await openXlsx(file), [['Deal ID', 'Record ID'], 'amount']);
    expect([header.row, header.skipped]).toEqual([2, [1]]);
  });
});

describe('parts a spreadsheet program writes that the library above does not', () => {
  it('shared strings (plain, rich runs, phonetic guides left out, _xHHHH_ escapes), inline strings, formulas, errors, ISO date cells', async () => {
    const file = handWorkbook(
      '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
      + '<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve"> inline </t></is></c><c r="B2" t="inlineStr"><is><r><t>ri</t></r><r><rPr><b/></rPr><t>ch</t></r></is></c>'
      + '<c r="C2" t="str"><f>A2&amp;"x"</f><v>&lt;formula&gt;</v></c><c r="D2" t="e"><v>#N/A</v></c><c r="E2"><f>1+1</f></c></row>'
      + '<row r="3"><c r="A3" t="d"><v>2024-03-01T10:00:00</v></c><c r="B3" t="d"><v>2024-03-01</v></c><c r="C3" t="d"><v>2024-03-01T10:00:00+02:00</v></c><c r="D3" t="b"><v>1</v></c></row>',
      { sharedStrings: '<si><t>Deal</t></si><si><r><t>Clo</t></r><r><rPr><i/></rPr><t>se date</t></r></si><si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si><si><t>line_x000D__x000A_break</t></si>' },
    );
    expect(await all(readXlsxRows(file))).toEqual([
      { row: 1, cells: ['Deal', 'Close date', '東京', 'line\r\nbreak'] },
      { row: 2, cells: [' inline ', 'rich', '<formula>', '#N/A'] },
      { row: 3, cells: [utc('2024-03-01T10:00:00Z'), utc('2024-03-01T00:00:00Z'), utc('2024-03-01T08:00:00Z'), true] },
    ]);
  });

  it('cells and rows without references follow the previous ones; gaps stay empty; prefixed XML', async () => {
    const file = handWorkbook(
      '<x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c><x:v>1</x:v></x:c><x:c r="E1"><x:v>5</x:v></x:c><x:c><x:v>6</x:v></x:c></x:row>'
      + '<x:row r="7"/><x:row r="9"><x:c r="B9"><x:v>2</x:v></x:c></x:row><x:row><x:c r="AA10"><x:v>3</x:v></x:c></x:row>',
      { prefix: 'x' },
    );
    const rows = await all(readXlsxRows(file));
    expect(rows.slice(0, 2)).toEqual([
      { row: 1, cells: ['a', 1, undefined, undefined, 5, 6] },
      { row: 9, cells: [undefined, 2] },
    ]);
    expect(rows[2]!.row).toBe(10);
    expect(rows[2]!.cells.length).toBe(27);
    expect(rows[2]!.cells[26]).toBe(3);
  });

  it('dates by built-in and custom number formats; the 1900 system before 1 March 1900; the 1904 flag as written', async () => {
    const styles = '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/><numFmt numFmtId="165" formatCode="#,##0.00 &quot;days&quot;"/></numFmts>'
      + '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="22"/></cellXfs>';
    const sheet = '<row r="1"><c r="A1" s="1"><v>1</v></c><c r="B1" s="1"><v>59</v></c><c r="C1" s="1"><v>60</v></c><c r="D1" s="1"><v>61</v></c>'
      + '<c r="E1" s="2"><v>45352.5</v></c><c r="F1" s="3"><v>45352.5</v></c><c r="G1" s="4"><v>45352.0000115741</v></c><c r="H1" s="1"><v>-1</v></c></row>';
    expect((await all(readXlsxRows(handWorkbook(sheet, { styles }))))[0]!.cells).toEqual([
      utc('1900-01-01T00:00:00Z'), utc('1900-02-28T00:00:00Z'), '1900-02-29', utc('1900-03-01T00:00:00Z'),
      utc('2024-03-01T12:00:00Z'), 45352.5, utc('2024-03-01T00:00:01Z'), -1,
    ]);
    const mac = handWorkbook('<row r="1"><c r="A1" s="1"><v>1</v></c></row>', { styles, workbookPr: '<workbookPr date1904="true"/>' });
    expect((await all(readXlsxRows(mac)))[0]!.cells).toEqual([utc('1904-01-02T00:00:00Z')]);
  });

  it('which number formats show dates', () => {
    for (const code of ['yyyy-mm-dd', 'm/d/yy', 'd-mmm', 'mmm-yy', 'mmmm', 'dd/mm/yyyy hh:mm:ss', '[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy', '[Red]yyyy']) {
      expect([code, isDateFormat(code)]).toEqual([code, true]);
    }
    for (const code of ['General', '0.00', '#,##0', '"$"#,##0.00', '0%', '0.00E+00', 'h:mm', 'h:mm:ss AM/PM', '[h]:mm:ss', 'mm:ss', '"days" 0', '@']) {
      expect([code, isDateFormat(code)]).toEqual([code, false]);
    }
  });

  it('serial dates: the 1900 leap-year bug and the 1904 system', () => {
    expect(serialToCell(45352, false)).toEqual(utc('2024-03-01T00:00:00Z'));
    expect(serialToCell(45352 - 1462, true)).toEqual(utc('2024-03-01T00:00:00Z'));
    expect(serialToCell(60, false)).toBe('1900-02-29');
    expect(serialToCell(59.5, false)).toEqual(utc('1900-02-28T12:00:00Z'));
    expect(serialToCell(0, true)).toEqual(utc('1904-01-01T00:00:00Z'));
    expect(serialToCell(-1, true)).toBe(-1);
  });
});

describe('files that are not workbooks', () => {
  it('a CSV file named .xlsx: one line naming the file', async () => {
    const file = join(dir, 'deals.xlsx');
    writeFileSync(file, 'id,amount\nD-1,100\n');
    const err = await failure(openXlsx(file));
    expect([err.code, err.exitCode, err.message]).toEqual(['NOT_XLSX', 1, `${file}: not an .xlsx workbook (not a zip archive)`]);
    expect(err.message).not.toContain('\n');
  });

  it('an old .xls (or a password-protected workbook), an empty file, a zip that is no workbook, a missing file', async () => {
    const xls = join(dir, 'old.xlsx');
    writeFileSync(xls, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]));
    expect((await failure(openXlsx(xls))).message).toMatch(/: an old-format \(\.xls\) or password-protected workbook, not an \.xlsx; save it/);
    const empty = join(dir, 'empty.xlsx');
    writeFileSync(empty, '');
    expect((await failure(openXlsx(empty))).message).toBe(`${empty}: is empty (expected an .xlsx workbook)`);
    const zip = join(dir, 'photos.xlsx');
    writeFileSync(zip, zipSync({ 'a.txt': strToU8('hello') }));
    expect((await failure(openXlsx(zip))).message).toBe(`${zip}: is a zip archive but not an .xlsx workbook (it has no xl/workbook.xml)`);
    const missing = join(dir, 'nowhere.xlsx');
    const gone = await failure(openXlsx(missing));
    expect([gone.code, gone.message]).toEqual(['UNREADABLE', `${missing}: no such file`]);
  });

  it('a damaged sheet: one line naming the file and the part', async () => {
    const file = handWorkbook('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></row>');
    const err = await failure(all(readXlsxRows(file)));
    expect(err.code).toBe('NOT_XLSX');
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the part xl/worksheets/sheet1.xml of the workbook is damaged \\(`));
    expect(err.message).not.toContain('\n');
  });
});

describe('a Salesforce report exported to Excel (committed workbook)', () => {
  const FILE = 'test/data/salesforce-opportunities-report.xlsx';
  const REQUIRED = ['Opportunity Name', 'Stage', 'Amount', 'Close Date'];

  it('finds the header under the title, as-of and filter rows; reads typed records; the footer rows follow', async () => {
    const header = await findHeaderRow(await openXlsx(FILE), REQUIRED);
    expect(header.row).toBe(5);
    expect(header.skipped).toEqual([1, 2, 3]);
    expect(header.names).toEqual(['Opportunity Name', 'Account Name', 'Stage', 'Amount', 'Close Date', 'Created Date', 'Lead Source', 'Closed', 'Won']);
    const rows = await all(header.rows);
    const data = rows.filter((r) => typeof r.cells[4] === 'object');
    expect(data.length).toBe(7);
    expect(data[2]).toEqual({
      row: 8,
      cells: ['Express Logistics Standby Generator', 'Express Logistics and Transport', 'Closed Won', 220000,
        utc('2024-03-07T00:00:00Z'), utc('2024-02-20T00:00:00Z'), 'Trade Show', true, true],
    });
    expect(data[1]!.cells[6]).toBeUndefined(); // an empty Lead Source
    // What follows the data is the report's footer: the preset recognises it; the reader hands it on with its row numbers.
    const footer: [number, XlsxCell][] = rows.filter((r) => typeof r.cells[4] !== 'object').map((r) => [r.row, r.cells[0]]);
    expect(footer).toEqual([
      [14, 'Grand Totals (7 records)'],
      [16, 'Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.'],
      [17, 'Confidential Information - Do Not Distribute'],
    ]);
    expect(rows.find((r) => r.row === 14)!.cells[3]).toBe(850000);
  });
});
