/**
 * funnel presets — the CRM presets shipped with the tool; `funnel presets show NAME` prints one as
 * config JSON (a file --config reads as it is, to copy and adapt).
 */
import { Command } from 'commander';
import type { Io } from '../ingest/inputs.js';
import { PRESETS, presetNamed } from '../ingest/presets/index.js';

const HELP_EXAMPLES = `
A preset maps a CRM's standard exports (header names and their variants, status and type values,
won and lost stages). Use it with --preset NAME on any command that reads inputs, or with
"preset": "NAME" in the config file, whose keys win over the preset's.

Examples:
  $ funnel presets
  $ funnel deals --preset pipedrive --deals deals-export.csv
  $ funnel presets show hubspot > funnel.config.json
`;

export function presetsCommand(io: Io): Command {
  const cmd = new Command('presets')
    .description('list the CRM presets (hubspot, salesforce, pipedrive, zoho); "presets show NAME" prints one as config JSON')
    .addHelpText('after', HELP_EXAMPLES)
    .action(() => {
      const width = Math.max(...PRESETS.map((p) => p.name.length));
      for (const p of PRESETS) io.stdout.write(`${p.name.padEnd(width)}  ${p.summary}\n`);
    });
  cmd.command('show')
    .description('print a preset as config JSON (valid input for --config)')
    .argument('<name>', 'the preset: hubspot, salesforce, pipedrive or zoho')
    .action((name: string) => {
      io.stdout.write(configJson(presetNamed(name, 'presets show').config) + '\n');
    });
  return cmd;
}

/** JSON indented by two spaces, with a list of plain values (a column's alternative headers) on one line. */
export function configJson(value: unknown, indent = ''): string {
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const inner = indent + '  ';
  const items = Array.isArray(value)
    ? value.map((v) => inner + configJson(v, inner))
    : Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${configJson(v, inner)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return items.length ? `${open}\n${items.join(',\n')}\n${indent}${close}` : `${open}${close}`;
}
