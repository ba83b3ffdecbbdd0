/**
 * funnel report — every view whose inputs were given, one after another (tables) or as one JSON
 * document { params, inputs, views }. Each file is read once for all the views that use it
 * (run/view.ts runViews), unless a view needs it after an input another view reads later (the
 * deals view grouping by a lead's source, with the stages view): then it is read again for that
 * view, which stdin, a named pipe or a process substitution (`<(…)`) cannot be — refused up front.
 * funnel demo — the report on the bundled fixtures/.
 */
import { Command, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { checkOutputs, digestIfShown, loadRun } from './common.js';
import { inputsOf, RejectionSink, type Io } from '../ingest/inputs.js';
import { addAlertOptions, addViewOptions, onlySelected, positiveDays, reportBreaches, checkOutputFlags, withAlertMetrics, writeReports, type AlertFlags, type OutputFlags } from './view-options.js';
import { makeParams, paramsReport, parseBy } from '../engine/params.js';
import { selectMetrics, VIEW_METRICS, type ViewName } from '../views/registry.js';
import { VIEWS } from '../views/table.js';
import { byOutside, viewRuns, type EmptyMetrics, type ViewFlags } from '../views/view.js';
import { runViews } from '../run/view.js';
import { noteEmptyMetrics, refuseByCollisions, refuseNulledGroupColumns } from './view-checks.js';
import { closest } from 'fastest-levenshtein';
import { parseAlerts } from '../engine/alerts.js';
import type { ViewReport } from '../output/report.js';
import { ExitCode, FunnelError } from '../core/errors.js';
import { inputsReport } from '../ingest/inputs-report.js';
import { usageError } from '../core/errors.js';
import type { InputKind } from '../ingest/config.js';
import type { FileStats } from '../ingest/read.js';

const HELP = `
Views run when their inputs are given: stages and quality (--leads), deals and customers
(--deals), marketing (--spend), mrr (--subscriptions); --views picks some of them, in the order
given. --alert takes the metrics of any of them.

Examples:
  $ funnel report --leads leads.csv --deals deals.csv --period month --as-of 2026-01-01
  $ funnel report --leads leads.csv --deals deals.csv --views deals,stages --period quarter --format html --output q.html
  $ funnel report --leads leads.csv --deals deals.csv --spend spend.csv --subscriptions subs.csv \
      --period month --format json --output report-$(date +%F).json --alert 'win_rate < 0.2' --alert 'cac > 8000'
`;

const VIEWS_HELP = `only these views, in this order, comma-separated: ${VIEWS.map((v) => v.name).join(', ')}`;

/**
 * --views a,b: those views, in the order given. An unknown name, or a view whose input was not
 * given, is a usage error (a report silently without the view asked for would mislead).
 */
function chooseViews(raw: string | undefined, flags: ViewFlags): (typeof VIEWS)[number][] | undefined {
  if (raw === undefined) return undefined;
  const valid = VIEWS.map((v) => v.name);
  const names = [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  if (!names.length) throw usageError('BAD_VIEWS', `--views needs at least one view name (valid: ${valid.join(', ')})`);
  return names.map((name) => {
    const view = VIEWS.find((v) => v.name === name);
    if (!view) throw usageError('UNKNOWN_VIEW', `unknown view "${name}"; did you mean "${closest(name, valid)}"? (valid: ${valid.join(', ')})`);
    if (!viewRuns(view, flags)) throw usageError('VIEW_INPUT', `--views ${name}: the ${name} view needs --${view.requires}`);
    return view;
  });
}

async function runReport(flags: ViewFlags & OutputFlags & AlertFlags & { views?: string }, io: Io, setExitCode: (code: number) => void): Promise<void> {
  checkOutputFlags(flags);
  // The config first: the files its `inputs` lists are inputs of the run as the flags' are.
  const loaded = await loadRun(flags, io);
  flags = loaded.flags;
  const config = loaded.config;
  const inputs = inputsOf(flags);
  if (inputs.length === 0) throw usageError('NO_INPUT', 'no input given (pass --leads, --deals, …; see funnel report --help)');
  const chosen = chooseViews(flags.views, flags);
  let views = chosen ?? VIEWS.filter((v) => viewRuns(v, flags));
  const by = parseBy(flags.by);
  // A view that groups by some columns only (marketing: source and campaign): named in --views,
  // another --by column is an error; chosen by the inputs given, the view is left out with a note.
  for (const view of views) {
    const outside = byOutside(view, by);
    if (!outside.length) continue;
    const only = view.groupsOnly!.columns.join(' and/or ');
    if (chosen) throw usageError('VIEW_BY', `--views ${view.name}: the ${view.name} view groups by ${only} only, not by ${outside.join(', ')}`);
    views = views.filter((v) => v !== view);
    if (!flags.quiet) io.stderr.write(`funnel: note: the ${view.name} view is left out: it groups by ${only} only\n`);
  }
  const names = views.map((v) => v.name);
  const selected = selectMetrics(flags.metrics, names);
  const alerts = parseAlerts(flags.alert, [...new Set(names.flatMap((v) => VIEW_METRICS[v].map((m) => m.key)))]);
  checkOutputs(flags, io);
  const params = makeParams(flags, config, Date.now());
  refuseByCollisions(params.by, names, true);
  refuseNulledGroupColumns(params.by, config);
  const computed = withAlertMetrics(selected, alerts);
  const shows = (view: ViewName, metrics: Set<string> | undefined) => !metrics || VIEW_METRICS[view].some((m) => metrics.has(m.key));
  const stats = new Map<string, FileStats>();
  const runs: { view: ViewName; report: ViewReport }[] = [];
  const empty: EmptyMetrics[] = [];
  // Every view reports its rejected rows to one sink: the --rejects file and the count line are the run's.
  const rejections = new RejectionSink(flags, io);
  let finished = false;
  try {
    // A view whose metrics were all left out by --metrics (and that no --alert reads) is skipped.
    const running = views.filter((view) => shows(view.name, computed));
    const done = await runViews(running, { ...digestIfShown(flags), rejections }, config, params, io, computed, readableOnce);
    running.forEach((view, i) => {
      const run = done[i];
      for (const s of run.read.stats) if (!stats.has(s.kind + '\u0000' + s.file)) stats.set(s.kind + '\u0000' + s.file, s);
      runs.push({ view: view.name, report: run.report });
      empty.push(...(run.empty ?? []));
    });
    finished = true;
  } catch (err) {
    // Every row of an input rejected: the count line still comes before the error that stops the run.
    if (err instanceof FunnelError && err.code === 'ALL_REJECTED') finished = true;
    throw err;
  } finally {
    await rejections.finish();
    if (finished) rejections.summarize(io.stderr);
  }
  noteEmptyMetrics(empty, flags, io);
  const shown = runs.filter((r) => shows(r.view, selected)).map((r) => onlySelected(r.report, r.view, selected));
  await writeReports(shown, flags, io, {
    params: paramsReport(params, { attribution: flags.attribution ?? 'cohort', window: flags.window ?? null }),
    inputs: inputsReport([...stats.values()]),
  });
  if (reportBreaches(alerts, runs, flags, io)) setExitCode(ExitCode.alert);
}

/** Whether a path names something that can be read only once (a FIFO, a socket, a terminal, /dev/fd/N of a pipe); a missing path is left to the reader's message. */
function readableOnce(path: string): boolean {
  try { const stat = statSync(path); return !stat.isFile() && !stat.isDirectory(); } catch { return false; }
}

export function reportCommand(io: Io, setExitCode: (code: number) => void): Command {
  const cmd = new Command('report').description('the summary: every view whose inputs are given, as tables or one JSON document');
  addViewOptions(cmd);
  addAlertOptions(cmd)
    .addOption(new Option('--attribution <mode>', 'stages view: cohort or period').choices(['cohort', 'period']).default('cohort'))
    .option('--window <days>', 'stages view: conversion window in days', positiveDays)
    .option('--views <names>', VIEWS_HELP)
    .addHelpText('after', HELP)
    .action((flags: ViewFlags & OutputFlags & AlertFlags & { views?: string }) => runReport(flags, io, setExitCode));
  return cmd;
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

export function demoCommand(io: Io, setExitCode: (code: number) => void): Command {
  const cmd = new Command('demo').description('run the report on the bundled demo data (fixtures/: Larkspur, a B2B SaaS, 2024–2025)');
  addViewOptions(cmd);
  addAlertOptions(cmd).option('--views <names>', VIEWS_HELP).action(async (flags: ViewFlags & OutputFlags & AlertFlags & { views?: string }) => {
    const at = (name: string) => relative(io.cwd, join(FIXTURES, name)) || name;
    const given = (k: InputKind) => flags[k].length > 0;
    if ((['leads', 'events', 'deals', 'spend', 'subscriptions'] as InputKind[]).some(given)) throw usageError('DEMO_INPUTS', 'demo uses the bundled fixtures; use funnel report for your own files');
    await runReport({
      ...flags,
      leads: [at('leads.csv')], deals: [at('deals.csv')], spend: [at('spend.csv')], subscriptions: [at('subscriptions.csv')],
      config: flags.config ?? at('funnel.config.json'),
      period: flags.period === 'none' ? 'quarter' : flags.period,
      asOf: flags.asOf ?? '2025-12-31T23:59:59Z',
    }, io, setExitCode);
  });
  return cmd;
}
