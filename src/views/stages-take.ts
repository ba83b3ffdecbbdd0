/**
 * The stages fold's fast route, for a parallel worker: a lead's typed values taken without a row
 * object (ingest/read Taker), and the fold's state packed for the trip back to the main thread.
 * Nothing is counted here: a taken lead's stage times are checked by the schema's finishing rule,
 * completed by the fold's events and deal links, and go into the fold by the row route's own step
 * (StagesFold.addTimes), so each measure is defined once, in views/stages.ts; test/take.test.ts
 * checks that both routes give the same results for every metric and --by column.
 */
import { LEAD_COLUMNS, columnPlaces, notBefore, stageZeroColumn } from '../ingest/schemas.js';
import { groupKey } from '../engine/groups.js';
import { NOT_SET } from '../engine/params.js';
import { packCells, unpackCells, type PackedCells } from '../engine/packed.js';
import { sortValues } from '../metrics/values.js';
import type { StageMeasures, StagesFold } from './stages.js';
import type { Taker } from '../ingest/read.js';

/** Where take() finds a lead's values (LEAD_COLUMNS order, then the stage columns). */
const AT = columnPlaces(LEAD_COLUMNS);
/** The --by columns take() reads from the typed values; with another one, every row takes the row route. */
const TAKEN_BY = new Set(['source', 'campaign', 'owner']);

export class StageTaker {
  /** Whether take() can read every --by value from the typed values. */
  private readonly takes: boolean;
  /** Scratch array of take(): the lead's stage times, NaN for none (every place is written each time). */
  private readonly times: Float64Array;
  /** A lead's --by values from its typed values, for a group × period cell the fold makes. */
  private readonly groupOf = (v: readonly unknown[]): string[] => this.fold.params.by.map((col) => groupValue(v, col));

  /** Where take() finds stage 0's own column (after the other stage columns), or -1 when the schema has none. */
  private readonly zeroAt: number;

  constructor(private readonly fold: StagesFold, private readonly stageCount: number) {
    this.takes = fold.params.by.every((col) => TAKEN_BY.has(col));
    this.times = new Float64Array(stageCount);
    this.zeroAt = stageZeroColumn(fold.params.config) === undefined ? -1 : LEAD_COLUMNS.length + stageCount - 1;
  }

  /**
   * A lead's typed values, in LEAD_COLUMNS order and then its stage columns. False (the row is then
   * made and given to StagesFold.add) for a lead the schema's finishing rule rejects, and for a --by
   * column other than source, campaign or owner.
   */
  take(v: readonly unknown[]): boolean {
    if (!this.takes || !this.readTimes(v)) return false;
    // The id is undefined when take() does not read it (takesId): there are then no events or links to look it up in.
    this.fold.addTimes(this.keyOf(v), v, this.groupOf, this.fold.linkedTimes(v[AT.id] as string, this.times), v[AT.created_at] as number);
    return true;
  }

  /** The taker of the leads of a file without ids: each of a lead's stage times is an anonymous entry (StagesFold.addAnonymousLead). */
  readonly anonymous: Taker = {
    takesId: false,
    take: (v) => {
      if (!this.takes || !this.readTimes(v)) return false;
      // (A refusal in a worker has the file read serially, which names it: see parallel/run.ts.)
      this.fold.addAnonymousLead(this.keyOf(v), v, this.groupOf, this.times, '');
      return true;
    },
  };

  /** The lead's stage times into `times` (NaN for none); false for a lead the schema's finishing rule rejects. */
  private readTimes(v: readonly unknown[]): boolean {
    const t = this.times, created = v[AT.created_at] as number, first = LEAD_COLUMNS.length - 1;
    t[0] = created;
    if (this.zeroAt >= 0) {
      const x = v[this.zeroAt] as number | undefined;
      if (x !== undefined && (t[0] = notBefore(created, x)) !== t[0]) return false;
    }
    for (let k = 1; k < this.stageCount; k++) {
      const x = v[first + k] as number | undefined;
      if (x === undefined) { t[k] = NaN; continue; }
      // As the schema's finishing rule: a stage entered before created_at rejects the lead (the row is made, and rejected).
      if ((t[k] = notBefore(created, x)) !== t[k]) return false;
    }
    return true;
  }

  private keyOf(v: readonly unknown[]): string {
    const by = this.fold.params.by;
    return by.length === 0 ? '' : by.length === 1 ? groupValue(v, by[0]) : groupKey(this.groupOf(v));
  }
}

/** A lead's value of one --by column of TAKEN_BY from its typed values (NOT_SET when missing), as leadGroupValue gives it from the row. */
const groupValue = (v: readonly unknown[], col: string): string => (v[AT[col as 'source' | 'campaign' | 'owner']] as string | undefined) ?? NOT_SET;

/** A stages fold's state as packed data (engine/packed), to send from a worker thread. */
export interface PackedStagesState { cells: PackedCells; totals: StageMeasures }

/**
 * Packs a fold's cells and totals. `ordered`: a metric shown reads the durations in order (a mean);
 * they then go sorted (merging sorted lists is one pass, where the main thread would sort them all),
 * else unsorted, for the main thread to select medians from. `empty`: an empty state, the template.
 */
export function packStagesState(fold: StagesFold, ordered: boolean, empty: StageMeasures): PackedStagesState {
  if (ordered) for (const cell of fold.groups.cells.values()) cell.m.durations.forEach(sortValues);
  return { cells: packCells(fold.groups.cells.values(), empty), totals: fold.totals };
}

/** The cells of a packed state, made with the fold's `init`, for StagesFold.mergeState. */
export const unpackStagesState = (state: PackedStagesState, init: () => StageMeasures) => unpackCells(state.cells, init);
