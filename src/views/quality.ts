/**
 * funnel quality — lead data quality, by the period of created_at.
 * Memory: one state per group × period, plus every e-mail seen (for duplicates) with where it was
 * first seen, so that two folds merge: an e-mail first seen in the later part is a duplicate if
 * the earlier part had it. The e-mails are kept packed (engine/key-set.ts), so that a reading
 * thread hands over its range's in a few typed arrays.
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
 * seen, and per e-mail the index (among the cells) of the cell its first lead was counted in, −1
 * when outside --from/--to.
 */
export interface PackedQuality { cells: PackedCells; emails: PackedKeys; firstCells: Int32Array }

export class QualityFold {
  readonly groups = new Groups(init);
  /** Every folded e-mail seen, numbered in the order first seen. */
  private emails = new KeySet();
  /** By e-mail number: the cell its first lead was counted in (null: outside --from/--to). */
  private readonly firstCells: (QualityMeasures | null)[] = [];
  constructor(readonly params: ViewParams) {}

  add(lead: Lead): void {
    const p = this.params;
    const m = inRange(p, lead.createdAt) ? this.groups.get(leadGroup(lead, p.by), p.scheme.index(lead.createdAt)) : null;
    const folded = lead.email?.trim().toLowerCase();
    if (folded) {
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
    const cells = [...this.groups.cells.values()];
    const index = new Map<QualityMeasures, number>(cells.map((c, i) => [c.m, i]));
    const firstCells = new Int32Array(this.firstCells.length);
    for (let i = 0; i < firstCells.length; i++) { const m = this.firstCells[i]; firstCells[i] = m ? index.get(m)! : -1; }
    return { cells: packCells(cells, init()), emails: this.emails.pack(), firstCells };
  }

  /**
   * Merges the state of a fold of leads read later: its e-mails in their order, each a duplicate
   * (in the cell of its first lead there) when this fold has seen it.
   */
  mergeState(state: PackedQuality): void {
    const mine = [...unpackCells(state.cells, init)].map((c) => { const m = this.groups.get(c.by, c.period); mergeQuality(m, c.m); return m; });
    const { emails, firstCells } = state;
    if (this.emails.size === 0) {
      // The first state merged (the file's first range): its e-mails are this fold's as they are.
      this.emails = KeySet.fromPacked(emails);
      for (let i = 0; i < firstCells.length; i++) this.firstCells.push(firstCells[i] < 0 ? null : mine[firstCells[i]]);
      return;
    }
    this.emails.reserve(emails.ends.length, emails.units.length);
    for (let i = 0; i < firstCells.length; i++) {
      const m = firstCells[i] < 0 ? null : mine[firstCells[i]];
      if (this.emails.addPacked(emails, i) >= 0) { if (m) m.duplicateEmails++; }
      else this.firstCells.push(m);
    }
  }

  result(metrics: Metric<QualityMeasures>[]) {
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
    // Whether a lead's e-mail is a duplicate depends on the leads before it: each range is folded alone, merged in file order.
    perRange: true,
    fold(params) {
      const fold = new QualityFold(params);
      return { handle: (rows: Lead[]) => { for (const l of rows) fold.add(l); }, exportState: () => fold.exportState() };
    },
  },
};
