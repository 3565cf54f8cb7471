/**
 * Hooks from the config are run by a shell on purpose (certbot runs its hooks
 * the same way); nothing else reaches a shell except as quoted data:
 * - src/ has two shells: run/deploy-steps.ts running the certificate's deploy-hook,
 *   and cli/commands/alerts.ts running its on-failure command;
 * - the strings handed to a shell by others (certbot's --deploy-hook, the
 *   `--print` commands a person pastes, the cron line) read back, through the
 *   real /bin/sh, as exactly the words they were built from.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deployHookCommand, printable } from '../../src/adapters/certbot/args.js';
import { PRINTED_CONFIG_ARG } from '../../src/adapters/certbot/secrets-file.js';
import { cronWord } from '../../src/adapters/schedule/render.js';
import { repoRoot } from '../../lab/cli.js';
import { hostile, showShort } from './injection-fields.js';
import { printSeedOnFailure, stressSeed, stressSize } from '../../lab/stress.js';

const seed = stressSeed();
/** Cases per shell property. */
const CASES = stressSize('SHELL_CASES', 500);
printSeedOnFailure(seed, { SHELL_CASES: CASES });

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

/** Code that starts a shell or hands it a command string. */
const SHELL_USES: [what: string, pattern: RegExp][] = [
  ['a shell option (spawn/execa { shell })', /\bshell\s*:/g],
  ['exec/execSync from child_process (always a shell)', /\b(exec|execSync)\s*\(/g],
  ['child_process named', /['"](node:)?child_process['"]/g],
  ['a command string for execa', /\bexeca(Command|CommandSync)\b/g],
  ['a shell named as a program', /['"`](\/usr)?(\/bin\/)?(sh|bash|dash|zsh|ksh|ash|busybox)['"`]/g],
];

describe('the only shells in src/', () => {
  it('are run/deploy-steps.ts running the certificate\'s configured deploy-hook and alerts.ts its on-failure, with /bin/sh -c', () => {
    const found: string[] = [];
    for (const file of sourceFiles(join(repoRoot, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const [what, pattern] of SHELL_USES) {
        for (const m of text.matchAll(pattern)) {
          // A RegExp's exec() is not child_process's.
          if (what.startsWith('exec/execSync') && /\.\s*$/.test(text.slice(0, m.index))) continue;
          const line = text.slice(0, m.index).split('\n').length;
          found.push(`${relative(repoRoot, file)}:${line}: ${what}: ${text.split('\n')[line - 1]!.trim()}`);
        }
      }
    }
    // child_process itself: only in the one subprocess adapter (which never sets `shell`, see above).
    const adapter = found.filter((f) => f.startsWith('src/lib/process.ts:'));
    expect(adapter.length).toBeGreaterThan(0);
    expect(adapter.every((f) => f.includes(': child_process named: '))).toBe(true);
    const rest = found.filter((f) => !f.startsWith('src/lib/process.ts:'));
    expect(rest).toHaveLength(2);
    expect(rest[0]).toMatch(/^src\/cli\/commands\/alerts\.ts:\d+: a shell named as a program: const r = await runProcess\('\/bin\/sh', \['-c', command\], /);
    expect(rest[1]).toMatch(/^src\/run\/deploy-steps\.ts:\d+: a shell named as a program: const r = await runProcess\('\/bin\/sh', \['-c', cert\.deployHook\], /);
  });

  it('hands certbot no hook but the configured manual hooks and its own deploy-hook command', () => {
    const hooks = new Set<string>();
    for (const file of sourceFiles(join(repoRoot, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/--[a-z-]*hook[a-z-]*/g)) hooks.add(m[0]);
    }
    expect([...hooks].sort()).toEqual(['--deploy-hook', '--manual-auth-hook', '--manual-cleanup-hook']);
  });
});

// --- reading strings back through the real /bin/sh

/** Only safe characters, single-quoted strings and \' outside them: nothing a shell would run or expand. */
const QUOTED_WORDS = /^(?:(?:[A-Za-z0-9_@%+=:,./-]+|'[^']*'|\\')+)(?: (?:[A-Za-z0-9_@%+=:,./-]+|'[^']*'|\\')+)*$/;

/**
 * Each line's words as /bin/sh splits them (`set -- LINE`), for lines that
 * passed QUOTED_WORDS. Run without PATH, environment or a useful directory.
 */
async function shellWords(lines: string[]): Promise<string[][]> {
  const script = lines.map((l) => `set -- ${l}\nprintf '%s\\000' "$#" "$@"\n`).join('');
  const r = await execa('/bin/sh', ['-s'], { input: script, env: { PATH: '/nonexistent' }, extendEnv: false, cwd: tmpdir(), encoding: 'buffer', reject: false });
  expect(r.exitCode, String(Buffer.from(r.stderr as Uint8Array))).toBe(0);
  const fields = Buffer.from(r.stdout as Uint8Array).toString('utf8').split('\0');
  const out: string[][] = [];
  for (let i = 0; out.length < lines.length; ) {
    const n = Number(fields[i++]);
    out.push(fields.slice(i, i + n));
    i += n;
  }
  return out;
}

const wellFormed = (s: string) => Buffer.from(s, 'utf8').toString('utf8');

/** Builds shell text from words, checks it is only quoted data, and reads it back. */
async function roundTrip(cases: { words: string[]; text: string }[]): Promise<string[]> {
  const problems: string[] = [];
  const safe = cases.filter((c) => {
    if (QUOTED_WORDS.test(c.text)) return true;
    problems.push(`not only quoted data: ${showShort(c.text)}`);
    return false;
  });
  const read = await shellWords(safe.map((c) => c.text));
  safe.forEach((c, i) => {
    const want = c.words.map(wellFormed);
    if (JSON.stringify(read[i]) !== JSON.stringify(want)) problems.push(`${showShort(c.text)} reads as ${showShort(JSON.stringify(read[i]))}, not ${showShort(JSON.stringify(want))}`);
  });
  return problems;
}

/**
 * What cron hands to /bin/sh (Debian cron, do_command.c): a backslash before
 * "%" is dropped, the first other "%" ends the command (the rest becomes stdin).
 */
function cronCommand(line: string): string {
  let out = '';
  let escaped = false;
  for (const ch of line) {
    if (escaped) {
      out = ch === '%' ? `${out.slice(0, -1)}%` : out + ch;
      escaped = false;
    } else if (ch === '\\') {
      escaped = true;
      out += ch;
    } else if (ch === '%') {
      break;
    } else {
      out += ch;
    }
  }
  return out;
}

// Paths and arguments: anything but NUL, which no argv can hold.
const word = hostile.map((s) => s.replace(/\0/g, ''));

describe(`strings given to a shell read back as their words (/bin/sh, seed ${seed})`, () => {
  it(`certbot's --deploy-hook command: ${CASES} hostile node, script and config paths`, async () => {
    const cases = fc.sample(fc.tuple(word, word, word), { seed, numRuns: CASES }).map(([node, script, config]) => ({
      words: [node, script, 'deploy-hook', '-c', config],
      text: deployHookCommand(node, script, config),
    }));
    expect(await roundTrip(cases)).toEqual([]);
  }, 60_000);

  it(`the \`--print\` commands: ${CASES} hostile argv arrays, with and without the secrets file`, async () => {
    const cases = fc.sample(fc.tuple(word, fc.array(word, { maxLength: 8 }), fc.boolean()), { seed, numRuns: CASES }).map(([certbot, args, secrets]) => {
      const text = printable(certbot, args, secrets);
      // The secrets file is shown as a shell variable; the rest is only quoted data.
      expect(text.endsWith(` ${PRINTED_CONFIG_ARG}`)).toBe(secrets);
      return { words: [certbot, ...args], text: secrets ? text.slice(0, -PRINTED_CONFIG_ARG.length - 1) : text };
    });
    expect(await roundTrip(cases)).toEqual([]);
  }, 60_000);

  it(`the cron line's words: ${CASES} hostile arguments, after cron turns \\% into % (an unescaped % would end the command)`, async () => {
    const cron = cronCommand;
    const cases = fc.sample(fc.array(word.map((w) => w.replace(/[\u0000-\u001f\u007f]/g, '')), { minLength: 1, maxLength: 4 }), { seed, numRuns: CASES }).map((words) => ({
      words,
      text: cron(words.map(cronWord).join(' ')),
    }));
    expect(await roundTrip(cases)).toEqual([]);
  }, 60_000);
});
