/**
 * funnel quality — lead data quality, by the period of created_at.
 * Memory: one state per group × period, plus every e-mail seen (for duplicates) with where it was
 * first seen, so that two folds merge: an e-mail first seen in the later part is a duplicate if
 * the earlier part had it.
 */
import type { Lead } from '../ingest/schemas.js';
import { Groups, type GroupCell } from '../engine/groups.js';
import { inRange, leadGroup, type ViewParams } from '../engine/params.js';
import { ratio, type Metric } from '../metrics/types.js';
import { groupRows, totalsRow as totalsRowOf } from './rows.js';
import { pick, type ViewDef } from './view.js';

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
export const isValidEmail = (email: string) => EMAIL.test(email.trim());
export const isValidPhone = (phone: string) => (phone.match(/\d/g)?.length ?? 0) >= 7;

type Where = Pick<GroupCell<QualityMeasures>, 'by' | 'period'> | null;

export class QualityFold {
  readonly groups = new Groups(init);
  /** Folded e-mail → where its first lead was counted (null: outside --from/--to). */
  readonly firstSeen = new Map<string, Where>();
  constructor(readonly params: ViewParams) {}

  add(lead: Lead): void {
    const p = this.params;
    const counted = inRange(p, lead.createdAt);
    const where: Where = counted ? { by: leadGroup(lead, p.by), period: p.scheme.index(lead.createdAt) } : null;
    const folded = lead.email?.trim().toLowerCase();
    if (folded) {
      if (this.firstSeen.has(folded)) { if (where) this.groups.get(where.by, where.period).duplicateEmails++; }
      else this.firstSeen.set(folded, where);
    }
    if (!where) return;
    const m = this.groups.get(where.by, where.period);
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

  merge(other: QualityFold): void {
    this.groups.mergeFrom(other.groups, mergeQuality);
    for (const [email, where] of other.firstSeen) {
      if (!this.firstSeen.has(email)) this.firstSeen.set(email, where);
      else if (where) this.groups.get(where.by, where.period).duplicateEmails++;
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
    return {
      steps: [{ kind: 'leads', handle: (rows) => { for (const l of rows) fold.add(l); } }],
      result: () => fold.result(pick(QUALITY_METRICS, selected)),
    };
  },
};
