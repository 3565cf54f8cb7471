/**
 * The host's nginx, found the way nginx finds its own files: the binary on
 * PATH (or in the sbin directories cron's PATH lacks), the main config file
 * and prefix compiled in (`nginx -V`), and the pid file named by the `pid`
 * directive of that configuration (as `nginx -T` shows it), else compiled in.
 * Explicit settings (nginx.binary, nginx.conf-file, nginx.prefix,
 * nginx.pid-file) always win. This is the one module that knows these rules.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { NginxHostError } from '../../lib/errors.js';
import { type ProcessResult, runProcess } from '../../lib/process.js';
import type { Config } from '../../model/types.js';
import { findNginxBinary } from './binary.js';
import { compiledPaths, withSlash } from './compiled.js';
import { pidFromDump, topLevelPid } from './pid-directive.js';

export interface NginxHost {
  /** Absolute path of the nginx binary. */
  binary: string;
  /** The pid file of the running master. */
  pidFile: string;
  /** nginx's main config file (used when the master's command line names none). */
  confFile: string;
  /** Set only when nginx.prefix is: otherwise nginx uses its compiled-in prefix. */
  prefix?: string;
  /** Where pidFile came from, for messages: "nginx.pid-file", "pid directive in FILE", "nginx -V --pid-path". */
  pidSource: string;
  /** Where confFile came from: "nginx.conf-file" or "nginx -V --conf-path". */
  confSource: string;
}

export { NginxHostError };

export interface HostDeps {
  /** Runs nginx; resolves to its exit code and output (nginx prints -V on stderr, -T on stdout). */
  run(binary: string, args: string[]): Promise<Pick<ProcessResult, 'exitCode' | 'stdout' | 'stderr'>>;
  /** A regular file's text, or null (missing, unreadable, not a regular file, too large). */
  readFile(file: string): string | null;
  path: string;
}

export async function findNginxHost(config: Config, deps: HostDeps = defaultDeps()): Promise<NginxHost> {
  const settings = config.nginx;
  const found = findNginxBinary(settings.binary, deps.path);
  if (!found.ok) throw new NginxHostError(found.message);
  const binary = found.path;
  const version = await deps.run(binary, ['-V']);
  if (version.exitCode !== 0) throw new NginxHostError(`"${binary} -V" failed (exit code ${version.exitCode}): ${firstLine(version.stderr)}`);
  const compiled = compiledPaths(version.stderr + version.stdout);
  const prefix = settings.prefix ?? undefined;
  const confFile = settings.confFile ?? compiled.confPath;
  const confSource = settings.confFile !== null ? 'nginx.conf-file' : 'nginx -V --conf-path';
  const host = { binary, confFile, confSource, ...(prefix !== undefined ? { prefix } : {}) };
  if (settings.pidFile !== null) return { ...host, pidFile: settings.pidFile, pidSource: 'nginx.pid-file' };
  const pid = await pidDirective(binary, confFile, prefix, deps);
  if (pid === null) return { ...host, pidFile: compiled.pidPath, pidSource: 'nginx -V --pid-path' };
  // A relative pid path is under the prefix (ngx_conf_full_name), like nginx reads it.
  const pidFile = isAbsolute(pid.value) ? pid.value : join(withSlash(prefix ?? compiled.prefix), pid.value);
  return { ...host, pidFile, pidSource: `pid directive in ${pid.file}` };
}

/** The `pid` directive as `nginx -T` shows it; the main file alone when nginx -T fails. */
async function pidDirective(binary: string, confFile: string, prefix: string | undefined, deps: HostDeps): Promise<{ value: string; file: string } | null> {
  const args = ['-T', '-q', '-c', confFile, ...(prefix !== undefined ? ['-p', prefix] : [])];
  const dump = await deps.run(binary, args);
  if (dump.exitCode === 0) return pidFromDump(dump.stdout);
  const text = deps.readFile(confFile);
  if (text === null) return null;
  const value = topLevelPid(text);
  return value === null ? null : { value, file: confFile };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function defaultDeps(): HostDeps {
  return {
    run: (binary, args) => (args.length === 1 && args[0] === '-V' ? compiledIn(binary) : runProcess(binary, args)),
    readFile: readSmallFile,
    path: process.env.PATH ?? '',
  };
}

/** `nginx -V` of each binary this process ran, while the file is the same: a run that checks and reloads asks once. */
const versions = new Map<string, Promise<ProcessResult>>();

function compiledIn(binary: string): Promise<ProcessResult> {
  let key: string;
  try {
    const st = statSync(binary);
    key = `${binary}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return runProcess(binary, ['-V']);
  }
  let run = versions.get(key);
  if (run === undefined) {
    run = runProcess(binary, ['-V']);
    versions.set(key, run);
    // Only an answer is kept: a failure is asked again.
    void run.then((r) => r.exitCode !== 0 && versions.delete(key));
  }
  return run;
}

/** Never blocks on a FIFO or reads a device: regular files up to 1 MiB only. */
function readSmallFile(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > 1 << 20) return null;
    return readFileSync(fd, 'utf8');
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
