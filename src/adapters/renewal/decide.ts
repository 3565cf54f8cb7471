/**
 * The renewal decision for one certificate, as data. Pure: the clock is an
 * argument. Renewal is due when less than 1/3 of the certificate's lifetime
 * remains (1/2 when the lifetime is under 10 days), Let's Encrypt's published
 * recommendation; `renew-before` overrides it. Whatever the rule, a certificate
 * is never due before half of its lifetime has passed: `renew-before: 30` with
 * a 6-day certificate would otherwise be due from the moment it is issued, and
 * every run would issue another one.
 */
import type { Certificate, RenewBefore } from '../../model/types.js';
import { DAY, renewalWindow, renewalWindowMs } from '../../model/renewal-window.js';
import type { Inspection } from '../../leaves/x509.js';

/** `unknown`: the certificate could not be read (permissions), so nothing can be decided. */
export type Action = 'obtain' | 'reissue' | 'renew' | 'none' | 'unknown';

export interface Decision {
  action: Action;
  reason: string;
  /** When renewal becomes due (null without a certificate). */
  dueAt: Date | null;
}

export { renewalWindow, renewalWindowMs };

export function decide(cert: Certificate, found: Inspection | null, now: Date, rule: RenewBefore): Decision {
  if (found === null) return { action: 'obtain', reason: 'no certificate yet', dueAt: null };
  const wanted = new Set(cert.domains);
  const have = new Set(found.names);
  const missing = cert.domains.filter((d) => !have.has(d));
  const extra = found.names.filter((d) => !wanted.has(d));
  const lifetime = found.notAfter.getTime() - found.notBefore.getTime();
  const window = renewalWindow(lifetime, rule);
  const dueAt = new Date(found.notAfter.getTime() - window.ms);
  const capped = window.capped ? ` (renew-before ${ruleText(rule)} is more than half the lifetime of ${days(lifetime)}: capped at ${days(window.ms)})` : '';
  if (missing.length > 0 || extra.length > 0) {
    const parts = [missing.length > 0 ? `add ${missing.join(', ')}` : '', extra.length > 0 ? `drop ${extra.join(', ')}` : ''].filter(Boolean);
    return { action: 'reissue', reason: `names changed: ${parts.join('; ')}`, dueAt };
  }
  const left = found.notAfter.getTime() - now.getTime();
  if (left <= 0) return { action: 'renew', reason: `expired ${days(-left)} ago`, dueAt };
  if (now.getTime() >= dueAt.getTime()) {
    return { action: 'renew', reason: `${days(left)} left of ${days(lifetime)}; due since ${iso(dueAt)}${capped}`, dueAt };
  }
  return { action: 'none', reason: `${days(left)} left; due ${iso(dueAt)}${capped}`, dueAt };
}

function ruleText(rule: RenewBefore): string {
  if (rule && 'days' in rule) return `${rule.days} days`;
  if (rule && 'fraction' in rule) return `${Number((rule.fraction * 100).toFixed(1))}% of the lifetime`;
  return 'default';
}

export function days(ms: number): string {
  const d = ms / DAY;
  return d >= 10 ? `${Math.floor(d)} days` : `${d.toFixed(1)} days`;
}

export function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
