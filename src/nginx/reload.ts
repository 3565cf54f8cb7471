/**
 * cert-wrap reload: find the running master through the pid file, run
 * `nginx -t` on the configuration it runs (nginx silently keeps its old
 * configuration when a SIGHUP finds the new one broken), then send SIGHUP.
 */
import type { NginxSettings } from '../config/types.js';
import { findMaster, type MasterArgs } from './master.js';

export type ReloadResult =
  | { ok: true; pid: number; message: string }
  | { ok: false; reason: string; message: string };

export interface ReloadDeps {
  /** Runs `nginx -t` with these arguments; resolves to its exit code and stderr. */
  test(binary: string, args: string[]): Promise<{ exitCode: number | undefined; stderr: string; notFound: boolean }>;
  signal(pid: number, signal: NodeJS.Signals): void;
  procRoot?: string;
}

export function testArgs(settings: NginxSettings, master: MasterArgs): string[] {
  const args = ['-t', '-q'];
  const conf = settings.confFile ?? master.confFile;
  const prefix = settings.prefix ?? master.prefix;
  if (prefix !== null) args.push('-p', prefix);
  if (conf !== null) args.push('-c', conf);
  if (master.errorLog !== null) args.push('-e', master.errorLog);
  if (master.globals !== null && master.globals !== '') args.push('-g', master.globals);
  return args;
}

export async function reloadNginx(settings: NginxSettings, deps: ReloadDeps = defaultDeps): Promise<ReloadResult> {
  const master = findMaster(settings.pidFile, deps.procRoot);
  if (!master.ok) return { ok: false, reason: master.reason, message: `not reloading nginx: ${master.message}` };
  const args = testArgs(settings, master.args);
  const test = await deps.test(settings.binary, args);
  if (test.notFound) {
    return { ok: false, reason: 'nginx-missing', message: `not reloading nginx: cannot run "${settings.binary}" (install nginx, or set nginx.binary in the config)` };
  }
  if (test.exitCode !== 0) {
    const said = test.stderr.trim() || `exit code ${test.exitCode}`;
    return {
      ok: false,
      reason: 'config-invalid',
      message: `not reloading nginx (pid ${master.pid}): its configuration does not pass "nginx ${args.join(' ')}", so a SIGHUP would be ignored:\n${said}`,
    };
  }
  try {
    deps.signal(master.pid, 'SIGHUP');
  } catch (err) {
    return { ok: false, reason: 'signal-failed', message: `cannot signal nginx (pid ${master.pid}): ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  return { ok: true, pid: master.pid, message: `nginx (pid ${master.pid}) reloaded` };
}

const defaultDeps: ReloadDeps = {
  async test(binary, args) {
    const { execa } = await import('execa');
    const r = await execa(binary, args, { reject: false, stdin: 'ignore' });
    return { exitCode: r.exitCode, stderr: String(r.stderr), notFound: (r as { code?: string }).code === 'ENOENT' };
  },
  signal(pid, signal) {
    process.kill(pid, signal);
  },
};
