#!/usr/bin/env node
// Runs the benchmark's aggregation in DuckDB on one file and prints the rows as JSON.
// Usage: node scripts/bench-duckdb.mjs deals|stages FILE THREADS(0 = default)
import { DuckDBInstance } from '@duckdb/node-api';

const [view, file, threads] = process.argv.slice(2);
const options = threads === '0' ? {} : { threads: threads };
const db = await DuckDBInstance.create(':memory:', options);
const c = await db.connect();
await c.run("SET TimeZone = 'UTC'");
const q = (s) => s.replaceAll('FILE', file.replaceAll("'", "''"));

const DEALS = q(`
WITH d AS (SELECT * FROM read_csv('FILE', header = true, columns = {
  'id': 'VARCHAR', 'created_at': 'TIMESTAMP', 'status': 'VARCHAR', 'closed_at': 'TIMESTAMP',
  'amount': 'DOUBLE', 'source': 'VARCHAR', 'owner': 'VARCHAR', 'note': 'VARCHAR'})),
created AS (SELECT source, strftime(created_at, '%Y-%m') AS period, count(*) AS created FROM d GROUP BY ALL),
closed AS (SELECT source, strftime(closed_at, '%Y-%m') AS period,
  count(*) FILTER (status = 'won') AS won, count(*) FILTER (status = 'lost') AS lost,
  coalesce(sum(amount) FILTER (status = 'won'), 0) AS revenue,
  median(epoch(closed_at - created_at) / 86400.0) FILTER (status = 'won') AS median_cycle_days
  FROM d WHERE status <> 'open' GROUP BY ALL)
SELECT period, source, coalesce(created, 0) AS created, coalesce(won, 0) AS won, coalesce(lost, 0) AS lost,
  coalesce(revenue, 0) AS revenue, median_cycle_days
FROM created FULL JOIN closed USING (source, period) ORDER BY period, source`);

const STAGES = q(`
WITH l AS (SELECT * FROM read_csv('FILE', header = true, columns = {
  'id': 'VARCHAR', 'created_at': 'TIMESTAMP', 'source': 'VARCHAR', 'mql_at': 'TIMESTAMP', 'sql_at': 'TIMESTAMP',
  'opportunity_at': 'TIMESTAMP', 'customer_at': 'TIMESTAMP'}))
SELECT strftime(created_at, '%Y-%m') AS period, source,
  count(*) AS reached_0,
  count(*) FILTER (coalesce(mql_at, sql_at, opportunity_at, customer_at) IS NOT NULL) AS reached_1,
  count(*) FILTER (coalesce(sql_at, opportunity_at, customer_at) IS NOT NULL) AS reached_2,
  count(*) FILTER (coalesce(opportunity_at, customer_at) IS NOT NULL) AS reached_3,
  count(*) FILTER (customer_at IS NOT NULL) AS reached_4,
  median(epoch(mql_at - created_at) / 86400.0) AS median_1,
  median(epoch(sql_at - mql_at) / 86400.0) AS median_2,
  median(epoch(opportunity_at - sql_at) / 86400.0) AS median_3,
  median(epoch(customer_at - opportunity_at) / 86400.0) AS median_4
FROM l GROUP BY ALL ORDER BY period, source`);

const reader = await c.runAndReadAll(view === 'deals' ? DEALS : STAGES);
const rows = reader.getRowObjectsJson();
process.stdout.write(JSON.stringify(rows));
