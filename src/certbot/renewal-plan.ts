/**
 * The renewal decision as a plan: certbot runs only for certificates that need
 * something (obtain, reissue, renew), with --force-renewal when our rule says
 * renewal is due, so what runs is what `status` shows, not certbot's own rule.
 * Shared by `renew` and `apply`.
 */
import type { Certificate, Config } from '../config/types.js';
import { InspectionCache } from '../lifecycle/inspect-cache.js';
import { type CertStatus, statusOf } from '../lifecycle/status.js';
import { type CertReport, planObtain, type PlannedRun } from './obtain.js';

export function planRenewal(
  config: Config,
  certs: Certificate[],
  opts: { deployHook: string; dryRun: boolean },
  now = new Date(),
): { statuses: CertStatus[]; plan: PlannedRun[] } {
  const reader = InspectionCache.open();
  const statuses = statusOf(config, certs, now, reader);
  reader.save();
  const plan = statuses
    .filter((s) => s.decision.action !== 'none' && s.decision.action !== 'unknown')
    .flatMap((s) => planObtain(config, [s.cert], { ...opts, forceRenewal: s.decision.action === 'renew' }));
  return { statuses, plan };
}

/** The report of a certificate that needed nothing (or could not be read: a failure). */
export function notDue(s: CertStatus): CertReport {
  if (s.decision.action === 'unknown') return { name: s.cert.name, domains: s.cert.domains, outcome: 'failed', class: 'other', reason: s.decision.reason, seconds: 0 };
  return { name: s.cert.name, domains: s.cert.domains, outcome: 'unchanged', class: null, reason: `not due: ${s.decision.reason}`, seconds: 0 };
}
