#!/usr/bin/env node
// Generates the demo dataset in fixtures/: "Larkspur", a B2B SaaS selling team-scheduling software,
// over 24 months (2024-01 … 2025-12). Deterministic (seeded PRNG): running it again gives the same
// bytes, so the committed fixtures and the golden outputs built on them stay reviewable.
//
//   leads.csv          ~4,000 leads, wide stage columns (mql_at, sql_at, opportunity_at, customer_at)
//   deals.csv          opportunities linked to leads, plus expansion deals and outbound deals without a lead
//   spend.csv          monthly spend by source and campaign (marketing) and sales cost, one refund
//   subscriptions.csv  recurring revenue of won customers: upgrades, downgrades, churn, reactivation
//
// Usage: node scripts/generate-fixtures.mjs [outDir]
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const outDir = process.argv[2] ?? 'fixtures';
mkdirSync(outDir, { recursive: true });

// mulberry32: small, fast, and the same on every machine.
let seed = 20240101;
function rand() {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (items) => items[Math.floor(rand() * items.length)];
const chance = (p) => rand() < p;
/** Log-normal-ish duration in days around `median`. */
const days = (median, spread = 0.6) => median * Math.exp(spread * (rand() + rand() + rand() - 1.5) * 1.6);

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const END = Date.UTC(2026, 0, 1); // data ends here; the demo runs --as-of 2026-01-01
const iso = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const isoDate = (ms) => new Date(ms).toISOString().slice(0, 10);
const monthStart = (ms) => { const d = new Date(ms); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1); };
const addMonths = (ms, n) => { const d = new Date(ms); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1); };
const csvCell = (v) => (v === undefined || v === null ? '' : /[",\n\r]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
const csv = (header, rows) => [header.join(','), ...rows.map((r) => header.map((h) => csvCell(r[h])).join(','))].join('\n') + '\n';

// Channels: share of leads, and how well each converts at each step.
const SOURCES = {
  organic:     { share: 0.30, mql: 0.55, sql: 0.45, opp: 0.55, win: 0.30, campaigns: ['blog', 'seo-guides'] },
  paid_search: { share: 0.25, mql: 0.50, sql: 0.35, opp: 0.50, win: 0.22, campaigns: ['brand-search', 'competitor-search'] },
  paid_social: { share: 0.15, mql: 0.40, sql: 0.25, opp: 0.40, win: 0.15, campaigns: ['linkedin-ads', 'retargeting'] },
  referral:    { share: 0.10, mql: 0.75, sql: 0.60, opp: 0.65, win: 0.45, campaigns: ['partner-program'] },
  events:      { share: 0.08, mql: 0.60, sql: 0.40, opp: 0.50, win: 0.28, campaigns: ['saas-summit', 'webinar-series'] },
  outbound:    { share: 0.12, mql: 0.35, sql: 0.50, opp: 0.45, win: 0.25, campaigns: ['sdr-sequences'] },
};
const OWNERS = ['Amara Okafor', 'Ben Lindqvist', 'Chen Wei', 'Dolores Ruiz', 'Eitan Levi', 'Fatima Zahra'];
const FIRST = ['Ana', 'Bo', 'Carla', 'Dev', 'Elif', 'Femi', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kaia', 'Luca', 'Maya', 'Nils', 'Omar', 'Priya'];
const LAST = ['Adler', 'Bauer', 'Costa', 'Diallo', 'Evans', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen', 'Kowalski', 'Lopez', 'Moreau', 'Nakamura'];
const COMPANY = ['Acme Logistics', 'Brightwave', 'Cobalt Health', 'Driftwood Labs', 'Ember Retail', 'Fjord Foods', 'Granite Legal', 'Harbor Clinics', 'Ironclad Security', 'Juniper Schools', 'Keystone Realty', 'Lumen Studios'];
const DEAL_STAGES_OPEN = ['Discovery', 'Demo', 'Proposal', 'Negotiation'];

function chooseSource() {
  let r = rand();
  for (const [name, s] of Object.entries(SOURCES)) { if ((r -= s.share) < 0) return name; }
  return 'organic';
}

const leads = [], deals = [], subscriptions = [];
const N_LEADS = 4000;
const span = END - START;
let dealSeq = 1, customerSeq = 1;

for (let i = 1; i <= N_LEADS; i++) {
  // Volume grows over the two years (square-root spacing puts more leads later).
  const created = START + Math.floor(Math.sqrt(rand()) * span * 0.985);
  const source = chooseSource();
  const s = SOURCES[source];
  const first = pick(FIRST), last = pick(LAST);
  const company = chance(0.9) ? pick(COMPANY) + (chance(0.5) ? '' : ' ' + pick(['GmbH', 'Inc', 'Ltd', 'SAS'])) : '';
  const domain = company ? company.split(' ')[0].toLowerCase() + '.com' : 'example.org';
  const lead = {
    id: `L-${String(i).padStart(5, '0')}`,
    created_at: iso(created + Math.floor(rand() * 9) * 3_600_000),
    source, campaign: pick(s.campaigns), owner: pick(OWNERS),
    name: chance(0.95) ? `${first} ${last}` : '',
    // Some addresses are typos or missing, some leads sign up twice: the quality view finds them.
    email: chance(0.9) ? `${first}.${last}${chance(0.5) ? '' : Math.floor(rand() * 90)}@${domain}`.toLowerCase() : chance(0.5) ? `${first.toLowerCase()}@${domain.replace('.com', '')}` : '',
    phone: chance(0.7) ? `+1 ${200 + Math.floor(rand() * 700)}-555-${String(Math.floor(rand() * 10000)).padStart(4, '0')}` : chance(0.3) ? '555' : '',
    company,
  };
  let t = Date.parse(lead.created_at);
  // Walk the funnel; a few leads skip the SQL timestamp (reached opportunity straight from MQL).
  const reach = {};
  if (chance(s.mql)) {
    t += days(4) * DAY; reach.mql_at = t;
    if (chance(s.sql)) {
      t += days(9) * DAY; if (!chance(0.06)) reach.sql_at = t;
      if (chance(s.opp)) {
        t += days(12) * DAY; reach.opportunity_at = t;
      }
    }
  }
  for (const [col, at] of Object.entries(reach)) if (at < END) lead[col] = iso(Math.floor(at));
  leads.push(lead);

  if (lead.opportunity_at) {
    const createdAt = Date.parse(lead.opportunity_at);
    const cycle = days(source === 'referral' ? 30 : 45, 0.5) * DAY;
    const closeAt = createdAt + cycle;
    const amount = Math.round((source === 'outbound' ? 14000 : 9000) * Math.exp((rand() - 0.4) * 1.4) / 50) * 50;
    const deal = {
      id: `D-${String(dealSeq++).padStart(5, '0')}`, created_at: lead.opportunity_at, lead_id: lead.id,
      owner: lead.owner, type: 'new',
    };
    if (closeAt < END && chance(0.85)) {
      const won = chance(s.win / 0.55);
      deal.status = won ? 'won' : 'lost';
      deal.stage = won ? 'Closed Won' : 'Closed Lost';
      deal.closed_at = iso(Math.floor(closeAt));
      deal.amount = won ? amount : chance(0.5) ? amount : '';
      if (won) {
        const customerId = `C-${String(customerSeq++).padStart(4, '0')}`;
        deal.customer_id = customerId;
        lead.customer_at = deal.closed_at;
        growCustomer(customerId, closeAt, amount, deal);
      }
    } else {
      deal.status = 'open';
      deal.stage = pick(DEAL_STAGES_OPEN);
      deal.amount = chance(0.9) ? amount : '';
      if (chance(0.2)) deal.probability = pick(['0.35', '0.6', '80%']);
    }
    deals.push(deal);
  }
}

// Outbound deals sourced by sales directly, with no lead record (they carry their own source).
for (let i = 0; i < 60; i++) {
  const created = START + Math.floor(rand() * span * 0.95);
  const closeAt = created + days(60, 0.5) * DAY;
  const amount = Math.round(20000 * Math.exp((rand() - 0.4) * 1.2) / 100) * 100;
  const deal = { id: `D-${String(dealSeq++).padStart(5, '0')}`, created_at: iso(created), source: 'outbound', campaign: 'enterprise-abm', owner: pick(OWNERS), type: 'new' };
  if (closeAt < END && chance(0.8)) {
    const won = chance(0.35);
    Object.assign(deal, { status: won ? 'won' : 'lost', stage: won ? 'Closed Won' : 'Closed Lost', closed_at: iso(Math.floor(closeAt)), amount });
    if (won) { deal.customer_id = `C-${String(customerSeq++).padStart(4, '0')}`; growCustomer(deal.customer_id, closeAt, amount, deal); }
  } else Object.assign(deal, { status: 'open', stage: pick(DEAL_STAGES_OPEN), amount });
  deals.push(deal);
}

/** Subscription periods of a new customer: monthly MRR = annual amount / 12, then changes. */
function growCustomer(customerId, closedAt, amount, deal) {
  let start = addMonths(monthStart(closedAt), 1);
  let mrr = Math.round(amount / 12);
  while (start < END) {
    const lengthMonths = 3 + Math.floor(rand() * 12);
    const end = addMonths(start, lengthMonths);
    const r = rand();
    if (end >= END) { subscriptions.push({ customer_id: customerId, start_date: isoDate(start), end_date: '', mrr }); return; }
    subscriptions.push({ customer_id: customerId, start_date: isoDate(start), end_date: isoDate(end), mrr });
    if (r < 0.30) { // upgrade, booked as an expansion deal
      const added = Math.round(mrr * (0.2 + rand() * 0.6));
      deals.push({ id: `D-${String(dealSeq++).padStart(5, '0')}`, created_at: iso(end - 20 * DAY), status: 'won', stage: 'Closed Won', closed_at: iso(end - 2 * DAY), amount: added * 12, lead_id: deal.lead_id, source: deal.source, campaign: deal.campaign, owner: deal.owner, customer_id: customerId, type: 'expansion' });
      mrr += added; start = end;
    } else if (r < 0.42) { // downgrade
      mrr = Math.max(50, Math.round(mrr * (0.5 + rand() * 0.3))); start = end;
    } else if (r < 0.62) { // churn, and some come back after a gap
      if (chance(0.3)) { start = addMonths(end, 2 + Math.floor(rand() * 4)); mrr = Math.round(mrr * 0.9); } else return;
    } else { // renewal at the same price
      start = end;
    }
  }
}

// Spend: per month, source and campaign; sales cost for outbound; one refund (negative) from an ad network.
const spend = [];
for (let m = START; m < END; m = addMonths(m, 1)) {
  const growth = 1 + (m - START) / span;
  for (const [source, s] of Object.entries(SOURCES)) {
    if (source === 'organic' || source === 'referral') {
      spend.push({ date: isoDate(m), source, campaign: s.campaigns[0], category: 'marketing', amount: Math.round((source === 'organic' ? 3000 : 1500) * growth) });
      continue;
    }
    for (const campaign of s.campaigns) {
      const base = { paid_search: 6000, paid_social: 4000, events: 2500, outbound: 1000 }[source];
      spend.push({ date: isoDate(m), source, campaign, category: 'marketing', amount: (Math.round(base * growth * (0.8 + rand() * 0.4) * 100) / 100).toFixed(2) });
    }
  }
  spend.push({ date: isoDate(m), source: 'outbound', campaign: 'sdr-sequences', category: 'sales', amount: Math.round(12000 * growth) });
}
spend.push({ date: '2024-07-15', source: 'paid_social', campaign: 'linkedin-ads', category: 'marketing', amount: '-850.00' });

const byTime = (key) => (a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0);
leads.sort(byTime('created_at'));
deals.sort(byTime('created_at'));
subscriptions.sort(byTime('start_date'));
spend.sort(byTime('date'));

writeFileSync(join(outDir, 'leads.csv'), csv(['id', 'created_at', 'source', 'campaign', 'owner', 'name', 'email', 'phone', 'company', 'mql_at', 'sql_at', 'opportunity_at', 'customer_at'], leads));
writeFileSync(join(outDir, 'deals.csv'), csv(['id', 'created_at', 'status', 'stage', 'closed_at', 'amount', 'probability', 'source', 'campaign', 'owner', 'lead_id', 'customer_id', 'type'], deals));
writeFileSync(join(outDir, 'spend.csv'), csv(['date', 'source', 'campaign', 'category', 'amount'], spend));
writeFileSync(join(outDir, 'subscriptions.csv'), csv(['customer_id', 'start_date', 'end_date', 'mrr'], subscriptions));
console.error(`fixtures: ${leads.length} leads, ${deals.length} deals, ${spend.length} spend rows, ${subscriptions.length} subscription periods → ${outDir}/`);
