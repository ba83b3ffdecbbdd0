/**
 * `funnel validate` shows how each canonical column of each file was found and which layer set its
 * rule (the preset, the config file, the column's own name): the record of where each rule came
 * from, kept beside the config while the layers merge, and the README's example.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newRuleSources, withPreset } from '../src/ingest/presets/index.js';
import { ROOT, runCli, splitArgs, runMain } from './helpers/cli.js';

describe('where each per-column rule came from', () => {
  it('names the preset for its own rules and the config file for the keys it sets', () => {
    const sources = newRuleSources();
    withPreset({ columns: { deals: { source: 'Lead Source', owner: null } }, constants: { deals: { currency: 'USD' } } }, 'my.json', 'hubspot', undefined, sources);
    expect(sources.rules.get('columns.deals.id')).toBe('preset');
    expect(sources.rules.get('columns.deals.source')).toBe('config');
    expect(sources.rules.get('columns.deals.owner')).toBe('config'); // null replaces the preset's list
    expect(sources.rules.get('constants.deals.currency')).toBe('config');
    expect(sources.rules.get('columns.deals.campaign')).toBeUndefined(); // no layer maps it: found by its own name
    expect([...sources.layers]).toEqual([['preset', 'hubspot (--preset)'], ['config', 'my.json']]);
  });

  it('names both layers, topmost first, for a value map the config adds to', () => {
    const sources = newRuleSources();
    withPreset({ preset: 'hubspot', values: { deals: { type: { Upsell: 'expansion' } } } }, 'my.json', undefined, undefined, sources);
    expect(sources.rules.get('values.deals.type')).toBe('config over preset');
    expect(sources.layers.get('preset')).toBe('hubspot');
  });

  it('names the config file alone when no preset is used, and nothing without a config', () => {
    const sources = newRuleSources();
    withPreset({ columns: { deals: { id: 'Deal Id' } } }, 'my.json', undefined, undefined, sources);
    expect([...sources.rules]).toEqual([['columns.deals.id', 'config']]);
    const none = newRuleSources();
    withPreset({}, 'config', undefined, undefined, none);
    expect(none.rules.size + none.layers.size).toBe(0);
  });
});

describe('validate: how each column was found', () => {
  it('escapes the headers and names from the data, and keeps list lines within 120 columns', async () => {
    const r = await runCli(['validate', '--deals', '-', '--input-format', 'csv', '--config', join(ROOT, 'test/data/hubspot-over-preset.config.json')], {
      stdin: Buffer.from(`"Record ID","Create Date","Deal Stage","Close Date","Amount","Original Traffic Source","Deal Type","Pipeline","Evil\u001b[31m",${Array.from({ length: 30 }, (_, i) => `"extra column ${i}"`).join(',')}\n`),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('Evil\\x1b[31m');
    const block = r.stdout.slice(0, r.stdout.indexOf('┌'));
    expect(block).toContain('  source      ← header "Original Traffic Source"');
    for (const line of block.split('\n')) if (/^ {2}(other headers|under|not in)|^ {4}/.test(line)) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('runs the README example as written', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /```sh\n(funnel validate [^\n]*)\n```\n```text\n([\s\S]*?)```\n/.exec(readme);
    expect(m).not.toBeNull();
    const r = await runMain(splitArgs(m![1].replace(/^funnel /, '')));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(m![2]);
  });
});

describe('validate: stage date columns found by templates, and a listed file\'s own rules', () => {
  it('names the stageColumns templates (and their layer) for the stage dates they found', async () => {
    const r = await runMain(['validate', '--preset', 'hubspot', '--leads', join(ROOT, 'examples', 'presets', 'hubspot-crm-exports-all-contacts-2024-04-01.csv')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}mql_at +← header "Became a Marketing Qualified Lead Date" +preset: stageColumns\.leads$/m);
    expect(r.stdout).toMatch(/^ {2}lead_at +← header "Became a Lead Date" +preset: stageColumns\.leads$/m);
    expect(r.stdout).not.toMatch(/under their own names: .*mql_at/);
  });

  it("names an inputs entry's own keys (inputs.2.columns.id), the kind's for the rest", async () => {
    const r = await runMain(['validate', '--config', join(ROOT, 'examples', 'monthly', 'monthly.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}id +← header "Deal" +config: inputs\.2\.columns\.id$/m);
    expect(r.stdout).toMatch(/^ {2}status +← constant "won" +config: inputs\.2\.constants\.status$/m);
  });
});
