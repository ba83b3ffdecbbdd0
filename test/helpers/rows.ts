import type { Deal, Lead } from '../../src/ingest/schemas.js';
import { parseConfig, type ConfigInput } from '../../src/ingest/config.js';
import { makeParams } from '../../src/engine/params.js';
import type { Period } from '../../src/engine/periods.js';

export const t = (iso: string) => Date.parse(iso.length === 10 ? iso + 'T00:00:00Z' : iso);

export function deal(o: Partial<Deal> & { id: string; createdAt: number }): Deal {
  return { status: 'open', type: 'new', customerId: o.id, file: 'deals.csv', line: 1, dims: {}, ...o } as Deal;
}

export function lead(id: string, created: string, stages: (string | undefined)[] = [], extra: Partial<Lead> = {}): Lead {
  return {
    id, createdAt: t(created), source: 'unknown', stageAt: [t(created), ...stages.map((s) => (s ? t(s) : undefined))],
    file: 'leads.csv', line: 1, dims: {}, ...extra,
  } as Lead;
}

export function params(o: { by?: string; period?: Period; from?: string; to?: string; asOf: string }, config: ConfigInput = {}) {
  return makeParams(o, parseConfig(config, 'test'), 0);
}

import type { Spend, Subscription } from '../../src/ingest/schemas.js';
export function spend(date: string, amount: number, source = 'unknown', category: 'marketing' | 'sales' = 'marketing', campaign = 'unknown'): Spend {
  return { date: t(date), amount, source, campaign, category, file: 'spend.csv', line: 1, dims: {} } as Spend;
}
export function sub(customerId: string, start: string, end: string | undefined, mrr: number, dims: Record<string, string> = {}): Subscription {
  return { customerId, startDate: t(start), endDate: end ? t(end) : undefined, mrr, file: 'subs.csv', line: 1, dims } as Subscription;
}
