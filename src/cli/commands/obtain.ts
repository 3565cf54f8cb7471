/**
 * cert-wrap obtain: run certbot for every configured certificate (or those
 * named with --cert), then reload nginx once if anything was issued.
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployHookCommand, printable, RELOAD_MARKER_ENV } from '../../certbot/args.js';
import { acquireLock } from '../../certbot/lock.js';
import { executeObtain, planObtain } from '../../certbot/obtain.js';
import { preflight } from '../../certbot/preflight.js';
import { readLogTail, runCertbot } from '../../certbot/run.js';
import { loadConfig } from '../../config/load.js';
import type { Certificate, Config } from '../../config/types.js';
import { UsageError } from '../../lib/errors.js';
import { reloadNginx } from '../../nginx/reload.js';
import { useColor } from '../color.js';
import { createProgress } from '../progress.js';
import { formatTable, outcomeText, type ReloadReport, type RunSummary } from '../summary.js';

export interface ObtainArgs {
  config: string;
  cert?: string[];
  print: boolean;
  dryRun: boolean;
  json: boolean;
  lockTimeout: number;
}

/** Preflight problems: exit 2, nothing has run. */
export class PreflightError extends Error {
  readonly exitCode = 2;
  override name = 'PreflightError';
}

export async function obtain(args: ObtainArgs): Promise<number> {
  const config = loadConfig(args.config);
  const certs = selectCertificates(config, args.cert ?? []);
  const deployHook = deployHookCommand(process.execPath, realpathSync(process.argv[1]!), config.sourcePath);
  const plan = planObtain(config, certs, { deployHook, dryRun: args.dryRun });
  if (args.print) {
    for (const run of plan) process.stdout.write(`${printable(config.certbot, run.args)}\n`);
    return 0;
  }
  const problems = preflight(config, certs);
  if (problems.length > 0) throw new PreflightError(`cannot start:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);

  const live = process.stderr.isTTY === true && !process.env.CI;
  const progress = createProgress(process.stderr, { live, color: useColor(process.stderr), redact: redactor(config) });
  const lock = await acquireLock(config.configDir ?? '/etc/letsencrypt', args.lockTimeout, (holder) =>
    progress.note(`waiting up to ${args.lockTimeout} s for another cert-wrap run (${holder}) to finish`),
  );
  const markerDir = mkdtempSync(join(tmpdir(), 'cert-wrap-'));
  const marker = join(markerDir, 'reload');
  // Ctrl-C or SIGTERM: stop the running certbot, start no other, clean up, exit 128+N.
  const abort = new AbortController();
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig;
    abort.abort();
  };
  // `on`, not `once`: execa's exit handler re-raises the signal when it finds no other listener.
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    const reports = await executeObtain(plan, {
      run: (run) =>
        runCertbot(config.certbot, run.args, { env: { [RELOAD_MARKER_ENV]: marker }, signal: abort.signal, onLine: (l) => progress.line(run.cert.name, l) }),
      stopped: () => interrupted !== null,
      logTail: () => readLogTail(config),
      onStart: (run, i, n) => progress.start(run.cert.name, i, n),
      onDone: (run, r) => progress.done(run.cert.name, `${outcomeText(r)} in ${r.seconds.toFixed(1)} s${r.reason ? `: ${r.reason}` : ''}`),
    });
    const reload = await reloadIfDeployed(config, marker);
    progress.close();
    if (interrupted) {
      process.stderr.write(`cert-wrap: interrupted by ${interrupted}; ${reports.length} of ${plan.length} certificates were attempted\n`);
      return interrupted === 'SIGINT' ? 130 : 143;
    }
    const summary: RunSummary = { ok: reports.every((r) => r.outcome !== 'failed') && reload.ok, certificates: reports, reload };
    process.stdout.write(args.json ? `${JSON.stringify(summary, null, 2)}\n` : formatTable(summary, useColor(process.stdout)));
    return summary.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    progress.close();
    rmSync(markerDir, { recursive: true, force: true });
    await lock.release();
  }
}

export function selectCertificates(config: Config, names: string[]): Certificate[] {
  if (names.length === 0) return config.certificates;
  const known = new Map(config.certificates.map((c) => [c.name, c]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`--cert ${unknown.map((n) => JSON.stringify(n)).join(', ')}: no such certificate in ${config.sourceName} (known: ${[...known.keys()].join(', ')})`);
  }
  return config.certificates.filter((c) => names.includes(c.name));
}

async function reloadIfDeployed(config: Config, marker: string): Promise<ReloadReport> {
  let deployed = '';
  try {
    deployed = readFileSync(marker, 'utf8').trim();
  } catch {
    // no deploy hook ran: nothing was issued
  }
  if (deployed === '') return { attempted: false, ok: true, message: 'nginx not reloaded: nothing was issued' };
  const result = await reloadNginx(config.nginx);
  return { attempted: true, ok: result.ok, message: result.message };
}

function redactor(config: Config): (s: string) => string {
  const secrets = config.eab ? [config.eab.kid, config.eab.hmacKey].filter((s) => s.length >= 4) : [];
  return (text) => secrets.reduce((t, s) => t.split(s).join('***'), text);
}
