/**
 * The config's `inputs` (a list of files, each with its kind and settings of its own) and constants
 * that win over a column of the same name: the schema, the paths (relative to the config file's
 * folder), the per-file view of the config, and the reading of such files.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { parseConfig, fileConfig, type ConfigInput } from '../src/ingest/config.js';
import { FunnelError } from '../src/core/errors.js';
import { loadRun } from '../src/commands/common.js';
import { inputsOf, readInputs, type InputFlags, type Io } from '../src/ingest/inputs.js';
import { InputReader, type Rejection } from '../src/ingest/read.js';
import { readSettings } from '../src/ingest/settings.js';

const fails = (raw: unknown) => {
  try { parseConfig(raw, 'monthly.json'); } catch (e) { expect(e).toBeInstanceOf(FunnelError); expect((e as FunnelError).exitCode).toBe(2); return (e as Error).message; }
  throw new Error('expected the config to be rejected');
};

const dir = mkdtempSync(join(tmpdir(), 'funnel-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (path: string, content: string) => { mkdirSync(join(path, '..'), { recursive: true }); writeFileSync(path, content); return path; };

const noFlags = (): InputFlags => ({ leads: [], events: [], deals: [], spend: [], subscriptions: [] });
function io(cwd = dir): Io & { err: () => string } {
  const stderr = new PassThrough(), chunks: Buffer[] = [];
  stderr.on('data', (d: Buffer) => chunks.push(d));
  return { stdin: Readable.from([]), stdout: new PassThrough(), stderr, env: {}, cwd, err: () => Buffer.concat(chunks).toString() };
}
/** Loads a config written to `path` (relative to `cwd`), with `flags` besides. */
async function load(path: string, config: unknown, flags: Partial<InputFlags> = {}, cwd = dir) {
  write(resolve(cwd, path), JSON.stringify(config));
  return loadRun({ ...noFlags(), ...flags, config: path }, io(cwd));
}
const message = async (p: Promise<unknown>) => { try { await p; } catch (e) { return { code: (e as FunnelError).exitCode, message: (e as Error).message }; } throw new Error('expected an error'); };

describe('config inputs: the schema', () => {
  it('an entry needs a known kind and a file; an unknown key names its path and the known ones', () => {
    expect(fails({ inputs: [{ kind: 'deal', file: 'a.csv' }] })).toBe('monthly.json: "inputs.0.kind": expected one of leads, events, deals, spend, subscriptions');
    expect(fails({ inputs: [{ kind: 'deals', file: 'a.csv' }, { kind: 'spend' }] })).toBe('monthly.json: "inputs.1.file": expected a file name');
    expect(fails({ inputs: [{ kind: 'spend', file: ' ' }] })).toBe('monthly.json: "inputs.0.file": expected a file name, not an empty string');
    expect(fails({ inputs: [{ kind: 'deals', file: 'a.csv', column: {} }] })).toBe('monthly.json: inputs.0: unknown key "column"; did you mean "columns"? (known keys: kind, file, format, dateFormats, numberFormat, timezone, delimiter, sheet, columns, constants, values, stageColumns)');
    expect(fails({ inputs: { kind: 'deals', file: 'a.csv' } })).toMatch(/^monthly\.json: "inputs": .*expected array/);
  });

  it("checks an entry's settings with the same rules as the config's", () => {
    expect(fails({ inputs: [{ kind: 'deals', file: 'a.csv', delimiter: '::' }] })).toBe('monthly.json: "inputs.0.delimiter": expected one ASCII character other than a quote (or tab, comma, semicolon, pipe)');
    expect(fails({ inputs: [{ kind: 'deals', file: 'a.csv', format: 'xls' }] })).toMatch(/^monthly\.json: "inputs\.0\.format": expected one of csv, tsv, json, ndjson/);
    expect(fails({ inputs: [{ kind: 'deals', file: 'a.csv', numberFormat: '1234' }] })).toMatch(/^monthly\.json: "inputs\.0\.numberFormat": expected one of "1,234\.56"/);
    expect(fails({ inputs: [{ kind: 'spend', file: 'a.csv', columns: { status: { won: 'IsWon', closed: 'IsClosed' } } }] })).toMatch(/^monthly\.json: "inputs\.0\.columns\.status": only deals\.status may be an object of boolean columns/);
    expect(fails({ inputs: [{ kind: 'deals', file: 'a.csv', values: { type: { New: 'new', ' new ': 'expansion' } } }] })).toMatch(/^monthly\.json: "inputs\.0\.values\.type\. new ": matches the same values as "New"/);
    expect(parseConfig({ inputs: [{ kind: 'deals', file: 'a.csv', delimiter: 'semicolon' }] }, 'x').inputs[0].delimiter).toBe(';');
  });

  it("a file's view of the config: its entry's columns, constants and values merged over its kind's, object by object (a list or a value replaces)", () => {
    const config = parseConfig({
      columns: { deals: { id: 'Deal ID', amount: ['Amount', 'Value'], owner: 'Rep' }, spend: { amount: 'Cost' } },
      constants: { deals: { type: 'new' } },
      values: { deals: { source: { 'Paid Search': 'paid', Web: 'organic' } } },
      inputs: [{ kind: 'deals', file: 'a.csv', columns: { amount: 'Total', owner: null }, constants: { status: 'won' }, values: { source: { Web: 'web' } } }],
    } satisfies ConfigInput, 'monthly.json');
    const own = fileConfig(config, config.inputs[0], 'monthly.json: inputs.0');
    expect(own.columns.deals).toEqual({ id: 'Deal ID', amount: 'Total', owner: null });
    expect(own.columns.spend).toEqual({ amount: 'Cost' });
    expect(own.constants.deals).toEqual({ type: 'new', status: 'won' });
    expect(own.values.deals).toEqual({ source: { 'Paid Search': 'paid', Web: 'web' } });
    expect(own.inputs).toEqual([]);
    // A leads file's own stage column templates replace stageColumns.leads for it alone; no other kind has stage columns.
    const staged = parseConfig({ stageColumns: { leads: ['Became a {stage} Date'] }, inputs: [{ kind: 'leads', file: 'l.csv', stageColumns: ['date_entered_{stage}'] }, { kind: 'leads', file: 'm.csv' }] }, 'monthly.json');
    expect(fileConfig(staged, staged.inputs[0], 'monthly.json: inputs.0').stageColumns.leads).toEqual(['date_entered_{stage}']);
    expect(fileConfig(staged, staged.inputs[1], 'monthly.json: inputs.1').stageColumns.leads).toEqual(['Became a {stage} Date']);
    expect(fails({ inputs: [{ kind: 'deals', file: 'a.csv', stageColumns: ['date_entered_{stage}'] }] })).toBe('monthly.json: "inputs.0.stageColumns": only a leads file has stage date columns (stageColumns)');
    // The entry's formats are a layer of its read settings, between its kind's and the flags'.
    const formats = parseConfig({ dateFormats: ['M/d/yyyy'], numberFormat: '1.234,56', formats: { deals: { timezone: 'Europe/Berlin' } }, inputs: [{ kind: 'deals', file: 'a.csv', dateFormats: ['dd.MM.yyyy'] }] }, 'x');
    const layer = { layer: formats.inputs[0], at: 'inputs.0.' };
    expect(readSettings(formats, 'deals', {}, layer)).toMatchObject({ dateFormats: ['dd.MM.yyyy'], dateFormatsFrom: 'inputs.0.dateFormats', numberFormat: '1.234,56', timezone: 'Europe/Berlin' });
    expect(readSettings(formats, 'deals', { dateFormat: 'yyyy/MM/dd' }, layer)).toMatchObject({ dateFormats: ['yyyy/MM/dd'], dateFormatsFrom: '--date-format' });
  });
});

describe('config inputs: the files of a run', () => {
  it("resolves a file against the config file's folder (an absolute path is kept) and names it as a flag would; flag files come after, with the kind's settings", async () => {
    write(join(dir, 'exports', 'deals.csv'), 'id\n');
    write(join(dir, 'spend.csv'), 'date,amount\n');
    write(join(dir, 'spend-eu.csv'), 'date,amount\n');
    const { flags, config } = await load(join('exports', 'monthly.json'), {
      inputs: [{ kind: 'deals', file: 'deals.csv', constants: { status: 'won' } }, { kind: 'spend', file: join(dir, 'spend.csv') }, { kind: 'spend', file: '../spend-eu.csv', numberFormat: '1.234,56' }],
    }, { deals: ['other.csv'] });
    expect(flags.deals).toEqual([join('exports', 'deals.csv'), 'other.csv']);
    expect(flags.spend).toEqual([join(dir, 'spend.csv'), 'spend-eu.csv']);
    expect(flags.listed?.deals?.map((l) => l && { at: l.at, status: l.config.constants.deals?.status })).toEqual([{ at: `${join('exports', 'monthly.json')}: inputs.0`, status: 'won' }, undefined]);
    expect(flags.listed?.spend?.map((l) => l?.settings.numberFormat)).toEqual(['1,234.56', '1.234,56']);
    expect(config.constants.deals).toBeUndefined(); // the entry's constant is its file's alone
  });

  it('a listed file that is not there is one error naming the config and the entry, before anything is read', async () => {
    write(join(dir, 'there.csv'), 'id\n');
    expect(await message(load('missing.json', { inputs: [{ kind: 'deals', file: 'there.csv' }, { kind: 'spend', file: 'there.csv' }, { kind: 'spend', file: 'Spend.csv' }] }))).toEqual({
      code: 1, message: 'missing.json: "inputs.2.file": Spend.csv: no such file',
    });
  });

  it('a file listed and also given by a flag (or by two flags, or through a link) is refused: it would be counted twice', async () => {
    const cwd = process.cwd(), at = (name: string) => relative(cwd, join(dir, 'twice', name));
    write(join(dir, 'twice', 'leads.csv'), 'id,created_at\nL1,2024-01-01\n');
    symlinkSync(join(dir, 'twice', 'leads.csv'), join(dir, 'twice', 'link.csv'));
    const listed = await message(load(join(dir, 'twice', 'monthly.json'), { inputs: [{ kind: 'leads', file: 'leads.csv' }] }, { leads: [at('leads.csv')] }, cwd));
    expect(listed).toEqual({ code: 2, message: `--leads: ${JSON.stringify(at('leads.csv'))} is given twice (by flags or the config's inputs); each file is read once, or its rows would be counted twice` });
    const linked = await message(load(join(dir, 'twice', 'plain.json'), {}, { leads: [at('leads.csv'), at('link.csv')] }, cwd));
    expect(linked.message).toMatch(/are the same file/);
    // The same file for two kinds is two inputs.
    await expect(load(join(dir, 'twice', 'kinds.json'), {}, { leads: [at('leads.csv')], events: [at('leads.csv')] }, cwd)).resolves.toBeDefined();
  });

  it('at most one input may be stdin, listed or given by a flag', async () => {
    const { flags } = await load('stdin.json', { inputs: [{ kind: 'deals', file: '-' }] }, { spend: ['-'] });
    expect(flags.deals).toEqual(['-']);
    expect(() => inputsOf(flags)).toThrow('at most one input may be read from stdin (-)');
  });

  it("an entry's constants and columns are checked as the config's are, named by the entry's key", async () => {
    write(join(dir, 'd.csv'), 'id\n');
    expect(await message(load('bad-constant.json', { inputs: [{ kind: 'deals', file: 'd.csv', constants: { status: 'maybe' } }] }))).toEqual({
      code: 2, message: 'bad-constant.json: "inputs.0.constants.status": "maybe" is not one of open, won, lost',
    });
    expect(await message(load('bad-column.json', { inputs: [{ kind: 'deals', file: 'd.csv', columns: { amout: 'Amount' } }] }))).toMatchObject({
      code: 2, message: expect.stringMatching(/^bad-column\.json: "inputs\.0\.columns\.amout": unknown deals column "amout"; did you mean "amount"\?/),
    });
    expect(await message(load('bad-date.json', { inputs: [{ kind: 'deals', file: 'd.csv', dateFormats: ['dd.MM.'] }] }))).toMatchObject({
      code: 2, message: expect.stringContaining('bad-date.json: "inputs.0.dateFormats.0"'),
    });
  });

  it('reads each listed file with its own settings, as one stream of its kind (ids unique across files), and says which file and line a rejected row is on', async () => {
    write(join(dir, 'mixed', 'us.csv'), 'id,created_at,status,closed_at,amount\nD-1,2024-03-01,won,2024-03-20,"1,200.50"\nD-2,2024-03-02,open,,\n');
    write(join(dir, 'mixed', 'eu.csv'), 'Deal;Created;Closed;Value;Status\nE-1;03.04.2024;20.04.2024;1.234,56;Gewonnen\nD-1;03.04.2024;21.04.2024;7;x\nE-2;04.04.2024;22.04.2024;12k;y\n');
    // The readers open a path as the flags give it, relative to the process's working directory.
    const cwd = process.cwd(), at = (name: string) => relative(cwd, join(dir, 'mixed', name));
    const { flags, config } = await load(join(dir, 'mixed', 'monthly.json'), {
      inputs: [
        { kind: 'deals', file: 'us.csv' },
        { kind: 'deals', file: 'eu.csv', delimiter: ';', numberFormat: '1.234,56', dateFormats: ['dd.MM.yyyy'], columns: { id: 'Deal', created_at: 'Created', closed_at: 'Closed', amount: 'Value' }, constants: { status: 'won' } },
      ],
    }, {}, cwd);
    const rows: any[] = [], rejections: Rejection[] = [];
    const out = io(cwd);
    await readInputs({ ...flags, quiet: false }, config, out, [{ kind: 'deals', handle: (batch) => rows.push(...batch) }], { onReject: (r) => rejections.push(r), dims: new Set(['status']) });
    expect(rows.map((r) => [r.id, r.status, r.amount, r.file, r.line])).toEqual([
      ['D-1', 'won', 1200.5, at('us.csv'), 2],
      ['D-2', 'open', undefined, at('us.csv'), 3],
      ['E-1', 'won', 1234.56, at('eu.csv'), 2],
    ]);
    expect(rows[2].closedAt).toBe(Date.parse('2024-04-20'));
    // The file's Status column is a dimension; the constant gives every row its status.
    expect(rows[2].dims).toEqual({ status: 'Gewonnen' });
    expect(rejections.map((r) => `${r.file}:${r.line}: ${r.reason}`)).toEqual([
      `${at('eu.csv')}:3: column "Deal" (id): "D-1" is a duplicate (first seen at ${at('us.csv')}:2)`,
      `${at('eu.csv')}:4: column "Value" (amount): "12k" is not a number written as the numberFormat "1.234,56" says (expected e.g. 1200,50 or 1.200,50 €)`,
    ]);
    expect(out.err()).toContain(`funnel: note: ${at('eu.csv')}: column "Status" is read as a dimension: the config sets status to "won" for every row (inputs.1.constants.status)\n`);
  });
});

describe('config inputs: settings for one file alone', () => {
  it("an entry's format and value map apply to its file only; a file given by a flag is read with the kind's settings", async () => {
    const cwd = process.cwd(), at = (name: string) => relative(cwd, join(dir, 'alone', name));
    const content = 'date,amount,source\n2024-03-01,10,Paid Search\n';
    write(join(dir, 'alone', 'spend.txt'), content);
    write(join(dir, 'alone', 'spend.csv'), content);
    const { flags, config } = await load(join(dir, 'alone', 'monthly.json'), {
      values: { spend: { source: { 'paid search': 'search' } } },
      inputs: [{ kind: 'spend', file: 'spend.txt', format: 'csv', values: { source: { 'Paid Search': 'paid' } } }],
    }, { spend: [at('spend.csv')] }, cwd);
    const rows: any[] = [];
    await readInputs(flags, config, io(cwd), [{ kind: 'spend', handle: (batch) => rows.push(...batch) }]);
    expect(rows.map((r) => [r.file, r.source])).toEqual([[at('spend.txt'), 'paid'], [at('spend.csv'), 'search']]);
  });

  it('a delimiter at the top level, per kind (formats.<kind>) or per file; --delimiter wins over them all', async () => {
    const cwd = process.cwd(), at = (name: string) => relative(cwd, join(dir, 'delim', name));
    write(join(dir, 'delim', 'a.csv'), 'date;amount;source\n2024-03-01;10;ads\n');
    write(join(dir, 'delim', 'b.csv'), 'date|amount|source\n2024-03-02|20|seo\n');
    write(join(dir, 'delim', 'c.csv'), 'date\tamount\tsource\n2024-03-03\t30\tpr\n');
    const spend = async (config: unknown, flags: Partial<InputFlags> = {}) => {
      const { flags: run, config: cfg } = await load(join(dir, 'delim', 'monthly.json'), config, flags, cwd);
      const rows: any[] = [];
      await readInputs(run, cfg, io(cwd), [{ kind: 'spend', handle: (batch) => rows.push(...batch) }]);
      return rows.map((r) => [r.source, r.amount]);
    };
    expect(await spend({ delimiter: ';' }, { spend: [at('a.csv')] })).toEqual([['ads', 10]]);
    expect(await spend({ delimiter: ';', formats: { spend: { delimiter: 'pipe' } } }, { spend: [at('b.csv')] })).toEqual([['seo', 20]]);
    expect(await spend({ delimiter: ';', inputs: [{ kind: 'spend', file: 'c.csv', delimiter: 'tab' }] }, { spend: [at('a.csv')] })).toEqual([['pr', 30], ['ads', 10]]);
    // The flag wins: b.csv read with ';' is one column, so its rows lack date and amount.
    await expect(spend({ formats: { spend: { delimiter: 'pipe' } } }, { spend: [at('b.csv')], delimiter: ';' })).rejects.toThrow(/required spend column "date" is missing|date/);
  });
});

describe('constants win over a column of the same name', () => {
  let n = 0;
  /** Reads `contents`, one file each, as deals; the notes with each file named FILE. */
  const read = async (contents: string[], config: ConfigInput) => {
    const paths = contents.map((content) => write(join(dir, `const-${n++}.csv`), content));
    const notes: string[] = [], rejections: Rejection[] = [];
    const reader = new InputReader({ config: parseConfig(config, 'test'), onReject: (r) => rejections.push(r), onNote: (_, file, note) => notes.push(note.replace(file, 'FILE')) });
    const rows: any[] = [];
    for await (const batch of reader.read('deals', paths)) rows.push(...batch);
    return { rows, notes, rejections };
  };

  it("a constant applies to every row; the file's column of that name (its own or mapped) is read as a dimension, said once per file", async () => {
    const { rows, notes } = await read(['id,created_at,status,closed_at,amount\nA,2024-03-01,open,2024-03-09,5\nB,2024-03-02,lost,2024-03-10,6\n', 'id,created_at,closed_at,amount,Status\nC,2024-03-01,2024-03-09,5,open\n'], { constants: { deals: { status: 'won' } } });
    expect(rows.map((r) => [r.id, r.status, (r.dims as Record<string, string>).status])).toEqual([['A', 'won', 'open'], ['B', 'won', 'lost'], ['C', 'won', 'open']]);
    expect(notes).toEqual(['status', 'Status'].map((name) => `FILE: column "${name}" is read as a dimension: the config sets status to "won" for every row (constants.deals.status)`));
    const mapped = await read(['Deal,Created,Stage Won,Closed,Amount\nA,2024-03-01,no,2024-03-09,5\n'], { columns: { deals: { id: 'Deal', created_at: 'Created', status: 'Stage Won', closed_at: 'Closed' } }, constants: { deals: { status: 'won' } } });
    expect(mapped.rows.map((r) => [r.status, r.dims])).toEqual([['won', { deal: 'A', created: '2024-03-01', 'stage won': 'no', closed: '2024-03-09' }]]);
    expect(mapped.notes[0]).toBe('FILE: column "Stage Won" is read as a dimension: the config sets status to "won" for every row (constants.deals.status)');
  });

  it('a column with an empty header is ignored, values and all', async () => {
    const { rows, rejections } = await read(['id,created_at,status,,closed_at,amount,\nA,2024-03-01,won,junk,2024-03-09,5,\nB,2024-03-02,open,,,,=1+1\n'], {});
    expect(rejections).toEqual([]);
    expect(rows.slice(0, 2).map((r) => [r.id, r.status, r.dims])).toEqual([['A', 'won', {}], ['B', 'open', {}]]);
  });
});
