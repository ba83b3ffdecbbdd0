/**
 * Group × period cells in typed arrays, for a fold with hundreds of thousands of cells: a cell is an
 * index, not an object. Per cell: its group and period, `width` numbers (counts, plain sums) side by
 * side in one Float64Array, exact sums in columns (ExactSums), and kept values in logs of (cell,
 * value) pairs (ValueLog), laid out by cell only when results are made. Every array grows by
 * doubling; a state sent from a worker is these arrays, moved, not cloned object by object, and
 * merged by mapping its cells to this store's.
 *
 * An object per cell (its measures, their exact sums and kept values: a dozen heap objects) cost a
 * few hundred bytes and a chain of pointers for the collector to trace; at ≈ 200 k cells the folds,
 * the collector and the merge of the workers' states were most of a run (see docs/performance.md).
 */
import { exactAdd, exactValue, type ExactSum } from './exact-sum.js';
import { compareLists, MAX_GROUP_CELLS, tooManyCells } from './groups.js';

const NO_SLOTS = new Int32Array(0);

/**
 * One group's cells by period: an Int32Array from its first period on (−1 where a period has no
 * cell; a row's cell is one index away), or a Map while its periods are too sparse for that (more
 * than 256 periods, or 4 per cell, from its first to its last: days over centuries, say). A group
 * whose first cells are far apart becomes an array again once it has cells enough (2 per 4 periods) (days over a few
 * years: a Map's lookup by number cost ≈ 10 % of the run with 200 k cells).
 */
export class PeriodSlots {
  private first = 0;
  private slots = NO_SLOTS;
  private count = 0;
  private map: Map<number, number> | undefined;
  /** The first and last period of the cells in `map`. */
  private low = 0;
  private high = 0;

  /** The cell of a period, or −1. */
  get(period: number): number {
    if (this.map === undefined) {
      const k = period - this.first;
      return k >= 0 && k < this.slots.length ? this.slots[k] : -1;
    }
    return this.map.get(period) ?? -1;
  }

  /** Sets the cell of a period that has none yet. */
  set(period: number, cell: number): void {
    this.count++;
    if (this.map === undefined) {
      const slots = this.slots;
      if (slots.length === 0) this.first = period;
      const k = period - this.first;
      if (k >= 0 && k < slots.length) { slots[k] = cell; return; }
      // Grown by doubling, on the side the period is: the slack is where the next ones will come.
      const from = Math.min(this.first, period), to = Math.max(this.first + slots.length, period + 1);
      if (to - from <= Math.max(256, 4 * this.count)) {
        const size = Math.max(16, to - from, 2 * slots.length);
        const first = period < this.first ? to - size : from;
        const grown = new Int32Array(size).fill(-1);
        grown.set(slots, this.first - first);
        grown[period - first] = cell;
        this.first = first; this.slots = grown;
        return;
      }
      this.map = new Map();
      for (let i = 0; i < slots.length; i++) if (slots[i] >= 0) this.map.set(this.first + i, slots[i]);
      this.slots = NO_SLOTS;
      this.low = from; this.high = to - 1;
    }
    this.map.set(period, cell);
    if (period < this.low) this.low = period;
    if (period > this.high) this.high = period;
    // Back to an array at 2 cells per 4 periods, not 1: a group at the bound does not go back and forth.
    if (this.high - this.low + 1 <= Math.max(256, 2 * this.count)) {
      const slots = new Int32Array(this.high - this.low + 1).fill(-1);
      for (const [p, c] of this.map) slots[p - this.low] = c;
      this.first = this.low; this.slots = slots; this.map = undefined;
    }
  }
}

/** Partials of an exact sum kept in its column per cell; a sum that needs more moves to a list of its own. */
const INLINE = 2;
/** `count` of a sum kept in a list of its own (ExactSums.spill). */
const SPILLED = 255;

/**
 * Exact sums (engine/exact-sum), one per cell, in columns: a sum's partials (usually one or two)
 * are in a Float64Array at INLINE places per cell, their count in a Uint8Array; the rare sum with
 * more partials keeps them in a list of its own. The same exact total as one ExactSum per cell.
 */
export class ExactSums {
  count: Uint8Array;
  partials: Float64Array;
  spill = new Map<number, ExactSum>();
  /** A reused list for the general case. */
  private readonly scratch: ExactSum = [];

  constructor(capacity: number) {
    this.count = new Uint8Array(capacity);
    this.partials = new Float64Array(capacity * INLINE);
  }

  grow(capacity: number): void {
    const count = new Uint8Array(capacity), partials = new Float64Array(capacity * INLINE);
    count.set(this.count); partials.set(this.partials);
    this.count = count; this.partials = partials;
  }

  add(cell: number, x: number): void {
    const k = this.count[cell], at = cell * INLINE, p = this.partials;
    if (k === 1) {
      // exactAdd's common case: one partial and a sum with no rounding error.
      const y = p[at], hi = x + y;
      const lo = Math.abs(x) < Math.abs(y) ? x - (hi - y) : y - (hi - x);
      if (lo === 0) { p[at] = hi; return; }
    } else if (k === 0) { p[at] = x; this.count[cell] = 1; return; }
    if (k === SPILLED) { exactAdd(this.spill.get(cell)!, x); return; }
    const s = this.scratch;
    s.length = k;
    for (let i = 0; i < k; i++) s[i] = p[at + i];
    exactAdd(s, x);
    if (s.length <= INLINE) {
      for (let i = 0; i < s.length; i++) p[at + i] = s[i];
      this.count[cell] = s.length;
    } else { this.spill.set(cell, [...s]); this.count[cell] = SPILLED; }
  }

  /** Adds every partial of another store's sum `from` to this one's `cell`. */
  mergeFrom(cell: number, other: ExactSums, from: number): void {
    const k = other.count[from];
    if (k === SPILLED) { for (const x of other.spill.get(from)!) this.add(cell, x); return; }
    for (let i = 0; i < k; i++) this.add(cell, other.partials[from * INLINE + i]);
  }

  /** A cell's partials, as an ExactSum (a new list). */
  partialsOf(cell: number): ExactSum {
    const k = this.count[cell];
    if (k === SPILLED) return [...this.spill.get(cell)!];
    const out: ExactSum = new Array<number>(k);
    for (let i = 0; i < k; i++) out[i] = this.partials[cell * INLINE + i];
    return out;
  }

  /** The exact sum of every cell's sum (the cells 0 … cellCount − 1). */
  total(cellCount: number): ExactSum {
    const out: ExactSum = [];
    for (let c = 0; c < cellCount; c++) {
      const k = this.count[c];
      if (k === SPILLED) for (const x of this.spill.get(c)!) exactAdd(out, x);
      else for (let i = 0; i < k; i++) exactAdd(out, this.partials[c * INLINE + i]);
    }
    return out;
  }

  /** A cell's exact sum, rounded once. */
  value(cell: number): number {
    const k = this.count[cell];
    if (k === 1) return this.partials[cell * INLINE];
    if (k === 0) return 0;
    return exactValue(this.partialsOf(cell));
  }
}

/**
 * Kept values (durations for exact medians) as (cell, value) pairs in the order they came: no list
 * per cell while reading. `byCell` lays them out by cell (a counting sort), for the results; the
 * values of a cell are then one stretch of one array, and the pairs are let go (the layout is the
 * log's content from then on). Logs merged from other stores are kept as segments (their cells
 * mapped to this store's) and laid out with this one's: nothing is copied twice.
 */
export class ValueLog {
  cells = new Int32Array(1024);
  values = new Float64Array(1024);
  length = 0;
  /** Logs merged in: cells already mapped to this store's. */
  private readonly merged: { cells: Int32Array; values: Float64Array }[] = [];
  /** The values laid out by byCell (pairs pushed or merged since are not in it). */
  private layout: { values: Float64Array; offsets: Int32Array } | undefined;

  push(cell: number, x: number): void {
    if (this.length === this.values.length) this.grow();
    this.cells[this.length] = cell;
    this.values[this.length++] = x;
  }

  /** How many values are kept. */
  get size(): number {
    let n = this.length + (this.layout?.values.length ?? 0);
    for (const s of this.merged) n += s.values.length;
    return n;
  }

  /** Adds a log's values: `cells` (this store's cells, owned by this log from now on), `values` (not changed). */
  addSegment(cells: Int32Array, values: Float64Array): void {
    if (values.length > 0) this.merged.push({ cells, values });
  }

  /** Every (cell, value) pair, as one segment (the log's own arrays when nothing else is kept). */
  pairs(): { cells: Int32Array; values: Float64Array } {
    const segments = this.segments();
    if (segments.length === 1) return segments[0];
    const n = this.size, cells = new Int32Array(n), values = new Float64Array(n);
    let at = 0;
    for (const s of segments) { cells.set(s.cells, at); values.set(s.values, at); at += s.values.length; }
    return { cells, values };
  }

  /** The values laid out by cell: cell c's are values[offsets[c] … offsets[c + 1]) (selected in place by the results). */
  byCell(cellCount: number): { values: Float64Array; offsets: Int32Array } {
    if (this.layout && this.length === 0 && this.merged.length === 0 && this.layout.offsets.length === cellCount + 1) return this.layout;
    const segments = this.segments();
    const offsets = new Int32Array(cellCount + 1);
    for (const s of segments) for (let i = 0; i < s.cells.length; i++) offsets[s.cells[i] + 1]++;
    for (let c = 0; c < cellCount; c++) offsets[c + 1] += offsets[c];
    const at = offsets.slice(0, cellCount), values = new Float64Array(offsets[cellCount]);
    for (const s of segments) for (let i = 0; i < s.cells.length; i++) values[at[s.cells[i]]++] = s.values[i];
    // The pairs are the layout's now: 12 bytes a value let go (4 M values at 10 M deals).
    this.cells = new Int32Array(1024); this.values = new Float64Array(1024); this.length = 0; this.merged.length = 0;
    this.layout = { values, offsets };
    return this.layout;
  }

  private segments(): { cells: Int32Array; values: Float64Array }[] {
    const out = [{ cells: this.cells.subarray(0, this.length), values: this.values.subarray(0, this.length) }, ...this.merged];
    const layout = this.layout;
    if (layout) {
      const cells = new Int32Array(layout.values.length);
      for (let c = 0; c + 1 < layout.offsets.length; c++) cells.fill(c, layout.offsets[c], layout.offsets[c + 1]);
      out.unshift({ cells, values: layout.values });
    }
    return out.filter((s, i) => i === 0 || s.values.length > 0);
  }

  private grow(): void {
    const cells = new Int32Array(this.cells.length * 2), values = new Float64Array(this.values.length * 2);
    cells.set(this.cells); values.set(this.values);
    this.cells = cells; this.values = values;
  }
}

/** A CellStore as flat arrays (the --by lists once each), to send from a worker thread. */
export interface PackedCellStore {
  groups: string[][];
  group: Int32Array;
  period: Float64Array;
  numbers: Float64Array;
  sums: { count: Uint8Array; partials: Float64Array; spill: [number, ExactSum][] }[];
  logs: { cells: Int32Array; values: Float64Array }[];
}

/** Group × period cells with `width` numbers, `sums` exact sums and `logs` value logs each (see the top of this file). */
export class CellStore {
  /** How many cells there are; cell indexes are 0 … count − 1, in the order they were made. */
  count = 0;
  private capacity = 256;
  /** Per cell its group (an index in `groups`) and period. */
  group = new Int32Array(this.capacity);
  period = new Float64Array(this.capacity);
  /** Per cell `width` numbers: cell c's are numbers[c * width …]. */
  numbers: Float64Array;
  readonly sums: ExactSums[];
  readonly logs: ValueLog[];
  /** Per group its --by values and its cells by period. */
  readonly groups: string[][] = [];
  readonly periods: PeriodSlots[] = [];

  constructor(readonly width: number, sums: number, logs: number) {
    this.numbers = new Float64Array(this.capacity * width);
    this.sums = Array.from({ length: sums }, () => new ExactSums(this.capacity));
    this.logs = Array.from({ length: logs }, () => new ValueLog());
  }

  /** A new group (its index): `by`, its --by values. */
  addGroup(by: string[]): number {
    if (this.groups.length >= MAX_GROUP_CELLS) throw tooManyCells();
    this.groups.push(by);
    this.periods.push(new PeriodSlots());
    return this.groups.length - 1;
  }

  /** The cell of a group in a period, or −1. */
  find(group: number, period: number): number {
    return this.periods[group].get(period);
  }

  /** The cell of a group in a period, made (all zero) if it has none yet. */
  cell(group: number, period: number): number {
    const c = this.periods[group].get(period);
    return c >= 0 ? c : this.add(group, period);
  }

  /** A new cell of a group in a period that has none. */
  add(group: number, period: number): number {
    if (this.count >= MAX_GROUP_CELLS) throw tooManyCells();
    if (this.count === this.capacity) this.grow();
    const c = this.count++;
    this.group[c] = group; this.period[c] = period;
    this.periods[group].set(period, c);
    return c;
  }

  /** The cells sorted by period, then by their group's --by values (compareLists). */
  sorted(): Int32Array {
    const n = this.count, groupCount = this.groups.length;
    const order = Int32Array.from(this.groups.keys()).sort((a, b) => compareLists(this.groups[a], this.groups[b]) || a - b);
    const rank = new Int32Array(groupCount);
    order.forEach((g, r) => { rank[g] = r; });
    let min = Infinity, max = -Infinity;
    for (let c = 0; c < n; c++) { const p = this.period[c]; if (p < min) min = p; if (p > max) max = p; }
    const out = new Int32Array(n);
    if (n === 0) return out;
    // One number per cell whose order is the cells' (period first, then the group's rank), sorted as
    // a typed array (no comparison function per pair); when the numbers could be too large to be
    // exact, a comparison sort.
    if ((max - min + 1) * groupCount < 2 ** 52) {
      const keys = new Float64Array(n);
      for (let c = 0; c < n; c++) keys[c] = (this.period[c] - min) * groupCount + rank[this.group[c]];
      keys.sort();
      for (let i = 0; i < n; i++) {
        const k = keys[i], r = k % groupCount;
        out[i] = this.find(order[r], (k - r) / groupCount + min);
      }
      return out;
    }
    for (let c = 0; c < n; c++) out[c] = c;
    return out.sort((a, b) => this.period[a] - this.period[b] || rank[this.group[a]] - rank[this.group[b]]);
  }

  /** The store as flat arrays (views of its own: change nothing afterwards). */
  pack(): PackedCellStore {
    const n = this.count;
    return {
      groups: this.groups, group: this.group.subarray(0, n), period: this.period.subarray(0, n),
      numbers: this.numbers.subarray(0, n * this.width),
      sums: this.sums.map((s) => ({ count: s.count.subarray(0, n), partials: s.partials.subarray(0, n * INLINE), spill: [...s.spill] })),
      logs: this.logs.map((l) => l.pairs()),
    };
  }

  /**
   * Adds a packed store's cells to this one's: numbers added, exact sums merged, kept values taken
   * (`logs[].values` is kept as it is: not to be changed afterwards). `groupOf` gives this store's
   * group for a --by list of the packed one (making it when new). `owned`: nothing else uses the
   * packed arrays (a worker's state), so its logs' cells are mapped in place, not copied.
   */
  merge(packed: PackedCellStore, groupOf: (by: string[]) => number, owned = false): void {
    const groups = packed.groups.map(groupOf), n = packed.group.length, width = this.width;
    if (packed.numbers.length !== n * width || packed.sums.length !== this.sums.length || packed.logs.length !== this.logs.length) {
      throw new Error('CellStore.merge: the packed store does not have this store\'s layout');
    }
    const map = new Int32Array(n);
    const other = this.sums.map(() => new ExactSums(0));
    packed.sums.forEach((s, i) => { other[i].count = s.count; other[i].partials = s.partials; other[i].spill = new Map(s.spill); });
    for (let i = 0; i < n; i++) {
      const c = this.cell(groups[packed.group[i]], packed.period[i]);
      map[i] = c;
      const numbers = this.numbers;
      for (let k = 0; k < width; k++) numbers[c * width + k] += packed.numbers[i * width + k];
      for (let s = 0; s < other.length; s++) if (other[s].count[i] !== 0) this.sums[s].mergeFrom(c, other[s], i);
    }
    packed.logs.forEach((l, i) => {
      const cells = owned ? l.cells : new Int32Array(l.cells.length);
      for (let j = 0; j < cells.length; j++) cells[j] = map[l.cells[j]];
      this.logs[i].addSegment(cells, l.values);
    });
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const group = new Int32Array(capacity), period = new Float64Array(capacity), numbers = new Float64Array(capacity * this.width);
    group.set(this.group); period.set(this.period); numbers.set(this.numbers);
    this.group = group; this.period = period; this.numbers = numbers;
    for (const s of this.sums) s.grow(capacity);
    this.capacity = capacity;
  }
}
