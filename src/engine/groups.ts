/**
 * Per-group × period states. A key is the period index and the --by values; rows come out sorted
 * by period ascending, then by the --by values ascending (plain code-unit order: the same bytes on
 * every machine, whatever its locale).
 */
export interface GroupCell<M> {
  by: string[];
  period: number;
  m: M;
}

const SEP = '\u0000';

/** The --by values as one string (no join for the usual zero or one column). */
export const groupKey = (by: readonly string[]): string => (by.length === 0 ? '' : by.length === 1 ? by[0] : by.join(SEP));

export class Groups<M> {
  readonly cells = new Map<string, GroupCell<M>>();
  /** period → group key → cell: the per-row lookup, without building a string per row. */
  private readonly byPeriod = new Map<number, Map<string, GroupCell<M>>>();
  constructor(private readonly init: () => M) {}

  get(by: string[], period: number): M {
    const group = groupKey(by);
    let inPeriod = this.byPeriod.get(period);
    if (!inPeriod) { inPeriod = new Map(); this.byPeriod.set(period, inPeriod); }
    let cell = inPeriod.get(group);
    if (!cell) {
      cell = { by, period, m: this.init() };
      inPeriod.set(group, cell);
      this.cells.set(period + SEP + group, cell);
    }
    return cell.m;
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
