import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { which } from '../src/lib/which.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Result of a tool/environment check: `ok` is false when something is missing. */
export interface ToolCheck {
  ok: boolean;
  missing: string[];
}

/** Debian package that provides each tool the e2e tests use. */
const PACKAGE_OF: Record<string, string> = {
  nginx: 'nginx',
  certbot: 'certbot',
  pebble: 'pebble',
  'pebble-challtestsrv': 'pebble',
  openssl: 'openssl',
  sslscan: 'sslscan',
  curl: 'curl',
  etcd: 'etcd-server',
};

const EXTRA_DIRS = ['/usr/sbin', '/sbin'];

export function findTool(name: string): string | null {
  return which(name, [process.env.PATH ?? '', ...EXTRA_DIRS].join(path.delimiter));
}

/** A TCP port free on 127.0.0.1 right now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** True when the tests run as root (uid 0). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** True when CI is set to anything other than '', 'false' or '0'. */
export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** The apt-get line that provides the e2e tools (openssl added when it is missing). */
function installCommand(missing: string[]): string {
  const pkgs = ['nginx', 'certbot', 'pebble'];
  for (const t of missing) {
    const pkg = PACKAGE_OF[t];
    if (pkg !== undefined && !pkgs.includes(pkg)) pkgs.push(pkg);
  }
  return `apt-get install -y ${pkgs.join(' ')}`;
}

/**
 * Apply the "CI fails, local run skips loudly" rule. `problems` are
 * human-readable lines, `fixes` what to do about them, `missing` the short
 * names returned to the caller.
 */
function enforce(what: string, missing: string[], problems: string[], fixes: string[]): ToolCheck {
  if (missing.length === 0) return { ok: true, missing: [] };
  if (isCI()) {
    throw new Error(
      `${what} cannot run in CI: ${problems.join('; ')}. ` +
        `CI must provide them instead of skipping these tests: ${fixes.join('; ')}.`,
    );
  }
  const bar = '!'.repeat(78);
  const lines = [
    '',
    bar,
    `!!! SKIPPING ${what}:`,
    ...problems.map((p) => `!!!   - ${p}`),
    ...fixes.map((f) => `!!! fix: ${f}`),
    '!!! (with CI set, this is an error instead of a skip)',
    bar,
    '',
  ];
  process.stderr.write(lines.join('\n') + '\n');
  return { ok: false, missing };
}

const notFound = (n: string): string => `${n} not found on PATH (nor in /usr/sbin, /sbin)`;

/**
 * Check that every tool in `names` exists. Missing tools: with CI set this
 * throws; otherwise it prints a loud warning to stderr and returns ok:false,
 * meant for `describe.skipIf(!ok)`.
 */
export function requireTools(names: string[], what = 'real-nginx tests'): ToolCheck {
  const missing = names.filter((n) => findTool(n) === null);
  return enforce(what, missing, missing.map(notFound), [`install with ${installCommand(missing)}`]);
}

/**
 * Everything the real ACME tests need: nginx, certbot, pebble,
 * pebble-challtestsrv, openssl, and root (pebble's validator connects to
 * port 80). 'root' appears in `missing` when not running as root.
 */
export function requireAcmeEnv(): ToolCheck {
  return requireRealRun(['nginx', 'certbot', 'pebble', 'pebble-challtestsrv', 'openssl'], 'real ACME e2e tests (nginx + certbot + pebble)');
}

/**
 * Everything the fleet tests need: the real ACME tools and root (as requireAcmeEnv)
 * plus etcd (Debian's etcd-server). Same rule: CI fails, a local run skips loudly.
 */
export function requireFleetEnv(): ToolCheck {
  return requireRealRun(['nginx', 'certbot', 'pebble', 'pebble-challtestsrv', 'openssl', 'etcd'], 'fleet e2e tests (etcd + nginx + certbot + pebble)');
}

/** These tools, and root: pebble's validator connects to port 80. */
function requireRealRun(tools: string[], what: string): ToolCheck {
  const missing = tools.filter((n) => findTool(n) === null);
  const problems = missing.map(notFound);
  const fixes = missing.length > 0 ? [`install with ${installCommand(missing)}`] : [];
  if (!isRoot()) {
    missing.push('root');
    problems.push('not running as root (pebble validates http-01 challenges on port 80)');
    fixes.push('run the e2e tests as root (e.g. in a container)');
  }
  return enforce(what, missing, problems, fixes);
}

/**
 * One-character process state from /proc/PID/stat ('R', 'S', 'Z', ...), or
 * null when the process does not exist.
 */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) is in parentheses and may contain spaces or ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2);
    return rest.charAt(0) || null;
  } catch {
    return null;
  }
}

/**
 * True while `pid` is a live process. A zombie (exited but not yet reaped by
 * its parent, e.g. a daemon re-parented to an init that reaps slowly) counts
 * as gone.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it exists but belongs to someone else.
  }
  const state = processState(pid);
  return state !== null && state !== 'Z' && state !== 'X';
}

/** Poll until `check()` is true or `timeoutMs` passes; returns the last result. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
