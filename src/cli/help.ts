/**
 * --help screens of cert-wrap and gen-nginx: one layout for every command,
 * rendered from the same option definitions the parsers read. Pure: the width
 * is an argument (helpWidth reads it from COLUMNS or the terminal).
 */
import type { Command, OptionSpec, OptionSpecs } from './defs/types.js';

export interface HelpPage {
  usage: string[];
  describe: string;
  /** Titled two-column lists: commands, options. */
  sections: { title: string; rows: [left: string, right: string][] }[];
  /** Each command on a line of its own, never wrapped; its explanation below it. */
  examples: [command: string, text: string][];
  footer: string[];
}

const MIN_WIDTH = 40;
const MAX_WIDTH = 100;
const INDENT = '  ';
const EXAMPLE_TEXT_INDENT = '      ';

/** COLUMNS when set, else the terminal's width, else 80; between 40 and 100. */
export function helpWidth(env: NodeJS.ProcessEnv = process.env, columns: number | undefined = process.stdout.columns): number {
  const fromEnv = Number(env.COLUMNS);
  const width = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : columns !== undefined && columns > 0 ? columns : 80;
  return Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, width));
}

/** Words of `text` filled into lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function renderRows(rows: [string, string][], width: number): string[] {
  const column = Math.min(Math.max(...rows.map(([left]) => left.length)) + 2, 30);
  const out: string[] = [];
  for (const [left, right] of rows) {
    const text = wrap(right, Math.max(width - INDENT.length - column, 20));
    const pad = ' '.repeat(INDENT.length + column);
    if (left.length + 2 > column) {
      out.push(`${INDENT}${left}`);
      out.push(...text.map((l) => `${pad}${l}`));
    } else {
      out.push(`${INDENT}${left.padEnd(column)}${text[0] ?? ''}`);
      out.push(...text.slice(1).map((l) => `${pad}${l}`));
    }
  }
  return out;
}

export function renderHelp(page: HelpPage, width: number): string {
  const out: string[] = [];
  page.usage.forEach((u, i) => out.push(`${i === 0 ? 'Usage: ' : '       '}${u}`));
  out.push('', ...wrap(page.describe, width));
  for (const section of page.sections) out.push('', `${section.title}:`, ...renderRows(section.rows, width));
  if (page.examples.length > 0) {
    out.push('', 'Examples:');
    for (const [command, text] of page.examples) {
      out.push(`${INDENT}${command}`, ...wrap(text, width - EXAMPLE_TEXT_INDENT.length).map((l) => `${EXAMPLE_TEXT_INDENT}${l}`));
    }
  }
  for (const paragraph of page.footer) out.push('', ...wrap(paragraph, width));
  return `${out.join('\n')}\n`;
}

/** How an option is shown: `-c, --config CONFIG`, `--[no-]preflight`, `--timeout SECONDS`. */
export function optionFlag(name: string, spec: OptionSpec): string {
  const short = spec.alias ? `-${spec.alias}, ` : '    ';
  if (spec.type === 'boolean') return `${short}--${spec.default === true ? `[no-]${name}` : name}`;
  return `${short}--${name} ${spec.arg ?? (spec.type === 'number' ? 'N' : 'VALUE')}`;
}

export function optionText(spec: OptionSpec): string {
  const notes: string[] = [];
  if (spec.required) notes.push('required');
  if (spec.type === 'string' && spec.array && !/repeatable/.test(spec.describe)) notes.push('repeatable');
  if (spec.default !== undefined && spec.type !== 'boolean') notes.push(`default: ${String(spec.default)}`);
  return notes.length > 0 ? `${spec.describe} (${notes.join('; ')})` : spec.describe;
}

export const HELP_OPTION: [string, string] = ['-h, --help', 'show this help'];

export const EXIT_CODES =
  'Exit codes: 0 success; 1 a certificate or the reload failed; 2 invalid config, usage or a failed check before running ' +
  '(certbot missing, webroot not writable), nothing started; 3 another cert-wrap run holds the lock.';

/** The usage line of one command: its required options, then [options]. */
export function commandUsage(program: string, def: Command): string {
  if (def.usage !== undefined) return `${program} ${def.name} ${def.usage}`;
  const required = Object.entries(def.options)
    .filter(([, spec]) => spec.required)
    .map(([name, spec]) => (spec.alias ? `-${spec.alias} ${spec.arg ?? 'VALUE'}` : `--${name} ${spec.arg ?? 'VALUE'}`));
  return [program, def.name, ...required, '[options]'].join(' ');
}

const sentence = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

export function commandPage(def: Command, common: OptionSpecs): HelpPage {
  const options = { ...def.options, ...common };
  return {
    usage: [commandUsage('cert-wrap', def)],
    describe: sentence(def.describe),
    sections: [{ title: 'Options', rows: [...Object.entries(options).map(([n, s]): [string, string] => [optionFlag(n, s), optionText(s)]), HELP_OPTION] }],
    examples: (def.examples ?? []).map(([command, text]) => [command.replace(/\$0/g, 'cert-wrap'), text]),
    footer: [EXIT_CODES],
  };
}

export function overviewPage(commands: Command[], common: OptionSpecs): HelpPage {
  return {
    usage: ['cert-wrap COMMAND -c CONFIG [options]'],
    describe: 'Run certbot for the certificates of a cert-wrap config and reload nginx safely.',
    sections: [
      { title: 'Commands', rows: commands.map((c): [string, string] => [c.name, c.describe]) },
      {
        title: 'Options',
        rows: [...Object.entries(common).map(([n, s]): [string, string] => [optionFlag(n, s), optionText(s)]), HELP_OPTION, ['    --version', 'show the version']],
      },
    ],
    examples: [],
    footer: ['Run "cert-wrap COMMAND --help" for the options and examples of a command.', EXIT_CODES],
  };
}
