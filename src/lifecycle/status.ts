/** Every certificate's state and next action, computed once for status, plan, renew and metrics. */
import type { Certificate, Config } from '../config/types.js';
import { type Decision, decide } from './decide.js';
import { type CertificateReader, type Inspection, inspectLineage } from './inspect.js';

export interface CertStatus {
  cert: Certificate;
  found: Inspection | null;
  /** Set when cert.pem exists but could not be read. */
  error: string | null;
  decision: Decision;
}

export function statusOf(config: Config, certs: Certificate[], now: Date, reader?: CertificateReader): CertStatus[] {
  return certs.map((cert) => {
    let found: Inspection | null = null;
    let error: string | null = null;
    try {
      found = inspectLineage(config.configDir, cert.name, reader);
    } catch (err) {
      error = (err as Error).message;
    }
    const decision: Decision = error ? { action: 'reissue', reason: error, dueAt: null } : decide(cert, found, now, config.renewBefore);
    return { cert, found, error, decision };
  });
}

export interface StatusRow {
  name: string;
  domains: string[];
  notAfter: string | null;
  daysLeft: number | null;
  serial: string | null;
  action: Decision['action'];
  reason: string;
  dueAt: string | null;
}

export function statusRows(statuses: CertStatus[], now: Date): StatusRow[] {
  return statuses.map(({ cert, found, decision }) => ({
    name: cert.name,
    domains: cert.domains,
    notAfter: found ? found.notAfter.toISOString() : null,
    daysLeft: found ? Math.floor(((found.notAfter.getTime() - now.getTime()) / 86_400_000) * 10) / 10 : null,
    serial: found ? found.serial : null,
    action: decision.action,
    reason: decision.reason,
    dueAt: decision.dueAt ? decision.dueAt.toISOString() : null,
  }));
}
