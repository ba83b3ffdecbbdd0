import { describe, expect, it } from 'vitest';
import { parseConfig, applyOverrides } from '../src/ingest/config.js';
import { FunnelError } from '../src/core/errors.js';
import { checkConfigColumns } from '../src/ingest/schemas.js';

const fails = (raw: unknown) => {
  try { parseConfig(raw, 'funnel.config.json'); } catch (e) { expect(e).toBeInstanceOf(FunnelError); expect((e as FunnelError).exitCode).toBe(2); return (e as Error).message; }
  throw new Error('expected the config to be rejected');
};

describe('config', () => {
  it('fills the spec defaults', () => {
    const c = parseConfig({}, 'x');
    expect(c).toMatchObject({
      stages: ['lead', 'mql', 'sql', 'opportunity', 'customer'], fiscalYearStartMonth: 1, stallDays: 30, grossMargin: 1,
      dealStages: { created: 'opportunity', won: 'customer' },
    });
  });

  it('names an unknown key and suggests the closest', () => {
    expect(fails({ stallDay: 3 })).toBe('funnel.config.json: unknown key "stallDay"; did you mean "stallDays"? (known keys: stages, stageAliases, columns, constants, values, stageColumns, dealStages, status, stageProbability, fiscalYearStartMonth, stallDays, grossMargin, currency, preset, dateFormats, numberFormat, timezone, delimiter, sheet, formats, inputs)');
    expect(fails({ columns: { deal: {} } })).toBe('funnel.config.json: columns: unknown key "deal"; did you mean "deals"? (known keys: leads, events, deals, spend, subscriptions)');
  });

  it('names an ill-typed key and what was expected', () => {
    expect(fails({ fiscalYearStartMonth: 13 })).toMatch(/^funnel\.config\.json: "fiscalYearStartMonth": Too big: expected number to be <=12/);
    expect(fails({ grossMargin: '0.8' })).toMatch(/^funnel\.config\.json: "grossMargin": Invalid input: expected number, received string/);
    expect(fails({ stageProbability: { Demo: 2 } })).toMatch(/"stageProbability\.Demo": Too big/);
    expect(fails({ stages: ['a', 'A'] })).toMatch(/"stages": stage names must be unique/);
  });

  it('takes an ISO 4217 currency, in any case; anything else is a usage error naming the key', () => {
    expect(parseConfig({ currency: ' eur ' }, 'f.json').currency).toBe('EUR');
    expect(parseConfig({}, 'f.json').currency).toBeUndefined();
    expect(() => parseConfig({ currency: 'EURO' }, 'f.json')).toThrow('f.json: "currency": expected an ISO 4217 currency code such as USD or EUR');
    expect(() => parseConfig({ currency: '$' }, 'f.json')).toThrow(/"currency": expected an ISO 4217/);
  });

  it('checks that aliases name configured stages', () => {
    expect(fails({ stages: ['lead', 'won'], stageAliases: { 'Closed Won': 'customer' } }))
      .toBe('funnel.config.json: "stageAliases.Closed Won": names stage "customer", which is not in stages (lead, won)');
  });

  it('refuses a stage named "created" after the first (its created_at column is the leads\' creation date)', () => {
    expect(fails({ stages: ['lead', 'Created'] })).toMatch(/^funnel\.config\.json: "stages\.1": "Created" cannot be a stage after the first: its column, created_at, is the leads' creation date/);
    expect(parseConfig({ stages: ['created', 'mql'] }, 'x').stages).toEqual(['created', 'mql']);
  });

  it('refuses a status listed as both won and lost, in the given or the default lists', () => {
    expect(fails({ status: { won: ['Won', 'Done'], lost: ['Lost', ' done '] } }))
      .toBe('funnel.config.json: "status.lost.1": " done " is listed as both won (status.won) and lost (status.lost); a deal cannot be both');
    expect(fails({ status: { won: ['closed lost'] } })).toMatch(/"status\.lost\.1": "closed lost" is listed as both won \(status\.won\) and lost \(the default status\.lost\)/);
  });

  it('refuses a "__proto__" key in any map instead of dropping it', () => {
    for (const [text, path] of [['{"stageAliases": {"__proto__": "mql"}}', 'stageAliases.__proto__'], ['{"stageProbability": {"__proto__": 0.5}}', 'stageProbability.__proto__'],
      ['{"columns": {"deals": {"__proto__": "x"}}}', 'columns.deals.__proto__'], ['{"constants": {"__proto__": {}}}', 'constants.__proto__']]) {
      expect(fails(JSON.parse(text))).toBe(`funnel.config.json: "${path}": "__proto__" cannot be used as a name in the config (it is reserved in JavaScript)`);
    }
  });

  it('lets flags override the file', () => {
    const c = applyOverrides(parseConfig({ stallDays: 10, stages: ['a', 'b'] }, 'x'), { stallDays: 45, stages: ['x', 'y', 'z'], fiscalYearStartMonth: 4 }, 'flags');
    expect(c).toMatchObject({ stallDays: 45, stages: ['x', 'y', 'z'], fiscalYearStartMonth: 4 });
  });

  it('accepts null to disable the lead↔deal link', () => {
    expect(parseConfig({ dealStages: null }, 'x').dealStages).toBeNull();
  });

  it('a column mapping is a header, a list of headers (a null may end it) or null; anything else is refused, naming the key', () => {
    expect(parseConfig({ columns: { deals: { closed_at: ['Won time', 'Lost time', null], type: null } } }, 'x').columns.deals)
      .toEqual({ closed_at: ['Won time', 'Lost time', null], type: null });
    expect(fails({ columns: { deals: { closed_at: ['Won time', null, 'Lost time'] } } })).toBe('funnel.config.json: "columns.deals.closed_at": null may only end a list of headers (meaning: none of them need be in the file)');
    expect(fails({ columns: { deals: { closed_at: [null] } } })).toBe('funnel.config.json: "columns.deals.closed_at": a list of headers needs at least one header name');
    expect(fails({ columns: { deals: { closed_at: [] } } })).toMatch(/^funnel\.config\.json: "columns\.deals\.closed_at": a list of headers must not be empty/);
    expect(fails({ columns: { deals: { closed_at: ['Won time', ' '] } } })).toBe('funnel.config.json: "columns.deals.closed_at.1": a header name must not be empty');
    expect(fails({ columns: { leads: { source: 5 } } })).toBe('funnel.config.json: "columns.leads.source": expected a header name, a list of header names (null may end it), or null (the file has no such column)');
  });

  it('refuses null (alone or ending a list) for a column every row needs, unless a constant gives it', () => {
    const check = (raw: unknown) => {
      try { checkConfigColumns(parseConfig(raw, 'c.json'), 'c.json'); } catch (e) { expect((e as FunnelError).exitCode).toBe(2); return (e as Error).message; }
      return 'accepted';
    };
    expect(check({ columns: { deals: { created_at: null } } })).toBe('c.json: "columns.deals.created_at": deals column "created_at" is required, so it cannot be mapped to null (the file must have it)');
    expect(check({ columns: { events: { at: ['When', null] } } })).toMatch(/^c\.json: "columns\.events\.at": events column "at" is required/);
    // The id columns may: the rows then have no ids (each its own record).
    expect(check({ columns: { deals: { id: null }, leads: { id: null }, events: { lead_id: ['Lead', null] } } })).toBe('accepted');
    expect(check({ columns: { events: { stage: null } }, constants: { events: { stage: 'mql' } } })).toBe('accepted');
    expect(check({ columns: { deals: { owner: null, closed_at: ['Won time', null] } } })).toBe('accepted');
  });

  it('deals.status may be an object of boolean columns: "won" with "closed" or "lost" (or both); no other column may', () => {
    expect(parseConfig({ columns: { deals: { status: { won: 'IsWon', closed: 'IsClosed' } } } }, 'x').columns.deals?.status).toEqual({ won: 'IsWon', closed: 'IsClosed' });
    expect(fails({ columns: { deals: { status: { won: 'IsWon' } } } })).toBe('funnel.config.json: "columns.deals.status": needs "closed" or "lost" (or both) besides "won"');
    expect(fails({ columns: { deals: { status: { won: 'IsWon', lsot: 'IsLost' } } } })).toMatch(/^funnel\.config\.json: columns\.deals\.status: unknown key "lsot"; did you mean "lost"\? \(known keys: won, closed, lost\)/);
    expect(fails({ columns: { deals: { amount: { won: 'IsWon', closed: 'IsClosed' } } } })).toBe('funnel.config.json: "columns.deals.amount": only deals.status may be an object of boolean columns; expected a header name, a list of header names, or null');
    expect(fails({ columns: { leads: { source: { won: 'IsWon', closed: 'IsClosed' } } } })).toMatch(/^funnel\.config\.json: "columns\.leads\.source": expected a header name/);
  });

  it('value maps: per input, column → raw value → value; keys that fold alike (trimmed, any case) to different values are refused', () => {
    expect(parseConfig({ values: { deals: { type: { 'New Business': 'new' } } } }, 'x').values).toEqual({ deals: { type: { 'New Business': 'new' } } });
    expect(fails({ values: { deals: { type: { 'New Business': 'new', ' new business': 'expansion' } } } })).toBe('funnel.config.json: "values.deals.type. new business": matches the same values as "New Business" (values are matched trimmed and case-insensitively) but maps them to something else');
    expect(fails({ values: { deals: { type: {}, ' Type': {} } } })).toBe('funnel.config.json: "values.deals. Type": names the same column as "type" (column names are matched trimmed and case-insensitively)');
    expect(fails({ values: { deal: {} } })).toMatch(/values: unknown key "deal"; did you mean "deals"\?/);
    expect(fails({ values: { deals: { type: { a: 1 } } } })).toMatch(/^funnel\.config\.json: "values\.deals\.type\.a": Invalid input: expected string/);
  });
});
