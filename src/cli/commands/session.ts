/**
 * A certbot session shared by `obtain` and `renew`: checks before acting, the
 * lock, progress, the runs one at a time, one nginx reload at the end if a
 * deploy hook ran, and a clean stop on SIGINT/SIGTERM.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RELOAD_MARKER_ENV } from '../../certbot/args.js';
import { acquireLock } from '../../certbot/lock.js';
import { type CertReport, executeObtain, type PlannedRun } from '../../certbot/obtain.js';
import { preflight } from '../../certbot/preflight.js';
import { readLogTail, runCertbot } from '../../certbot/run.js';
import type { Config } from '../../config/types.js';
import { DEFAULT_CONFIG_DIR } from '../../lifecycle/inspect.js';
import { reloadNginx } from '../../nginx/reload.js';
import { useColor } from '../color.js';
import { createProgress, type Progress } from '../progress.js';
import { outcomeText, type ReloadReport } from '../summary.js';

/** Problems found before anything ran: exit 2. */
export class PreflightError extends Error {
  readonly exitCode = 2;
  override name = 'PreflightError';
}

export interface SessionResult {
  reports: CertReport[];
  reload: ReloadReport;
  /** Set when the run was stopped by a signal: the exit code to use. */
  interruptedExit: number | null;
}

export function newProgress(config: Config): Progress {
  const live = process.stderr.isTTY === true && !process.env.CI;
  return createProgress(process.stderr, { live, color: useColor(process.stderr), redact: redactor(config) });
}

export function checkBeforeRunning(config: Config, plan: PlannedRun[]): void {
  const problems = preflight(
    config,
    plan.map((p) => p.cert),
  );
  if (problems.length > 0) throw new PreflightError(`cannot start:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
}

export async function runSession(config: Config, plan: PlannedRun[], opts: { lockTimeout: number; progress: Progress }): Promise<SessionResult> {
  const { progress } = opts;
  const lock = await acquireLock(config.configDir ?? DEFAULT_CONFIG_DIR, opts.lockTimeout, (holder) =>
    progress.note(`waiting up to ${opts.lockTimeout} s for another cert-wrap run (${holder}) to finish`),
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
    }
    return { reports, reload, interruptedExit: interrupted === null ? null : interrupted === 'SIGINT' ? 130 : 143 };
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    progress.close();
    rmSync(markerDir, { recursive: true, force: true });
    await lock.release();
  }
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
