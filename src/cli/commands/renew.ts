/**
 * cert-wrap renew: act on the plan. Only certificates that need something
 * (obtain, reissue, renew) cause a certbot run, with --force-renewal when our
 * rule says renewal is due, so the decision is the one `status` shows. When
 * nothing is due, no certbot process is started at all.
 */
import { refuseInFleet } from './fleet-guard.js';
import { checkCanReload } from '../../adapters/nginx/can-reload.js';
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import { checkBeforeRunning, checkHooksAndCopies } from '../../run/checks.js';
import { ownDeployHook } from '../../run/hooks.js';
import type { RunSummary } from '../../run/io.js';
import { checkMetricsTarget, writeMetrics } from '../../run/metrics-file.js';
import { dueNow, renewalStatuses } from '../../run/planner.js';
import { selectCertificates } from '../../run/select.js';
import { runSession } from '../../run/session.js';
import { realSessionIO } from '../../run/session-io.js';
import { useColor } from '../output/color.js';
import { writeStdout } from '../output/stdio.js';
import { newProgress } from '../output/progress.js';
import { formatTable } from '../output/summary.js';
import { checkSessionArgs, type SessionArgs } from './session-options.js';

export interface RenewArgs extends SessionArgs {
  config: string;
  cert?: string[];
  dryRun: boolean;
  json: boolean;
  metrics?: string;
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
  const session = checkSessionArgs(args);
  const config = await loadConfigCached(args.config);
  refuseInFleet(config, 'renew');
  const certs = selectCertificates(config, args.cert ?? []);
  checkHooksAndCopies(config, certs);
  // Before the lock, for what looks due: the checks, and that nginx can be reloaded at the end (exit 2 otherwise).
  const due = dueNow(config, certs, new Date());
  if (due.length > 0) checkBeforeRunning(config, due);
  const reloadChecked = args.reload && due.length > 0;
  if (reloadChecked) await checkCanReload(config);
  const opts = { deployHook: ownDeployHook(config), dryRun: args.dryRun, force: false, reload: args.reload, reloadChecked };
  const outcome = await runSession(config, certs, opts, realSessionIO(config, { ...session, progress: newProgress() }));
  if (outcome.interruptedExit !== null) return outcome.interruptedExit;
  const { certificates, ran, reload } = outcome;
  const summary: RenewSummary = { ok: certificates.every((r) => r.outcome !== 'failed') && reload.ok, renewed: ran.some((r) => r.outcome === 'issued'), certificates, reload };
  // When no certbot ran, the decisions taken under the lock are still the state of every certificate.
  const unchangedStatuses = ran.length === 0 ? outcome.decided : undefined;
  if (!args.dryRun) await (await import('./alerts.js')).raiseAlerts(config, certs, 'renew', summary, unchangedStatuses);
  const now = new Date();
  if (args.metrics) writeMetrics(args.metrics, renewalStatuses(config, certs, now), config.certsDir, now);
  if (!(args.quiet && uneventful(summary))) {
    writeStdout(args.json ? `${JSON.stringify(summary, null, 2)}\n` : formatTable(summary, useColor(1)));
  }
  return summary.ok ? 0 : 1;
}

/** Nothing to tell a person: no certificate renewed, redeployed or failed, no reload attempted or failed. */
export function uneventful(summary: RenewSummary): boolean {
  return summary.ok && !summary.reload.attempted && summary.certificates.every((r) => r.outcome === 'unchanged');
}
