#!/usr/bin/env node
// node scripts/bench-floor.mjs <deals.csv> [--no-ids]
//
// The floor of the deals benchmark in JavaScript on this machine: one hand-written loop over the
// bytes of a file `npm run bench -- --keep` generated, doing only what `funnel deals --by source
// --period month` must do for that file's layout — split fields (quotes honoured), check each id
// against the ids before it (SPEC §5: a duplicate is rejected), read two timestamps, the status and
// the amount, and count per source × month, keeping the cycle days for medians. No validation, no
// rejection messages, no exact sums, no other layouts, no SHA-256, one thread. funnel's serial time
// over this floor is what all of its generality costs; docs/performance.md quotes both.
// --no-ids leaves out the duplicate check (DuckDB's aggregation does none), to show its share.
import { closeSync, openSync, readSync } from 'node:fs';

const [path, flag] = process.argv.slice(2);
if (!path || (flag !== undefined && flag !== '--no-ids')) { process.stderr.write('usage: node scripts/bench-floor.mjs <deals.csv> [--no-ids]\n'); process.exit(2); }
const checkIds = flag !== '--no-ids';
const t0 = performance.now();

const DAY = 86_400_000, QUOTE = 34, COMMA = 44, LF = 10, CR = 13;
// Month index (since 1970) of a day, and the day of a date, by tables over 1970–2099.
const monthOfDay = new Int32Array(130 * 366);
const monthStart = new Int32Array(130 * 12 + 1);
for (let m = 0, day = 0; m < 130 * 12; m++) {
  monthStart[m] = day;
  const y = 1970 + Math.floor(m / 12), mo = m % 12;
  const len = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
  for (let d = 0; d < len; d++) monthOfDay[day++] = m;
}
const two = (b, i) => (b[i] - 48) * 10 + b[i + 1] - 48;
/** 'YYYY-MM-DD HH:MM:SS' at b[o] → epoch ms (the bench's only layout). */
const stamp = (b, o) => {
  const m = ((b[o] - 48) * 1000 + (b[o + 1] - 48) * 100 + two(b, o + 2) - 1970) * 12 + two(b, o + 5) - 1;
  return (monthStart[m] + two(b, o + 8) - 1) * DAY + ((two(b, o + 11) * 60 + two(b, o + 14)) * 60 + two(b, o + 17)) * 1000;
};

// Ids: open addressing over two 32-bit hashes of the id's bytes.
let capacity = 1 << 16, used = 0, ids = new Int32Array(capacity * 2);
function addId(a, b) {
  for (let mask = capacity - 1, s = a & mask; ; s = (s + 1) & mask) {
    if (ids[2 * s + 1] === 0) { ids[2 * s] = a; ids[2 * s + 1] = b; if (++used > capacity * 0.7) grow(); return true; }
    if (ids[2 * s] === a && ids[2 * s + 1] === b) return false;
  }
}
function grow() {
  const old = ids;
  capacity *= 2; ids = new Int32Array(capacity * 2);
  for (let k = 0; k < old.length; k += 2) {
    if (old[k + 1] === 0) continue;
    let s = old[k] & (capacity - 1);
    while (ids[2 * s + 1] !== 0) s = (s + 1) & (capacity - 1);
    ids[2 * s] = old[k]; ids[2 * s + 1] = old[k + 1];
  }
}

// Groups: source (interned by its bytes' hash) × month → counters, revenue, cycle days.
const sources = new Map(), names = [];
const MONTHS = 130 * 12;
let created = new Float64Array(0), won = new Float64Array(0), lost = new Float64Array(0), revenue = new Float64Array(0);
const cycles = [];
function sourceIndex(b, s, e) {
  let h = 0;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
  let g = sources.get(h);
  if (g === undefined) {
    g = names.length; names.push(b.toString('latin1', s, e)); sources.set(h, g);
    const more = (a) => { const x = new Float64Array((g + 1) * MONTHS); x.set(a); return x; };
    created = more(created); won = more(won); lost = more(lost); revenue = more(revenue);
  }
  return g;
}

const fd = openSync(path, 'r');
const CHUNK = 1 << 20;
let buf = Buffer.alloc(2 * CHUNK), have = 0, rows = 0, duplicates = 0, header = true;
const starts = new Int32Array(64), ends = new Int32Array(64);
for (;;) {
  if (have + CHUNK > buf.length) { const b = Buffer.alloc(buf.length * 2); buf.copy(b, 0, 0, have); buf = b; }
  const got = readSync(fd, buf, have, CHUNK, null);
  const n = have + got, s = buf;
  let p = 0;
  records: while (p < n) {
    const start = p;
    let f = 0;
    for (;;) { // one field
      let q = p;
      if (s[q] === QUOTE) {
        q++;
        for (;;) { while (q < n && s[q] !== QUOTE) q++; if (q + 1 < n && s[q + 1] === QUOTE) { q += 2; continue; } break; }
        if (q + 1 >= n && got) { p = start; break records; }
        starts[f] = p + 1; ends[f] = q; q++;
      } else {
        while (q < n) { const c = s[q]; if (c === COMMA || c === LF || c === CR) break; q++; }
        starts[f] = p; ends[f] = q;
      }
      f++;
      if (q >= n) { if (got) { p = start; break records; } p = q; break; }
      p = q + 1;
      if (s[q] !== COMMA) { if (s[q] === CR && s[p] === LF) p++; break; }
    }
    if (header) { header = false; continue; }
    rows++;
    if (checkIds) {
      let a = 0x811c9dc5 | 0, b = 0x9747b28c | 0;
      for (let i = starts[0]; i < ends[0]; i++) { const c = s[i]; a = Math.imul(a ^ c, 0x01000193); b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15); }
      if (!addId(a, b | 1)) { duplicates++; continue; }
    }
    const g = sourceIndex(s, starts[5], ends[5]) * MONTHS;
    const createdAt = stamp(s, starts[1]);
    created[g + monthOfDay[Math.floor(createdAt / DAY)]]++;
    const status = s[starts[2]];
    if (status === 111) continue; // open
    const closedAt = stamp(s, starts[3]), k = g + monthOfDay[Math.floor(closedAt / DAY)];
    if (status === 108) { lost[k]++; continue; }
    let amount = 0, scale = 1, point = false;
    for (let i = starts[4]; i < ends[4]; i++) { const c = s[i]; if (c === 46) point = true; else { amount = amount * 10 + c - 48; if (point) scale *= 10; } }
    won[k]++; revenue[k] += amount / scale;
    (cycles[k] ??= []).push((closedAt - createdAt) / DAY);
  }
  if (!got) break;
  buf.copy(buf, 0, p, n); have = n - p;
}
closeSync(fd);
let groups = 0, totalWon = 0, totalRevenue = 0, medianSum = 0;
for (let k = 0; k < created.length; k++) {
  if (created[k] || won[k] || lost[k]) groups++;
  totalWon += won[k]; totalRevenue += revenue[k];
  const c = cycles[k];
  if (c) { c.sort((x, y) => x - y); const h = c.length >> 1; medianSum += c.length % 2 ? c[h] : (c[h - 1] + c[h]) / 2; }
}
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(`${rows} rows in ${seconds.toFixed(2)} s (${Math.round(rows / seconds).toLocaleString('en-US')} rows/s), ids ${checkIds ? 'checked' : 'not checked'}; ` +
  `${groups} source × month rows, won ${totalWon}, revenue ${totalRevenue.toFixed(2)}, sum of medians ${medianSum.toFixed(4)}, duplicates ${duplicates}\n`);
