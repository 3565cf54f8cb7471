/**
 * `status --check` for monitoring systems that run a command (Nagios, Icinga):
 * one line and an exit code, 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Pure.
 *
 * Per certificate: cannot be read: UNKNOWN; not issued yet, or at most
 * `critical` days left: CRITICAL; at most `warning` days left, or the last run
 * that handled it failed: WARNING. The worst wins, CRITICAL before UNKNOWN
 * before WARNING (an unreadable certificate must not hide an expiring one).
 */
import type { State } from '../../model/state.js';
import type { CertStatus } from './status.js';

export const CHECK_CODES = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type CheckLevel = keyof typeof CHECK_CODES;
const RANK: CheckLevel[] = ['OK', 'WARNING', 'UNKNOWN', 'CRITICAL'];

export interface Thresholds {
  warning: number;
  critical: number;
}

interface Finding {
  level: CheckLevel;
  text: string;
}

export function checkLine(statuses: CertStatus[], state: State, now: Date, t: Thresholds): { code: number; line: string } {
  const findings = statuses.map((s) => ({ s, f: findingOf(s, state, now, t) }));
  const level = findings.reduce<CheckLevel>((worst, { f }) => (RANK.indexOf(f.level) > RANK.indexOf(worst) ? f.level : worst), 'OK');
  const perf = statuses
    .filter((s) => s.found)
    .map((s) => `'${s.cert.name.replace(/'/g, '')}'=${daysLeft(s, now)!.toFixed(1)};${t.warning};${t.critical}`)
    .join(' ');
  let text: string;
  if (level === 'OK') {
    const soonest = statuses.filter((s) => s.found).sort((a, b) => a.found!.notAfter.getTime() - b.found!.notAfter.getTime())[0];
    text = `${statuses.length} certificate(s)${soonest ? `, the first to expire: ${soonest.cert.name} in ${daysLeft(soonest, now)!.toFixed(1)} days` : ''}`;
  } else {
    text = findings
      .filter(({ f }) => f.level !== 'OK')
      .sort((a, b) => RANK.indexOf(b.f.level) - RANK.indexOf(a.f.level))
      .map(({ s, f }) => `${s.cert.name}: ${f.text}`)
      .join('; ');
  }
  return { code: CHECK_CODES[level], line: `CERT-WRAP ${level} - ${text.replace(/[|\n]/g, ' ')}${perf ? ` | ${perf}` : ''}` };
}

function findingOf(s: CertStatus, state: State, now: Date, t: Thresholds): Finding {
  if (s.decision.action === 'unknown' || s.error !== null) return { level: 'UNKNOWN', text: `cannot be read (${s.error ?? s.decision.reason})` };
  const left = daysLeft(s, now);
  if (left === null) return { level: 'CRITICAL', text: 'not issued yet' };
  const expires = left < 0 ? `expired ${(-left).toFixed(1)} days ago` : `expires in ${left.toFixed(1)} days`;
  if (left <= t.critical) return { level: 'CRITICAL', text: expires };
  if (left <= t.warning) return { level: 'WARNING', text: expires };
  const failure = lastRunFailed(s, state);
  if (failure) return { level: 'WARNING', text: `the last run failed (${failure}); ${expires}` };
  return { level: 'OK', text: expires };
}

function daysLeft(s: CertStatus, now: Date): number | null {
  return s.found ? Math.floor(((s.found.notAfter.getTime() - now.getTime()) / 86_400_000) * 10) / 10 : null;
}

/** The class of the last failure, when it is newer than the last success. */
function lastRunFailed(s: CertStatus, state: State): string | null {
  const c = state.certificates[s.cert.name];
  const failed = c?.lastFailure ? Date.parse(c.lastFailure.at) : NaN;
  if (!(failed > 0)) return null;
  const succeeded = c?.lastSuccess ? Date.parse(c.lastSuccess) : NaN;
  return succeeded >= failed ? null : (c!.lastFailure!.class ?? 'other');
}
