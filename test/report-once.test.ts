/**
 * `report` reads each file once for all the views that use it (run/view.ts runViews): each view
 * must still see what it sees when run alone. The files here have rejected rows in every kind,
 * deals linked to leads (a deal without a source takes its lead's) and stage events.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runMain } from './helpers/cli.js';
import { shareReads } from '../src/run/view.js';
import type { ReadStep } from '../src/ingest/inputs.js';
import type { InputKind } from '../src/core/kinds.js';

const step = (kind: InputKind, after?: InputKind[]): ReadStep => ({ kind, after } as ReadStep);
const all = () => true;

describe('shareReads: which read of a file each view step takes', () => {
  it('a step that needs nothing before it takes the first read of its file', () => {
    const stages = [step('deals'), step('leads'), step('events')];
    const deals = [step('leads'), step('deals', [])];
    expect(shareReads([stages, deals], all)).toEqual([
      { kind: 'deals', silent: false, takers: [{ view: 0, step: 0 }, { view: 1, step: 1 }] },
      { kind: 'leads', silent: false, takers: [{ view: 0, step: 1 }, { view: 1, step: 0 }] },
      { kind: 'events', silent: false, takers: [{ view: 0, step: 2 }] },
    ]);
  });

  it('a step that needs an input read after its file has the file read again (silent), shared by the later views that need the same', () => {
    const stages = [step('deals'), step('leads'), step('events')];
    const deals = [step('leads'), step('deals', ['leads'])];
    const marketing = [step('leads'), step('deals', ['leads']), step('spend', [])];
    expect(shareReads([stages, deals, marketing], all)).toEqual([
      { kind: 'deals', silent: false, takers: [{ view: 0, step: 0 }] },
      { kind: 'leads', silent: false, takers: [{ view: 0, step: 1 }, { view: 1, step: 0 }, { view: 2, step: 0 }] },
      { kind: 'events', silent: false, takers: [{ view: 0, step: 2 }] },
      { kind: 'deals', silent: true, takers: [{ view: 1, step: 1 }, { view: 2, step: 1 }] },
      { kind: 'spend', silent: false, takers: [{ view: 2, step: 2 }] },
    ]);
  });

  it('inputs not given are not read, and a step after them needs only the given ones', () => {
    const stages = [step('deals'), step('leads'), step('events')];
    expect(shareReads([stages], (k) => k !== 'deals')).toEqual([
      { kind: 'leads', silent: false, takers: [{ view: 0, step: 1 }] },
      { kind: 'events', silent: false, takers: [{ view: 0, step: 2 }] },
    ]);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'funnel-report-once-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seed = 11;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const day = (d: number) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];

function write(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}
const leads = write('leads.csv', ['id,created_at,source,campaign,owner,email,mql_at,sql_at', ...Array.from({ length: 600 }, (_, i) => {
  const c = Math.floor(rand() * 400);
  return [`L${i}`, i % 53 === 4 ? 'soon' : day(c), pick(['ads', 'seo', '']), pick(['c1', 'c2', '']), pick(['ann', 'bob']), `p${Math.floor(rand() * 400)}@example.com`, rand() < 0.5 ? day(c + 3) : '', rand() < 0.2 ? day(c + 9) : ''].join(',');
})]);
const deals = write('deals.csv', ['id,created_at,status,closed_at,amount,source,campaign,owner,lead_id,customer_id', ...Array.from({ length: 500 }, (_, i) => {
  const c = Math.floor(rand() * 400), status = pick(['won', 'lost', 'open']);
  return [`D${i}`, day(c), status, status === 'open' ? '' : day(c + Math.floor(rand() * 60)), i % 47 === 5 ? '12k' : (rand() * 5000).toFixed(2), pick(['ads', 'seo', '']), pick(['c1', '']), pick(['ann', 'bob']), rand() < 0.7 ? `L${Math.floor(rand() * 650)}` : '', `C${Math.floor(rand() * 150)}`].join(',');
})]);
const spend = write('spend.csv', ['date,source,campaign,category,amount', ...Array.from({ length: 300 }, (_, i) => [day(Math.floor(rand() * 400)), pick(['ads', 'seo']), pick(['c1', 'c2']), pick(['marketing', 'sales']), i % 37 === 2 ? 'n/a' : (rand() * 400).toFixed(2)].join(','))]);
const subs = write('subs.csv', ['customer_id,start_date,end_date,mrr', ...Array.from({ length: 300 }, (_, i) => {
  const s = Math.floor(rand() * 350);
  return [`C${Math.floor(rand() * 150)}`, day(s), rand() < 0.4 ? day(s + 40 + Math.floor(rand() * 200)) : '', i % 41 === 3 ? '-' : (rand() * 200).toFixed(2)].join(',');
})]);
const events = write('events.csv', ['lead_id,stage,at', ...Array.from({ length: 200 }, () => [`L${Math.floor(rand() * 650)}`, pick(['mql', 'sql', 'won']), day(Math.floor(rand() * 420))].join(','))]);

const CONFIG = ['--config', 'fixtures/funnel.config.json', '--as-of', '2025-03-01'];
const INPUTS: Record<string, string[]> = {
  stages: ['--leads', leads, '--deals', deals],
  deals: ['--leads', leads, '--deals', deals],
  marketing: ['--leads', leads, '--deals', deals, '--spend', spend],
  customers: ['--leads', leads, '--deals', deals, '--spend', spend, '--subscriptions', subs],
  mrr: ['--subscriptions', subs],
  quality: ['--leads', leads],
};

describe('report: every view sees what it sees alone', { timeout: 120_000 }, () => {
  it.each([
    ['no --by', [], ['stages', 'deals', 'marketing', 'customers', 'mrr', 'quality']],
    ['--by source (the deals file read again for the views that need the leads first)', ['--by', 'source'], ['stages', 'deals', 'marketing', 'customers', 'quality']],
    ['--by owner, with events', ['--by', 'owner', '--events', events], ['stages', 'deals', 'customers', 'quality']],
  ] as [string, string[], string[]][])('%s: the same rows and totals, every rejected row reported once', async (_name, extra, views) => {
    const report = await runMain(['report', '--leads', leads, '--deals', deals, '--spend', spend, '--subscriptions', subs, ...CONFIG, ...extra, '--views', views.join(','), '--period', 'quarter', '--format', 'json']);
    expect(report.code).toBe(0);
    const doc = JSON.parse(report.stdout);
    const alone = await Promise.all(views.map((v) => runCli([v, ...INPUTS[v], ...(extra.includes('--events') && v === 'stages' ? ['--events', events] : []), ...CONFIG, ...extra.filter((x) => x !== '--events' && x !== events), '--period', 'quarter', '--format', 'json'])));
    views.forEach((view, i) => {
      expect(alone[i].code).toBe(0);
      const single = JSON.parse(alone[i].stdout);
      const { view: _v, inputs: _i, ...rest } = single;
      expect(doc.views[view]).toEqual(rest);
    });
    // Each rejected row once: the lines name a file and a line, never twice.
    const rejected = report.stderr.split('\n').filter((l) => /\.csv:\d+: /.test(l));
    expect(new Set(rejected).size).toBe(rejected.length);
    expect(report.stderr).toMatch(/\d+ rows rejected/);
  });
});
