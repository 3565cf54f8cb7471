/**
 * A certbot session shared by `obtain` and `renew`: checks before acting, the
 * lock (held from the decisions to the last write, so a second run decides
 * on what the first one left), progress, the runs one at a time, one nginx
 * reload at the end if a deploy hook ran, and a clean stop on SIGINT/SIGTERM.
 */
import { brokenLineage } from '../adapters/certbot/lineage-check.js';
import { acquireLock } from '../adapters/certbot/lock.js';
import { type CertReport, executeObtain, type PlannedRun } from '../adapters/certbot/obtain.js';
import { hookAndDeployProblems, preflight } from './checks.js';
import { readLogTail, runCertbot } from '../adapters/certbot/run.js';
import { withSecretsFile } from '../adapters/certbot/secrets-file.js';
import type { Certificate, Config } from '../model/types.js';
import { signalExitCode, whileInterruptible } from '../lib/interrupt.js';
import { redact } from '../lib/secrets.js';
import { DEFER_RELOAD_ENV, NO_RELOAD } from '../adapters/store/pending-reload.js';
import { checkCanReload } from '../adapters/nginx/can-reload.js';
import { notReloaded, reloadIfPending } from './reload-pending.js';
import { PreflightError, UsageError } from '../lib/errors.js';
import { recordFailures, recordSuccess } from '../adapters/store/state.js';
import { outcomeText } from '../model/report.js';
import type { Progress, ReloadReport } from './io.js';

export { PreflightError };

export interface SessionResult {
  reports: CertReport[];
  reload: ReloadReport;
  /** Set when the run was stopped by a signal: the exit code to use. */
  interruptedExit: number | null;
}

/** Everything certbot and cert-wrap need for these certificates, checked before acting (exit 2). */
export function checkBeforeRunning(config: Config, certs: Certificate[]): void {
  refuseIfAny(preflight(config, certs));
}

/** The certificates' hooks and deploy copies, checked before the lock is taken, whatever is due (exit 2). */
export function checkHooksAndCopies(config: Config, certs: Certificate[]): void {
  refuseIfAny(hookAndDeployProblems(certs, config.onFailure));
}

function refuseIfAny(problems: { message: string }[]): void {
  if (problems.length > 0) throw new PreflightError(`cannot start:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
}

/** Unless --no-reload: nginx must be reloadable at the end, or nothing is ordered (exit 2). */
export async function checkReloadBeforeRunning(config: Config, reload: boolean): Promise<void> {
  if (reload) await checkCanReload(config);
}

/** Run `work` holding the lock on the certbot directories; a second run waits, then gives up (exit 3). */
export async function underLock<T>(config: Config, lockTimeout: number, progress: Progress, work: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(config.configDir, lockTimeout, (holder) =>
    progress.note(`waiting up to ${lockTimeout} s for another cert-wrap run (${holder}) to finish`),
  );
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

export interface PreflightArgs {
  preflight: boolean;
  resolve?: string[];
}

/** The option values, checked before the lock is taken or anything is written (exit 2). */
export async function checkOptions(args: PreflightArgs & { lockTimeout: number }): Promise<void> {
  if (!(args.lockTimeout >= 0 && args.lockTimeout <= 86_400)) {
    throw new UsageError(`--lock-timeout ${String(args.lockTimeout)}: give the seconds to wait for another run, from 0 to 86400`);
  }
  if ((args.resolve ?? []).length > 0) (await import('../adapters/probe/resolve.js')).parseResolve(args.resolve ?? []);
}

/**
 * The HTTP-01 preflight: certificates whose names do not serve a probe file
 * through the webroot are held back (failed validations count against the
 * CA's limits) and reported with what was seen.
 */
export async function holdBackUnreachable(
  config: Config,
  plan: PlannedRun[],
  args: PreflightArgs,
  progress: Progress,
): Promise<{ plan: PlannedRun[]; heldBack: CertReport[] }> {
  if (!args.preflight && (args.resolve ?? []).length === 0) return { plan, heldBack: [] };
  // Loaded only when used: the HTTP client stack is a good part of a short run's start-up.
  const [{ probeCertificates }, { parseResolve }, { splitByPreflight }] = await Promise.all([
    import('../adapters/probe/http01.js'),
    import('../adapters/probe/resolve.js'),
    import('../adapters/probe/split.js'),
  ]);
  const resolve = parseResolve(args.resolve ?? []);
  if (!args.preflight || !plan.some((p) => p.cert.challenge === null)) return { plan, heldBack: [] };
  progress.note(`preflight: checking that nginx serves the challenge path of ${plan.filter((p) => p.cert.challenge === null).length} certificate(s)`);
  const reports = await probeCertificates(
    config,
    plan.map((p) => p.cert),
    { resolve },
  );
  const { fail } = splitByPreflight(reports);
  const failed = new Map(fail.map((f) => [f.name, f.problems]));
  const heldBack: CertReport[] = [];
  for (const run of plan) {
    const problems = failed.get(run.cert.name);
    if (!problems) continue;
    const reason = `preflight: ${problems.join('; ')}`;
    heldBack.push({ name: run.cert.name, domains: run.cert.domains, outcome: 'failed', class: 'preflight', reason, seconds: 0 });
    progress.note(`${run.cert.name}: not sent to the CA: ${problems.join('; ')}`);
  }
  return { plan: plan.filter((p) => !failed.has(p.cert.name)), heldBack };
}

/** Reports in config order: those of the runs and those held back before. */
export function inPlanOrder(plan: PlannedRun[], ...reports: CertReport[][]): CertReport[] {
  const byName = new Map(reports.flat().map((r) => [r.name, r]));
  return plan.map((p) => byName.get(p.cert.name)).filter((r): r is CertReport => r !== undefined);
}

/** The certbot runs of a plan, one at a time. Call it under the lock. */
export async function runSession(config: Config, plan: PlannedRun[], progress: Progress, opts: { reload?: boolean } = {}): Promise<SessionResult> {
  try {
    // Ctrl-C or SIGTERM: stop the running certbot, start no other, clean up, exit 128+N.
    const { value: reports, interrupted } = await whileInterruptible(({ signal, interrupted: stopped }) =>
      executeObtain(plan, {
        run: async (run) => {
          const result = await withSecretsFile(run.secrets, (extra) =>
            runCertbot(config.certbot, [...run.args, ...extra], { env: { [DEFER_RELOAD_ENV]: opts.reload === false ? NO_RELOAD : '1' }, signal, onLine: (l) => progress.line(run.cert.name, l) }),
          );
          // certbot may repeat a secret in an error line: reasons never carry one.
          return { ...result, output: redact(result.output) };
        },
        refuse: (run) => brokenLineage(config.configDir, run.cert.name),
        stopped: () => stopped() !== null,
        logTail: () => redact(readLogTail(config)),
        onStart: (run, i, n) => progress.start(run.cert.name, i, n),
        onDone: (run, r) => progress.done(run.cert.name, `${outcomeText(r)} in ${r.seconds.toFixed(1)} s${r.reason ? `: ${r.reason}` : ''}`),
      }),
    );
    const reload = opts.reload === false ? notReloaded() : await reloadIfPending(config);
    progress.close();
    if (interrupted) {
      process.stderr.write(`cert-wrap: interrupted by ${interrupted}; ${reports.length} of ${plan.length} certificates were attempted\n`);
    }
    return { reports, reload, interruptedExit: interrupted === null ? null : signalExitCode(interrupted) };
  } finally {
    progress.close();
  }
}


/** Remember which certificates were handled successfully (issued, or checked and not due), for the metrics. */
export function recordOutcomes(config: Config, reports: CertReport[], dryRun: boolean): void {
  if (dryRun) return;
  const now = new Date();
  const succeeded = reports.filter((r) => r.outcome === 'issued' || r.outcome === 'unchanged').map((r) => r.name);
  recordSuccess(config.certsDir, succeeded, now);
  recordFailures(config.certsDir, reports.flatMap((r) => (r.outcome === 'failed' ? [{ name: r.name, class: r.class ?? 'other' }] : [])), now);
}
