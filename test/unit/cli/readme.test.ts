/**
 * README.md tells the truth: every config example loads through the real
 * loader, every cert-wrap / gen-nginx command line it shows parses with the
 * real argument parsers (nothing is run), and the outcome names it documents
 * are the ones printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMON_OPTIONS } from '../../../src/cli/args.js';
import type { OptionSpecs } from '../../../src/cli/defs/types.js';
import { COMMANDS } from '../../../src/cli/defs/index.js';
import { GEN_NGINX_OPTIONS, parseGenNginxArgs } from '../../../src/cli/gen-nginx-args.js';
import { outcomeText } from '../../../src/cli/output/summary.js';
import { loadConfig } from '../../../src/model/load.js';
import type { CertReport } from '../../../src/adapters/certbot/obtain.js';
import { repoRoot, writeConfig } from '../../../lab/cli.js';

const README = readFileSync(join(repoRoot, 'README.md'), 'utf8');

interface Block {
  lang: string;
  text: string;
  line: number;
}

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const re = /^```([a-z]*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(markdown); m !== null; m = re.exec(markdown)) {
    blocks.push({ lang: m[1]!, text: m[2]!, line: markdown.slice(0, m.index).split('\n').length });
  }
  return blocks;
}

/** Inline `code` spans outside code blocks. */
function codeSpans(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```$/gm, '');
  return [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
}

/** A shell line's commands that run cert-wrap or gen-nginx: split at && ; | > and comments, prompt and npx dropped. */
function commandsIn(line: string): string[][] {
  return line
    .replace(/\s#.*$/, '')
    .split(/&&|;|\||>/)
    .map((part) => part.trim().replace(/^(\$ |sudo |npx )+/, ''))
    .filter((part) => /^(cert-wrap|gen-nginx)( |$)/.test(part))
    .map((part) => part.split(/ {2,}/)[0]!.replace(/[[\]]/g, '').split(/\s+/).filter((w) => w !== '' && w !== '...'));
}

const NAMES = new Set(COMMANDS.map((c) => c.name));

/** Parse one command line with the real parsers; a bare `cert-wrap NAME` only names the command. */
function check(words: string[]): void {
  const [program, ...args] = words;
  if (program === 'gen-nginx') {
    parseGenNginxArgs(args);
    return;
  }
  const [first, ...more] = args;
  if (first === undefined || first === '--help' || first === '--version') return;
  // Two-word commands ("fleet init").
  const two = more[0] !== undefined && NAMES.has(`${first} ${more[0]}`);
  const name = two ? `${first} ${more[0]}` : first;
  const rest = two ? more.slice(1) : more;
  const def = COMMANDS.find((c) => c.name === name);
  if (def === undefined) throw new Error(`no command ${name}`);
  if (rest.length === 0) return;
  // A placeholder such as SECONDS stands for a number.
  const specs: OptionSpecs = { ...def.options, ...COMMON_OPTIONS };
  const values = rest.map((w, i) => (/^[A-Z]+$/.test(w) && specs[rest[i - 1]?.replace(/^--/, '') ?? '']?.type === 'number' ? '1' : w));
  def.parse(values);
}

describe('README.md', () => {
  it('every YAML and JSON config example is valid for the real loader', () => {
    const examples = codeBlocks(README).filter((b) => b.lang === 'yaml' || b.lang === 'json');
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const block of examples) {
      const file = writeConfig(block.text, `readme-line-${block.line}.${block.lang}`);
      expect(() => loadConfig(file), `README.md line ${block.line}`).not.toThrow();
    }
  });

  it('every cert-wrap and gen-nginx command line shown parses with the flags shown', () => {
    const lines = [...codeBlocks(README).flatMap((b) => b.text.split('\n')), ...codeSpans(README)];
    const commands = lines.flatMap(commandsIn);
    expect(commands.length).toBeGreaterThan(20);
    const bad: string[] = [];
    for (const words of commands) {
      try {
        check(words);
      } catch (err) {
        bad.push(`${words.join(' ')}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every option listed under a command in the usage blocks is an option of that command', () => {
    const bad: string[] = [];
    for (const block of codeBlocks(README).filter((b) => b.lang === '')) {
      let current: string[] | null = null;
      for (const line of block.text.split('\n')) {
        const command = commandsIn(line)[0];
        if (command !== undefined && /^(cert-wrap|gen-nginx)/.test(line)) {
          current = command;
          continue;
        }
        if (current === null || !/^\s+-/.test(line)) continue;
        const left = line.trim().split(/ {2,}/)[0]!;
        for (const flag of left.match(/--?[a-z][a-z-]*/g) ?? []) {
          if (!knownFlag(current, flag)) bad.push(`${current.slice(0, 2).join(' ')}: ${flag}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('the outcome names it documents are the ones printed in the table and in --json', () => {
    const table = /\| outcome \| meaning \|\n\|---\|---\|\n((?:\|.*\|\n)+)/.exec(README)?.[1] ?? '';
    const documented = [...table.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    const outcomes: CertReport['outcome'][] = ['issued', 'unchanged', 'dry-run', 'failed'];
    expect(documented).toEqual(outcomes);
    for (const outcome of outcomes) {
      expect(outcomeText({ outcome, class: outcome === 'failed' ? 'network' : null })).toBe(outcome === 'failed' ? 'failed (network)' : outcome);
    }
  });
});

function knownFlag(command: string[], flag: string): boolean {
  const name = flag.replace(/^--?/, '');
  if (['help', 'version', 'h'].includes(name)) return true;
  if (command[0] === 'gen-nginx') return Object.entries(GEN_NGINX_OPTIONS).some(([n, o]) => n === name || ('alias' in o && o.alias === name));
  if (command[1] === undefined || !NAMES.has(command[1])) return false;
  const def = COMMANDS.find((c) => c.name === command[1])!;
  const specs: OptionSpecs = { ...def.options, ...COMMON_OPTIONS };
  const negated = /^no-(.+)$/.exec(name)?.[1];
  if (negated !== undefined && specs[negated]?.type === 'boolean') return true;
  return Object.entries(specs).some(([n, s]) => n === name || s.alias === name);
}
