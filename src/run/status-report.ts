/** What `status` reports: each certificate's row (with certbot's stored rule) and the reload left pending. */
import { checkStoredRule, type StoredRule } from '../adapters/certbot/renewal-conf.js';
import { type CertStatus, type StatusRow, statusRows } from '../adapters/renewal/status.js';
import { pendingReload, pendingSince } from '../adapters/store/pending-reload.js';
import type { Config } from '../model/types.js';
import { pendingReason } from './reload-pending.js';

export type ReportRow = StatusRow & { certbotRenewBeforeExpiry: StoredRule | null };

export interface StatusReport {
  now: string;
  certificates: ReportRow[];
  reloadPending: { since: string | null; certificates: string[]; reason: string } | null;
}

export function statusReport(config: Config, statuses: CertStatus[], now: Date): StatusReport {
  const rules = statuses.map((s) => checkStoredRule(config.configDir, s.cert.name, s.found, config.renewBefore));
  const certificates = statusRows(statuses, now).map((row, i) => ({ ...row, certbotRenewBeforeExpiry: rules[i] ?? null }));
  const pending = pendingReload(config.certsDir);
  const reloadPending = pending.length === 0 ? null : { since: pendingSince(config.certsDir)?.toISOString() ?? null, certificates: pending, reason: pendingReason(config) };
  return { now: now.toISOString(), certificates, reloadPending };
}

/** Exit 1 when the state of a certificate is unknown (it could not be read), else 0. A certificate whose state could not be read is not reported as fine. */
export function unknownExit(statuses: CertStatus[]): number {
  return statuses.some((s) => s.decision.action === 'unknown') ? 1 : 0;
}
