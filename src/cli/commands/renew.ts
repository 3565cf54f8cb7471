/**
 * cert-wrap renew: act on the plan. Only certificates that need something
 * (obtain, reissue, renew) cause a certbot run, with --force-renewal when our
 * rule says renewal is due, so the decision is the one `status` shows. When
 * nothing is due, no certbot process is started at all.
 */
import type { CertReport } from '../../certbot/obtain.js';
import { planObtain } from '../../certbot/obtain.js';
import { loadConfigCached } from '../../config/cached.js';
import { InspectionCache } from '../../lifecycle/inspect-cache.js';
import { recordSuccess } from '../../lifecycle/state.js';
import { reloadIfPending } from '../../nginx/reload-pending.js';
import { type CertStatus, statusOf } from '../../lifecycle/status.js';
import { useColor } from '../color.js';
import { formatTable, type RunSummary } from '../summary.js';
import { ownDeployHook, selectCertificates } from './obtain.js';
import { bootstrapCertificates } from './bootstrap.js';
import { checkBeforeRunning, holdBackUnreachable, inPlanOrder, newProgress, runSession, underLock } from './session.js';
import { writeMetrics } from './status.js';

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
  const config = await loadConfigCached(args.config);
  const certs = selectCertificates(config, args.cert ?? []);
  const deployHook = ownDeployHook(config);
  const progress = newProgress();
  // Decide under the lock: a run that waited for another one sees what that one renewed.
  const outcome = await underLock(config, args.lockTimeout, progress, async () => {
    const reader = InspectionCache.open();
    const statuses = statusOf(config, certs, new Date(), reader);
    reader.save();
    const plan = statuses
      .filter((s) => s.decision.action !== 'none')
      .flatMap((s) => planObtain(config, [s.cert], { deployHook, dryRun: args.dryRun, forceRenewal: s.decision.action === 'renew' }));
    let ran: CertReport[] = [];
    let reload: RunSummary['reload'] | null = null;
    if (plan.length > 0) {
      checkBeforeRunning(config, plan.map((p) => p.cert));
      if (!args.dryRun) await bootstrapCertificates(config, plan.map((p) => p.cert));
      const checked = await holdBackUnreachable(config, plan, args, progress);
      const session = await runSession(config, checked.plan, progress);
      if (session.interruptedExit !== null) return { interruptedExit: session.interruptedExit } as const;
      ran = inPlanOrder(plan, session.reports, checked.heldBack);
      reload = session.reload;
    }
    // Nothing to run: still reload if a killed run left a deployed certificate unannounced.
    reload ??= await reloadIfPending(config);
    const byName = new Map(ran.map((r) => [r.name, r]));
    const certificates = statuses.map((s) => byName.get(s.cert.name) ?? notDue(s));
    if (!args.dryRun) {
      const succeeded = certificates.filter((r) => r.outcome === 'issued' || r.outcome === 'unchanged').map((r) => r.name);
      recordSuccess(config.certsDir, succeeded, new Date());
    }
    return { certificates, ran, reload, interruptedExit: null };
  });
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

function notDue(s: CertStatus): CertReport {
  return { name: s.cert.name, domains: s.cert.domains, outcome: 'unchanged', class: null, reason: `not due: ${s.decision.reason}`, seconds: 0 };
}
