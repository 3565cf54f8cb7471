import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { findTool, isProcessAlive, waitFor } from './tools.js';

export interface StartNginxOptions {
  /** State directory (e.g. from makeTempDir); nginx files go to dir/nginx, dir/run, dir/logs. */
  dir: string;
  /** Absolute path of a file included inside http{} (the server blocks under test). */
  serversConf: string;
  /** nginx binary; default: found on PATH, /usr/sbin or /sbin. */
  binary?: string;
  /** Extra text placed inside http{} before the include. */
  extraHttp?: string;
  /** The command line the master is started with (default: `-c CONF -p PREFIX -e LOG`, each value a word of its own). */
  launchArgs?: (paths: { confPath: string; prefix: string; errorLog: string }) => string[];
  /** Start the master as this user (its group: nogroup) through setpriv; its directories are given to it. */
  runAs?: string;
}

export interface RunningNginx {
  /** Master process id (from the pid file). */
  pid: number;
  confPath: string;
  /** The -p prefix, with a trailing slash. */
  prefix: string;
  accessLog: string;
  errorLog: string;
  pidFile: string;
  binary: string;
  /** Worker pids (children of the master, from /proc), sorted ascending. */
  workers(): Promise<number[]>;
  /**
   * Reload: `nginx -t` first (throws with its stderr when the config is
   * broken, since SIGHUP would then silently keep the old config), then SIGHUP
   * to the master, then wait until a new worker is up (throws otherwise) and
   * briefly for the old ones to leave. Resolves to the workers afterwards.
   */
  reload(): Promise<number[]>;
  /** SIGQUIT to the master, wait (~5 s) for pid file + processes to go; SIGKILL as a last resort. Idempotent. */
  stop(): Promise<void>;
}

export interface NginxTestResult {
  ok: boolean;
  stderr: string;
}

const STOP_TIMEOUT_MS = 5_000;
const START_TIMEOUT_MS = 5_000;

/** Quote a value for nginx.conf. */
function q(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `nginx -t -q` on a config; never throws for an invalid config. */
export async function nginxTest(binary: string, confPath: string, prefix: string, errorLog?: string): Promise<NginxTestResult> {
  const args = ['-t', '-q', '-c', confPath, '-p', withSlash(prefix)];
  if (errorLog !== undefined) args.push('-e', errorLog);
  const res = await execa(binary, args, { reject: false, stdin: 'ignore', all: true });
  return { ok: res.exitCode === 0 && !res.failed, stderr: String(res.all ?? res.stderr ?? '') };
}

function withSlash(p: string): string {
  return p.endsWith('/') ? p : `${p}/`;
}

/** Pids whose parent is `ppid`, from /proc, sorted. */
export async function childPids(ppid: number): Promise<number[]> {
  const entries = await readdir('/proc');
  const out: number[] = [];
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const stat = await readFile(`/proc/${e}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          // fields[0] = state, fields[1] = ppid
          if (Number(fields[1]) === ppid && fields[0] !== 'Z') out.push(Number(e));
        } catch {
          // process vanished while scanning
        }
      }),
  );
  return out.sort((a, b) => a - b);
}

/** Run a command with stdout+stderr going to `logFile`; resolves to its exit code or a description. */
function runToFile(binary: string, args: string[], logFile: string, timeoutMs: number): Promise<number | string> {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(binary, args, { stdio: ['ignore', fd, fd] });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(`timed out after ${timeoutMs} ms`);
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        resolve(`spawn error: ${err.message}`);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(code ?? `signal ${String(signal)}`);
      });
    });
  } finally {
    closeSync(fd);
  }
}

async function tail(file: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function nginxConfText(o: {
  dir: string;
  serversConf: string;
  extraHttp?: string;
}): string {
  const d = path.resolve(o.dir);
  const tmp = path.join(d, 'nginx', 'tmp');
  return [
    'worker_processes 1;',
    `pid ${q(path.join(d, 'run', 'nginx.pid'))};`,
    `error_log ${q(path.join(d, 'logs', 'nginx-error.log'))} notice;`,
    'events { worker_connections 256; }',
    'http {',
    `    access_log ${q(path.join(d, 'logs', 'nginx-access.log'))};`,
    `    client_body_temp_path ${q(path.join(tmp, 'client_body'))};`,
    `    proxy_temp_path ${q(path.join(tmp, 'proxy'))};`,
    `    fastcgi_temp_path ${q(path.join(tmp, 'fastcgi'))};`,
    `    uwsgi_temp_path ${q(path.join(tmp, 'uwsgi'))};`,
    `    scgi_temp_path ${q(path.join(tmp, 'scgi'))};`,
    '    server_names_hash_bucket_size 128;',
    ...(o.extraHttp !== undefined && o.extraHttp !== '' ? [o.extraHttp] : []),
    `    include ${q(path.resolve(o.serversConf))};`,
    '}',
    '',
  ].join('\n');
}

/**
 * Write dir/nginx/nginx.conf, check it with `nginx -t`, start a private nginx
 * (daemonized) and wait for its pid file. Never touches the distro service.
 */
export async function startNginx(opts: StartNginxOptions): Promise<RunningNginx> {
  const dir = path.resolve(opts.dir);
  const binary = opts.binary ?? findTool('nginx');
  if (binary === null) throw new Error('nginx not found on PATH, /usr/sbin or /sbin');
  if (!path.isAbsolute(opts.serversConf)) throw new Error(`serversConf must be absolute: ${opts.serversConf}`);

  const prefix = `${path.join(dir, 'nginx')}/`;
  const confPath = path.join(dir, 'nginx', 'nginx.conf');
  const pidFile = path.join(dir, 'run', 'nginx.pid');
  const errorLog = path.join(dir, 'logs', 'nginx-error.log');
  const accessLog = path.join(dir, 'logs', 'nginx-access.log');
  const startStderr = path.join(dir, 'logs', 'nginx-start.stderr');

  // nginx creates only the last component of a *_temp_path.
  for (const sub of ['nginx/tmp', 'run', 'logs']) await mkdir(path.join(dir, sub), { recursive: true });
  await writeFile(confPath, nginxConfText({ dir, serversConf: opts.serversConf, extraHttp: opts.extraHttp }));

  const test = await nginxTest(binary, confPath, prefix, errorLog);
  if (!test.ok) throw new Error(`nginx -t failed for ${confPath}:\n${test.stderr}`);

  // The foreground process exits once the master has daemonized. Its stderr
  // is a plain file descriptor, so the daemon can hold no pipe of ours open.
  const args = opts.launchArgs?.({ confPath, prefix, errorLog }) ?? ['-c', confPath, '-p', prefix, '-e', errorLog];
  if (opts.runAs !== undefined) await execa('chown', ['-R', `${opts.runAs}:nogroup`, path.join(dir, 'nginx'), path.join(dir, 'run'), path.join(dir, 'logs')]);
  const launch =
    opts.runAs === undefined
      ? await runToFile(binary, args, startStderr, START_TIMEOUT_MS)
      : await runToFile('setpriv', [`--reuid=${opts.runAs}`, '--regid=nogroup', '--clear-groups', '--', binary, ...args], startStderr, START_TIMEOUT_MS);
  if (launch !== 0) {
    throw new Error(
      `nginx failed to start (${String(launch)}):\n${await tail(startStderr)}\n--- error log:\n${await tail(errorLog)}`,
    );
  }

  let pid = 0;
  const up = await waitFor(async () => {
    try {
      pid = Number((await readFile(pidFile, 'utf8')).trim());
    } catch {
      return false;
    }
    return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid);
  }, START_TIMEOUT_MS);
  if (!up) {
    throw new Error(`nginx did not write a live pid to ${pidFile} within ${START_TIMEOUT_MS} ms:\n${await tail(errorLog)}`);
  }

  const master = pid;
  let stopped = false;
  const seenWorkers = new Set<number>();

  const workers = async (): Promise<number[]> => {
    const list = await childPids(master);
    for (const w of list) seenWorkers.add(w);
    return list;
  };
  // Record the first worker(s) so stop() can clean them up too.
  await waitFor(async () => (await workers()).length > 0, START_TIMEOUT_MS);

  const reload = async (): Promise<number[]> => {
    if (stopped || !isProcessAlive(master)) throw new Error(`nginx master ${master} is not running`);
    const t = await nginxTest(binary, confPath, prefix, errorLog);
    if (!t.ok) throw new Error(`nginx -t failed, not reloading:\n${t.stderr}`);
    const before = new Set(await workers());
    process.kill(master, 'SIGHUP');
    const fresh = await waitFor(async () => (await workers()).some((w) => !before.has(w)), STOP_TIMEOUT_MS);
    if (!fresh) throw new Error(`no new nginx worker after SIGHUP to ${master}:\n${await tail(errorLog)}`);
    // Old workers finish gracefully; give them a moment, but do not fail if a
    // long-lived connection keeps one around.
    await waitFor(async () => (await workers()).every((w) => !before.has(w)), 2_000);
    return workers();
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await workers().catch(() => []);
    const pids = [master, ...seenWorkers];
    try {
      process.kill(master, 'SIGQUIT');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
    const gone = () => !existsSync(pidFile) && pids.every((p) => !isProcessAlive(p));
    if (await waitFor(gone, STOP_TIMEOUT_MS)) return;
    for (const p of pids) {
      if (isProcessAlive(p)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (!(await waitFor(() => pids.every((p) => !isProcessAlive(p)), 2_000))) {
      throw new Error(`nginx processes still alive after SIGKILL: ${pids.filter(isProcessAlive).join(' ')}`);
    }
  };

  return { pid: master, confPath, prefix, accessLog, errorLog, pidFile, binary, workers, reload, stop };
}
