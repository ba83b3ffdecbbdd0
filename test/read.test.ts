import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse as parseSync } from 'csv-parse/sync';
import { InputReader, type Rejection } from '../src/ingest/read.js';
import type { Table } from '../src/ingest/formats/index.js';
import { RejectsFile } from '../src/ingest/rejects.js';
import { parseConfig, type ConfigInput } from '../src/ingest/config.js';
import type { InputKind } from '../src/ingest/config.js';
import { FunnelError } from '../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'funnel-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(name: string, content: string | Buffer): string {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, content);
  return path;
}

async function readAll(kind: InputKind, paths: string[], config: ConfigInput = {}, extra: Partial<ConstructorParameters<typeof InputReader>[0]> = {}) {
  const rejections: Rejection[] = [];
  const reader = new InputReader({ config: parseConfig(config, 'test'), onReject: (r) => rejections.push(r), ...extra });
  const rows: any[] = [];
  for await (const batch of reader.read(kind, paths)) rows.push(...batch);
  return { rows, rejections, stats: reader.stats, reasons: rejections.map((r) => `${r.line}: ${r.reason}`) };
}

const DEALS = 'id,created_at,status,closed_at,amount\n';

describe('CSV input', () => {
  it("computes each file's SHA-256 unless told not to (only JSON output shows it); the rows are the same", async () => {
    const content = DEALS + 'D-1,2024-03-01,won,2024-03-20,10\nD-2,2024-03-02,open,,\n';
    const p = file('digest.csv', content);
    const hashed = await readAll('deals', [p, '-'], {}, { stdin: Readable.from([Buffer.from(content.replace(/D-/g, 'E-'))]) });
    const { createHash } = await import('node:crypto');
    expect(hashed.stats.map((s) => s.sha256)).toEqual([createHash('sha256').update(content).digest('hex'), createHash('sha256').update(content.replace(/D-/g, 'E-')).digest('hex')]);
    const plain = await readAll('deals', [p, '-'], {}, { stdin: Readable.from([Buffer.from(content.replace(/D-/g, 'E-'))]), digest: false });
    expect(plain.stats.map((s) => s.sha256)).toEqual(['', '']);
    expect(plain.rows).toEqual(hashed.rows);
    expect(plain.stats.map(({ sha256: _, ...rest }) => rest)).toEqual(hashed.stats.map(({ sha256: _, ...rest }) => rest));
  });

  it('reads a UTF-8 BOM, CRLF and quoted fields', async () => {
    const p = file('bom.csv', '\uFEFFId , Created_At,STATUS,closed_at,amount\r\nD-1,2024-03-01,Won,2024-03-20,"$1,200.50"\r\n');
    const { rows } = await readAll('deals', [p]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: 'D-1', status: 'won', amount: 1200.5, createdAt: Date.parse('2024-03-01T00:00:00Z'), line: 2 });
  });

  it('reads multi-byte characters cut by the 1 MiB read chunks, on both paths of a row', async () => {
    // Every byte offset mod 1 MiB lands inside some "Zoë — 東京 🚀" over 3 MB, so some character is cut.
    const rows: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      const owner = i % 3 === 0 ? ` Zoë — 東京 🚀${i} ` : `Zoë — 東京 🚀${i}`; // padded ones go down the every-field path
      rows.push(`D-${i},2024-03-01,open,,,"${owner}","n""${'é'.repeat(i % 40)}"`);
    }
    const p = file('multibyte.csv', 'id,created_at,status,closed_at,amount,owner,note\n' + rows.join('\n') + '\n');
    const { rows: read, rejections } = await readAll('deals', [p], {}, { dims: new Set(['note']) });
    expect(rejections).toEqual([]);
    expect(read).toHaveLength(40_000);
    // One expect over every row's mismatches (120,000 expects took most of the test's time).
    const wrong = read.flatMap((r, i) => {
      const want = { owner: `Zoë — 東京 🚀${i}`, note: `n"${'é'.repeat(i % 40)}`, line: i + 2 };
      return r.owner === want.owner && r.dims.note === want.note && r.line === want.line ? [] : [{ i, got: { owner: r.owner, note: r.dims.note, line: r.line }, want }];
    });
    expect(wrong).toEqual([]);
  });

  it('names the line of an invalid UTF-8 byte in a later read chunk', async () => {
    const head = 'id,created_at,status,closed_at,amount\n' + Array.from({ length: 60_000 }, (_, i) => `D-${i},2024-03-01,open,,,"a\nb"`).join('\n') + '\n';
    const p = file('bad-late.csv', Buffer.concat([Buffer.from(head), Buffer.from('D-x,2024-03-01,open,,,x'), Buffer.from([0xe6, 0x9d]), Buffer.from(',\n')]));
    await expect(readAll('deals', [p])).rejects.toThrow(`${p}:120002: is not UTF-8 text (an invalid byte on this line); save it as UTF-8`);
  });

  it('converts offsets to UTC', async () => {
    const p = file('tz.csv', DEALS + 'D-1,2024-03-01T01:00:00+02:00,open,,\n');
    expect((await readAll('deals', [p])).rows[0].createdAt).toBe(Date.parse('2024-02-29T23:00:00Z'));
  });

  it('reports a rejected row after a multi-line quoted field with its own line number', async () => {
    const p = file('ml.csv', 'id,created_at,status,closed_at,amount,note\nD-1,2024-03-01,open,,,"first\nsecond\nthird"\nD-2,2024-03-01,open,,abc,x\n');
    const { reasons } = await readAll('deals', [p]);
    expect(reasons).toEqual(['5: column "amount": "abc" is not a number (expected e.g. 1200.50 or $1,200.50)']);
  });

  it('counts every row: accepted + rejected = rows read, per file', async () => {
    const a = file('a.csv', DEALS + 'D-1,2024-03-01,won,2024-03-02,10\nD-2,2024-03-01,won,,10\nD-3,2024-03-01,open,,\n');
    const b = file('b.csv', DEALS + 'D-1,2024-03-01,open,,\nD-4,x,open,,\nD-5,2024-03-01,open,,,extra\n');
    const { stats, reasons } = await readAll('deals', [a, b]);
    expect(stats.map((s) => [s.rows, s.accepted, s.rejected])).toEqual([[3, 2, 1], [3, 0, 3]]);
    for (const s of stats) expect(s.accepted + s.rejected).toBe(s.rows);
    expect(reasons[1]).toMatch(/^2: column "id": "D-1" is a duplicate \(first seen at .*a\.csv:2\)$/); // ids unique across files
  });

  it('derives status from stage through the config lists', async () => {
    const p = file('stage.csv', 'id,created_at,stage,closed_at,amount\nD-1,2024-03-01,Closed Won,2024-03-02,5\nD-2,2024-03-01,Closed Lost,2024-03-02,\nD-3,2024-03-01,Demo,,\nD-4,2024-03-01,Signed,2024-03-05,9\n');
    const { rows } = await readAll('deals', [p], { status: { won: ['closed won', 'signed'] } });
    expect(rows.map((r) => r.status)).toEqual(['won', 'lost', 'open', 'won']);
  });

  it('maps headers through columns (one header may feed several columns) and fills constants', async () => {
    const p = file('map.csv', 'Deal ID,Won On,Value,Rep\nX1,2024-03-05,500,Ann\n');
    const { rows } = await readAll('deals', [p], {
      columns: { deals: { id: 'Deal ID', created_at: 'Won On', closed_at: 'Won On', amount: 'value', owner: 'Rep' } },
      constants: { deals: { status: 'won' } },
    });
    expect(rows[0]).toMatchObject({ id: 'X1', status: 'won', createdAt: Date.parse('2024-03-05'), closedAt: Date.parse('2024-03-05'), amount: 500, owner: 'Ann', customerId: 'X1', type: 'new' });
    expect(rows[0].dims).toEqual({ 'deal id': 'X1', 'won on': '2024-03-05', value: '500', rep: 'Ann' });
  });

  it('a column mapped to a list of headers: each row takes the first non-empty value among those the file has', async () => {
    // Pipedrive-like: a won deal's close time in "Won time", a lost one's in "Lost time", else "Closed on"; "Nope" is not in the file.
    const p = file('coalesce.csv', 'Deal,Created,Status,Won time,Lost time,Closed on,Value\n'
      + 'A,2024-01-02,won,2024-01-10,,2024-01-30,100\n'
      + 'B,2024-01-03,lost,, ,2024-01-12,\n'
      + 'C,2024-01-04,lost,,2024-01-15,,\n'
      + 'D,2024-01-05,won,,,,70\n');
    const { rows, reasons } = await readAll('deals', [p], {
      columns: { deals: { id: 'Deal', created_at: 'Created', closed_at: ['Won time', 'Nope', 'Lost time', 'Closed on'], amount: 'Value' } },
    });
    expect(rows.map((r) => [r.id, new Date(r.closedAt).toISOString().slice(0, 10)])).toEqual([['A', '2024-01-10'], ['B', '2024-01-12'], ['C', '2024-01-15']]);
    // Each of the headers stays a dimension under its own name.
    expect(rows[0].dims).toMatchObject({ 'won time': '2024-01-10', 'closed on': '2024-01-30' });
    expect(reasons).toEqual(['5: columns "Won time", "Lost time", "Closed on" (closed_at, the first non-empty): missing (required for won deals)']);
    // Grouped by the column's raw text (--by closed_at): the same first non-empty value.
    const raw = await readAll('deals', [p], {
      columns: { deals: { id: 'Deal', created_at: 'Created', closed_at: ['Won time', 'Nope', 'Lost time', 'Closed on'], amount: 'Value' } },
    }, { rawDims: { deals: new Set(['closed_at']) }, dims: new Set(['closed_at']) });
    expect(raw.rows.map((r) => r.dims.closed_at)).toEqual(['2024-01-10', '2024-01-12', '2024-01-15']);
  });

  it('a list of headers none of which is in the file: an error naming them, unless a null ends the list (the file has no such column)', async () => {
    const p = file('coalesce-none.csv', 'id,created_at,status,closed_at,amount,Owner Name\nX,2024-01-02,open,,,Ann\n');
    await expect(readAll('deals', [p], { columns: { deals: { owner: ['Rep', 'Deal owner'] } } }))
      .rejects.toThrow(/the config maps deals column "owner" to headers "Rep", "Deal owner", none of which is in the file; did you mean "[^"]*"\? \(headers: id, created_at, status, closed_at, amount, Owner Name\)/);
    const { rows } = await readAll('deals', [p], { columns: { deals: { owner: ['Rep', 'Deal owner', null] } } });
    expect(rows[0].owner).toBeUndefined();
    expect(rows[0].dims).toMatchObject({ 'owner name': 'Ann' });
  });

  it('a column mapped to null: the file has no such column, and a header of that name is an ordinary dimension', async () => {
    const p = file('null.csv', 'id,created_at,status,closed_at,amount,Type\nX,2024-01-02,won,2024-01-05,10,New Business\n');
    const plain = await readAll('deals', [p]);
    expect(plain.rows).toEqual([]); // "New Business" read as the deal type: not a type
    expect(plain.reasons[0]).toMatch(/^2: column "Type": /);
    const { rows } = await readAll('deals', [p], { columns: { deals: { type: null } } });
    expect(rows[0]).toMatchObject({ id: 'X', type: 'new' });
    expect(rows[0].dims).toMatchObject({ type: 'New Business' });
  });

  it('deals.status from boolean columns: won when won is true; lost when lost is, or closed is and won is not; else open; any other value rejects the row', async () => {
    const p = file('flags.csv', 'id,created_at,closed_at,amount,IsWon,IsClosed,IsLost\n'
      + 'A,2024-01-02,2024-01-10,5,TRUE,true,\n' // won
      + 'B,2024-01-02,2024-01-10,,0,1,\n' // closed, not won: lost
      + 'C,2024-01-02,,,,,\n' // all empty: open
      + 'D,2024-01-02,2024-01-10,,n, Yes ,f\n' // lost
      + 'E,2024-01-02,2024-01-10,,no,no,t\n' // lost (the lost column)
      + 'F,2024-01-02,2024-01-10,5,y,F,\n' // won (won true, closed false)
      + 'G,2024-01-02,,,False,False,No\n' // open
      + 'H,2024-01-02,2024-01-10,5,yes,maybe,\n'
      + 'I,2024-01-02,2024-01-10,5,2,true,\n');
    const { rows, reasons } = await readAll('deals', [p], { columns: { deals: { status: { won: 'IsWon', closed: 'IsClosed', lost: 'islost' } } } });
    expect(rows.map((r) => `${r.id}:${r.status}`)).toEqual(['A:won', 'B:lost', 'C:open', 'D:lost', 'E:lost', 'F:won', 'G:open']);
    expect(reasons).toEqual([
      '9: column "IsClosed" (status.closed): "maybe" is not true or false (true: true, 1, yes, y, t; false: false, 0, no, n, f or empty)',
      '10: column "IsWon" (status.won): "2" is not true or false (true: true, 1, yes, y, t; false: false, 0, no, n, f or empty)',
    ]);
    // A row the finishing rule rejects names the status columns.
    const q = file('flags-no-close.csv', 'id,created_at,closed_at,amount,IsWon,IsClosed\nA,2024-01-02,,5,1,1\n');
    expect((await readAll('deals', [q], { columns: { deals: { status: { won: 'IsWon', closed: 'IsClosed' } } } })).reasons)
      .toEqual(['2: column "closed_at": missing (required for won deals)']);
    await expect(readAll('deals', [q], { columns: { deals: { status: { won: 'IsWon', lost: 'IsLost' } } } }))
      .rejects.toThrow(/the config maps deals column "status.lost" to header "IsLost", which is not in the file/);
  });

  it('value maps: a raw value (trimmed, any case) becomes the mapped one before it is read, in a canonical column or a dimension; "" makes it missing; others pass', async () => {
    const p = file('values.csv', 'id,created_at,status,closed_at,amount,Deal Type,Region\n'
      + 'A,2024-01-02,Gewonnen,2024-01-10,5,New Business,emea\n'
      + 'B,2024-01-02,open,,, existing BUSINESS ,n/a\n'
      + 'C,2024-01-02,open,,,Renewal,APAC\n'
      + 'D,2024-01-02,open,,,Upsell,\n');
    const { rows, reasons } = await readAll('deals', [p], {
      columns: { deals: { type: 'Deal Type' } },
      values: { deals: { ' TYPE ': { 'New Business': 'new', 'existing business': 'expansion' }, status: { gewonnen: 'won' }, region: { EMEA: 'Europe', 'N/A': '' } } },
    }, { dims: new Set(['region']) });
    expect(rows.map((r) => [r.id, r.status, r.type, r.dims.region])).toEqual([
      ['A', 'won', 'new', 'Europe'], ['B', 'open', 'expansion', undefined], ['C', 'open', 'renewal', 'APAC'],
    ]);
    // A value the map does not name is read as it is: "Upsell" is not a deal type.
    expect(reasons).toEqual([expect.stringMatching(/^5: column "Deal Type" \(type\): /)]);
    // The map also applies when named by the column's header.
    const byHeader = await readAll('deals', [p], { columns: { deals: { type: 'Deal Type' } }, values: { deals: { 'deal type': { 'New Business': 'new', 'existing business': 'expansion', upsell: '' } } } });
    expect(byHeader.rows.map((r) => [r.id, r.type])).toEqual([['B', 'expansion'], ['C', 'renewal'], ['D', 'new']]); // A: its status "Gewonnen" unmapped here
  });

  it('reads a constant once for the file: a padded one is trimmed, a bad one rejects every row with its reason', async () => {
    const p = file('const.csv', 'id,created_at,closed_at,amount\nX1,2024-03-05,2024-03-09,500\nX2,2024-03-05,2024-03-10,7\n');
    const good = await readAll('deals', [p], { constants: { deals: { status: ' Won ', type: 'Renewal' } } });
    expect(good.rows.map((r) => [r.id, r.status, r.type])).toEqual([['X1', 'won', 'renewal'], ['X2', 'won', 'renewal']]);
    const bad = await readAll('deals', [p], { constants: { deals: { status: 'maybe' } } });
    expect(bad.rows).toEqual([]);
    expect(bad.reasons).toEqual([2, 3].map((line) => `${line}: constant "status": "maybe" is not one of open, won, lost`));
  });

  it('leaves optional text columns nothing reads undefined on the fast path, and still checks every other column', async () => {
    const p = file('unread.csv', 'id,created_at,status,closed_at,amount,owner,source,customer_id\nX1,2024-03-05,won,2024-03-09,500,Ann,ads,C1\nX2,2024-03-05,won,2024-03-10,abc,Bo,seo,C2\n');
    const { rows, reasons } = await readAll('deals', [p], {}, { unread: { deals: new Set(['owner', 'customer_id', 'id']) } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: 'X1', source: 'ads', owner: undefined, customerId: 'X1', amount: 500 }); // a required column is always read
    expect(reasons).toEqual(['3: column "amount": "abc" is not a number (expected e.g. 1200.50 or $1,200.50)']);
    const all = await readAll('deals', [p]);
    expect(all.rows[0]).toMatchObject({ owner: 'Ann', customerId: 'C1' });
  });

  it('keeps other columns as dimensions and treats empty strings as missing', async () => {
    const p = file('dims.csv', 'id,created_at,source,Region\nL-1,2024-03-01,,EMEA\nL-2,2024-03-01,paid, \n');
    const { rows } = await readAll('leads', [p]);
    expect(rows.map((r) => [r.source, r.dims.region])).toEqual([[undefined, 'EMEA'], ['paid', undefined]]);
  });

  it('stops on a deals file that lacks closed_at or amount entirely, from the header, before any row is read', async () => {
    // The first rows are open deals: the check does not wait for a won one.
    const noAmount = file('no-amount.csv', 'id,created_at,status,closed_at,amt\nD-1,2024-03-01,open,,5\nD-2,2024-03-01,won,2024-03-02,9\n');
    await expect(readAll('deals', [noAmount])).rejects.toThrow(/deals column "amount" is missing \(won deals need it\); did you mean "amt"\? \(headers: id, created_at, status, closed_at, amt\); map it in the config: \{"columns": \{"deals": \{"amount": "<header>"\}\}\}/);
    const noClose = file('no-close.csv', 'id,created_at,stage,amount\nD-1,2024-03-01,Proposal,5\n');
    await expect(readAll('deals', [noClose])).rejects.toThrow(/deals column "closed_at" is missing \(won and lost deals need it\).*"status": "open"/);
    const headerOnly = file('no-close-header.csv', 'id,created_at,status,amount\n');
    await expect(readAll('deals', [headerOnly])).rejects.toThrow(/"closed_at" is missing/);
    // A constant status that rules won (or lost) deals out lifts the need; a lost-only export needs no amount.
    expect((await readAll('deals', [noClose], { constants: { deals: { status: 'open' } } })).rows).toHaveLength(1);
    const lostOnly = file('lost-only.csv', 'id,created_at,closed_at\nD-1,2024-03-01,2024-03-05\n');
    expect((await readAll('deals', [lostOnly], { constants: { deals: { status: 'Closed Lost' } } })).rows).toMatchObject([{ status: 'lost' }]);
    await expect(readAll('deals', [lostOnly], { constants: { deals: { status: 'won' } } })).rejects.toThrow(/"amount" is missing \(won deals need it\)/);
  });

  it('checks the columns some rows need over every key of a JSON file (an object may omit one)', async () => {
    const later = file('later.json', JSON.stringify([{ id: 'D-1', created_at: '2024-03-01', status: 'open' }, { id: 'D-2', created_at: '2024-03-01', status: 'won', closed_at: '2024-03-02', amount: 5 }]));
    expect((await readAll('deals', [later])).rows).toHaveLength(2);
    const never = file('never.json', JSON.stringify([{ id: 'D-1', created_at: '2024-03-01', status: 'open', amount: 1 }]));
    await expect(readAll('deals', [never])).rejects.toThrow(/never\.json: deals column "closed_at" is missing/);
  });

  it('rejects a won or lost deal closed before it was created, naming both times; a date on the creation day is a cycle of 0', async () => {
    const p = file('closed-before.csv', DEALS + [
      'D-1,2024-03-02T10:00:00Z,won,2024-03-01,5', // a date the day before
      'D-2,2024-03-02T10:00:00Z,lost,2024-03-02T09:59:59Z,', // a time that day, earlier
      'D-3,2024-03-02T10:00:00Z,won,2024-03-02,5', // a date-only close that day: not before it
      'D-4,2024-03-02T10:00:00Z,open,2024-01-01,5', // an open deal's expected date is not checked
      'D-5,2024-03-02,won,2024-03-02T08:00:00Z,5', // a date-only creation, closed later that day
    ].join('\n') + '\n');
    const { rows, reasons } = await readAll('deals', [p]);
    expect(reasons).toEqual([
      '2: column "closed_at": 2024-03-01 is before created_at 2024-03-02T10:00:00Z (a won deal closes after it is created)',
      '3: column "closed_at": 2024-03-02T09:59:59Z is before created_at 2024-03-02T10:00:00Z (a lost deal closes after it is created)',
    ]);
    expect(rows.map((r) => [r.id, r.closedAt === undefined ? undefined : (r.closedAt - r.createdAt) / 3_600_000])).toEqual([['D-3', 0], ['D-4', undefined], ['D-5', 8]]);
  });

  it('rejects a lead that reached a stage before it was created, naming both times; a date on the creation day is not before it', async () => {
    const p = file('stage-before.csv', 'id,created_at,mql_at,sql_at\n' + [
      'L-1,2024-03-02T10:00:00Z,2024-03-01T23:00:00Z,',
      'L-2,2024-03-02T10:00:00Z,2024-03-02,2024-03-04',
      'L-3,2024-03-02T10:00:00Z,,2024-02-01',
    ].join('\n') + '\n');
    const { rows, reasons } = await readAll('leads', [p]);
    expect(reasons).toEqual([
      '2: column "mql_at": 2024-03-01T23:00:00Z is before created_at 2024-03-02T10:00:00Z (a lead reaches a stage after it is created)',
      '4: column "sql_at": 2024-02-01 is before created_at 2024-03-02T10:00:00Z (a lead reaches a stage after it is created)',
    ]);
    expect(rows).toMatchObject([{ id: 'L-2', stageAt: [Date.parse('2024-03-02T10:00:00Z'), Date.parse('2024-03-02T10:00:00Z'), Date.parse('2024-03-04T00:00:00Z'), undefined, undefined] }]);
  });

  it('never adds up money in two currencies: a currency column, else what the amount states; one run currency across inputs', async () => {
    const deals = file('money.csv', 'id,created_at,status,closed_at,amount,currency\n' + [
      'D-1,2024-03-01,open,,100,', // states none
      'D-2,2024-03-01,won,2024-03-02,$100,', // the first stated: USD
      'D-3,2024-03-01,won,2024-03-02,€100,',
      'D-4,2024-03-01,won,2024-03-02,100,eur',
      'D-5,2024-03-01,won,2024-03-02,$100,CAD',
      'D-6,2024-03-01,won,2024-03-02,50,usd',
      'D-7,2024-03-01,won,2024-03-02,50,dollars',
    ].join('\n') + '\n');
    const spend = file('money-spend.csv', 'date,amount\n2024-03-01,-£5\n2024-03-01,USD 5\n');
    const subs = file('money-subs.csv', 'customer_id,start_date,mrr\nC-1,2024-03-01,20 JPY\nC-2,2024-03-01,$20\n');
    const rejections: Rejection[] = [];
    const reader = new InputReader({ config: parseConfig({}, 'test'), onReject: (r) => rejections.push(r) });
    const amounts: unknown[] = [];
    for (const [kind, path] of [['deals', deals], ['spend', spend], ['subscriptions', subs]] as const) {
      for await (const batch of reader.read(kind, [path])) for (const row of batch) amounts.push((row as { amount?: number; mrr?: number }).amount ?? (row as { mrr?: number }).mrr);
    }
    expect(amounts).toEqual([100, 100, 50, 5, 20]);
    const tail = '(the first currency stated in the input; set "currency" in the config to choose); amounts in two currencies are never added up';
    expect(rejections.map((r) => `${r.kind} ${r.line}: ${r.reason}`)).toEqual([
      `deals 4: column "amount": "€100" is in EUR, but this run counts money in USD ${tail}`,
      `deals 5: column "currency": "EUR" is in EUR, but this run counts money in USD ${tail}`,
      `deals 6: column "currency": "CAD" is in CAD, but this run counts money in USD ${tail}`,
      'deals 8: column "currency": "dollars" is not a currency (expected an ISO 4217 code such as USD or EUR, or one of € £ ¥ ₹ $ R$ US$ C$ A$)',
      `spend 2: column "amount": "-£5" is in GBP, but this run counts money in USD ${tail}`,
      `subscriptions 2: column "mrr": "20 JPY" is in JPY, but this run counts money in USD ${tail}`,
    ]);
  });

  it('keeps a currency column usable in --by, as it was before it was read', async () => {
    const p = file('currency-dim.csv', 'id,created_at,status,closed_at,amount,currency\nD-1,2024-03-01,won,2024-03-02,5,eur\n');
    const { rows } = await readAll('deals', [p], {}, { dims: new Set(['currency']) });
    expect(rows).toMatchObject([{ amount: 5, dims: { currency: 'eur' } }]);
  });

  it('names the missing column, the headers found and the closest one', async () => {
    const p = file('missing.csv', 'lead,created,Createdat\nL-1,2024-03-01,2024-03-01\n');
    await expect(readAll('leads', [p])).rejects.toThrow(/required leads column "id" is missing; did you mean "lead"\? \(headers: lead, created, Createdat\)/);
  });

  it('reads leads with stage columns in stage order', async () => {
    const p = file('stages.csv', 'id,created_at,mql_at,sql_at,opportunity_at,customer_at\nL-1,2024-03-01,2024-03-02,,2024-03-10,\n');
    const { rows } = await readAll('leads', [p]);
    expect(rows[0].stageAt).toEqual([Date.parse('2024-03-01'), Date.parse('2024-03-02'), undefined, Date.parse('2024-03-10'), undefined]);
  });

  it('stops at the first rejection under --strict', async () => {
    const p = file('strict.csv', DEALS + 'D-1,2024-03-01,won,,1\nD-2,2024-03-01,won,,1\n');
    const err = await readAll('deals', [p], {}, { strict: true }).catch((e) => e);
    expect(err).toBeInstanceOf(FunnelError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/strict\.csv:2: column "closed_at": missing \(required for won deals\) \(stopped at the first rejected row: --strict\)$/);
  });

  it('reads stdin', async () => {
    const stdin = Readable.from([Buffer.from(DEALS + 'D-1,2024-03-01,open,,\n')]);
    const { rows, stats } = await readAll('deals', ['-'], {}, { stdin });
    expect(rows).toHaveLength(1);
    expect(stats[0].file).toBe('stdin');
  });
});

describe('duplicate ids, checked a batch of rows at a time', () => {
  // An oracle: every row's fate, worked out row by row with a Map, against the reader's batched check.
  const rowsOf = (count: number) => {
    let seed = 7;
    const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
    const lines: { text: string; id: string; bad: boolean; fields: string[]; lines: number }[] = [];
    for (let i = 0; i < count; i++) {
      const id = rand() < 0.1 ? `D-${Math.floor(rand() * i)}` : `D-${i}`; // one in ten repeats an earlier id (or itself)
      const bad = rand() < 0.03;
      const u = rand();
      // Some notes are quoted, with escaped quotes or line breaks (the record is tokenized again for its rejection).
      const note = u < 0.05 ? ['"say ""hi""\nthen go"', 'say "hi"\nthen go', 2] as const : u < 0.1 ? ['"a,b"', 'a,b', 1] as const : ['plain', 'plain', 1] as const;
      const amount = bad ? 'abc' : String(i % 500);
      const text = `${id},2024-03-01,won,2024-03-09,${amount},${note[0]}`;
      lines.push({ text, id, bad, fields: [id, '2024-03-01', 'won', '2024-03-09', amount, note[1]], lines: note[2] });
    }
    return lines;
  };

  for (const [count, mode] of [[3000, 'batches'], [3000, 'generator'], [40_000, 'batches']] as const) {
    it(`rejects the later rows of a repeated id, in reading order with the other rejections (${count} rows, ${mode}${count > 20_000 ? ', across read chunks' : ''})`, async () => {
      const rows = rowsOf(count);
      const p = file('dups.csv', 'id,created_at,status,closed_at,amount,note\n' + rows.map((r) => r.text).join('\n') + '\n');
      const expected: string[] = [], accepted: number[] = [], fields: string[][] = [];
      const first = new Map<string, number>();
      let line = 2;
      for (const r of rows) {
        if (r.bad) { expected.push(`${line}: column "amount": "abc" is not a number (expected e.g. 1200.50 or $1,200.50)`); fields.push(r.fields); }
        else if (first.has(r.id)) { expected.push(`${line}: column "id": "${r.id}" is a duplicate (first seen at ${p}:${first.get(r.id)})`); fields.push(r.fields); }
        else { first.set(r.id, line); accepted.push(line); }
        line += r.lines;
      }
      const rejections: Rejection[] = [];
      const reader = new InputReader({ config: parseConfig({}, 'test'), onReject: (r) => rejections.push(r) });
      const got: number[] = [];
      if (mode === 'batches') {
        for await (const _ of reader.read('deals', [p], (batch) => { for (const d of batch) got.push(d.line); }));
      } else {
        for await (const batch of reader.read('deals', [p])) for (const d of batch) got.push(d.line);
      }
      expect(rejections.map((r) => `${r.line}: ${r.reason}`)).toEqual(expected);
      expect(rejections.map((r) => r.fields)).toEqual(fields);
      expect(got).toEqual(accepted);
      expect(reader.stats[0]).toMatchObject({ rows: count, accepted: accepted.length, rejected: expected.length });
      expect(expected.filter((e) => e.includes('duplicate')).length).toBeGreaterThan(count / 20);
    });
  }

  it('under --strict, stops at the first rejected row, a duplicate before a bad value in the same batch', async () => {
    const p = file('strict-dup.csv', DEALS + 'D-1,2024-03-01,open,,\nD-2,2024-03-01,open,,\n"D-1",2024-03-02,open,,\nD-3,2024-03-01,open,,abc\n');
    const rejections: Rejection[] = [];
    const err = await readAll('deals', [p], {}, { strict: true, onReject: (r) => rejections.push(r) }).catch((e) => e);
    expect(err.message).toMatch(/strict-dup\.csv:4: column "id": "D-1" is a duplicate \(first seen at .*strict-dup\.csv:2\) \(stopped at the first rejected row: --strict\)$/);
    expect(rejections.map((r) => r.line)).toEqual([4]);
  });

  it('reports what was read before a fatal error in the same chunk', async () => {
    const p = file('dup-then-long.csv', DEALS + 'D-1,2024-03-01,open,,\nD-1,2024-03-01,open,,\nD-2,2024-03-01,open,,"' + 'x'.repeat(70 * 1024 * 1024));
    const rejections: Rejection[] = [];
    const err = await readAll('deals', [p], {}, { onReject: (r) => rejections.push(r) }).catch((e) => e);
    expect(err).toBeInstanceOf(FunnelError);
    expect(rejections.map((r) => `${r.line}: ${r.reason}`)).toEqual([expect.stringMatching(/^3: column "id": "D-1" is a duplicate/)]);
  });
});

describe('JSON input', () => {
  it('streams a JSON array, giving each object the line it starts on', async () => {
    const p = file('deals.json', '[\n  {"id": "D-1", "created_at": "2024-03-01", "status": "won", "closed_at": "2024-03-09", "amount": 1200.5},\n  {\n    "id": "D-2",\n    "created_at": "2024-03-01",\n    "status": "open",\n    "amount": "abc"\n  },\n  {"id": "D-3", "created_at": "2024-03-01", "status": "open", "probability": 35, "source": null}\n]\n');
    const { rows, reasons, stats } = await readAll('deals', [p]);
    expect(rows.map((r) => [r.id, r.line])).toEqual([['D-1', 2], ['D-3', 9]]);
    expect(rows[0].amount).toBe(1200.5);
    expect(rows[1].probability).toBe(0.35);
    expect(reasons).toEqual(['3: column "amount": "abc" is not a number (expected e.g. 1200.50 or $1,200.50)']);
    expect(stats[0]).toMatchObject({ rows: 3, accepted: 2, rejected: 1, format: 'json' });
  });

  it('counts lines by bytes, not characters, after multi-byte text', async () => {
    const p = file('utf8.json', '\uFEFF[{"id": "D-1", "created_at": "2024-03-01", "status": "open", "closed_at": null, "amount": null, "owner": "Zoë — 東京"},\n{"id": "D-2", "created_at": "bad", "status": "open"}]');
    const { reasons } = await readAll('deals', [p]);
    expect(reasons).toEqual(['2: column "created_at": "bad" is not a date (expected ISO 8601 such as 2024-03-01 or 2024-03-01T10:00:00Z)']);
  });

  it('rejects a non-object element and keeps reading', async () => {
    const p = file('mixed.json', '[{"id": "D-1", "created_at": "2024-03-01", "status": "open", "closed_at": null, "amount": null}, 5, {"id": "D-2", "created_at": "2024-03-01", "status": "open"}]');
    const { rows, reasons } = await readAll('deals', [p]);
    expect(rows).toHaveLength(2);
    expect(reasons).toEqual(['1: expected a JSON object per row, found number']);
  });

  it('reads an empty array as no rows', async () => {
    const { rows, stats } = await readAll('deals', [file('empty.json', '[]')]);
    expect(rows).toEqual([]);
    expect(stats[0].rows).toBe(0);
  });

  it('fails with the line of a syntax error', async () => {
    const p = file('broken.json', '[\n{"id": "D-1", "created_at": "2024-03-01", "status": "open"},\n{"id": "D-2",, }\n]');
    await expect(readAll('deals', [p])).rejects.toThrow(/broken\.json:3: not valid JSON/);
  });
});

describe('NDJSON input', () => {
  it('rejects a bad line with its line number and reads the rest', async () => {
    const p = file('deals.ndjson', '{"id":"D-1","created_at":"2024-03-01","status":"open","closed_at":"","amount":""}\r\n\n{"id":"D-2",\n{"id":"D-3","created_at":"2024-03-01","status":"open"}\n');
    const { rows, rejections, stats } = await readAll('deals', [p]);
    expect(rows.map((r) => [r.id, r.line])).toEqual([['D-1', 1], ['D-3', 4]]);
    expect(rejections.map((r) => [r.line, r.reason.slice(0, 16), r.fields])).toEqual([[3, 'not valid JSON (', ['{"id":"D-2",']]]);
    expect(stats[0]).toMatchObject({ rows: 3, accepted: 2, rejected: 1 });
  });

  it('takes keys that first appear on later lines', async () => {
    const p = file('late.jsonl', '{"id":"D-1","created_at":"2024-03-01","status":"open"}\n{"id":"D-2","created_at":"2024-03-01","status":"won","closed_at":"2024-03-02","amount":3,"source":"ads"}\n');
    const { rows } = await readAll('deals', [p]);
    expect(rows[1]).toMatchObject({ amount: 3, source: 'ads', closedAt: Date.parse('2024-03-02') });
  });
});

describe('--rejects file', () => {
  it('is CSV a reader can parse back, with the original values intact and a reason', async () => {
    const a = file('a.csv', 'id,created_at,status,closed_at,amount,note\nD-1,2024-03-01,won,,"$1,200","multi\nline, ""quoted"""\nD-2,2024-03-01,open,,,ok\n');
    const b = file('b.ndjson', '{"id":"L-1","created_at":"never"}\nnot json\n');
    const out = join(dir, 'rejects.csv');
    const sink = new RejectsFile(out);
    const r1 = new InputReader({ config: parseConfig({}, 't'), onReject: (r) => sink.add(r) });
    for await (const _ of r1.read('deals', [a])) { /* drain */ }
    for await (const _ of r1.read('leads', [b])) { /* drain */ }
    await sink.finish();
    const parsed = parseSync(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(parsed).toEqual([
      { id: 'D-1', created_at: '2024-03-01', status: 'won', closed_at: '', amount: '$1,200', note: 'multi\nline, "quoted"', '(raw line)': '', reason: 'column "closed_at": missing (required for won deals)', file: a, line: '2' },
      { id: 'L-1', created_at: 'never', status: '', closed_at: '', amount: '', note: '', '(raw line)': '', reason: 'column "created_at": "never" is not a date (expected ISO 8601 such as 2024-03-01 or 2024-03-01T10:00:00Z)', file: b, line: '1' },
      { id: '', created_at: '', status: '', closed_at: '', amount: '', note: '', '(raw line)': 'not json', reason: expect.stringMatching(/^not valid JSON/), file: b, line: '2' },
    ]);
  });

  it('keeps every value of a rejected row in the --rejects file, whatever its columns are named', async () => {
    // A data column named like the rejects file's own names for extra fields and repeated headers.
    const a = file('names.csv', 'id,created_at,status,closed_at,amount,Email,Email,Email (2),(extra field 1)\nD-1,2024-03-01,maybe,,,a@x,b@x,c@x,extra1\nD-2,2024-03-01,open,,,d@x,e@x,f@x,g,ragged\n');
    const out = join(dir, 'rejects-names.csv');
    const sink = new RejectsFile(out);
    const reader = new InputReader({ config: parseConfig({}, 't'), onReject: (r) => sink.add(r) });
    for await (const _ of reader.read('deals', [a])) { /* drain */ }
    await sink.finish();
    const lines = parseSync(readFileSync(out, 'utf8')) as string[][];
    expect(lines[0]).toEqual(['id', 'created_at', 'status', 'closed_at', 'amount', 'Email', 'Email (3)', 'Email (2)', '(extra field 1)', '_(extra field 1)', 'reason', 'file', 'line']);
    expect(lines[1].slice(0, 10)).toEqual(['D-1', '2024-03-01', 'maybe', '', '', 'a@x', 'b@x', 'c@x', 'extra1', '']);
    expect(lines[2].slice(0, 10)).toEqual(['D-2', '2024-03-01', 'open', '', '', 'd@x', 'e@x', 'f@x', 'g', 'ragged']);
  });
});

describe('a format with typed cells (as a workbook gives: numbers and dates read already)', () => {
  /** A fake sheet: records whose fields hold the text a sheet shows, and whose cells hold typed values. */
  function sheet(header: string[], rows: { fields: string[]; cells: (number | Date | boolean | undefined)[] }[]): Table {
    return {
      file: 'pipeline.xlsx', format: 'sheet', header: undefined, fixedWidth: true, typedCells: true, sha256: '', bytes: 0, size: undefined,
      async *batches() {
        this.header = header;
        yield rows.map((r, i) => ({ line: i + 2, fields: r.fields, cells: r.cells }));
      },
    };
  }

  it('a typed date and a typed amount are taken as they are, not read from their text; other columns read their text', async () => {
    const rejections: Rejection[] = [];
    const reader = new InputReader({ config: parseConfig({}, 'test'), onReject: (r) => rejections.push(r) });
    const table = sheet(['id', 'created_at', 'status', 'closed_at', 'amount'], [
      // The texts as a sheet in a German locale shows them: neither is readable as text without --date-format.
      { fields: ['D-1', '01.03.2024', 'won', '20.03.2024', '1.234,50'], cells: [undefined, new Date(Date.UTC(2024, 2, 1)), undefined, new Date(Date.UTC(2024, 2, 20)), 1234.5] },
      // A text date in a typed sheet is read as text; a number in a date column is not taken as a date (never guessed).
      { fields: ['D-2', '2024-03-02', 'open', '', ''], cells: [] },
      { fields: ['D-3', '45352', 'open', '', ''], cells: [undefined, 45352] },
      // A typed amount is held to the text's rules: a deal's amount may not be negative.
      { fields: ['D-4', '01.03.2024', 'won', '02.03.2024', '-5'], cells: [undefined, new Date(Date.UTC(2024, 2, 1)), undefined, new Date(Date.UTC(2024, 2, 2)), -5] },
    ]);
    const rows: any[] = [];
    for await (const batch of reader.readTables('deals', [table])) rows.push(...batch);
    expect(rows.map((r) => [r.id, new Date(r.createdAt).toISOString().slice(0, 10), r.status, r.amount])).toEqual([
      ['D-1', '2024-03-01', 'won', 1234.5],
      ['D-2', '2024-03-02', 'open', undefined],
    ]);
    expect(rows[0].closedAt).toBe(Date.UTC(2024, 2, 20));
    expect(rejections.map((r) => `${r.line}: ${r.reason}`)).toEqual([
      expect.stringMatching(/^4: column "created_at": "45352" is too small for an epoch timestamp/),
      '5: column "amount": "-5" is negative (only spend amounts may be negative)',
    ]);
    expect(reader.stats[0]).toMatchObject({ file: 'pipeline.xlsx', format: 'sheet', rows: 4, accepted: 2, rejected: 2 });
  });
});
