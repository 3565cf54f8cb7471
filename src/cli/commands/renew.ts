/**
 * cert-wrap renew: act on the plan. Only certificates that need something
 * (obtain, reissue, renew) cause a certbot run, with --force-renewal when our
 * rule says renewal is due, so the decision is the one `status` shows. When
 * nothing is due, no certbot process is started at all.
 */
import { loadConfigCached } from '../../config/cached.js';
import { statusOf } from '../../lifecycle/status.js';
import { useColor } from '../color.js';
import { formatTable, type RunSummary } from '../summary.js';
import { ownDeployHook, selectCertificates } from './obtain.js';
import { runDue } from './due.js';
import { checkHooksAndCopies, checkOptions, newProgress, underLock } from './session.js';
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
}

export interface RenewSummary extends RunSummary {
  /** true when at least one certificate was obtained, reissued or renewed. */
  renewed: boolean;
}

export async function renew(args: RenewArgs): Promise<number> {
  checkMetricsTarget(args.metrics, args.config);
  await checkOptions(args);
  const config = await loadConfigCached(args.config);
  const certs = selectCertificates(config, args.cert ?? []);
  const deployHook = ownDeployHook(config);
  checkHooksAndCopies(certs);
  const progress = newProgress(config);
  // Decide under the lock: a run that waited for another one sees what that one renewed.
  const outcome = await underLock(config, args.lockTimeout, progress, () => runDue(config, certs, { ...args, deployHook, force: false }, progress));
  if (outcome.interruptedExit !== null) return outcome.interruptedExit;
  const { certificates, ran, reload } = outcome;
  const summary: RenewSummary = {
    ok: certificates.every((r) => r.outcome !== 'failed') && reload.ok,
    renewed: ran.some((r) => r.outcome === 'issued'),
    certificates,
    reload,
  };
  const now = new Date();
  if (args.metrics) writeMetrics(args.metrics, statusOf(config, certs, now), config.certsDir, now);
  process.stdout.write(args.json ? `${JSON.stringify(summary, null, 2)}\n` : formatTable(summary, useColor(process.stdout)));
  return summary.ok ? 0 : 1;
}

