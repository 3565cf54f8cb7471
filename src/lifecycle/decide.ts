/**
 * The renewal decision for one certificate, as data. Pure: the clock is an
 * argument. Renewal is due when less than 1/3 of the certificate's lifetime
 * remains (1/2 when the lifetime is under 10 days), Let's Encrypt's published
 * recommendation; `renew-before` overrides it.
 */
import type { Certificate, RenewBefore } from '../config/types.js';
import type { Inspection } from './inspect.js';

/** `unknown`: the certificate could not be read (permissions), so nothing can be decided. */
export type Action = 'obtain' | 'reissue' | 'renew' | 'none' | 'unknown';

export interface Decision {
  action: Action;
  reason: string;
  /** When renewal becomes due (null without a certificate). */
  dueAt: Date | null;
}

const DAY = 86_400_000;

export function renewalWindowMs(lifetimeMs: number, rule: RenewBefore): number {
  if (rule && 'days' in rule) return rule.days * DAY;
  if (rule && 'fraction' in rule) return rule.fraction * lifetimeMs;
  return lifetimeMs * (lifetimeMs < 10 * DAY ? 1 / 2 : 1 / 3);
}

export function decide(cert: Certificate, found: Inspection | null, now: Date, rule: RenewBefore): Decision {
  if (found === null) return { action: 'obtain', reason: 'no certificate yet', dueAt: null };
  const wanted = new Set(cert.domains);
  const have = new Set(found.names);
  const missing = cert.domains.filter((d) => !have.has(d));
  const extra = found.names.filter((d) => !wanted.has(d));
  const lifetime = found.notAfter.getTime() - found.notBefore.getTime();
  const dueAt = new Date(found.notAfter.getTime() - renewalWindowMs(lifetime, rule));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [missing.length > 0 ? `add ${missing.join(', ')}` : '', extra.length > 0 ? `drop ${extra.join(', ')}` : ''].filter(Boolean);
    return { action: 'reissue', reason: `names changed: ${parts.join('; ')}`, dueAt };
  }
  const left = found.notAfter.getTime() - now.getTime();
  if (left <= 0) return { action: 'renew', reason: `expired ${days(-left)} ago`, dueAt };
  if (now.getTime() >= dueAt.getTime()) {
    return { action: 'renew', reason: `${days(left)} left of ${days(lifetime)}; due since ${iso(dueAt)}`, dueAt };
  }
  return { action: 'none', reason: `${days(left)} left; due ${iso(dueAt)}`, dueAt };
}

export function days(ms: number): string {
  const d = ms / DAY;
  return d >= 10 ? `${Math.floor(d)} days` : `${d.toFixed(1)} days`;
}

export function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
