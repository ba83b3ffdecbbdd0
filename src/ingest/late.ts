/**
 * Rows dated after --as-of are counted as their dates say, but a wrong --as-of or a typo year
 * should be seen: per file, how many accepted rows record something after it, and the latest
 * such time. The dates that count are those of things that happened: a lead's creation and stage
 * entries, an event, a deal's creation and (won or lost) close, a spend's date, a subscription's
 * start; not an open deal's expected close or a subscription's end.
 */
import type { Config, InputKind } from './config.js';
import { DEAL_COLUMNS, LEAD_COLUMNS, columnPlaces, dealStatusWords, settleDeal, type Deal, type Lead, type TypedRow } from './schemas.js';

export interface LateRows { rows: number; latest: number }

const DEAL = columnPlaces(DEAL_COLUMNS);
const LEAD = columnPlaces(LEAD_COLUMNS);

/** The latest time a typed row records (−Infinity when none). */
export function rowTime(kind: InputKind, row: TypedRow<InputKind>): number {
  switch (kind) {
    case 'leads': { let t = -Infinity; for (const at of (row as Lead).stageAt) if (at !== undefined && at > t) t = at; return t; }
    case 'events': return (row as TypedRow<'events'>).at;
    case 'deals': { const d = row as Deal; return d.closedAt !== undefined && d.closedAt > d.createdAt ? d.closedAt : d.createdAt; }
    case 'spend': return (row as TypedRow<'spend'>).date;
    case 'subscriptions': return (row as TypedRow<'subscriptions'>).startDate;
  }
}

/**
 * The same from the typed values a fold took (read.ts Taker: leads and deals, in schema order,
 * before the finishing rule): a deal's close counts when the deal is won or lost. Only a close after
 * `asOf` needs the status settled (a close before it is no later time the note would show).
 */
export function valuesTime(kind: InputKind, config: Config, asOf: number): (v: readonly unknown[]) => number {
  if (kind === 'deals') {
    const words = dealStatusWords(config);
    return (v) => {
      const created = v[DEAL.created_at] as number, closed = v[DEAL.closed_at] as number | undefined;
      if (closed === undefined || closed <= asOf || closed <= created) return created;
      const status = settleDeal(v[DEAL.status] as Deal['status'] | undefined, v[DEAL.stage] as string | undefined, closed, v[DEAL.amount] as number | undefined, words, created);
      return status === 'won' || status === 'lost' ? closed : created;
    };
  }
  return (v) => {
    let t = v[LEAD.created_at] as number;
    for (let i = LEAD_COLUMNS.length; i < v.length; i++) { const at = v[i] as number | undefined; if (at !== undefined && at > t) t = at; }
    return t;
  };
}
