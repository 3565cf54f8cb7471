/** Every certificate's state and next action, computed once for status, plan, renew and metrics. */
import type { Certificate, Config } from '../../model/types.js';
import { type Decision, decide } from './decide.js';
import { inspectLineage, liveDir } from '../../leaves/certbot-layout.js';
import type { CertificateReader, Inspection } from '../../leaves/x509.js';
import { currentAri, withAri } from './ari-window.js';
import type { AriState, State } from '../../model/state.js';

export interface CertStatus {
  cert: Certificate;
  found: Inspection | null;
  /** Set when cert.pem exists but could not be read or parsed. */
  error: string | null;
  decision: Decision;
  /** The CA's ARI answer about this very certificate, as stored by the last renew or obtain; null without one. */
  ari: AriState | null;
}

/** Errors that say nothing about the certificate, only about who is reading it. */
const ACCESS_ERRORS = new Set(['EACCES', 'EPERM']);

/** Each certificate's state and renewal decision; `stored` is what state.json holds (its ARI answers). */
export function statusOf(config: Config, certs: Certificate[], now: Date, stored: State['certificates'], reader?: CertificateReader): CertStatus[] {
  return certs.map((cert) => {
    let found: Inspection | null = null;
    let error: string | null = null;
    let denied = false;
    try {
      found = inspectLineage(config.configDir, cert.name, reader);
    } catch (err) {
      error = (err as Error).message;
      denied = ACCESS_ERRORS.has((err as NodeJS.ErrnoException).code ?? '');
    }
    // A certificate this user may not read is not a certificate to reissue: its state is unknown.
    const decision: Decision = denied
      ? { action: 'unknown', reason: `${error}: this user cannot read the certificate (run as root, or as a user who can read ${liveDir(config.configDir)} and archive)`, dueAt: null }
      : error
        ? { action: 'reissue', reason: error, dueAt: null }
        : withAri(decide(cert, found, now, config.renewBefore), found, stored[cert.name]?.ari, now);
    return { cert, found, error, decision, ari: currentAri(stored[cert.name]?.ari, found, now) };
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
  /** The CA's suggested window (ARI) for this certificate and what came of asking. */
  ari: { windowStart: string | null; windowEnd: string | null; chosen: string | null; explanationURL: string | null; error: string | null; retryAt: string } | null;
}

export function statusRows(statuses: CertStatus[], now: Date): StatusRow[] {
  return statuses.map(({ cert, found, decision, ari }) => ({
    name: cert.name,
    domains: cert.domains,
    notAfter: found ? found.notAfter.toISOString() : null,
    daysLeft: found ? Math.floor(((found.notAfter.getTime() - now.getTime()) / 86_400_000) * 10) / 10 : null,
    serial: found ? found.serial : null,
    action: decision.action,
    reason: decision.reason,
    dueAt: decision.dueAt ? decision.dueAt.toISOString() : null,
    ari: ari
      ? { windowStart: ari.window?.start ?? null, windowEnd: ari.window?.end ?? null, chosen: ari.chosen ?? null, explanationURL: ari.explanationURL ?? null, error: ari.error ?? null, retryAt: ari.retryAt }
      : null,
  }));
}
