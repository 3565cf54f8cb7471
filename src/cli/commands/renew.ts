/**
 * cert-wrap renew: act on the plan. Only certificates that need something
 * (obtain, reissue, renew) cause a certbot run, with --force-renewal when our
 * rule says renewal is due, so the decision is the one `status` shows. When
 * nothing is due, no certbot process is started at all.
 */
import { refuseInFleet } from './fleet-guard.js';
import { loadConfigCached } from '../../config/cached.js';
import { InspectionCache } from '../../lifecycle/inspect-cache.js';
import { statusOf } from '../../lifecycle/status.js';
import { useColor } from '../color.js';
import { formatTable, type RunSummary } from '../summary.js';
import { ownDeployHook, selectCertificates } from './obtain.js';
import { runDue } from './due.js';
import { checkBeforeRunning, checkHooksAndCopies, checkOptions, checkReloadBeforeRunning, newProgress, underLock } from './session.js';
import { checkMetricsTarget, writeMetrics } from './status.js';

export interface RenewArgs {
  config: string;
  cert?: string[];
  dryRun: boolean;
  json: boolean;
  lockTimeout: number;
  metrics?: string;
  preflight: boolean;
  resolve?: string[];
  reload: boolean;
  /** Print nothing when nothing was renewed and nothing failed. */
  quiet?: boolean;
}

export interface RenewSummary extends RunSummary {
  /** true when at least one certificate was obtained, reissued or renewed. */
  renewed: boolean;
}

export async function renew(args: RenewArgs): Promise<number> {
  checkMetricsTarget(args.metrics, args.config);
  await checkOptions(args);
  const config = await loadConfigCached(args.config);
  refuseInFleet(config, 'renew');
  const certs = selectCertificates(config, args.cert ?? []);
  const deployHook = ownDeployHook(config);
  checkHooksAndCopies(config, certs);
  const progress = newProgress();
  // Before the lock, for what looks due: the checks, and that nginx can be reloaded at the end (exit 2 otherwise).
  const due = statusOf(config, certs, new Date(), InspectionCache.open()).filter((s) => s.decision.action !== 'none' && s.decision.action !== 'unknown').map((s) => s.cert);
  if (due.length > 0) checkBeforeRunning(config, due);
  const reloadChecked = args.reload && due.length > 0;
  if (reloadChecked) await checkReloadBeforeRunning(config, true);
  // Decide under the lock: a run that waited for another one sees what that one renewed.
  const outcome = await underLock(config, args.lockTimeout, progress, () => runDue(config, certs, { ...args, deployHook, force: false, reloadChecked }, progress));
  if (outcome.interruptedExit !== null) return outcome.interruptedExit;
  const { certificates, ran, reload } = outcome;
  const summary: RenewSummary = {
    ok: certificates.every((r) => r.outcome !== 'failed') && reload.ok,
    renewed: ran.some((r) => r.outcome === 'issued'),
    certificates,
    reload,
  };
  if (!args.dryRun) await (await import('./alerts.js')).raiseAlerts(config, certs, 'renew', summary);
  const now = new Date();
  if (args.metrics) writeMetrics(args.metrics, statusOf(config, certs, now), config.certsDir, now);
  if (!(args.quiet && uneventful(summary))) {
    process.stdout.write(args.json ? `${JSON.stringify(summary, null, 2)}\n` : formatTable(summary, useColor(process.stdout)));
  }
  return summary.ok ? 0 : 1;
}

/** Nothing to tell a person: no certificate renewed, redeployed or failed, no reload attempted or failed. */
export function uneventful(summary: RenewSummary): boolean {
  return summary.ok && !summary.reload.attempted && summary.certificates.every((r) => r.outcome === 'unchanged');
}
