/**
 * Per-group × period states. A key is the period index and the --by values; rows come out sorted
 * by period ascending, then by the --by values ascending (plain code-unit order: the same bytes on
 * every machine, whatever its locale).
 */
import { dataError } from '../core/errors.js';

export interface GroupCell<M> {
  by: string[];
  period: number;
  m: M;
  /** groupKey(by), made once. */
  key: string;
}

const SEP = '\u0000';

/**
 * The most group × period cells a run may make: each costs 3–4 KB with its report rows (measured on
 * the deals and stages views), so this stays near 2 GB, well inside the default heap; past it the run
 * stops with one line instead of running the machine out of memory.
 */
export const MAX_GROUP_CELLS = 500_000;

export const tooManyCells = () => dataError('TOO_MANY_GROUPS',
  `--by and --period make more than ${MAX_GROUP_CELLS.toLocaleString('en-US')} groups × periods; use a coarser --by or --period, or fewer dates with --from/--to`);

/** The --by values as one string (no join for the usual zero or one column). */
export const groupKey = (by: readonly string[]): string => (by.length === 0 ? '' : by.length === 1 ? by[0] : by.join(SEP));

/**
 * How many periods a group's cells may be spread over (its first to its last) and still be kept in
 * one array: 256, or 4 per cell it has (so the array's holes cost at most a few times the cells).
 */
const denseSpan = (cells: number) => Math.max(256, 4 * cells);

/**
 * One group's cells by period index: in an array from the group's first period on (a row's cell is
 * one index away: a Map's lookup by number cost ≈ 4 % of a parallel worker at 10 M deals), or in
 * a Map while its periods are too sparse for that (denseSpan: days over centuries, say). A group
 * whose first cells are far apart (days over a few years) goes back to an array once it has 2 cells
 * per 4 periods (not 1: a group at the bound does not go back and forth).
 */
export class PeriodCells<M> {
  private first = 0;
  private count = 0;
  /** The cells of periods first, first + 1, …; undefined where a period has none. Undefined once in `map`. */
  private dense: (M | undefined)[] | undefined = [];
  private map: Map<number, M> | undefined;
  /** The first and last period of the cells in `map`. */
  private low = 0;
  private high = 0;

  get(period: number): M | undefined {
    const dense = this.dense;
    if (dense !== undefined) {
      const k = period - this.first;
      return k >= 0 && k < dense.length ? dense[k] : undefined;
    }
    return this.map!.get(period);
  }

  /** Sets the cell of a period that has none yet. */
  set(period: number, m: M): void {
    let dense = this.dense;
    this.count++;
    if (dense !== undefined && dense.length === 0) this.first = period;
    if (dense !== undefined) {
      const from = Math.min(this.first, period), to = Math.max(this.first + dense.length, period + 1);
      if (to - from <= denseSpan(this.count)) {
        if (from < this.first) { dense = this.dense = [...new Array<undefined>(this.first - from).fill(undefined), ...dense]; this.first = from; }
        while (dense.length < to - this.first) dense.push(undefined);
        dense[period - this.first] = m;
        return;
      }
      this.map = new Map();
      dense.forEach((cell, k) => { if (cell !== undefined) this.map!.set(this.first + k, cell); });
      this.dense = undefined;
      this.low = from; this.high = to - 1;
    }
    this.map!.set(period, m);
    if (period < this.low) this.low = period;
    if (period > this.high) this.high = period;
    if (this.high - this.low + 1 <= denseSpan(this.count) / 2) {
      dense = this.dense = new Array<M | undefined>(this.high - this.low + 1).fill(undefined);
      for (const [p, cell] of this.map!) dense[p - this.low] = cell;
      this.first = this.low; this.map = undefined;
    }
  }
}

export class Groups<M> {
  readonly cells = new Map<string, GroupCell<M>>();
  /** group key → period → state: the per-row lookup, without building a string per row. */
  private readonly byKey = new Map<string, PeriodCells<M>>();
  constructor(private readonly init: () => M) {}

  get(by: string[], period: number): M {
    const group = groupKey(by);
    const periods = this.periodsOf(by, group);
    let m = periods.get(period);
    if (m === undefined) {
      if (this.cells.size >= MAX_GROUP_CELLS) throw tooManyCells();
      m = this.init();
      periods.set(period, m);
      this.cells.set(period + SEP + group, { by, period, m, key: group });
    }
    return m;
  }

  /**
   * One group's states by period (empty for a new group; `key` is groupKey(by)). A fold that keeps
   * it with its own per-group entry finds a cell by the period alone: no lookup by the key per row.
   * A period not in it yet is made by get().
   */
  periodsOf(by: readonly string[], key = groupKey(by)): PeriodCells<M> {
    let periods = this.byKey.get(key);
    if (!periods) {
      if (this.byKey.size >= MAX_GROUP_CELLS) throw tooManyCells();
      periods = new PeriodCells(); this.byKey.set(key, periods);
    }
    return periods;
  }

  /**
   * The state of a group known by its key (`groupKey` of its --by values), or undefined when it has
   * none in that period yet (then `get` makes it): a fold's per-row lookup, with no array of values.
   */
  at(key: string, period: number): M | undefined {
    return this.byKey.get(key)?.get(period);
  }

  find(by: string[], period: number): M | undefined {
    return this.cells.get(period + SEP + groupKey(by))?.m;
  }

  /** Merges another set of groups into this one (used by the split-input law and by workers). */
  mergeFrom(other: Groups<M>, merge: (into: M, from: M) => void): void {
    for (const [key, cell] of other.cells) {
      const mine = this.cells.get(key);
      if (mine) merge(mine.m, cell.m);
      else merge(this.get(cell.by, cell.period), cloneDeep(cell.m));
    }
  }

  sorted(): GroupCell<M>[] {
    return [...this.cells.values()].sort((a, b) => a.period - b.period || compareLists(a.by, b.by));
  }
}

export function compareLists(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

function cloneDeep<T>(value: T): T {
  return structuredClone(value);
}
