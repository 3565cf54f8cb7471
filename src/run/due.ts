/**
 * The one renewal rule, carried out: decide each certificate (lifetime rule,
 * moved earlier by the CA's ARI window), then run certbot only for those that
 * need something. Shared by `renew`, `obtain` (which adds --force) and `plan`.
 */
import { renewalStatuses } from './planner.js';
import { brokenLineage } from '../adapters/certbot/lineage-check.js';
import { type CertReport, planObtain, type PlannedRun } from '../adapters/certbot/obtain.js';
import type { Certificate, Config } from '../model/types.js';
import { InspectionCache } from '../adapters/store/inspect-cache.js';
import type { CertStatus } from '../adapters/renewal/status.js';
import { notDue } from './planner.js';
import { notReloaded, reloadIfPending } from './reload-pending.js';
import type { Progress } from './io.js';
import type { RunSummary } from './io.js';
import { bootstrapCertificates } from './bootstrap.js';
import { redoFailedDeploys } from './redeploy.js';
import { checkBeforeRunning, checkReloadBeforeRunning, holdBackUnreachable, inPlanOrder, type PreflightArgs, recordOutcomes, runSession } from './session.js';

export interface DueOptions {
  deployHook: string;
  dryRun: boolean;
  /** Reissue certificates that are not due too (obtain --force). */
  force: boolean;
  /** false: --no-reload, something else reloads nginx. */
  reload: boolean;
  /** Whether the caller already checked, before the lock, that nginx can be reloaded. */
  reloadChecked: boolean;
}

/** Whether the certificate gets a certbot run, and with --force-renewal or not; null: nothing to run. */
export function runFor(s: CertStatus, force: boolean): { forceRenewal: boolean } | null {
  const action = s.decision.action;
  if (action === 'unknown') return null;
  if (action === 'none') return force ? { forceRenewal: true } : null;
  return { forceRenewal: action === 'renew' };
}

export function planDue(config: Config, statuses: CertStatus[], opts: Pick<DueOptions, 'deployHook' | 'dryRun' | 'force'>): PlannedRun[] {
  return statuses.flatMap((s) => {
    // A damaged lineage (certbot killed while saving it) is planned all the same: the session refuses it and says what to move aside.
    const run = runFor(s, opts.force) ?? (s.decision.action === 'none' && damaged(config, s) ? { forceRenewal: false } : null);
    return run ? planObtain(config, [s.cert], { deployHook: opts.deployHook, dryRun: opts.dryRun, forceRenewal: run.forceRenewal }) : [];
  });
}

function damaged(config: Config, s: CertStatus): boolean {
  return brokenLineage(config.configDir, s.cert.name) !== null;
}

/** Decides with what is on disk now, after asking the CA's ARI endpoint where its last answer has lapsed. */
export async function decideNow(config: Config, certs: Certificate[]): Promise<CertStatus[]> {
  const reader = InspectionCache.open();
  let statuses = renewalStatuses(config, certs, new Date(), reader);
  // Only certificates the lifetime rule leaves alone: ARI can only make a renewal earlier.
  const notDue = statuses.filter((s) => s.decision.action === 'none');
  if (notDue.length === 0) {
    reader.save();
    return statuses;
  }
  // Loaded here only: the HTTP client is no part of the other commands' start-up.
  const { refreshAri } = await import('./ari-refresh.js');
  const asked = await refreshAri(config, notDue.map((s) => ({ name: s.cert.name, found: s.found })), new Date());
  if (asked > 0) statuses = renewalStatuses(config, certs, new Date(), reader);
  reader.save();
  return statuses;
}

export interface DueOutcome {
  certificates: CertReport[];
  ran: CertReport[];
  reload: RunSummary['reload'];
  interruptedExit: number | null;
}

/** Decide and run. Call it under the lock: a run that waited for another one sees what that one renewed. */
export async function runDue(config: Config, certs: Certificate[], args: DueOptions & PreflightArgs, progress: Progress): Promise<DueOutcome> {
  const statuses = await decideNow(config, certs);
  const plan = planDue(config, statuses, args);
  let ran: CertReport[] = [];
  let reload: RunSummary['reload'] | null = null;
  if (plan.length > 0) checkBeforeRunning(config, plan.map((p) => p.cert));
  const notPlanned = statuses.filter((s) => !plan.some((p) => p.cert === s.cert)).map((s) => s.cert);
  const redone = args.dryRun ? [] : await redoFailedDeploys(config, notPlanned, progress);
  if (plan.length > 0) {
    // Another run left something due that was not when the caller looked: check now, before ordering.
    if (!args.reloadChecked) await checkReloadBeforeRunning(config, args.reload);
    if (!args.dryRun) await bootstrapCertificates(config, plan.map((p) => p.cert));
    const checked = await holdBackUnreachable(config, plan, args, progress);
    const session = await runSession(config, checked.plan, progress, { reload: args.reload });
    if (session.interruptedExit !== null) return { certificates: [], ran: [], reload: session.reload, interruptedExit: session.interruptedExit };
    ran = inPlanOrder(plan, session.reports, checked.heldBack);
    reload = session.reload;
  }
  // Nothing to run: still reload if a killed run left a deployed certificate unannounced.
  reload ??= args.reload ? await reloadIfPending(config, { earlier: true }) : notReloaded();
  const byName = new Map([...ran, ...redone].map((r) => [r.name, r]));
  const certificates = statuses.map((s) => byName.get(s.cert.name) ?? notDue(s));
  recordOutcomes(config, certificates, args.dryRun);
  return { certificates, ran, reload, interruptedExit: null };
}
