/** The real I/O of a session: the lock, certbot, nginx, the probe, state.json, signals. */
import { acquireLock } from '../adapters/certbot/lock.js';
import { brokenLineage } from '../adapters/certbot/lineage-check.js';
import { readLogTail, runCertbot } from '../adapters/certbot/run.js';
import { withSecretsFile } from '../adapters/certbot/secrets-file.js';
import { checkCanReload } from '../adapters/nginx/can-reload.js';
import { recordFailures, recordSuccess } from '../adapters/store/state.js';
import { whileInterruptible } from '../lib/interrupt.js';
import { redact } from '../lib/secrets.js';
import type { CertReport } from '../model/report.js';
import type { Config } from '../model/types.js';
import { bootstrapCertificates } from './bootstrap.js';
import { hookEnv } from './hooks.js';
import { readinessProblems, refuseIfAny } from './checks.js';
import type { Progress, ReloadReport } from './io.js';
import { decideNow } from './planner.js';
import { holdBackUnreachable, type ProbeOptions } from './probe.js';
import { redoFailedDeploys } from './redeploy.js';
import { reloadIfPending } from './reload-pending.js';
import type { SessionIO } from './session.js';

export interface RealSessionOptions extends ProbeOptions {
  /** Seconds to wait for another run's lock (--lock-timeout). */
  lockTimeout: number;
  progress: Progress;
  /** Wraps each reload (apply waits for nginx's new workers after one). */
  aroundReload?: (reload: () => Promise<ReloadReport>) => Promise<ReloadReport>;
}

/** Run `work` holding the lock on certbot's directories; a second run waits, then gives up (exit 3). */
export async function underLock<T>(config: Config, lockTimeout: number, progress: Progress, work: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(config.configDir, lockTimeout, (holder) => progress.note(`waiting up to ${lockTimeout} s for another cert-wrap run (${holder}) to finish`));
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

export function realSessionIO(config: Config, opts: RealSessionOptions): SessionIO {
  const { progress } = opts;
  const reload = (earlier: boolean) => {
    const once = () => reloadIfPending(config, { earlier });
    return opts.aroundReload ? opts.aroundReload(once) : once();
  };
  return {
    now: () => new Date(),
    progress,
    lock: (work) => underLock(config, opts.lockTimeout, progress, work),
    decide: (certs) => decideNow(config, certs),
    check: (certs) => refuseIfAny(readinessProblems(config, certs)),
    checkReload: () => checkCanReload(config),
    redoDeploys: (certs) => redoFailedDeploys(config, certs, progress),
    bootstrap: async (certs) => {
      await bootstrapCertificates(config, certs);
    },
    holdBack: (plan) => holdBackUnreachable(config, plan, opts, progress),
    refuse: (run) => brokenLineage(config.configDir, run.cert.name),
    interruptible: (work) => whileInterruptible(({ signal, interrupted }) => work({ signal, stopped: () => interrupted() !== null })),
    certbot: async (run, { signal, deferReload }) => {
      const result = await withSecretsFile(run.secrets, (extra) =>
        runCertbot(config.certbot, [...run.args, ...extra], {
          env: hookEnv(deferReload),
          signal,
          onLine: (l) => progress.line(run.cert.name, l),
        }),
      );
      // certbot may repeat a secret in an error line: reasons never carry one.
      return { ...result, output: redact(result.output) };
    },
    logTail: () => redact(readLogTail(config)),
    reloadIfPending: reload,
    record: (reports) => recordOutcomes(config, reports),
    warn: (text) => process.stderr.write(`cert-wrap: ${text}\n`),
  };
}

/** Remember which certificates were handled successfully (issued, or checked and not due), and which failed. */
function recordOutcomes(config: Config, reports: CertReport[]): void {
  const now = new Date();
  const succeeded = reports.filter((r) => r.outcome === 'issued' || r.outcome === 'unchanged').map((r) => r.name);
  recordSuccess(config.certsDir, succeeded, now);
  recordFailures(config.certsDir, reports.flatMap((r) => (r.outcome === 'failed' ? [{ name: r.name, class: r.class ?? 'other' }] : [])), now);
}
