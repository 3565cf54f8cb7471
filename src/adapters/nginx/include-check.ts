/**
 * Before apply writes anything: the running nginx is the one the pid file
 * names, its configuration passes `nginx -T`, and that configuration reads the
 * servers file inside its http block (else the file would be written for
 * nothing, or break nginx). Each failure is a sentence saying what to do.
 */
import type { Config } from '../../model/types.js';
import { UsageError } from '../../lib/errors.js';
import { type DumpResult, dumpArgs, dumpConfiguration } from './dump.js';
import { type DumpedFile, fileFor, type IncludeSite, type IncludeVerdict, parseDump, whereIncluded } from './includes.js';
import { findNginxHost, type NginxHost } from './host.js';
import { findMaster, type MasterLookup } from './master.js';
import { nginxQuote } from '../../leaves/nginx-quote.js';
import { duplicateDefaultServerHint } from './default-server-hint.js';

export interface RunningNginx {
  pid: number;
  /** The main configuration file, as nginx -T names it. */
  mainConf: string;
  /** The include directive that reads the servers file. */
  site: IncludeSite;
}

export interface IncludeCheckDeps {
  /** The host's nginx; throws NginxHostError (exit 2) when there is none. */
  findHost(config: Config): Promise<NginxHost>;
  findMaster(host: NginxHost): MasterLookup;
  dump(binary: string, args: string[]): Promise<DumpResult>;
}

const defaultDeps: IncludeCheckDeps = {
  findHost: (config) => findNginxHost(config),
  findMaster: (host) => findMaster(host.pidFile, { binary: host.binary, euid: process.geteuid?.() ?? 0 }),
  dump: dumpConfiguration,
};

/** Throws UsageError (exit 2, nothing written) unless the running nginx reads `serversFile` inside http { }. */
export async function checkRunningNginx(config: Config, serversFile: string, deps: IncludeCheckDeps = defaultDeps): Promise<RunningNginx> {
  const host = await deps.findHost(config);
  const binary = host.binary;
  const master = deps.findMaster(host);
  if (!master.ok) {
    const found = host.pidSource === 'nginx.pid-file' ? '' : ` (the pid file was found from ${host.pidSource})`;
    throw new UsageError(`nothing done: apply needs the running nginx, and ${master.message}${found}: start nginx, or set nginx.pid-file in ${config.sourceName}`);
  }
  if (master.args === null && config.nginx.confFile === null) {
    // Never guess: a wrong guess checks one configuration while nginx runs another.
    throw new UsageError(`nothing done: cannot tell which configuration nginx (pid ${master.pid}) runs: its command line cannot be read as nginx reads it (${master.unreadable}); set nginx.conf-file (and nginx.prefix) to the -c and -p it was started with`);
  }
  const started = master.args ?? { confFile: null, prefix: null, errorLog: null, globals: null };
  const dump = await deps.dump(binary, dumpArgs(config.nginx, started));
  if (dump.notFound) throw new UsageError(`nothing done: cannot run "${binary}" (install nginx, or set nginx.binary in ${config.sourceName})`);
  if (!dump.ok) {
    const hint = duplicateDefaultServerHint(config, dump.stderr);
    throw new UsageError(
      `nothing done: nginx's configuration does not pass "nginx ${dump.args.join(' ')}", so it cannot be read or reloaded; fix it first` +
        ` (when it names certificate files that do not exist yet, "cert-wrap bootstrap -c ${config.sourceName}" makes them):\n${dump.stderr}${hint ? `\n${hint}` : ''}`,
    );
  }
  const files = parseDump(dump.stdout);
  const verdict = whereIncluded(files, serversFile);
  if (!verdict.included) throw new UsageError(notIncludedMessage(serversFile, files, verdict));
  return { pid: master.pid, mainConf: files[0]!.path, site: verdict.site };
}

/** What to add, and where; or which file an existing include already reads. */
export function notIncludedMessage(serversFile: string, files: DumpedFile[], verdict: Extract<IncludeVerdict, { included: false }>): string {
  const main = files[0]?.path ?? 'the main configuration file';
  const lines = [`nothing done: ${serversFile} is not part of nginx's running configuration (${main}), so nginx would never read the servers written there.`];
  if (verdict.wrongBlock) {
    const where = verdict.wrongBlock.context.length === 0 ? 'at the top level' : `inside ${verdict.wrongBlock.context.join(' > ')}`;
    lines.push(`It is included by ${verdict.wrongBlock.file} ${where}, but it holds server blocks, which belong inside the http block.`);
  }
  lines.push(`Add this line inside the http { ... } block of ${main}, then run apply again:`, `    include ${nginxQuote(serversFile)};`);
  const stem = 'cert-wrap';
  const existing = verdict.httpPatterns.map((p) => fileFor(p, stem)).filter((f): f is string => f !== null);
  if (existing.length > 0) lines.push(`Or give a file that nginx already reads there: --nginx-conf ${existing[0]}`);
  return lines.join('\n');
}
