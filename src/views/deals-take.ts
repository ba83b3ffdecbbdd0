/**
 * The deals fold's fast route, for a parallel worker: a deal's typed values taken without a row
 * object (ingest/read Taker), and the fold's state packed for the trip back to the main thread.
 * Nothing is measured here: a taken deal is settled by the schema's finishing rule and goes into
 * the fold by the row route's own step (DealsFold.addTo), its --by values by the row route's
 * definition (DealsFold.columnValue), so each measure is defined once, in views/deals.ts;
 * test/take.test.ts checks that both routes give the same results for every metric and --by column.
 */
import { DEAL_COLUMNS, columnPlaces, dealStatusWords, notBefore, settleDeal, type Deal } from '../ingest/schemas.js';
import { groupKey } from '../engine/groups.js';
import { packCells, unpackCells, type PackedCells } from '../engine/packed.js';
import type { PackedCellStore } from '../engine/cell-store.js';
import type { DealMeasures, DealsFold, DealGroupEntry, PipelineDelta } from './deals.js';

/** Where take() finds a deal's values (DEAL_COLUMNS order). */
const AT = columnPlaces(DEAL_COLUMNS);
/** The --by columns take() reads from the typed values; with another one, every row takes the row route. */
const TAKEN_BY = new Set(['source', 'campaign', 'owner']);

export class DealTaker {
  /** take() never reads the deal's id (see Taker). */
  readonly takesId = false;
  /** Whether take() can read every --by value from the typed values. */
  private readonly takes: boolean;
  /** The config's won and lost words, for the finishing rule. */
  private readonly words: ReturnType<typeof dealStatusWords>;

  constructor(private readonly fold: DealsFold) {
    this.takes = fold.params.by.every((col) => TAKEN_BY.has(col));
    this.words = dealStatusWords(fold.params.config);
  }

  /**
   * A deal's typed values, in DEAL_COLUMNS order, settled by the schema's finishing rule. False (the
   * row is then made and given to DealsFold.add) for a row the rule rejects, and for a --by column
   * other than source, campaign or owner.
   */
  take(v: readonly unknown[]): boolean {
    if (!this.takes) return false;
    const closedAt = v[AT.closed_at] as number | undefined, amount = v[AT.amount] as number | undefined, stage = v[AT.stage] as string | undefined;
    const createdAt = v[AT.created_at] as number;
    const status = settleDeal(v[AT.status] as Deal['status'] | undefined, stage, closedAt, amount, this.words, createdAt);
    if (typeof status !== 'string') return false;
    const fold = this.fold, by = fold.params.by;
    let key: string;
    if (by.length === 1) key = this.groupValue(v, by[0]);
    else {
      const values = new Array<string>(by.length);
      for (let i = 0; i < by.length; i++) values[i] = this.groupValue(v, by[i]);
      key = groupKey(values);
    }
    const g = fold.pipeline.get(key) ?? fold.newGroup(key, by.map((col) => this.groupValue(v, col)));
    fold.addTo(g, createdAt, status, status === 'open' ? undefined : notBefore(createdAt, closedAt!), amount, v[AT.probability] as number | undefined, stage);
    return true;
  }

  /** A deal's value of one --by column of TAKEN_BY, as the row route gives it. */
  private groupValue(v: readonly unknown[], col: string): string {
    return this.fold.columnValue(col, v[AT[col as 'source' | 'campaign' | 'owner']] as string | undefined, v[AT.lead_id] as string | undefined);
  }
}

/** A deals fold's state as packed data (engine/packed), to send from a worker thread. */
export interface PackedDealsState {
  /** The group × period cells (engine/cell-store), as flat arrays. */
  cells: PackedCellStore;
  totals: DealMeasures;
  /** Per group its state at --as-of. */
  atAsOf: PackedCells;
  /** Per group its pipeline changes, one cell per period index. */
  changes: PackedCells;
}

/**
 * Packs a fold's cells, totals and per-group pipeline. The cycle days go unsorted (the main thread
 * lays every cell's out in one array and selects in it). `measures` and `delta`: empty states, the
 * templates of the packing.
 */
export function packDealsState(fold: DealsFold, measures: DealMeasures, delta: PipelineDelta): PackedDealsState {
  const groups: DealGroupEntry[] = [...fold.pipeline.values()];
  return {
    cells: fold.cells.pack(),
    totals: fold.totals,
    atAsOf: packCells(groups.map((g) => ({ by: g.by, period: 0, m: g.atAsOf })), measures),
    changes: packCells(groups.flatMap((g) => [...g.changes].map(([period, m]) => ({ by: g.by, period, m }))), delta),
  };
}

/** The parts of a packed state, made with the fold's `initMeasures` and `initDelta`, for DealsFold.mergeState. */
export function unpackDealsState(state: PackedDealsState, initMeasures: () => DealMeasures, initDelta: () => PipelineDelta) {
  return {
    cells: state.cells, totals: state.totals,
    atAsOf: unpackCells(state.atAsOf, initMeasures), changes: unpackCells(state.changes, initDelta),
  };
}
