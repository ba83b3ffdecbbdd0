/**
 * One self-contained HTML page: the summary, charts (inline SVG, no script, nothing fetched) and
 * the tables as the terminal shows them. Every text from data or file names is HTML-escaped.
 */
import { barLineChart, escapeXml as esc, funnelChart, type Series } from './charts.js';
import { humanValue } from './cells.js';
import { humanLabel } from './labels.js';
import { changeText, headlines } from './summary.js';
import { humanTotals, type Row, type ViewReport, type Writer } from './report.js';

const COLORS = { blue: '#3b6ea8', teal: '#2a9d8f', orange: '#e76f51', gold: '#e9c46a', green: '#52b788', red: '#d62828', purple: '#7b61a8', grey: '#8d99ae' };

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;margin:24px auto;max-width:1400px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dde6;padding-bottom:4px}
.meta{color:#5b6475;font-size:12px}.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #d8dde6;border-radius:6px;padding:8px 12px;min-width:150px}.card .k{color:#5b6475;font-size:12px}
.card .v{font-size:20px;font-weight:600}.good{color:#1b7f4b}.bad{color:#b42318}.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;border:1px solid #d8dde6;border-radius:6px;padding:8px}figcaption{font-weight:600;margin-bottom:4px}
svg text{font:11px system-ui,sans-serif;fill:#39414f}svg .legend{font-size:11px}svg .value{fill:#fff;font-weight:600}
svg .grid{stroke:#e6e9ef}svg .axis{stroke:#5b6475}.note{color:#5b6475;font-style:italic}
table{border-collapse:collapse;font-size:12px;margin-bottom:8px}th,td{border:1px solid #d8dde6;padding:2px 6px}
th{background:#f2f4f8;vertical-align:bottom}td.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:600;background:#f7f8fa}
.scroll{overflow-x:auto}`;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const has = (r: ViewReport, key: string) => r.columns.some((c) => c.key === key);

/** Rows gathered per category (the period, or the --by groups), in the order they come. */
function gather(r: ViewReport, category: (row: Row) => string): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const row of r.rows) {
    const c = category(row);
    const list = out.get(c);
    if (list) list.push(row); else out.set(c, [row]);
  }
  return out;
}
const periodOf = (row: Row) => (row.period === undefined ? 'all' : String(row.period));
/** A sum over rows, null when any is undefined (a sum of unknowns is unknown). */
function sum(rows: Row[], key: string): number | null {
  let total = 0;
  for (const row of rows) { const v = num(row[key]); if (v === null) return null; total += v; }
  return total;
}
const divide = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);
/** A ratio of one row as computed, or of several rows from their summed parts. */
const ratioOf = (rows: Row[], key: string, parts: () => number | null) => (rows.length === 1 ? num(rows[0][key]) : parts());

function charts(reports: readonly ViewReport[]): string {
  const find = (view: string) => reports.find((r) => r.view === view);
  const out: string[] = [];
  const notes: string[] = [];

  const stages = find('stages');
  if (stages && has(stages, 'reached')) {
    const totals = Array.isArray(stages.totals) ? stages.totals : [stages.totals];
    out.push(funnelChart('funnel', 'Lead funnel: leads reaching each stage, all periods', totals.map((t) => ({
      stage: String(t.stage), reached: num(t.reached) ?? 0, rateFromPrevious: num(t.rate_from_previous),
    }))));
  } else notes.push(stages ? 'funnel: the reached column was left out (--metrics)' : 'funnel: no leads given (--leads)');

  const deals = find('deals');
  if (deals) {
    const periods = gather(deals, periodOf);
    const categories = [...periods.keys()];
    const rows = [...periods.values()];
    if (has(deals, 'revenue')) {
      const winRate = has(deals, 'win_rate') ? rows.map((g) => ratioOf(g, 'win_rate', () => {
        const won = sum(g, 'won'), lost = sum(g, 'lost');
        return won === null || lost === null ? null : divide(won, won + lost);
      })) : null;
      out.push(barLineChart({
        id: 'revenue', title: 'Revenue and win rate by period', categories, barUnit: 'money',
        bars: [{ name: 'revenue', values: rows.map((g) => sum(g, 'revenue')), color: COLORS.blue }],
        line: winRate ? { name: 'win rate', values: winRate, color: COLORS.orange, unit: 'rate' } : undefined,
      }));
    } else notes.push('revenue: the revenue column was left out (--metrics)');
    const pipeline: Series[] = [];
    if (has(deals, 'pipeline_value')) pipeline.push({ name: 'pipeline value', values: rows.map((g) => sum(g, 'pipeline_value')), color: COLORS.teal });
    if (has(deals, 'weighted_pipeline')) pipeline.push({ name: 'weighted pipeline', values: rows.map((g) => sum(g, 'weighted_pipeline')), color: COLORS.gold });
    if (pipeline.length) {
      out.push(barLineChart({
        id: 'pipeline', title: 'Open pipeline at the end of each period', categories, barUnit: 'money', bars: pipeline,
        line: has(deals, 'open_deals') ? { name: 'open deals', values: rows.map((g) => sum(g, 'open_deals')), color: COLORS.purple, unit: 'count' } : undefined,
      }));
    } else notes.push('pipeline: the pipeline columns were left out (--metrics)');
  } else notes.push('revenue, win rate and pipeline: no deals given (--deals)');

  const marketing = find('marketing');
  if (marketing && has(marketing, 'spend')) {
    const bySource = ((marketing.params.by as string[] | undefined) ?? []).includes('source');
    const groups = gather(marketing, bySource ? (row) => String(row.source) : periodOf);
    const rows = [...groups.values()];
    const bars: Series[] = [{ name: 'spend', values: rows.map((g) => sum(g, 'spend')), color: COLORS.grey }];
    if (has(marketing, 'cac')) bars.push({ name: 'CAC', values: rows.map((g) => ratioOf(g, 'cac', () => divide(sum(g, 'spend'), sum(g, 'new_customers')))), color: COLORS.red });
    out.push(barLineChart({
      id: 'marketing', title: bySource ? 'Spend, CAC and ROAS by source' : 'Spend, CAC and ROAS by period (by source with --by source)',
      categories: [...groups.keys()], barUnit: 'money', bars,
      line: has(marketing, 'roas') ? { name: 'ROAS', values: rows.map((g) => ratioOf(g, 'roas', () => divide(sum(g, 'revenue'), sum(g, 'spend')))), color: COLORS.green, unit: 'ratio' } : undefined,
    }));
  } else notes.push(marketing ? 'spend, CAC and ROAS: the spend column was left out (--metrics)' : 'spend, CAC and ROAS: no spend given (--spend)');

  const mrr = find('mrr');
  if (mrr) {
    const months = gather(mrr, periodOf);
    const rows = [...months.values()];
    const flows: [string, string, string, number][] = [
      ['new_mrr', 'new', COLORS.blue, 1], ['expansion_mrr', 'expansion', COLORS.green, 1], ['reactivation_mrr', 'reactivation', COLORS.teal, 1],
      ['contraction_mrr', 'contraction', COLORS.gold, -1], ['churned_mrr', 'churn', COLORS.red, -1],
    ];
    const bars = flows.filter(([key]) => has(mrr, key)).map(([key, name, color, sign]) => ({
      name, color, values: rows.map((g) => { const v = sum(g, key); return v === null ? null : sign * v; }),
    }));
    if (bars.length || has(mrr, 'mrr')) {
      out.push(barLineChart({
        id: 'mrr', title: 'MRR movements by month (churn and contraction below zero) and MRR', categories: [...months.keys()],
        barUnit: 'money', stacked: true, bars,
        line: has(mrr, 'mrr') ? { name: 'MRR', values: rows.map((g) => sum(g, 'mrr')), color: COLORS.purple, unit: 'money' } : undefined,
      }));
    }
  } else notes.push('MRR movements: no subscriptions given (--subscriptions)');

  return `<div class="charts">\n${out.join('')}</div>\n` + (notes.length ? `<p class="note">Not drawn: ${notes.map(esc).join('; ')}.</p>\n` : '');
}

/** Metrics whose fall is good news (coloured so in the summary). */
const LOWER_IS_BETTER = new Set(['cac', 'cost_per_lead', 'customer_churn_rate', 'churned_mrr', 'contraction_mrr']);
/** Metrics whose change is neither good nor bad news by itself. */
const NEUTRAL = new Set(['spend']);

function summary(reports: readonly ViewReport[]): string {
  const items = headlines(reports);
  if (!items.length) return '<p class="note">No summary: the views are grouped (--by); see the tables.</p>\n';
  let html = '<div class="cards">\n';
  for (const h of items) {
    const change = changeText(h);
    const rose = h.value !== null && h.previous !== null && h.value !== h.previous ? h.value > h.previous : undefined;
    const direction = rose === undefined || NEUTRAL.has(h.key) ? '' : rose !== LOWER_IS_BETTER.has(h.key) ? 'good' : 'bad';
    html += `<div class="card"><div class="k">${esc(humanLabel(h.key))}${h.period ? ` · ${esc(h.period)}` : ''}</div>` +
      `<div class="v">${esc(humanValue(h.value, h.unit))}</div>` +
      (change ? `<div class="k"><span class="${direction}">${esc(change)}</span> vs ${esc(h.previousPeriod ?? '')}</div>` : '') + '</div>\n';
  }
  return html + '</div>\n';
}

function table(r: ViewReport): string {
  const numeric = r.columns.map((c) => c.unit !== 'text');
  let html = `<div class="scroll"><table><thead><tr>${r.columns.map((c) => `<th>${esc(humanLabel(c.key))}</th>`).join('')}</tr></thead><tbody>\n`;
  const cells = (row: Row) => r.columns.map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${esc(humanValue(row[c.key], c.unit))}</td>`).join('');
  for (const row of r.rows) html += `<tr>${cells(row)}</tr>\n`;
  for (const t of humanTotals(r)) {
    html += `<tr class="total">${r.columns.map((c, i) => (c.key in t ? `<td${numeric[i] ? ' class="n"' : ''}>${esc(humanValue(t[c.key], c.unit))}</td>` : `<td>${i === 0 ? 'total' : ''}</td>`)).join('')}</tr>\n`;
  }
  return html + '</tbody></table></div>\n';
}

function inputsList(inputs: Record<string, unknown>): string {
  const items: string[] = [];
  for (const [kind, entry] of Object.entries(inputs)) {
    const e = entry as { file?: string; files?: { file: string }[]; rows: number; accepted: number; rejected: number };
    const files = e.files ? e.files.map((f) => f.file) : [e.file ?? ''];
    items.push(`${esc(kind)}: ${files.map(esc).join(', ')} (${e.rows} rows, ${e.accepted} accepted, ${e.rejected} rejected)`);
  }
  return items.join(' · ');
}

export const writeHtml: Writer = function* (reports, _options, combined) {
  const params = combined?.params ?? reports[0]?.params ?? {};
  const inputs = combined?.inputs ?? reports[0]?.inputs ?? {};
  const title = combined ? 'Funnel report' : reports[0]?.title ?? 'Funnel report';
  const by = (params.by as string[] | undefined) ?? [];
  const asOf = typeof params.asOf === 'string' ? params.asOf.slice(0, 10) : '';
  yield `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(title)}</title><style>${STYLE}</style></head><body>\n`;
  yield `<h1>${esc(title)}</h1>\n<p class="meta">as of ${esc(asOf)} · period: ${esc(String(params.period ?? 'none'))}` +
    `${by.length ? ` · by ${esc(by.join(', '))}` : ''} · ${inputsList(inputs)}</p>\n`;
  yield `<h2>Summary</h2>\n${summary(reports)}`;
  yield `<h2>Charts</h2>\n${charts(reports)}`;
  for (const r of reports) yield `<h2>${esc(r.title)}</h2>\n${table(r)}`;
  yield '</body></html>\n';
};
