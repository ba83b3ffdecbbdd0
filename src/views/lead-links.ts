/**
 * A lead's source and campaign by its id, for the deals that fall back on their lead's (deals,
 * marketing): built from every lead with an id, looked up once per deal without its own. Hundreds of
 * thousands of leads made a Map entry and an object each (a quarter of `deals --by source` at 100×
 * the demo); here a lead is a slot in a typed-array hash table, its id kept as code units (a lookup
 * compares them: never a guess from a hash) and its source and campaign as indexes into the few
 * distinct texts. A reading thread builds a table of its own ranges' leads and hands it over
 * packed (`pack`: typed arrays, moved); the main thread keeps each thread's table
 * as one part and looks an id up in each in turn. Ids are unique across parts: a parallel read in
 * which an id repeats across threads is read again serially (parallel/run.ts).
 */
import { LEAD_COLUMNS, notBefore } from '../ingest/schemas.js';
import type { Taker } from '../ingest/read.js';

/** A lead's source and campaign (undefined when missing). */
export interface LeadFields { source?: string; campaign?: string }

/** What a deal's fold asks of the leads: a lead's fields by its id. (A Map of them does too.) */
export interface LeadLookup { get(id: string): LeadFields | undefined }

/** One table as a reading thread hands it over (see LeadLinks.pack): typed arrays, moved between threads. */
export interface PackedLeadLinks {
  /** The ids' UTF-16 code units one after another: lead i's are ids[idEnds[i − 1], idEnds[i]) (from 0 for the first). */
  ids: Uint16Array;
  idEnds: Int32Array;
  /** Per lead: its id's hash, its source's and its campaign's place in `texts` (0: missing). */
  hashes: Int32Array;
  source: Int32Array;
  campaign: Int32Array;
  texts: (string | undefined)[];
  /** Open addressing: lead index + 1 per slot, 0 for free; the length is a power of two. */
  slots: Int32Array;
  count: number;
}

/** An id's hash (FNV-1a over its UTF-16 code units, then murmur3's finaliser). */
function hashOf(id: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return fmix(h);
}

function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function grown<T extends Int32Array | Uint16Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/**
 * One table: the ids' code units in one array (no string kept per lead, so nothing for the
 * collector to move), each lead's hash, source and campaign, and the slots.
 */
class LeadTable {
  private ids: Uint16Array = new Uint16Array(16_384);
  private idEnds: Int32Array = new Int32Array(1024);
  private hashes: Int32Array = new Int32Array(1024);
  source: Int32Array = new Int32Array(1024);
  campaign: Int32Array = new Int32Array(1024);
  texts: (string | undefined)[] = [undefined];
  private readonly textIndex = new Map<string, number>();
  private slots: Int32Array = new Int32Array(2048);
  count = 0;

  static unpacked(p: PackedLeadLinks): LeadTable {
    const t = new LeadTable();
    t.ids = p.ids; t.idEnds = p.idEnds; t.hashes = p.hashes;
    t.source = p.source; t.campaign = p.campaign; t.texts = p.texts; t.slots = p.slots; t.count = p.count;
    return t;
  }

  private textOf(text: string | undefined): number {
    if (text === undefined) return 0;
    let i = this.textIndex.get(text);
    if (i === undefined) { i = this.texts.push(text) - 1; this.textIndex.set(text, i); }
    return i;
  }

  /** A lead (its id not in the table yet: ids are unique in an input). */
  add(id: string, source: string | undefined, campaign: string | undefined): void {
    const i = this.count++;
    if (i === this.source.length) {
      const size = Math.max(1024, i * 2); // from none, once shared (toShared cuts an empty table's arrays to nothing)
      this.idEnds = grown(this.idEnds, size); this.hashes = grown(this.hashes, size);
      this.source = grown(this.source, size); this.campaign = grown(this.campaign, size);
    }
    const from = i === 0 ? 0 : this.idEnds[i - 1], to = from + id.length;
    if (to > this.ids.length) this.ids = grown(this.ids, Math.max(to, this.ids.length * 2));
    // The id's code units copied and hashed in one pass (hashOf's hash).
    const ids = this.ids;
    let h = 0x811c9dc5 | 0;
    for (let k = 0; k < id.length; k++) { const c = id.charCodeAt(k); ids[from + k] = c; h = Math.imul(h ^ c, 0x01000193); }
    h = fmix(h);
    this.idEnds[i] = to; this.hashes[i] = h;
    this.source[i] = this.textOf(source); this.campaign[i] = this.textOf(campaign);
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(h, i);
  }

  /**
   * Room for `leads` more leads whose ids hold `units` code units in all, so that adding them grows
   * no array and rehashes nothing (a guess too small only leaves the rest to grow step by step).
   */
  reserve(leads: number, units: number): void {
    const n = this.count + leads;
    if (n > this.source.length) {
      this.idEnds = grown(this.idEnds, n); this.hashes = grown(this.hashes, n);
      this.source = grown(this.source, n); this.campaign = grown(this.campaign, n);
    }
    const used = this.units;
    if (used + units > this.ids.length) this.ids = grown(this.ids, used + units);
    if (n * 2 > this.slots.length) {
      let size = this.slots.length;
      while (n * 2 > size) size *= 2;
      this.rehash(size);
    }
  }

  /** Code units of the ids added so far. */
  get units(): number { return this.count === 0 ? 0 : this.idEnds[this.count - 1]; }

  private place(h: number, i: number): void {
    const slots = this.slots, mask = slots.length - 1;
    let s = h & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = i + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let i = 0; i < this.count; i++) this.place(this.hashes[i], i);
  }

  /** The lead's index, or −1. */
  find(id: string): number {
    const slots = this.slots, mask = slots.length - 1, h = hashOf(id);
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = slots[s];
      if (e === 0) return -1;
      if (this.hashes[e - 1] === h && this.sameId(e - 1, id)) return e - 1;
    }
  }

  private sameId(i: number, id: string): boolean {
    const from = i === 0 ? 0 : this.idEnds[i - 1];
    if (this.idEnds[i] - from !== id.length) return false;
    for (let k = 0; k < id.length; k++) if (this.ids[from + k] !== id.charCodeAt(k)) return false;
    return true;
  }

  pack(): PackedLeadLinks {
    return { ids: this.ids, idEnds: this.idEnds, hashes: this.hashes, source: this.source, campaign: this.campaign, texts: this.texts, slots: this.slots, count: this.count };
  }

  /** Its arrays moved into shared memory, cut to what they hold (the slots whole): posted to a worker, they are shared, not copied. */
  toShared(): void {
    if (this.slots.buffer instanceof SharedArrayBuffer) return;
    const n = this.count;
    this.ids = sharedCopy(this.ids, this.units); this.idEnds = sharedCopy(this.idEnds, n); this.hashes = sharedCopy(this.hashes, n);
    this.source = sharedCopy(this.source, n); this.campaign = sharedCopy(this.campaign, n); this.slots = sharedCopy(this.slots, this.slots.length);
  }
}

/** The first `length` elements of an array, copied into shared memory. */
function sharedCopy<T extends Int32Array | Uint16Array>(a: T, length: number): T {
  const C = a.constructor as new (buffer: SharedArrayBuffer) => T;
  const b = new C(new SharedArrayBuffer(length * a.BYTES_PER_ELEMENT));
  b.set(a.subarray(0, length));
  return b;
}

/** The leads' sources and campaigns by id: one table per reading thread (one for a serial read). */
export class LeadLinks implements LeadLookup {
  private readonly parts: LeadTable[] = [];
  private own: LeadTable | undefined;

  /** Tables packed by other threads (`viewInput` of a worker's fold). */
  static of(packed: readonly PackedLeadLinks[] | undefined): LeadLinks {
    const links = new LeadLinks();
    for (const p of packed ?? []) links.addPacked(p);
    return links;
  }

  get size(): number { return this.parts.reduce((n, t) => n + t.count, 0); }

  add(id: string, source: string | undefined, campaign: string | undefined): void {
    if (this.own === undefined) this.parts.push((this.own = new LeadTable()));
    this.own.add(id, source, campaign);
  }

  /** Bytes of the input announced so far (expect), and leads added since the first announcement. */
  private expectedBytes = 0;
  private addedFrom = -1;

  /**
   * The next leads come from `bytes` bytes of input: this table makes room for as many as the bytes
   * announced before held per byte (at first, one per 64 bytes), with ids as long as those so far
   * (at first, 16 code units), so that it does not grow step by step. Only speed depends on it.
   */
  expect(bytes: number): void {
    if (!(bytes > 0)) return;
    if (this.own === undefined) this.parts.push((this.own = new LeadTable()));
    const t = this.own;
    if (this.addedFrom < 0) this.addedFrom = t.count;
    const perByte = this.expectedBytes > 0 ? (t.count - this.addedFrom) / this.expectedBytes : 1 / 64;
    const leads = Math.ceil(bytes * perByte * 1.05), units = t.count > 0 ? t.units / t.count : 16;
    if (leads > 0) t.reserve(leads, Math.ceil(leads * units));
    this.expectedBytes += bytes;
  }

  /** Another thread's table (its leads are not in this one's). */
  addPacked(p: PackedLeadLinks): void {
    if (p.count > 0) this.parts.push(LeadTable.unpacked(p));
  }

  get(id: string): LeadFields | undefined {
    for (const t of this.parts) {
      const i = t.find(id);
      if (i >= 0) return { source: t.texts[t.source[i]], campaign: t.texts[t.campaign[i]] };
    }
    return undefined;
  }

  /** Every table, packed (its typed arrays are this object's: a reading thread's own, moved to the main thread; see `share` for the other way). */
  pack(): PackedLeadLinks[] {
    return this.parts.map((t) => t.pack());
  }

  /**
   * Every table packed for the workers of a parallel read (a fold's `viewInput`): in shared memory,
   * so posting them copies nothing (400 k leads' tables are ≈ 37 MB, whose copy cost ≈ 0.15 s on
   * the main thread and as much again in the worker). The tables keep using the same memory here.
   */
  share(): PackedLeadLinks[] {
    for (const t of this.parts) t.toShared();
    return this.pack();
  }
}

/** Where a lead's typed values are (the schema's order: LEAD_COLUMNS, then the stage columns). */
const ID = LEAD_COLUMNS.indexOf('id'), CREATED = LEAD_COLUMNS.indexOf('created_at');
const SOURCE = LEAD_COLUMNS.indexOf('source'), CAMPAIGN = LEAD_COLUMNS.indexOf('campaign');

/**
 * The typed route (ingest/read Taker) of a reading thread's leads when all it keeps of them is
 * their links: a lead's typed values go into the table with no row object made. It measures
 * nothing: a lead the schema's finishing rule rejects (a stage entered before created_at) takes
 * the row route, where the reason is worded. `links` undefined: the leads are read for their
 * rejections and counts only (no --by column comes from a deal's lead), and the id is not read.
 */
export class LeadLinksTaker implements Taker {
  readonly takesId: boolean;
  /** A file without ids links no deal: its leads are only checked. */
  readonly anonymous: Taker = { takesId: false, take: (v) => settled(v) };

  constructor(private readonly links: LeadLinks | undefined) {
    this.takesId = links !== undefined;
  }

  take(v: readonly unknown[]): boolean {
    if (!settled(v)) return false;
    this.links?.add(v[ID] as string, v[SOURCE] as string | undefined, v[CAMPAIGN] as string | undefined);
    return true;
  }
}

/** The lead schema's finishing rule as a check: no stage time (the columns after LEAD_COLUMNS) before created_at. */
function settled(v: readonly unknown[]): boolean {
  const created = v[CREATED] as number;
  for (let i = LEAD_COLUMNS.length; i < v.length; i++) {
    const at = v[i] as number | undefined;
    if (at === undefined) continue;
    const t = notBefore(created, at);
    if (t !== t) return false; // NaN: before created_at
  }
  return true;
}
