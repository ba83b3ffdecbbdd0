// Scaled copies of the demo fixtures for `npm run bench` (the views workloads): `factor` copies of
// every row, deterministic (the same bytes every time), with new ids and the same shape.
//
// Each source row is followed by its copies (row 1 copy 0, row 1 copy 1, …, row 2 copy 0, …), so a
// file sorted by date stays sorted and each copy keeps the demo's mix of sources, dates and gaps.
// Lead and deal ids are renumbered in file order (L-0000000, L-0000001, …): ascending ids are the
// reading order, which lets a query find "the one read first" by id. Copy k's deals link to copy
// k's leads and customers, and its subscriptions to copy k's customers, so every copy is a demo
// company of its own: counts, spend, revenue and MRR grow by `factor`, the rates stay. An e-mail
// gets `+k` before its `@` in copy k > 0 (the same validity, and duplicates only within a copy).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

const quote = (v) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const read = (file) => parse(readFileSync(file), { columns: true, bom: true });
const write = (file, header, rows) => writeFileSync(file, [header.join(','), ...rows.map((r) => header.map((h) => quote(r[h] ?? '')).join(','))].join('\n') + '\n');

/** An id map: (original id, copy) → a new id numbered in order of first use, `prefix` + zero-padded number. */
function renumber(prefix, width, factor) {
  const first = new Map();
  return (id, k) => {
    if (!first.has(id)) first.set(id, first.size);
    return prefix + String(first.get(id) * factor + k).padStart(width, '0');
  };
}

function tagEmail(email, k) {
  if (k === 0 || email === '') return email;
  const at = email.lastIndexOf('@');
  // Before the @ when the local part ends in a visible character (a valid address stays valid, an
  // invalid one stays invalid); else at the end (the address has no usable local part anyway).
  return at > 0 && !/\s/.test(email[at - 1]) ? `${email.slice(0, at)}+${k}${email.slice(at)}` : `${email}+${k}`;
}

/** Writes leads.csv, deals.csv, spend.csv, subscriptions.csv (`factor` × the fixtures) into `outDir`; returns their row counts. */
export function scaleFixtures(fixturesDir, outDir, factor) {
  const leads = read(join(fixturesDir, 'leads.csv'));
  const deals = read(join(fixturesDir, 'deals.csv'));
  const spend = read(join(fixturesDir, 'spend.csv'));
  const subs = read(join(fixturesDir, 'subscriptions.csv'));
  const width = (n) => Math.max(5, String(n * factor).length);
  const leadId = renumber('L-', width(leads.length), factor);
  const dealId = renumber('D-', width(deals.length), factor);
  const customers = new Set([...deals.map((d) => d.customer_id), ...subs.map((s) => s.customer_id)].filter(Boolean));
  const customerId = renumber('C-', width(customers.size), factor);
  // Leads first, so that their numbers follow the leads file's order; a deal's lead_id that names no lead gets a number after them.
  for (const l of leads) leadId(l.id, 0);
  const copies = (rows, each) => rows.flatMap((r) => Array.from({ length: factor }, (_, k) => each(r, k)));
  const out = {
    leads: copies(leads, (l, k) => ({ ...l, id: leadId(l.id, k), email: tagEmail(l.email, k) })),
    deals: copies(deals, (d, k) => ({
      ...d, id: dealId(d.id, k), lead_id: d.lead_id && leadId(d.lead_id, k), customer_id: d.customer_id && customerId(d.customer_id, k),
    })),
    spend: copies(spend, (s) => s),
    subscriptions: copies(subs, (s, k) => ({ ...s, customer_id: customerId(s.customer_id, k) })),
  };
  const headers = { leads: Object.keys(leads[0]), deals: Object.keys(deals[0]), spend: Object.keys(spend[0]), subscriptions: Object.keys(subs[0]) };
  const files = {}, rows = {};
  for (const kind of Object.keys(out)) {
    files[kind] = join(outDir, `${kind}.csv`);
    rows[kind] = out[kind].length;
    write(files[kind], headers[kind], out[kind]);
  }
  return { files, rows };
}
