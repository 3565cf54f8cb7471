/** The renewal rule's window: how long before expiry a renewal is due. */
import type { RenewBefore } from './types.js';

export const DAY = 86_400_000;

/** How long before expiry renewal is due: at most half the lifetime. */
export function renewalWindowMs(lifetimeMs: number, rule: RenewBefore): number {
  return renewalWindow(lifetimeMs, rule).ms;
}

/** The window, and whether the rule asked for more than half the lifetime (and was capped). */
export function renewalWindow(lifetimeMs: number, rule: RenewBefore): { ms: number; capped: boolean } {
  const wanted = rule && 'days' in rule ? rule.days * DAY : rule && 'fraction' in rule ? rule.fraction * lifetimeMs : lifetimeMs * (lifetimeMs < 10 * DAY ? 1 / 2 : 1 / 3);
  const cap = lifetimeMs / 2;
  return wanted > cap ? { ms: cap, capped: true } : { ms: wanted, capped: false };
}
