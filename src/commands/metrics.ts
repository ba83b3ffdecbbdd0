/**
 * funnel metrics — every metric key with its formula, from the registry the engine uses.
 */
import { Command, Option } from 'commander';
import Table from 'cli-table3';
import type { Io } from '../ingest/inputs.js';
import { VIEW_METRICS, VIEW_NAMES } from '../views/registry.js';

export function metricsCommand(io: Io): Command {
  return new Command('metrics')
    .description('list every metric key with its formula, unit and inputs')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'markdown']).default('table'))
    .addOption(new Option('--view <view>', 'only this view').choices(VIEW_NAMES))
    .action((flags: { format: 'table' | 'json' | 'markdown'; view?: string }) => {
      const views = VIEW_NAMES.filter((v) => !flags.view || v === flags.view);
      const list = views.flatMap((view) => VIEW_METRICS[view].map((m) => ({ view, key: m.key, unit: m.unit, formula: m.formula, inputs: [...m.inputs] })));
      if (flags.format === 'json') { io.stdout.write(JSON.stringify(list, null, 2) + '\n'); return; }
      if (flags.format === 'markdown') {
        io.stdout.write('| view | key | unit | formula |\n| --- | --- | --- | --- |\n' +
          list.map((m) => `| ${m.view} | \`${m.key}\` | ${m.unit} | ${m.formula.replaceAll('|', '\\|')} |`).join('\n') + '\n');
        return;
      }
      const table = new Table({ head: ['view', 'key', 'unit', 'formula'], style: { head: [], border: [] }, colWidths: [8, 28, 15, 70], wordWrap: true,
        chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
      for (const m of list) table.push([m.view, m.key, m.unit, m.formula]);
      io.stdout.write(table.toString() + '\n');
    });
}
