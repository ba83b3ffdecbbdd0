/**
 * Group states as a few flat arrays, for a worker thread to send its fold's state: a structured
 * clone takes ≈ 5 µs per small object on this machine kind, and a group × period cell is a dozen of
 * them (its measures, their exact sums and kept values), so 200 k cells took seconds to send, more
 * than the worker had saved. Packed, a state is two Float64Arrays (moved, not copied) and the
 * distinct --by lists.
 *
 * A measures object is written by the keys of a template (a fresh one from the view's init): each
 * number as itself; an array of numbers (counts per stage, an exact sum's partials) as its length
 * and items; kept values (Values) as their length and sorted flag, the values themselves going to a
 * second array; an array of Values as its length and each. The reader makes a fresh object with
 * init and fills it in the same order.
 */
import { newValues, type Values } from '../metrics/values.js';
import { groupKey } from './groups.js';

/** A growable list of numbers. */
export class NumberWriter {
  private a = new Float64Array(1024);
  length = 0;

  push(x: number): void {
    if (this.length === this.a.length) this.grow();
    this.a[this.length++] = x;
  }

  /** The numbers written (a view of the writer's array: write nothing more). */
  done(): Float64Array { return this.a.subarray(0, this.length); }

  private grow(): void {
    const a = new Float64Array(this.a.length * 2);
    a.set(this.a.subarray(0, this.length));
    this.a = a;
  }
}

export class NumberReader {
  at = 0;
  constructor(readonly a: Float64Array) {}
  next(): number { return this.a[this.at++]; }
  get done(): boolean { return this.at === this.a.length; }
}

const isValues = (x: unknown): x is Values => typeof x === 'object' && x !== null && (x as Values).data instanceof Float64Array;

/**
 * Numbers and kept values, written one measures object after another. The values are in order, in
 * one array or a few: each list's own when there are few lists (moved as they are, not copied:
 * 10 M deals keep 4 M values), else all in one (a buffer per list is slow to move).
 */
export interface PackedNumbers { numbers: Float64Array; values: Float64Array[] }

/** Up to this many lists are sent each in its own array (moving 4,000 buffers takes ≈ 9 ms, 16,000 ≈ 70 ms, 64,000 ≈ 1 s). */
const OWN_ARRAYS = 4096;

export class MeasuresWriter {
  readonly numbers = new NumberWriter();
  /** The kept values to pack, copied at the end into one array of exactly their size (they can be most of a state). */
  private readonly lists: Values[] = [];
  private valueCount = 0;
  private readonly keys: string[];
  constructor(private readonly template: object) {
    this.keys = Object.keys(template);
  }

  write(m: object): void {
    const t = this.template as Record<string, unknown>, record = m as Record<string, unknown>;
    for (const key of this.keys) this.field(t[key], record[key]);
  }

  private field(template: unknown, value: unknown): void {
    if (typeof template === 'number') { this.numbers.push(value as number); return; }
    if (isValues(template)) { this.list(value as Values); return; }
    if (!Array.isArray(template)) throw new Error(`MeasuresWriter: a field of type ${typeof template} cannot be packed`);
    const items = value as unknown[];
    this.numbers.push(items.length);
    if (template.length > 0 && isValues(template[0])) for (const v of items as Values[]) this.list(v);
    else for (const x of items as number[]) this.numbers.push(x);
  }

  private list(v: Values): void {
    // A lazy union is not packed: the states sent hold cells' own lists.
    if (v.parts) throw new Error('MeasuresWriter: a union of lists cannot be packed');
    this.numbers.push(v.length);
    this.numbers.push(v.sorted ? 1 : 0);
    if (v.length > 0) { this.lists.push(v); this.valueCount += v.length; }
  }

  done(): PackedNumbers {
    if (this.lists.length <= OWN_ARRAYS) return { numbers: this.numbers.done(), values: this.lists.map((v) => v.data.subarray(0, v.length)) };
    const values = new Float64Array(this.valueCount);
    let at = 0;
    for (const v of this.lists) { values.set(v.data.subarray(0, v.length), at); at += v.length; }
    return { numbers: this.numbers.done(), values: [values] };
  }
}

export class MeasuresReader<M extends object> {
  readonly numbers: NumberReader;
  /** Where the next list's values begin: an array of packed.values, and a place in it. */
  private chunk = 0;
  private valuesAt = 0;
  private readonly keys: string[];
  private readonly template: Record<string, unknown>;
  constructor(private readonly init: () => M, private readonly packed: PackedNumbers) {
    this.numbers = new NumberReader(packed.numbers);
    this.template = init() as Record<string, unknown>;
    this.keys = Object.keys(this.template);
  }

  read(): M {
    const m = this.init() as Record<string, unknown>;
    for (const key of this.keys) m[key] = this.field(this.template[key]);
    return m as M;
  }

  /** Whether every number and value was read: a check that writer and reader agreed. */
  get done(): boolean { return this.numbers.done && this.chunk === this.packed.values.length; }

  private field(template: unknown): unknown {
    const input = this.numbers;
    if (typeof template === 'number') return input.next();
    if (isValues(template)) return this.list();
    const n = input.next();
    const items = new Array<unknown>(n);
    if ((template as unknown[]).length > 0 && isValues((template as unknown[])[0])) for (let i = 0; i < n; i++) items[i] = this.list();
    else for (let i = 0; i < n; i++) items[i] = input.next();
    return items;
  }

  private list(): Values {
    const length = this.numbers.next(), sorted = this.numbers.next() === 1;
    if (length === 0) return newValues();
    const chunk = this.packed.values[this.chunk];
    if (chunk === undefined || this.valuesAt + length > chunk.length) throw new Error('unpackCells: the packed values do not match the packed numbers');
    const data = chunk.subarray(this.valuesAt, this.valuesAt + length);
    this.valuesAt += length;
    if (this.valuesAt === chunk.length) { this.chunk++; this.valuesAt = 0; }
    return { data, length, sorted };
  }
}

/** Cells (a group's --by values, a period, measures) packed: the --by lists once each, and per cell its group's index, its period and its measures. */
export interface PackedCells extends PackedNumbers { groups: string[][] }

/** Packs cells: per cell its group's index, its period and its measures (by the template's keys). */
export function packCells<M extends object>(cells: Iterable<{ by: string[]; period: number; m: M }>, template: M): PackedCells {
  const writer = new MeasuresWriter(template);
  const groups: string[][] = [], index = new Map<string, number>();
  for (const cell of cells) {
    const key = groupKey(cell.by);
    let g = index.get(key);
    if (g === undefined) { g = groups.length; groups.push(cell.by); index.set(key, g); }
    writer.numbers.push(g);
    writer.numbers.push(cell.period);
    writer.write(cell.m);
  }
  return { groups, ...writer.done() };
}

/** The cells of packCells, in the order they were packed (the --by list of a group is one array shared by its cells). */
export function* unpackCells<M extends object>(packed: PackedCells, init: () => M): Generator<{ by: string[]; period: number; m: M }> {
  const reader = new MeasuresReader(init, packed);
  while (!reader.numbers.done) {
    const by = packed.groups[reader.numbers.next()], period = reader.numbers.next();
    yield { by, period, m: reader.read() };
  }
  if (!reader.done) throw new Error('unpackCells: the packed values do not match the packed numbers');
}
