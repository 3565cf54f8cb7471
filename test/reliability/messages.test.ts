/**
 * No message lets a value reach the terminal raw: an unknown key with ESC
 * sequences (clear screen, set the window title), CR (rewrite the line), a C1
 * CSI, or a line feed followed by text that looks like another problem must
 * all arrive as visible escapes, one line per problem. Real processes: the
 * two commands on hostile config files, and cert-wrap streaming the output of
 * a certbot stand-in that prints control sequences.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bins, runBin } from '../../lab/cli.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';

/** Any control character but the line feeds that end lines. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

const FORGED = 'site.yaml:1: webroot: forged problem';
const HOSTILE_KEYS = ['clear\u001b[2J\u001b]0;pwned\u0007', 'cr\roverwritten', `nl\n${FORGED}`, 'csi\u009b31m', 'ls\u2028x'];

let dir = '';
beforeAll(async () => {
  dir = await makeTempDir('cw-messages-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('unknown keys with control characters: escaped, one line per problem', () => {
  const yaml = ['certificates:', '  - domains: [a.example.org]', ...HOSTILE_KEYS.map((k) => `${JSON.stringify(k)}: 1`), ''].join('\n');
  const json = JSON.stringify({ certificates: [{ domains: ['a.example.org'], ...Object.fromEntries(HOSTILE_KEYS.map((k) => [k, 1])) }] });
  it.each([
    ['gen-nginx, YAML', bins.genNginx, (f: string) => [f], 'site.yaml', yaml],
    ['cert-wrap plan, YAML', bins.certWrap, (f: string) => ['plan', '-c', f], 'site.yaml', yaml],
    ['gen-nginx --debug, JSON (keys inside a certificate)', bins.genNginx, (f: string) => [f, '--debug'], 'site.json', json],
  ])('%s', async (_label, bin, args, name, text) => {
    const r = await runBin(bin, args(write(name, text)));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    const lines = r.stderr.trimEnd().split('\n');
    const problems = lines.filter((l) => l.startsWith('  /'));
    expect(problems).toHaveLength(HOSTILE_KEYS.length); // a line feed in a key made no extra problem line
    expect(lines.some((l) => l.trim() === FORGED)).toBe(false);
    expect(r.stderr).toContain('clear\\e[2J\\e]0;pwned\\u0007');
    expect(r.stderr).toContain('cr\\roverwritten');
    expect(r.stderr).toContain(`nl\\n${FORGED}`);
    expect(r.stderr).toContain('csi\\u009b31m');
  });
});

describe("certbot's output and reasons with control characters", () => {
  it('streamed lines, the summary reason: escaped', async () => {
    const standIn = join(dir, 'certbot.sh');
    writeFileSync(standIn, "#!/bin/sh\nprintf 'Saving debug log\\033[2J\\rX\\n'\nprintf 'An unexpected error occurred:\\n'\nprintf 'certbot.errors.Error: bad \\033]0;pwned\\007 \\302\\233 thing\\n'\nexit 1\n");
    chmodSync(standIn, 0o755);
    mkdirSync(join(dir, 'webroot'), { recursive: true });
    const file = write(
      'run.yaml',
      [`webroot: ${dir}/webroot`, `certbot: ${standIn}`, `config-dir: ${dir}/le`, `certs-dir: ${dir}/certs`, `nginx: {pid-file: ${dir}/nginx.pid}`, 'certificates:', '  - domains: [a.example.org]', ''].join('\n'),
    );
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', file], { env: { CI: '1' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('a.example.org | Saving debug log\\e[2J\\rX');
    expect(r.stdout).toContain('certbot.errors.Error: bad \\e]0;pwned\\u0007 \\u009b thing');
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
  });
});
