/**
 * The HTML report of the demo, opened in headless Chromium (Debian's `chromium`; CHROMIUM names
 * another binary; .ci/run installs it when missing): the page loads nothing from the network (every
 * request the browser makes goes to a recording proxy), every chart is drawn with its marks, and a
 * screenshot is taken (SCREENSHOT=path keeps it, e.g. for docs/report.png).
 */
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';

function findChromium(): string {
  for (const name of [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter((n): n is string => !!n)) {
    if (spawnSync('sh', ['-c', `command -v "${name}"`]).status === 0) return name;
  }
  throw new Error('no chromium found: install it (apt-get install -y chromium) or set CHROMIUM to its path');
}

/**
 * Chromium's own services (component updates, its clock, sign-in), which it calls whatever the
 * page holds; a page's request to any other host, Google's fonts included, counts.
 */
const BROWSER_OWN = /^(CONNECT |GET http:\/\/|POST http:\/\/)(update\.googleapis\.com|optimizationguide-pa\.googleapis\.com|accounts\.google\.com|clients2\.google\.com)[:/]/;

/** Opens a page in headless Chromium behind a recording proxy: its DOM and the requests it made. */
async function open(page: string, screenshot?: string): Promise<{ dom: string; requests: string[] }> {
  const requests: string[] = [];
  const proxy = createServer((req, res) => { requests.push(`${req.method} ${req.url}`); res.writeHead(404); res.end(); });
  proxy.on('connect', (req, socket) => { requests.push(`CONNECT ${req.url}`); socket.destroy(); });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  const { port } = proxy.address() as { port: number };
  try {
    const child = spawn(findChromium(), [
      '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--disable-sync',
      '--disable-background-networking', '--disable-component-update', '--disable-default-apps',
      '--disable-features=OptimizationHints,OptimizationHintsFetching,OptimizationGuideModelDownloading,OptimizationTargetPrediction',
      `--proxy-server=http://127.0.0.1:${port}`, '--proxy-bypass-list=<-loopback>', '--window-size=1400,1500',
      ...(screenshot ? [`--screenshot=${screenshot}`] : []), '--dump-dom', `file://${page}`,
    ], { stdio: ['ignore', 'pipe', 'ignore'] });
    let dom = '';
    child.stdout.on('data', (d: Buffer) => { dom += d.toString(); });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).toBe(0);
    return { dom, requests: requests.filter((r) => !BROWSER_OWN.test(r)) };
  } finally {
    proxy.close();
  }
}

/** The SVG of one chart, by its data-chart name. */
function chart(dom: string, name: string): string {
  const at = dom.indexOf(`data-chart="${name}"`);
  expect(at, `chart ${name}`).toBeGreaterThan(0);
  return dom.slice(at, dom.indexOf('</svg>', at));
}
const count = (text: string, re: RegExp) => text.match(re)?.length ?? 0;

describe('HTML report in a browser', () => {
  it('the proxy sees a page that loads from the network (so the check below can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'funnel-html-'));
    writeFileSync(join(dir, 'fetching.html'), '<!DOCTYPE html><html><body><img src="http://fonts.example.invalid/logo.png"></body></html>');
    const { requests } = await open(join(dir, 'fetching.html'));
    expect(requests.some((r) => r.includes('fonts.example.invalid'))).toBe(true);
  });

  it('the demo report: nothing from the network, every chart drawn, a screenshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'funnel-html-'));
    const page = join(dir, 'report.html');
    const run = await runCli(['demo', '--format', 'html', '--output', page]);
    expect(run.code).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(html.length).toBeLessThan(300_000); // small enough to attach to an e-mail
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import/i);

    const shot = join(dir, 'report.png');
    const { dom, requests } = await open(page, shot);
    expect(requests).toEqual([]);
    const funnel = chart(dom, 'funnel');
    expect(count(funnel, /<rect class="bar"/g)).toBe(5); // lead, mql, sql, opportunity, customer
    expect(funnel).toContain('52.1% of previous');
    const revenue = chart(dom, 'revenue');
    expect(count(revenue, /<rect class="bar"/g)).toBe(8); // 8 quarters
    expect(count(revenue, /<path class="line" d="M[^"]*L/g)).toBe(1); // win rate
    const pipeline = chart(dom, 'pipeline');
    expect(count(pipeline, /<rect class="bar"/g)).toBeGreaterThanOrEqual(15);
    expect(count(pipeline, /<path class="line"/g)).toBe(1);
    const marketing = chart(dom, 'marketing');
    expect(count(marketing, /<rect class="bar"/g)).toBe(16); // spend and CAC per quarter
    expect(count(marketing, /<path class="line"/g)).toBe(1); // ROAS
    const mrr = chart(dom, 'mrr');
    expect(count(mrr, /<rect class="bar"/g)).toBeGreaterThan(21); // 21 months of movements
    expect(count(mrr, /<path class="line" d="M[^"]*L/g)).toBe(1); // MRR
    for (const title of ['Lead funnel by stage', 'Pipeline and sales outcomes', 'Recurring revenue (MRR) movements']) expect(dom).toContain(`<h2>${title}</h2>`);

    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(shot).size).toBeGreaterThan(50_000); // a page of charts, not a blank one
    if (process.env.SCREENSHOT) copyFileSync(shot, process.env.SCREENSHOT);
  });
});
