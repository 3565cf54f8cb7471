/**
 * When on-failure runs. A certificate is in an alert condition when the run
 * ended with it failed (the condition is its failure class), or when it is
 * within alert-before days of expiry and still not renewed ("expiring"). The
 * command runs when the condition changes, and again at most once a day
 * while it lasts; a condition that ends is forgotten, so the next one alerts
 * at once. Pure: the run's reports, the certificates' state now, what was
 * last reported, the clock, in; what to run and what to remember, out.
 */
import type { CertReport } from '../../model/report.js';
import type { Certificate } from '../../model/types.js';
import type { AlertMark, State } from '../../model/state.js';
import type { CertStatus } from './status.js';

/** While a condition lasts, the command runs again after this long. */
export const REPEAT_MS = 86_400_000;
export const EXPIRING = 'expiring';

export interface Alert {
  cert: Certificate;
  command: string;
  /** The failure class, or "expiring". */
  condition: string;
  reason: string;
  daysLeft: number | null;
  notAfter: string | null;
}

export interface AlertPlan {
  run: Alert[];
  /** Certificates whose condition ended: their mark is removed. */
  cleared: string[];
}

export function planAlerts(reports: CertReport[], statuses: CertStatus[], state: State, now: Date, alertBeforeDays: number): AlertPlan {
  const byName = new Map(reports.map((r) => [r.name, r]));
  const run: Alert[] = [];
  const cleared: string[] = [];
  for (const s of statuses) {
    const previous = state.certificates[s.cert.name]?.alert;
    const current = conditionOf(byName.get(s.cert.name), s, now, alertBeforeDays);
    if (current === null) {
      if (previous) cleared.push(s.cert.name);
      continue;
    }
    if (s.cert.onFailure === null || !isDue(previous, current.condition, now)) continue;
    run.push({ cert: s.cert, command: s.cert.onFailure, ...current, ...expiry(s, now) });
  }
  return { run, cleared };
}

function conditionOf(report: CertReport | undefined, s: CertStatus, now: Date, alertBeforeDays: number): { condition: string; reason: string } | null {
  if (report?.outcome === 'failed') return { condition: report.class ?? 'other', reason: report.reason ?? 'failed' };
  const left = expiry(s, now).daysLeft;
  if (left !== null && left < alertBeforeDays) {
    return { condition: EXPIRING, reason: `expires in ${left.toFixed(1)} days (alert-before: ${alertBeforeDays}) and was not renewed: ${s.decision.reason}` };
  }
  return null;
}

function isDue(previous: AlertMark | undefined, condition: string, now: Date): boolean {
  if (!previous || previous.condition !== condition) return true;
  const at = Date.parse(previous.at);
  return !(now.getTime() - at < REPEAT_MS && at <= now.getTime());
}

function expiry(s: CertStatus, now: Date): { daysLeft: number | null; notAfter: string | null } {
  if (!s.found) return { daysLeft: null, notAfter: null };
  return { daysLeft: Math.floor(((s.found.notAfter.getTime() - now.getTime()) / 86_400_000) * 10) / 10, notAfter: s.found.notAfter.toISOString() };
}

/** The environment of the on-failure command: the essentials, one variable each. */
export function alertEnv(alert: Alert, command: string): Record<string, string> {
  return {
    CERT_WRAP_COMMAND: command,
    CERT_WRAP_CERTIFICATE: alert.cert.name,
    CERT_WRAP_DOMAINS: alert.cert.domains.join(' '),
    CERT_WRAP_FAILURE_CLASS: alert.condition,
    CERT_WRAP_REASON: alert.reason,
    CERT_WRAP_DAYS_LEFT: alert.daysLeft === null ? '' : alert.daysLeft.toFixed(1),
    CERT_WRAP_NOT_AFTER: alert.notAfter ?? '',
  };
}
