/**
 * funnel quality — lead data quality, by the period of created_at.
 * Memory: one state per group × period, plus every e-mail seen (for duplicates) with where it was
 * first seen (its cell, and the range of the file it was read in), so that two folds merge: of an
 * e-mail's first leads in each, the later one is a duplicate. The e-mails are kept packed
 * (engine/key-set.ts), so that a reading thread hands over its ranges' in a few typed arrays.
 */
import type { Lead } from '../ingest/schemas.js';
import { Groups } from '../engine/groups.js';
import { KeySet, type PackedKeys } from '../engine/key-set.js';
import { packCells, unpackCells, type PackedCells } from '../engine/packed.js';
import { inRange, leadGroup, type ViewParams } from '../engine/params.js';
import { ratio, type Metric } from '../metrics/types.js';
import { groupRows, totalsRow as totalsRowOf } from './rows.js';
import { pick, unreadText, type ViewDef } from './view.js';

export interface QualityMeasures {
  leads: number;
  withEmail: number;
  withPhone: number;
  withName: number;
  withCompany: number;
  /** Sum over leads of the fields present / 4. */
  completeness: number;
  duplicateEmails: number;
}

const init = (): QualityMeasures => ({ leads: 0, withEmail: 0, withPhone: 0, withName: 0, withCompany: 0, completeness: 0, duplicateEmails: 0 });
const mergeQuality = (a: QualityMeasures, b: QualityMeasures) => {
  a.leads += b.leads; a.withEmail += b.withEmail; a.withPhone += b.withPhone; a.withName += b.withName;
  a.withCompany += b.withCompany; a.completeness += b.completeness; a.duplicateEmails += b.duplicateEmails;
};

export const QUALITY_METRICS: Metric<QualityMeasures>[] = [
  { key: 'leads', formula: 'leads with created_at in the period', unit: 'count', inputs: ['leads'], result: (m) => m.leads },
  { key: 'with_email', formula: 'leads with a valid e-mail: one @, no spaces, a local part, a domain with a dot and a final label of 2+ letters', unit: 'count', inputs: ['leads'], result: (m) => m.withEmail },
  { key: 'with_phone', formula: 'leads with a phone of at least 7 digits', unit: 'count', inputs: ['leads'], result: (m) => m.withPhone },
  { key: 'with_name', formula: 'leads with a non-empty name', unit: 'count', inputs: ['leads'], result: (m) => m.withName },
  { key: 'with_company', formula: 'leads with a non-empty company', unit: 'count', inputs: ['leads'], result: (m) => m.withCompany },
  { key: 'completeness', formula: 'mean over leads of (fields present among name, valid email, valid phone, company) / 4', unit: 'rate', inputs: ['leads'], result: (m) => ratio(m.completeness, m.leads) },
  { key: 'duplicate_emails', formula: "leads whose e-mail (trimmed, case-folded) was already seen on an earlier lead anywhere in the input; in the later lead's group", unit: 'count', inputs: ['leads'], result: (m) => m.duplicateEmails },
];

const EMAIL = /^[^@\s]+@[^@\s]+\.\p{L}{2,}$/u;

/** Whether code unit c is white space as trim() and \s see it, for c < 128. */
const asciiSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const asciiLetter = (c: number) => (c | 32) >= 97 && (c | 32) <= 122;

/**
 * A valid e-mail (trimmed): one @, no spaces, a non-empty local part, a domain with a dot and a final
 * label of 2+ letters. An ASCII address (nearly every one) is checked in one pass without a pattern
 * or a trimmed copy; any other by the pattern, which knows Unicode's letters and spaces.
 */
export function isValidEmail(email: string): boolean {
  const n = email.length;
  for (let i = 0; i < n; i++) if (email.charCodeAt(i) >= 128) return EMAIL.test(email.trim());
  let start = 0, end = n;
  while (start < end && asciiSpace(email.charCodeAt(start))) start++;
  while (end > start && asciiSpace(email.charCodeAt(end - 1))) end--;
  let at = -1, dot = -1;
  for (let i = start; i < end; i++) {
    const c = email.charCodeAt(i);
    if (asciiSpace(c)) return false;
    if (c === 64) { if (at >= 0) return false; at = i; }
    else if (c === 46 && at >= 0) dot = i;
  }
  // A local part; a domain part before its last dot; 2+ letters after it.
  if (at <= start || dot <= at + 1 || end - dot - 1 < 2) return false;
  for (let i = dot + 1; i < end; i++) if (!asciiLetter(email.charCodeAt(i))) return false;
  return true;
}

/** A phone of at least 7 digits (0–9). */
export function isValidPhone(phone: string): boolean {
  let digits = 0;
  for (let i = 0; i < phone.length && digits < 7; i++) { const c = phone.charCodeAt(i); if (c >= 48 && c <= 57) digits++; }
  return digits >= 7;
}

/**
 * A fold's state as a reading thread hands it over: its cells, its e-mails in the order first
 * seen, and per e-mail the index (among the cells) of the cell its first lead was counted in (−1
 * when outside --from/--to) and the index of the range that lead was read in.
 */
export interface PackedQuality { cells: PackedCells; emails: PackedKeys; firstCells: Int32Array; firstRanges: Int32Array }

export class QualityFold {
  readonly groups = new Groups(init);
  /** Every folded e-mail seen, numbered in the order first seen. */
  private emails = new KeySet();
  /** By e-mail number: the cell its first lead was counted in (null: outside --from/--to). */
  private firstCells: (QualityMeasures | null)[] = [];
  /**
   * Where the ranges of the file this fold read begin, as pairs: a range's index, then the number
   * of the first e-mail first seen in it (a fold that was told no range read one range, 0).
   */
  private readonly ranges: number[] = [];
  /** By e-mail number, once a state was merged: the range its first lead was read in. */
  private firstRanges: Int32Array | undefined;
  constructor(readonly params: ViewParams) {}

  /** Bytes of the ranges named so far, and e-mails added in them (first seen or not). */
  private rangeBytes = 0;
  private added = 0;

  /**
   * The leads added next are range `index` of the file (a reading thread reads its ranges in file
   * order), of `bytes` bytes when known: the e-mail set makes room for as many new e-mails as the
   * ranges before had per byte (at first, one per 64 bytes), so that it does not grow step by step.
   */
  range(index: number, bytes = 0): void {
    this.ranges.push(index, this.emails.size);
    const perByte = this.rangeBytes > 0 ? this.added / this.rangeBytes : 1 / 64;
    const keys = Math.ceil(bytes * perByte), units = this.emails.size > 0 ? this.emails.unitsSize / this.emails.size : 32;
    if (keys > 0) this.emails.reserve(keys, Math.ceil(keys * units));
    this.rangeBytes += bytes;
  }

  /** By e-mail number, the range its first lead was read in (0 for one added before any range was named). */
  private rangesOfEmails(): Int32Array {
    const n = this.emails.size, known = this.firstRanges?.length ?? 0;
    if (this.firstRanges && known === n) return this.firstRanges;
    const out = new Int32Array(n), r = this.ranges;
    if (this.firstRanges) out.set(this.firstRanges);
    for (let k = 0; k < r.length; k += 2) out.fill(r[k], Math.max(known, r[k + 1]), k + 2 < r.length ? Math.max(known, r[k + 3]) : n);
    return (this.firstRanges = out);
  }

  add(lead: Lead): void {
    if (this.pending.length) this.settle(true);
    const p = this.params;
    const m = inRange(p, lead.createdAt) ? this.groups.get(leadGroup(lead, p.by), p.scheme.index(lead.createdAt)) : null;
    const folded = lead.email?.trim().toLowerCase();
    if (folded) {
      this.added++;
      if (this.emails.add(folded) >= 0) { if (m) m.duplicateEmails++; }
      else this.firstCells.push(m);
    }
    if (!m) return;
    const email = lead.email !== undefined && isValidEmail(lead.email);
    const phone = lead.phone !== undefined && isValidPhone(lead.phone);
    const name = lead.name !== undefined, company = lead.company !== undefined;
    m.leads++;
    if (email) m.withEmail++;
    if (phone) m.withPhone++;
    if (name) m.withName++;
    if (company) m.withCompany++;
    m.completeness += (+email + +phone + +name + +company) / 4;
  }

  /** Merges a fold of leads read later than this one's. */
  merge(other: QualityFold): void {
    this.mergeState(other.exportState());
  }

  /** The state in typed arrays, to send from a reading thread. */
  exportState(): PackedQuality {
    this.settle(true);
    const cells = [...this.groups.cells.values()];
    const index = new Map<QualityMeasures, number>(cells.map((c, i) => [c.m, i]));
    const firstCells = new Int32Array(this.firstCells.length);
    for (let i = 0; i < firstCells.length; i++) { const m = this.firstCells[i]; firstCells[i] = m ? index.get(m)! : -1; }
    return { cells: packCells(cells, init()), emails: this.emails.pack(), firstCells, firstRanges: this.rangesOfEmails() };
  }

  /**
   * Merges the state of a fold of other leads of the file: of other ranges, or of leads read later
   * (when both read the same range, as a fold told no range does). The cells are added at once;
   * the e-mails wait until the result is made (see settle): the last state's are then only looked
   * up, not added.
   */
  mergeState(state: PackedQuality): void {
    const mine = [...unpackCells(state.cells, init)].map((c) => { const m = this.groups.get(c.by, c.period); mergeQuality(m, c.m); return m; });
    const cells = new Array<QualityMeasures | null>(state.firstCells.length);
    for (let i = 0; i < cells.length; i++) cells[i] = state.firstCells[i] < 0 ? null : mine[state.firstCells[i]];
    this.pending.push({ emails: state.emails, cells, ranges: state.firstRanges });
  }

  /** States merged whose e-mails are not settled yet, in the order merged. */
  private readonly pending: { emails: PackedKeys; cells: (QualityMeasures | null)[]; ranges: Int32Array }[] = [];

  /**
   * Settles the merged states' e-mails, in the order merged. An e-mail seen in two folds: of its
   * two first leads, the one read later (in a later range; of the same range, in the fold merged
   * later) is a duplicate, in its cell, and the earlier one stays its first. A reading thread's fold
   * holds its ranges' duplicates among themselves already, so the threads' states merge in any
   * order. Unless `more` (leads may be added or states merged after), the last state's e-mails are
   * only looked up: nothing comes after them.
   */
  private settle(more: boolean): void {
    const pending = this.pending.splice(0);
    if (pending.length === 0) return;
    if (this.emails.size === 0) {
      // The first state (the fold saw no e-mail itself): its e-mails are this fold's as they are.
      const first = pending.shift()!;
      this.emails = KeySet.fromPacked(first.emails);
      this.firstCells = first.cells;
      this.firstRanges = first.ranges;
    }
    const cells = this.firstCells;
    let ranges = this.rangesOfEmails();
    for (const [k, { emails, cells: theirs, ranges: theirRanges }] of pending.entries()) {
      const n = theirs.length, add = more || k < pending.length - 1;
      if (add) {
        this.emails.reserve(n, emails.units.length);
        // Room for every e-mail of both: written in place.
        const grown = new Int32Array(cells.length + n);
        grown.set(ranges.subarray(0, cells.length));
        ranges = grown;
      }
      for (let i = 0; i < n; i++) {
        const m = theirs[i], r = theirRanges[i];
        const j = add ? this.emails.addPacked(emails, i) : this.emails.findPacked(emails, i);
        if (j < 0) { if (add) { ranges[cells.length] = r; cells.push(m); } }
        else if (ranges[j] <= r) { if (m) m.duplicateEmails++; }
        else {
          // Its first lead here was read after theirs: that one is the duplicate.
          const was = cells[j];
          if (was) was.duplicateEmails++;
          cells[j] = m; ranges[j] = r;
        }
      }
      ranges = ranges.subarray(0, cells.length);
    }
    this.firstRanges = ranges;
  }

  /** The rows and totals (the fold takes no more leads or states after it). */
  result(metrics: Metric<QualityMeasures>[]) {
    this.settle(false);
    const p = this.params;
    const totals = init();
    const cells = this.groups.sorted();
    for (const cell of cells) mergeQuality(totals, cell.m);
    const rows = groupRows(cells, p, metrics);
    const totalsRow = totalsRowOf(totals, metrics);
    return { rows, totals: totalsRow };
  }
}

/** The quality view's row of the views table. */
export const QUALITY_VIEW: ViewDef<'quality'> = {
  name: 'quality',
  title: 'Lead data quality',
  description: 'lead data quality: valid e-mails and phones, names, companies, completeness, duplicate e-mails',
  help: `
Examples:
  $ funnel quality --leads leads.csv --by source
  $ funnel quality --leads leads.csv --period month --alert 'completeness < 0.6'
`,
  requires: 'leads',
  reads: ['leads'],
  byKinds: ['leads'],
  metrics: QUALITY_METRICS,
  start({ params, selected }) {
    const fold = new QualityFold(params);
    const unread = unreadText(['source', 'campaign', 'owner'], params);
    return {
      steps: [{ kind: 'leads', handle: (rows) => { for (const l of rows) fold.add(l); } }],
      unread: { leads: unread },
      parallel: { viewInput: () => undefined, metrics: pick(QUALITY_METRICS, selected).map((m) => m.key), unread, mergeState: (s) => fold.mergeState(s as PackedQuality) },
      result: () => fold.result(pick(QUALITY_METRICS, selected)),
    };
  },
  parallel: {
    kind: 'leads',
    // Whether a lead's e-mail is a duplicate depends on the leads before it: the fold is told each range's index.
    fold(params) {
      const fold = new QualityFold(params);
      return { handle: (rows: Lead[]) => { for (const l of rows) fold.add(l); }, range: (i, bytes) => fold.range(i, bytes), exportState: () => fold.exportState() };
    },
  },
};
