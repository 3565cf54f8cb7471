/**
 * The one renewal rule, as a plan: decide each certificate (lifetime rule,
 * moved earlier by the CA's ARI window), then plan a certbot run only for
 * those that need something (obtain, reissue, renew; every one with --force),
 * with --force-renewal when our rule says renewal is due, so what runs is what
 * `status` and `plan` show, not certbot's own rule. Used by obtain, renew,
 * plan, status and apply.
 */
import { brokenLineage } from '../adapters/certbot/lineage-check.js';
import { planObtain, type PlannedRun } from '../adapters/certbot/obtain.js';
import { type CertStatus, statusOf } from '../adapters/renewal/status.js';
import { InspectionCache } from '../adapters/store/inspect-cache.js';
import { readState } from '../adapters/store/state.js';
import type { CertificateReader } from '../leaves/x509.js';
import type { CertReport } from '../model/report.js';
import type { Certificate, Config } from '../model/types.js';

export interface PlanOptions {
  /** The deploy hook certbot stores (see hooks.ts). */
  deployHook: string;
  dryRun: boolean;
  /** Reissue certificates that are not due too (obtain --force). */
  force: boolean;
}

/** Each certificate's state and renewal decision, with the ARI answers state.json holds. */
export function renewalStatuses(config: Config, certs: Certificate[], now: Date, reader?: CertificateReader): CertStatus[] {
  return statusOf(config, certs, now, readState(config.certsDir).certificates, reader);
}

/** Decides with what is on disk now, after asking the CA's ARI endpoint where its last answer has lapsed. */
export async function decideNow(config: Config, certs: Certificate[], now: () => Date = () => new Date()): Promise<CertStatus[]> {
  const reader = InspectionCache.shared();
  let statuses = renewalStatuses(config, certs, now(), reader);
  // Only certificates the lifetime rule leaves alone: ARI can only make a renewal earlier.
  const notDue = statuses.filter((s) => s.decision.action === 'none');
  if (notDue.length > 0) {
    // Loaded here only: the HTTP client is no part of the other commands' start-up.
    const { refreshAri } = await import('./ari-refresh.js');
    const asked = await refreshAri(config, notDue.map((s) => ({ name: s.cert.name, found: s.found })), now());
    if (asked > 0) statuses = renewalStatuses(config, certs, now(), reader);
  }
  reader.save();
  return statuses;
}

/** Whether the certificate gets a certbot run, and with --force-renewal or not; null: nothing to run. */
export function runFor(s: CertStatus, force: boolean): { forceRenewal: boolean } | null {
  const action = s.decision.action;
  if (action === 'unknown') return null;
  if (action === 'none') return force ? { forceRenewal: true } : null;
  return { forceRenewal: action === 'renew' };
}

/** The certbot runs for these decisions, in config order. */
export function planDue(config: Config, statuses: CertStatus[], opts: PlanOptions): PlannedRun[] {
  return statuses.flatMap((s) => {
    // A damaged lineage (certbot killed while saving it) is planned all the same: the session refuses it and says what to move aside.
    const run = runFor(s, opts.force) ?? (s.decision.action === 'none' && brokenLineage(config.configDir, s.cert.name) !== null ? { forceRenewal: false } : null);
    return run ? planObtain(config, [s.cert], { deployHook: opts.deployHook, dryRun: opts.dryRun, forceRenewal: run.forceRenewal }) : [];
  });
}

/** Certificates the rule would order for now (without asking ARI): what to check before taking the lock. */
export function dueNow(config: Config, certs: Certificate[], now: Date): Certificate[] {
  return renewalStatuses(config, certs, now, InspectionCache.shared())
    .filter((s) => s.decision.action !== 'none' && s.decision.action !== 'unknown')
    .map((s) => s.cert);
}

/** The report of a certificate that needed nothing (or could not be read: a failure). */
export function notDue(s: CertStatus): CertReport {
  if (s.decision.action === 'unknown') return { name: s.cert.name, domains: s.cert.domains, outcome: 'failed', class: 'other', reason: s.decision.reason, seconds: 0 };
  return { name: s.cert.name, domains: s.cert.domains, outcome: 'unchanged', class: null, reason: `not due: ${s.decision.reason}`, seconds: 0 };
}

/** Reports in plan order: those of the runs and those held back before. */
export function inPlanOrder(plan: PlannedRun[], ...reports: CertReport[][]): CertReport[] {
  const byName = new Map(reports.flat().map((r) => [r.name, r]));
  return plan.map((p) => byName.get(p.cert.name)).filter((r): r is CertReport => r !== undefined);
}
