/**
 * ARI's part in the renewal decision (RFC 9773 §4.2), pure: the answer as
 * stored, the certificate, the clock and a random source are arguments.
 *
 * - An answer counts only for the certificate it was about, until it expires.
 * - A time in the suggested window, chosen at random once per window and kept,
 *   becomes the renewal time when it is earlier than the lifetime rule's.
 * - A window that has already started (the CA's "renew now") makes the
 *   certificate due at once.
 * - Anything else (no answer, an error) leaves the lifetime rule's decision as it is.
 */
import { type Decision, days, iso } from './decide.js';
import type { Inspection } from '../../leaves/x509.js';
import type { AriState } from '../../model/state.js';

export const MIN_RETRY_SECONDS = 60;
export const MAX_RETRY_SECONDS = 86_400;
/** When the CA sends no usable Retry-After. */
export const DEFAULT_RETRY_SECONDS = 6 * 3600;

export interface RenewalInfo {
  start: Date;
  end: Date;
  explanationURL: string | null;
}

/** Retry-After (delay-seconds or an HTTP-date), clamped to between one minute and one day. */
export function retrySeconds(header: string | null, now: Date, fallback = DEFAULT_RETRY_SECONDS): number {
  let seconds = fallback;
  const value = header?.trim() ?? '';
  if (/^\d+$/.test(value)) seconds = Number(value);
  else if (value !== '' && !Number.isNaN(Date.parse(value))) seconds = Math.ceil((Date.parse(value) - now.getTime()) / 1000);
  return Math.min(MAX_RETRY_SECONDS, Math.max(MIN_RETRY_SECONDS, seconds));
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** The renewal-info body (RFC 9773 §4.2), checked; throws saying what is wrong. */
export function parseRenewalInfo(body: unknown): RenewalInfo {
  const o = body as { suggestedWindow?: { start?: unknown; end?: unknown }; explanationURL?: unknown } | null;
  const w = o && typeof o === 'object' ? o.suggestedWindow : undefined;
  if (!w || typeof w !== 'object') throw new Error('no suggestedWindow in the answer');
  const time = (v: unknown, what: string): Date => {
    if (typeof v !== 'string' || !RFC3339.test(v)) throw new Error(`suggestedWindow.${what} is not an RFC 3339 time: ${JSON.stringify(v)?.slice(0, 60)}`);
    return new Date(Date.parse(v));
  };
  const start = time(w.start, 'start');
  const end = time(w.end, 'end');
  if (end.getTime() <= start.getTime()) throw new Error(`suggestedWindow ends (${iso(end)}) before it starts (${iso(start)})`);
  const url = typeof o!.explanationURL === 'string' && /^https?:\/\//.test(o!.explanationURL) ? o!.explanationURL : null;
  return { start, end, explanationURL: url };
}

/** The time to renew within the window: the one chosen before for the same window, else a new random one. */
export function chooseTime(info: RenewalInfo, prior: AriState | undefined, random: () => number): string {
  const start = info.start.toISOString();
  const end = info.end.toISOString();
  if (prior?.window?.start === start && prior.window.end === end && prior.chosen) return prior.chosen;
  const span = info.end.getTime() - info.start.getTime();
  return new Date(info.start.getTime() + Math.floor(random() * span)).toISOString();
}

/** The stored answer when it is about this certificate and the certificate has not expired; else null. */
export function currentAri(ari: AriState | undefined, found: Inspection | null, now: Date): AriState | null {
  if (!ari || !found || ari.serial !== found.serial) return null;
  return now.getTime() < found.notAfter.getTime() ? ari : null;
}

/** The lifetime rule's decision, moved earlier by the CA's suggested window where that says so. */
export function withAri(decision: Decision, found: Inspection | null, ari: AriState | undefined, now: Date): Decision {
  const answer = currentAri(ari, found, now);
  if (!answer?.window || !found || decision.action !== 'none') return decision;
  const start = new Date(answer.window.start);
  const left = days(found.notAfter.getTime() - now.getTime());
  const why = answer.explanationURL ? ` (${answer.explanationURL})` : '';
  if (now.getTime() >= start.getTime()) {
    return { action: 'renew', reason: `${left} left; the CA's renewal window (ARI) started ${iso(start)}${why}`, dueAt: start };
  }
  const chosen = answer.chosen ? new Date(answer.chosen) : null;
  if (chosen === null || decision.dueAt === null || chosen.getTime() >= decision.dueAt.getTime()) return decision;
  return { action: 'none', reason: `${left} left; due ${iso(chosen)}, in the CA's renewal window (ARI) ${iso(start)} to ${iso(new Date(answer.window.end))}`, dueAt: chosen };
}
