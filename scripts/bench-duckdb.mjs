#!/usr/bin/env node
// Runs one benchmark query in DuckDB and prints its rows as JSON: the core metrics of a funnel view,
// computed from funnel's definitions, with funnel's row keys and row order.
// Usage: node scripts/bench-duckdb.mjs SPEC THREADS(0 = default)
// SPEC is JSON: { "query": "deals"|"stages"|"marketing"|"customers"|"mrr"|"quality", "files": { kind: path },
// "format": "csv"|"ndjson"|"json" (deals only; json: one array), "by": column, "period": "day"|"week"|"month", "asOf": "YYYY-MM-DD" (mrr),
// "stages": [names] and "link": true when stages takes the lead↔deal link from "files.deals",
// "pipeline": true to add open_deals and pipeline_value to deals }.
import { DuckDBInstance } from '@duckdb/node-api';

const spec = JSON.parse(process.argv[2]);
const threads = process.argv[3];
const db = await DuckDBInstance.create(':memory:', threads === '0' ? {} : { threads });
const c = await db.connect();
await c.run("SET TimeZone = 'UTC'");

const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
const NOT_SET = "'(not set)'";
const FORMATS = { day: '%Y-%m-%d', week: '%G-W%V', month: '%Y-%m' };
const per = (col) => `strftime(${col}, '${FORMATS[spec.period]}')`;

// Each input with the columns the queries read, typed. The fixtures' times carry a `Z`, the bench's
// generated files none: TIMESTAMPTZ reads both (no offset = UTC, as funnel reads it).
const TS = 'TIMESTAMPTZ';
const COLUMNS = {
  deals: { id: 'VARCHAR', created_at: TS, status: 'VARCHAR', closed_at: TS, amount: 'DOUBLE', source: 'VARCHAR', campaign: 'VARCHAR', owner: 'VARCHAR', lead_id: 'VARCHAR', customer_id: 'VARCHAR' },
  leads: { id: 'VARCHAR', created_at: TS, source: 'VARCHAR', name: 'VARCHAR', email: 'VARCHAR', phone: 'VARCHAR', company: 'VARCHAR' },
  spend: { date: 'DATE', source: 'VARCHAR', category: 'VARCHAR', amount: 'DOUBLE' },
  subscriptions: { customer_id: 'VARCHAR', start_date: 'DATE', end_date: 'DATE', mrr: 'DOUBLE' },
};
/** A read of one input: only the columns the file has (the generated deals have no lead_id, say). */
async function table(kind, extra = {}) {
  const file = spec.files[kind];
  if ((spec.format === 'ndjson' || spec.format === 'json') && kind === 'deals') {
    // funnel reads a JSON value, not a column type: times are text here, cast afterwards.
    const format = spec.format === 'json' ? 'array' : 'newline_delimited';
    return `(SELECT * REPLACE (created_at::${TS} AS created_at, closed_at::${TS} AS closed_at) FROM read_json(${lit(file)}, format = '${format}',
      columns = {id: 'VARCHAR', created_at: 'VARCHAR', status: 'VARCHAR', closed_at: 'VARCHAR', amount: 'DOUBLE', source: 'VARCHAR', owner: 'VARCHAR', campaign: 'VARCHAR'}))`;
  }
  const head = (await (await c.runAndReadAll(`SELECT * FROM read_csv(${lit(file)}, header = true, all_varchar = true) LIMIT 0`)).columnNames());
  const types = { ...COLUMNS[kind], ...extra };
  const cols = head.map((h) => `${lit(h)}: ${lit(types[h] ?? 'VARCHAR')}`).join(', ');
  return `(SELECT * FROM read_csv(${lit(file)}, header = true, columns = {${cols}}))`;
}

/** The deals with `g`, their --by value: a deal without source or campaign takes its linked lead's. */
async function dealsWithGroup() {
  const by = spec.by;
  const own = `d.${by}`;
  if (!spec.files.leads || !['source', 'campaign'].includes(by)) return `(SELECT d.*, coalesce(${own}, ${NOT_SET}) AS g FROM ${await table('deals')} d)`;
  return `(SELECT d.*, coalesce(${own}, l.${by}, ${NOT_SET}) AS g FROM ${await table('deals')} d LEFT JOIN ${await table('leads', { campaign: 'VARCHAR' })} l ON l.id = d.lead_id)`;
}

const QUERIES = {
  async deals() {
    const pipeline = spec.pipeline ? `,
pipe AS (SELECT r.g, r.p, count(d.id) AS open_deals, coalesce(sum(coalesce(d.amount, 0)), 0) AS pipeline_value
  FROM keys r LEFT JOIN d ON d.g = r.g AND ${per('d.created_at')} <= r.p AND (d.status = 'open' OR ${per('d.closed_at')} > r.p) GROUP BY ALL)` : '';
    return `
WITH d AS ${await dealsWithGroup()},
created AS (SELECT g, ${per('created_at')} AS p, count(*) AS created FROM d GROUP BY ALL),
closed AS (SELECT g, ${per('closed_at')} AS p,
  count(*) FILTER (status = 'won') AS won, count(*) FILTER (status = 'lost') AS lost,
  coalesce(sum(amount) FILTER (status = 'won'), 0) AS revenue,
  median(epoch(closed_at - created_at) / 86400.0) FILTER (status = 'won') AS median_cycle_days
  FROM d WHERE status <> 'open' GROUP BY ALL),
keys AS (SELECT g, p FROM created UNION SELECT g, p FROM closed)${pipeline}
SELECT keys.p AS period, keys.g AS "${spec.by}", coalesce(created, 0) AS created, coalesce(won, 0) AS won, coalesce(lost, 0) AS lost,
  coalesce(revenue, 0) AS revenue, median_cycle_days${spec.pipeline ? ', open_deals, pipeline_value' : ''}
FROM keys LEFT JOIN created USING (g, p) LEFT JOIN closed USING (g, p)${spec.pipeline ? ' LEFT JOIN pipe USING (g, p)' : ''}
ORDER BY period, "${spec.by}"`;
  },

  // Cohort attribution: a lead's period is that of created_at; it reached stage k when it has a time
  // for k or a later stage; durations only between two stages that both have a time.
  async stages() {
    const stages = spec.stages;
    const at = (k) => (k === 0 ? 'l.created_at' : `l."${stages[k]}_at"`);
    const extra = Object.fromEntries(stages.slice(1).map((s) => [`${s}_at`, TS]));
    // The lead↔deal link (defaults): opportunity at its first deal's created_at, customer at its first won deal's closed_at, unless the lead has its own time.
    const created = stages.indexOf('opportunity'), won = stages.indexOf('customer');
    const times = stages.map((_, k) => {
      if (spec.link && k > 0 && k === created) return `coalesce(${at(k)}, link.created) AS t${k}`;
      if (spec.link && k > 0 && k === won) return `coalesce(${at(k)}, link.won) AS t${k}`;
      return `${at(k)} AS t${k}`;
    }).join(', ');
    const link = spec.link ? `,
link AS (SELECT lead_id, min(created_at) AS created, min(closed_at) FILTER (status = 'won') AS won FROM ${await table('deals')} WHERE lead_id IS NOT NULL GROUP BY ALL)` : '';
    const anyFrom = (k) => `coalesce(${stages.slice(k).map((_, j) => `t${k + j}`).join(', ')})`;
    const perStage = stages.map((name, k) => `SELECT p AS period, g AS "${spec.by}", ${lit(name)} AS stage, ${k} AS k,
  count(*) FILTER (${anyFrom(k)} IS NOT NULL) AS reached,
  ${k === 0 ? 'NULL' : `median(epoch(t${k} - t${k - 1}) / 86400.0)`} AS median_days_from_previous
  FROM t GROUP BY ALL`).join('\nUNION ALL\n');
    return `
WITH l AS ${await table('leads', extra)}${link},
t AS (SELECT coalesce(l.${spec.by}, ${NOT_SET}) AS g, ${per('l.created_at')} AS p, ${times} FROM l${spec.link ? ' LEFT JOIN link ON link.lead_id = l.id' : ''})
${perStage}
ORDER BY period, "${spec.by}", k`;
  },

  // A customer's first won deal over all the input (the first read on a tie: ids ascend in reading
  // order in the scaled fixtures) gives its group and period.
  async marketing() {
    return `
WITH d AS ${await dealsWithGroup()},
won AS (SELECT *, coalesce(customer_id, id) AS customer FROM d WHERE status = 'won'),
s AS (SELECT coalesce(${spec.by}, ${NOT_SET}) AS g, ${per('date')} AS p, sum(amount) AS spend,
  coalesce(sum(amount) FILTER (category IS DISTINCT FROM 'sales'), 0) AS marketing_spend,
  coalesce(sum(amount) FILTER (category = 'sales'), 0) AS sales_spend FROM ${await table('spend', { campaign: 'VARCHAR' })} GROUP BY ALL),
ld AS (SELECT coalesce(${spec.by}, ${NOT_SET}) AS g, ${per('created_at')} AS p, count(*) AS leads FROM ${await table('leads', { campaign: 'VARCHAR' })} GROUP BY ALL),
rev AS (SELECT g, ${per('closed_at')} AS p, sum(amount) AS revenue FROM won GROUP BY ALL),
firsts AS (SELECT first(g ORDER BY closed_at, id) AS g, min(closed_at) AS first_at FROM won GROUP BY customer),
nc AS (SELECT g, ${per('first_at')} AS p, count(*) AS new_customers FROM firsts GROUP BY ALL),
keys AS (SELECT g, p FROM s UNION SELECT g, p FROM ld UNION SELECT g, p FROM rev UNION SELECT g, p FROM nc)
SELECT keys.p AS period, keys.g AS "${spec.by}", coalesce(spend, 0) AS spend, coalesce(marketing_spend, 0) AS marketing_spend,
  coalesce(sales_spend, 0) AS sales_spend, coalesce(leads, 0) AS leads, coalesce(new_customers, 0) AS new_customers, coalesce(revenue, 0) AS revenue
FROM keys LEFT JOIN s USING (g, p) LEFT JOIN ld USING (g, p) LEFT JOIN rev USING (g, p) LEFT JOIN nc USING (g, p)
ORDER BY period, "${spec.by}"`;
  },

  async customers() {
    return `
WITH d AS ${await dealsWithGroup()},
won AS (SELECT *, coalesce(customer_id, id) AS customer FROM d WHERE status = 'won'),
cust AS (SELECT first(g ORDER BY closed_at, id) AS g, min(closed_at) AS first_at, max(closed_at) AS last_at, count(*) AS orders, sum(amount) AS revenue
  FROM won GROUP BY customer),
s AS (SELECT coalesce(${spec.by}, ${NOT_SET}) AS g, ${per('date')} AS p, sum(amount) AS spend FROM ${await table('spend', { campaign: 'VARCHAR' })} GROUP BY ALL),
cc AS (SELECT g, ${per('first_at')} AS p, count(*) AS customers, sum(orders) AS orders, sum(revenue) AS revenue,
  sum(epoch(last_at - first_at) / 86400.0) / count(*) AS avg_lifespan_days FROM cust GROUP BY ALL)
SELECT p AS period, g AS "${spec.by}", customers, orders, revenue, avg_lifespan_days, coalesce(spend, 0) / customers AS cac
FROM cc LEFT JOIN s USING (g, p) ORDER BY period, "${spec.by}"`;
  },

  // Every month from the first subscription's to --as-of's; a customer's MRR in a month is its
  // active rows' sum (start ≤ the month's first day < end), kept to 1e-6 as funnel keeps it.
  async mrr() {
    return `
WITH s AS ${await table('subscriptions')},
months AS (SELECT unnest(generate_series(date_trunc('month', (SELECT min(start_date) FROM s)), date_trunc('month', DATE ${lit(spec.asOf)}), INTERVAL 1 MONTH))::DATE AS m),
active AS (SELECT s.customer_id, months.m, sum(s.mrr) AS v FROM s JOIN months ON s.start_date <= months.m AND (s.end_date IS NULL OR s.end_date > months.m)
  WHERE s.mrr > 0 GROUP BY ALL),
cm AS (SELECT c.customer_id, months.m, round(coalesce(active.v, 0), 6) AS cur
  FROM (SELECT DISTINCT customer_id FROM s) c CROSS JOIN months LEFT JOIN active ON active.customer_id = c.customer_id AND active.m = months.m),
w AS (SELECT cur, m, coalesce(lag(cur) OVER (PARTITION BY customer_id ORDER BY m), 0) AS prev,
  coalesce(bool_or(cur > 0) OVER (PARTITION BY customer_id ORDER BY m ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS ever FROM cm)
SELECT strftime(m, '%Y-%m') AS period, sum(cur) AS mrr, count(*) FILTER (cur > 0) AS customers,
  coalesce(sum(cur) FILTER (cur > 0 AND prev = 0 AND NOT ever), 0) AS new_mrr,
  coalesce(sum(cur) FILTER (cur > 0 AND prev = 0 AND ever), 0) AS reactivation_mrr,
  coalesce(sum(cur - prev) FILTER (prev > 0 AND cur > prev), 0) AS expansion_mrr,
  coalesce(sum(prev - cur) FILTER (cur > 0 AND cur < prev), 0) AS contraction_mrr,
  coalesce(sum(prev) FILTER (cur = 0 AND prev > 0), 0) AS churned_mrr,
  count(*) FILTER (cur > 0 AND prev = 0 AND NOT ever) AS new_customers,
  count(*) FILTER (cur = 0 AND prev > 0) AS churned_customers
FROM w GROUP BY ALL ORDER BY period`;
  },

  // A duplicate e-mail is one (trimmed, case-folded) seen on an earlier lead: ids ascend in reading order in the scaled fixtures.
  async quality() {
    return `
WITH l AS ${await table('leads')},
q AS (SELECT coalesce(source, ${NOT_SET}) AS g, ${per('created_at')} AS p,
  coalesce(regexp_full_match(trim(email), '[^@\\s]+@[^@\\s]+\\.\\pL{2,}'), false) AS email_ok,
  length(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')) >= 7 AS phone_ok,
  name IS NOT NULL AS name_ok, company IS NOT NULL AS company_ok,
  nullif(lower(trim(email)), '') IS NOT NULL AND row_number() OVER (PARTITION BY lower(trim(email)) ORDER BY id) > 1 AS duplicate
  FROM l)
SELECT p AS period, g AS "${spec.by}", count(*) AS leads, count(*) FILTER (email_ok) AS with_email, count(*) FILTER (phone_ok) AS with_phone,
  count(*) FILTER (name_ok) AS with_name, count(*) FILTER (company_ok) AS with_company, count(*) FILTER (duplicate) AS duplicate_emails
FROM q GROUP BY ALL ORDER BY period, "${spec.by}"`;
  },
};

const reader = await c.runAndReadAll(await QUERIES[spec.query]());
process.stdout.write(JSON.stringify(reader.getRowObjectsJson()));
