/**
 * Charts as SVG text, for the HTML report: d3-scale for the axes (nice ticks, band layout) and
 * d3-shape for lines; the marks are plain SVG elements, so a page needs no script to show them
 * (README: "Dependencies and why"). Every text from data is XML-escaped.
 */
import { scaleBand, scaleLinear } from 'd3-scale';
import { line as lineShape } from 'd3-shape';
import type { Unit } from '../metrics/types.js';
import { escapeText } from '../core/errors.js';

/** Text for HTML or SVG: control characters shown escaped (the page may be printed to a terminal), then XML-escaped. */
export const escapeXml = (text: string): string =>
  escapeText(text).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

export interface Series { name: string; values: (number | null)[]; color: string }

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
/** Axis and label text: short, by unit. */
export function tickText(value: number, unit: Unit): string {
  if (unit === 'rate') return `${(value * 100).toFixed(Math.abs(value) < 0.1 && value !== 0 ? 1 : 0)}%`;
  if (unit === 'ratio') return value.toFixed(Math.abs(value) < 10 ? 1 : 0) + '×';
  return compact.format(value);
}

const WIDTH = 640, HEIGHT = 260;
const MARGIN = { top: 28, right: 56, bottom: 40, left: 56 };

function extent(values: number[], includeZero = true): [number, number] {
  let lo = includeZero ? 0 : Infinity, hi = includeZero ? 0 : -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!Number.isFinite(lo)) return [0, 1];
  return lo === hi ? [lo, lo + 1] : [lo, hi];
}

function legend(items: { name: string; color: string; line?: boolean }[]): string {
  let x = MARGIN.left, out = '';
  for (const item of items) {
    const mark = item.line
      ? `<line x1="${x}" y1="12" x2="${x + 14}" y2="12" stroke="${item.color}" stroke-width="2.5"/>`
      : `<rect x="${x}" y="6" width="12" height="12" fill="${item.color}"/>`;
    out += `${mark}<text x="${x + 18}" y="16" class="legend">${escapeXml(item.name)}</text>`;
    x += 30 + item.name.length * 6.5;
  }
  return out;
}

export interface BarLineOptions {
  id: string;
  title: string;
  categories: string[];
  bars: Series[];
  barUnit: Unit;
  /** Bars stacked (positive up, negative down) rather than side by side. */
  stacked?: boolean;
  line?: Series & { unit: Unit };
}

/** Bars per category (grouped or stacked) with an optional line on a second axis. */
export function barLineChart(o: BarLineOptions): string {
  const inner = { w: WIDTH - MARGIN.left - MARGIN.right, h: HEIGHT - MARGIN.top - MARGIN.bottom };
  const x = scaleBand<string>().domain(o.categories).range([MARGIN.left, MARGIN.left + inner.w]).padding(0.2);
  const barValues: number[] = [];
  if (o.stacked) {
    o.categories.forEach((_, i) => {
      let up = 0, down = 0;
      for (const s of o.bars) { const v = s.values[i] ?? 0; if (v >= 0) up += v; else down += v; }
      barValues.push(up, down);
    });
  } else for (const s of o.bars) for (const v of s.values) if (v !== null) barValues.push(v);
  const y = scaleLinear().domain(extent(barValues)).nice().range([MARGIN.top + inner.h, MARGIN.top]);
  let marks = '';
  const sub = scaleBand<number>().domain(o.bars.map((_, i) => i)).range([0, x.bandwidth()]).padding(0.05);
  o.categories.forEach((category, i) => {
    let up = 0, down = 0;
    o.bars.forEach((s, k) => {
      const v = s.values[i];
      if (v === null || v === undefined) return;
      let x0 = x(category)!, w = x.bandwidth(), from = 0, to = v;
      if (o.stacked) {
        if (v >= 0) { from = up; to = up + v; up = to; } else { from = down; to = down + v; down = to; }
      } else { x0 += sub(k)!; w = sub.bandwidth(); }
      const top = Math.min(y(from), y(to)), height = Math.abs(y(from) - y(to));
      marks += `<rect class="bar" x="${x0.toFixed(1)}" y="${top.toFixed(1)}" width="${w.toFixed(1)}" height="${height.toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${s.name} ${category}: ${tickText(v, o.barUnit)}`)}</title></rect>`;
    });
  });
  let axes = '';
  for (const t of y.ticks(5)) {
    axes += `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + inner.w}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/>` +
      `<text class="tick" x="${MARGIN.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${escapeXml(tickText(t, o.barUnit))}</text>`;
  }
  // Category labels: every one when they fit, else every n-th.
  const every = Math.max(1, Math.ceil(o.categories.length / Math.floor(inner.w / 60)));
  o.categories.forEach((c, i) => {
    if (i % every) return;
    axes += `<text class="tick" x="${(x(c)! + x.bandwidth() / 2).toFixed(1)}" y="${MARGIN.top + inner.h + 16}" text-anchor="middle">${escapeXml(c)}</text>`;
  });
  const legendItems: { name: string; color: string; line?: boolean }[] = o.bars.map((s) => ({ name: s.name, color: s.color }));
  if (o.line) {
    const l = o.line;
    const values = l.values.filter((v): v is number => v !== null);
    const y2 = scaleLinear().domain(extent(values)).nice().range([MARGIN.top + inner.h, MARGIN.top]);
    const path = lineShape<number | null>()
      .defined((v) => v !== null)
      .x((_, i) => x(o.categories[i])! + x.bandwidth() / 2)
      .y((v) => y2(v!))(l.values);
    if (path) marks += `<path class="line" d="${path}" fill="none" stroke="${l.color}" stroke-width="2.5"/>`;
    l.values.forEach((v, i) => {
      if (v === null) return;
      marks += `<circle class="point" cx="${(x(o.categories[i])! + x.bandwidth() / 2).toFixed(1)}" cy="${y2(v).toFixed(1)}" r="3" fill="${l.color}"><title>${escapeXml(`${l.name} ${o.categories[i]}: ${tickText(v, l.unit)}`)}</title></circle>`;
    });
    for (const t of y2.ticks(5)) {
      axes += `<text class="tick" x="${MARGIN.left + inner.w + 6}" y="${(y2(t) + 4).toFixed(1)}">${escapeXml(tickText(t, l.unit))}</text>`;
    }
    legendItems.push({ name: l.name, color: l.color, line: true });
  }
  axes += `<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left + inner.w}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}"/>`;
  return svg(o.id, o.title, axes + marks + legend(legendItems));
}

export interface FunnelStep { stage: string; reached: number; rateFromPrevious: number | null }

/** The funnel: one centred bar per stage, its width the stage's reach, labelled with the conversion. */
export function funnelChart(id: string, title: string, steps: FunnelStep[]): string {
  const rowHeight = 34, top = 28;
  const height = top + steps.length * rowHeight + 8;
  const max = Math.max(1, ...steps.map((s) => s.reached));
  const width = scaleLinear().domain([0, max]).range([2, 320]);
  const centre = 150 + 320 / 2;
  let marks = '';
  steps.forEach((s, i) => {
    const w = width(s.reached), y = top + i * rowHeight;
    marks += `<text class="label" x="140" y="${y + 20}" text-anchor="end">${escapeXml(s.stage)}</text>` +
      `<rect class="bar" x="${(centre - w / 2).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="#3b6ea8"><title>${escapeXml(`${s.stage}: ${s.reached}`)}</title></rect>` +
      // A label that does not fit inside its bar goes beside it.
      (w >= 44 ? `<text class="value" x="${centre}" y="${y + 19}" text-anchor="middle">${escapeXml(compact.format(s.reached))}</text>`
        : `<text class="tick" x="${(centre + w / 2 + 4).toFixed(1)}" y="${y + 19}">${escapeXml(compact.format(s.reached))}</text>`) +
      (s.rateFromPrevious === null ? '' : `<text class="tick" x="${centre + 320 / 2 + 10}" y="${y + 19}">${escapeXml(`${(s.rateFromPrevious * 100).toFixed(1)}% of previous`)}</text>`);
  });
  return svg(id, title, marks, height);
}

function svg(id: string, title: string, body: string, height = HEIGHT): string {
  return `<figure><figcaption>${escapeXml(title)}</figcaption>` +
    `<svg class="chart" data-chart="${escapeXml(id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeXml(title)}">${body}</svg></figure>\n`;
}
