import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { onTestFinished } from 'vitest';

export const repoRoot = join(import.meta.dirname, '..');
export const bins = {
  genNginx: join(repoRoot, 'bin', 'gen-nginx.js'),
  certWrap: join(repoRoot, 'bin', 'cert-wrap.js'),
};

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run one of the built commands as a user would: a real process, no shell. */
export async function runBin(bin: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [bin, ...args], {
    reject: false,
    cwd: opts.cwd,
    env: { NO_COLOR: '1', ...opts.env },
    ...(opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input }),
    stripFinalNewline: false,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Write a config file into a fresh temp dir (removed when the test ends) and return its path. */
export function writeConfig(text: string, name = 'site.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'cert-wrap-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The environment of a user's shell: without the npm_* variables of an npm that may have started the tests, nor vitest's (VITEST_POOL_ID would move the lab's addresses). */
export function shellEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(npm_|VITEST)/i.test(e[0])));
}
