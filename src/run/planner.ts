/**
 * The renewal decision as a plan: certbot runs only for certificates that need
 * something (obtain, reissue, renew), with --force-renewal when our rule says
 * renewal is due, so what runs is what `status` shows, not certbot's own rule.
 * Shared by `renew` and `apply`.
 */
import type { Certificate, Config } from '../model/types.js';
import { InspectionCache } from '../adapters/store/inspect-cache.js';
import { type CertStatus, statusOf } from '../adapters/renewal/status.js';
import { readState } from '../adapters/store/state.js';
import type { CertificateReader } from '../leaves/x509.js';
import { type CertReport, planObtain, type PlannedRun } from '../adapters/certbot/obtain.js';

/** Each certificate's state and renewal decision, with the ARI answers state.json holds. */
export function renewalStatuses(config: Config, certs: Certificate[], now: Date, reader?: CertificateReader): CertStatus[] {
  return statusOf(config, certs, now, readState(config.certsDir).certificates, reader);
}

export function planRenewal(
  config: Config,
  certs: Certificate[],
  opts: { deployHook: string; dryRun: boolean },
  now = new Date(),
): { statuses: CertStatus[]; plan: PlannedRun[] } {
  const reader = InspectionCache.open();
  const statuses = renewalStatuses(config, certs, now, reader);
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
