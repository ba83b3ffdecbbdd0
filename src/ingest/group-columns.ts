import type { InputKind } from '../core/kinds.js';

/**
 * Per input kind, the --by columns the views read from a row's typed fields (a deal's status
 * derived from its stage, a deal's source falling back on its lead's). Any other column, canonical
 * ones included (id, amount, created_at, email …), groups by the raw text of the row's column.
 */
export const TYPED_GROUP_COLUMNS: Record<InputKind, readonly string[]> = {
  leads: ['source', 'campaign', 'owner'],
  events: [],
  deals: ['source', 'campaign', 'owner', 'stage', 'type', 'status'],
  spend: ['source', 'campaign'],
  subscriptions: ['customer_id'],
};

/** The reader's `rawDims`: per kind whose rows are grouped, the --by columns read as raw text (events are never grouped). */
export function rawGroupColumns(by: readonly string[]): { [K in InputKind]?: ReadonlySet<string> } {
  const out: { [K in InputKind]?: ReadonlySet<string> } = {};
  for (const kind of ['leads', 'deals', 'spend', 'subscriptions'] as const) {
    const raw = by.filter((c) => !TYPED_GROUP_COLUMNS[kind].includes(c));
    if (raw.length) out[kind] = new Set(raw);
  }
  return out;
}
