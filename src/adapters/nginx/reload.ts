/**
 * cert-wrap reload: find the running master through the pid file, run
 * `nginx -t` on the configuration it runs (nginx silently keeps its old
 * configuration when a SIGHUP finds the new one broken), then send SIGHUP.
 */
import { type ProcessResult, runProcess } from '../../lib/process.js';
import type { Config, NginxSettings } from '../../model/types.js';
import { duplicateDefaultServerHint } from './default-server-hint.js';
import { findNginxHost, type NginxHost, NginxHostError } from './host.js';
import { findMaster, type MasterArgs, type MasterLookup } from './master.js';

export type ReloadResult =
  | { ok: true; pid: number; message: string }
  | { ok: false; reason: string; message: string };

export type NginxTest = Pick<ProcessResult, 'exitCode' | 'stderr' | 'notFound'>;

export interface ReloadDeps {
  /** Runs `nginx -t` with these arguments in `cwd`; resolves to its exit code and stderr. */
  test(binary: string, args: string[], cwd: string | undefined): Promise<NginxTest>;
  signal(pid: number, signal: NodeJS.Signals): void;
  findHost(config: Config): Promise<NginxHost>;
  euid: number;
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

export type Checked =
  | { ok: true; host: NginxHost; pid: number }
  | { ok: false; reason: string; message: string };

/** Everything short of the signal: the host's nginx, its master, and `nginx -t` of what the master runs. */
export async function checkReloadable(config: Config, deps: ReloadDeps = defaultDeps): Promise<Checked> {
  let host: NginxHost;
  try {
    host = await deps.findHost(config);
  } catch (err) {
    if (err instanceof NginxHostError) return { ok: false, reason: 'nginx-missing', message: err.message };
    throw err;
  }
  const master = findMaster(host.pidFile, { binary: host.binary, euid: deps.euid, procRoot: deps.procRoot });
  if (!master.ok) return { ok: false, reason: master.reason, message: withPidSource(master, host) };
  if (master.args === null && config.nginx.confFile === null) {
    // Never guess: a wrong guess tests one configuration and reloads another.
    return {
      ok: false,
      reason: 'args-unreadable',
      message: `cannot tell which configuration nginx (pid ${master.pid}) runs: its command line cannot be read as nginx reads it (${master.unreadable}); set nginx.conf-file (and nginx.prefix) to the -c and -p it was started with`,
    };
  }
  // With nginx.conf-file set, an unreadable command line leaves the settings alone to say what nginx runs.
  const started = master.args ?? { confFile: null, prefix: null, errorLog: null, globals: null };
  const args = testArgs(config.nginx, started);
  // A relative -p is relative to where the master was started: its working directory.
  const prefix = config.nginx.prefix ?? started.prefix;
  const relative = prefix !== null && !prefix.startsWith('/');
  if (relative && master.cwd === null) {
    return { ok: false, reason: 'args-unreadable', message: `nginx (pid ${master.pid}) was started with the relative prefix -p ${prefix} from a directory cert-wrap cannot see: set nginx.prefix` };
  }
  const test = await deps.test(host.binary, args, relative ? master.cwd! : undefined);
  if (test.notFound) {
    return { ok: false, reason: 'nginx-missing', message: `cannot run "${host.binary}" (install nginx, or set nginx.binary in the config)` };
  }
  if (test.exitCode !== 0) {
    const said = test.stderr.trim() || `exit code ${test.exitCode}`;
    const hint = duplicateDefaultServerHint(config, said);
    return {
      ok: false,
      reason: 'config-invalid',
      message: `nginx (pid ${master.pid}): its configuration does not pass "nginx ${args.join(' ')}", so a SIGHUP would be ignored:\n${said}${hint ? `\n${hint}` : ''}`,
    };
  }
  return { ok: true, host, pid: master.pid };
}

export async function reloadNginx(config: Config, deps: ReloadDeps = defaultDeps): Promise<ReloadResult> {
  const checked = await checkReloadable(config, deps);
  if (!checked.ok) return { ok: false, reason: checked.reason, message: `not reloading ${checked.message.startsWith('nginx (pid') ? '' : 'nginx: '}${checked.message}` };
  try {
    deps.signal(checked.pid, 'SIGHUP');
  } catch (err) {
    return { ok: false, reason: 'signal-failed', message: `cannot signal nginx (pid ${checked.pid}): ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  return { ok: true, pid: checked.pid, message: `nginx (pid ${checked.pid}) reloaded` };
}

/** A pid file cert-wrap found itself says where from, so the fix is clear. */
function withPidSource(master: Extract<MasterLookup, { ok: false }>, host: NginxHost): string {
  if (host.pidSource === 'nginx.pid-file' || !master.reason.startsWith('pid-')) return master.message;
  return `${master.message} (the pid file was found from ${host.pidSource}; set nginx.pid-file if nginx writes another one)`;
}

const defaultDeps: ReloadDeps = {
  test: (binary, args, cwd) => runProcess(binary, args, cwd !== undefined ? { cwd } : {}),
  signal(pid, signal) {
    process.kill(pid, signal);
  },
  findHost: (config) => findNginxHost(config),
  euid: process.geteuid?.() ?? 0,
};
