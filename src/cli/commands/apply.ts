/**
 * cert-wrap apply: everything is checked first (exit 2, nothing written,
 * locked or started), then apply's steps run under the lock (see apply/run.ts).
 */
import { refuseInFleet } from './fleet-guard.js';
import { resolve } from 'node:path';
import { checkRunningNginx, type RunningNginx } from '../../apply/include-check.js';
import { type ApplySteps, executeApply, type ObtainResult } from '../../apply/run.js';
import { readServersFile, restoreServersFile, writeServersFile } from '../../apply/servers-file.js';
import type { CertReport } from '../../certbot/obtain.js';
import { notDue, planRenewal } from '../../certbot/renewal-plan.js';
import { loadConfigCached } from '../../config/cached.js';
import type { Config } from '../../config/types.js';
import { pendingReload } from '../../lifecycle/pending-reload.js';
import { acceptingWorkers, waitForNewWorkers } from '../../nginx/generation.js';
import { reloadPending } from '../../nginx/reload-pending.js';
import { bucketSizeWarnings, renderNginx } from '../../nginx/render.js';
import { loadTemplates } from '../../nginx/templates.js';
import { formatApply } from '../apply-summary.js';
import { useColor } from '../color.js';
import type { Progress } from '../progress.js';
import { bootstrapCertificates } from './bootstrap.js';
import { ownDeployHook } from './obtain.js';
import { redoFailedDeploys } from './redeploy.js';
import { checkBeforeRunning, checkHooksAndCopies, checkOptions, holdBackUnreachable, inPlanOrder, newProgress, recordOutcomes, runSession, type SessionResult, underLock } from './session.js';

export interface ApplyArgs {
  config: string;
  nginxConf: string;
  templates?: string;
  json: boolean;
  lockTimeout: number;
  preflight: boolean;
  resolve?: string[];
}

export async function apply(args: ApplyArgs): Promise<number> {
  await checkOptions(args);
  const config = await loadConfigCached(args.config);
  refuseInFleet(config, 'apply');
  const serversPath = resolve(args.nginxConf);
  checkBeforeRunning(config, config.certificates);
  checkHooksAndCopies(config, config.certificates);
  const text = renderNginx(config, await loadTemplates(args.templates));
  for (const warning of bucketSizeWarnings(config)) process.stderr.write(`cert-wrap: warning: ${warning}\n`);
  const nginx = await checkRunningNginx(config, serversPath);
  const progress = newProgress();
  const report = await underLock(config, args.lockTimeout, progress, () => {
    const file = readServersFile(serversPath, text);
    const steps: ApplySteps = {
      bootstrap: () => bootstrapCertificates(config, config.certificates),
      writeServers: () => writeServersFile(file),
      restoreServers: () => restoreServersFile(file),
      reloadPending: () => pendingReload(config.certsDir).length > 0,
      reload: () => reloadAndWait(config, nginx),
      obtain: () => obtainDue(config, nginx, args, progress),
    };
    return executeApply(serversPath, steps);
  });
  if (report.interruptedExit !== null) return report.interruptedExit;
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatApply(report, useColor(process.stdout)));
  return report.ok ? 0 : 1;
}

/** Reload, then wait until the new workers serve (the preflight and the caller rely on them). */
async function reloadAndWait(config: Config, nginx: RunningNginx) {
  const before = acceptingWorkers(nginx.pid);
  const result = await reloadPending(config);
  if (result.ok) await waitForNewWorkers(result.pid, before);
  return result;
}

/** renew's plan and session: certbot only for what is missing, changed or due; one reload if anything was issued. */
async function obtainDue(config: Config, nginx: RunningNginx, args: ApplyArgs, progress: Progress): Promise<ObtainResult> {
  const { statuses, plan } = planRenewal(config, config.certificates, { deployHook: ownDeployHook(config), dryRun: false });
  const notPlanned = statuses.filter((s) => !plan.some((p) => p.cert === s.cert)).map((s) => s.cert);
  const redone = await redoFailedDeploys(config, notPlanned, progress);
  let ran: CertReport[] = [];
  let session: Pick<SessionResult, 'reload' | 'interruptedExit'> = { reload: { attempted: false, ok: true, message: 'nginx not reloaded: nothing was issued' }, interruptedExit: null };
  if (plan.length > 0) {
    const checked = await holdBackUnreachable(config, plan, args, progress);
    const before = acceptingWorkers(nginx.pid);
    const result = await runSession(config, checked.plan, progress);
    if (result.reload.attempted && result.reload.ok) await waitForNewWorkers(nginx.pid, before);
    ran = inPlanOrder(plan, result.reports, checked.heldBack);
    session = result;
  }
  const byName = new Map([...ran, ...redone].map((r) => [r.name, r]));
  const certificates = statuses.map((s) => byName.get(s.cert.name) ?? notDue(s));
  recordOutcomes(config, certificates, false);
  return { certificates, ran, reload: session.reload, interruptedExit: session.interruptedExit };
}
