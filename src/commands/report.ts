/**
 * funnel report — every view whose inputs were given, one after another (tables) or as one JSON
 * document { params, inputs, views } (SPEC §3.7). Each view reads its inputs itself, so a file is
 * read once per view that uses it (its rejected rows are reported once); stdin cannot be re-read,
 * so report takes files only.
 * funnel demo — the report on the bundled fixtures/.
 */
import { Command, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import { loadConfig, inputsOf, type Io } from './common.js';
import { addViewOptions, positiveDays, writeReports, type OutputFlags } from './view-options.js';
import { makeParams, paramsReport } from '../engine/params.js';
import { selectMetrics, type ViewName } from '../metrics/registry.js';
import { runDeals, runStages, type ViewFlags } from '../views/run.js';
import { inputsReport } from '../report/inputs.js';
import { usageError } from '../errors.js';
import type { InputKind } from '../config.js';
import type { FileStats } from '../ingest/read.js';

const HELP = `
Views run when their inputs are given: stages (--leads), deals (--deals).

Examples:
  $ funnel report --leads leads.csv --deals deals.csv --period month --as-of 2026-01-01
  $ funnel report --leads leads.csv --deals deals.csv --period month --format json --output report-$(date +%F).json
`;

const VIEWS: { name: ViewName; needs: InputKind; reads: InputKind[]; run: typeof runDeals }[] = [
  { name: 'stages', needs: 'leads', reads: ['deals', 'leads', 'events'], run: runStages },
  { name: 'deals', needs: 'deals', reads: ['leads', 'deals'], run: runDeals },
];

async function runReport(flags: ViewFlags & OutputFlags, io: Io): Promise<void> {
  const inputs = inputsOf(flags);
  if (inputs.length === 0) throw usageError('NO_INPUT', 'no input given (pass --leads, --deals, …; see funnel report --help)');
  if (inputs.some(([, files]) => files.includes('-'))) throw usageError('STDIN_IN_REPORT', 'report reads each input once per view, so it needs files, not stdin (-); save stdin to a file first');
  const views = VIEWS.filter((v) => flags[v.needs].length > 0);
  const selected = selectMetrics(flags.metrics, views.map((v) => v.name));
  const config = await loadConfig(flags, io);
  const params = makeParams(flags, config, Date.now());
  const reported = new Set<InputKind>();
  const stats = new Map<string, FileStats>();
  const reports = [];
  for (const view of views) {
    const run = await view.run(flags, config, params, io, selected, reported);
    for (const s of run.read.stats) if (!stats.has(s.kind + '\u0000' + s.file)) stats.set(s.kind + '\u0000' + s.file, s);
    for (const k of view.reads) reported.add(k);
    reports.push(run.report);
  }
  await writeReports(reports, flags, io, { params: paramsReport(params, { attribution: flags.attribution ?? 'cohort', window: flags.window ?? null }), inputs: inputsReport([...stats.values()]) });
}

export function reportCommand(io: Io): Command {
  const cmd = new Command('report').description('the summary: every view whose inputs are given, as tables or one JSON document');
  addViewOptions(cmd)
    .addOption(new Option('--attribution <mode>', 'stages view: cohort or period').choices(['cohort', 'period']).default('cohort'))
    .option('--window <days>', 'stages view: conversion window in days', positiveDays)
    .addHelpText('after', HELP)
    .action((flags: ViewFlags & OutputFlags) => runReport(flags, io));
  return cmd;
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

export function demoCommand(io: Io): Command {
  const cmd = new Command('demo').description('run the report on the bundled demo data (fixtures/: Larkspur, a B2B SaaS, 2024–2025)');
  addViewOptions(cmd).action(async (flags: ViewFlags & OutputFlags) => {
    const at = (name: string) => relative(io.cwd, join(FIXTURES, name)) || name;
    const given = (k: InputKind) => flags[k].length > 0;
    if ((['leads', 'events', 'deals', 'spend', 'subscriptions'] as InputKind[]).some(given)) throw usageError('DEMO_INPUTS', 'demo uses the bundled fixtures; use funnel report for your own files');
    await runReport({
      ...flags,
      leads: [at('leads.csv')], deals: [at('deals.csv')], spend: [at('spend.csv')], subscriptions: [at('subscriptions.csv')],
      config: flags.config ?? at('funnel.config.json'),
      period: flags.period === 'none' ? 'quarter' : flags.period,
      asOf: flags.asOf ?? '2025-12-31',
    }, io);
  });
  return cmd;
}
