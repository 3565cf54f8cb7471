/**
 * certbot's renewal config of a lineage, CONFIG-DIR/renewal/NAME.conf: the
 * one module that reads or changes it. cert-wrap sets `renew_before_expiry`
 * (certbot's documented field; a plain `certbot renew` renews when less than
 * that is left) to cert-wrap's own rule, so that certbot never renews earlier
 * than cert-wrap would, and reads `server` (the CA that issued the lineage).
 */
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import type { RenewBefore } from '../../model/types.js';
import { renewalWindowMs } from '../../model/renewal-window.js';
import { inspectLineage, renewalConfPath } from '../../leaves/certbot-layout.js';
import type { Inspection } from '../../leaves/x509.js';

/** certbot's own default when the field is absent (certbot 2.x). */
export const CERTBOT_DEFAULT_RENEW_BEFORE = '30 days';

export interface RenewalConf {
  /** The top-level renew_before_expiry, or null when absent (certbot then uses 30 days). */
  renewBeforeExpiry: string | null;
  /** renewalparams' server: the ACME directory the lineage was issued from. */
  server: string | null;
}

export { renewalConfPath };

export function parseRenewalConf(text: string): RenewalConf {
  let section = '';
  const conf: RenewalConf = { renewBeforeExpiry: null, server: null };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const header = /^\[([^\]]*)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    if (section === '' && kv[1] === 'renew_before_expiry') conf.renewBeforeExpiry = kv[2]!.trim();
    if (section === 'renewalparams' && kv[1] === 'server') conf.server = kv[2]!.trim();
  }
  return conf;
}

/** null when the lineage has no renewal config (or it cannot be read). */
export function readRenewalConf(configDir: string, name: string): RenewalConf | null {
  try {
    return parseRenewalConf(readFileSync(renewalConfPath(configDir, name), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * The text with `renew_before_expiry = value` at the top level: replaces the
 * field (or certbot's commented-out default line), else adds it first. Pure.
 */
export function withRenewBeforeExpiry(text: string, value: string): string {
  const lines = text.split('\n');
  const firstSection = lines.findIndex((l) => /^\s*\[/.test(l));
  const top = firstSection === -1 ? lines.length : firstSection;
  const line = `renew_before_expiry = ${value}`;
  const set = lines.slice(0, top).findIndex((l) => /^\s*renew_before_expiry\s*=/.test(l));
  const commented = lines.slice(0, top).findIndex((l) => /^\s*#\s*renew_before_expiry\s*=/.test(l));
  const at = set !== -1 ? set : commented;
  if (at !== -1) lines[at] = line;
  else lines.unshift(line);
  return lines.join('\n');
}

/** Sets the field in the lineage's renewal config, atomically, keeping its mode; false when it was already so. */
export function writeRenewBeforeExpiry(configDir: string, name: string, value: string): boolean {
  const path = renewalConfPath(configDir, name);
  const text = readFileSync(path, 'utf8');
  const next = withRenewBeforeExpiry(text, value);
  if (next === text) return false;
  writeFileAtomic(path, next, statSync(path).mode & 0o777);
  return true;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A duration in certbot's interval words, rounded down to the minute (so
 * certbot renews no earlier than the exact duration): "30 days", "80 hours".
 */
export function certbotInterval(ms: number): string {
  const minutes = Math.max(1, Math.floor(ms / MINUTE));
  if ((minutes * MINUTE) % DAY === 0) return `${(minutes * MINUTE) / DAY} days`;
  if ((minutes * MINUTE) % HOUR === 0) return `${(minutes * MINUTE) / HOUR} hours`;
  return `${minutes} minutes`;
}

/** cert-wrap's rule for this certificate, in certbot's words: what renew_before_expiry should say. */
export function ruleInCertbotWords(found: Pick<Inspection, 'notBefore' | 'notAfter'>, rule: RenewBefore): string {
  return certbotInterval(renewalWindowMs(found.notAfter.getTime() - found.notBefore.getTime(), rule));
}

/**
 * Recomputes and stores the rule for the lineage NAME from its current
 * certificate (after each issuance). Returns the value, or null when there is
 * no certificate or no renewal config to write to.
 */
export function syncRenewBeforeExpiry(configDir: string, name: string, rule: RenewBefore): string | null {
  const found = inspectLineage(configDir, name);
  if (found === null || readRenewalConf(configDir, name) === null) return null;
  const value = ruleInCertbotWords(found, rule);
  writeRenewBeforeExpiry(configDir, name, value);
  return value;
}

export interface StoredRule {
  /** What the renewal config says (certbot's default when absent). */
  stored: string;
  /** cert-wrap's rule for the current certificate. */
  expected: string;
  agrees: boolean;
}

/** The lineage's stored renew_before_expiry against cert-wrap's rule; null without a certificate or renewal config. */
export function checkStoredRule(configDir: string, name: string, found: Pick<Inspection, 'notBefore' | 'notAfter'> | null, rule: RenewBefore): StoredRule | null {
  const conf = found ? readRenewalConf(configDir, name) : null;
  if (!found || !conf) return null;
  const stored = conf.renewBeforeExpiry ?? CERTBOT_DEFAULT_RENEW_BEFORE;
  const expected = ruleInCertbotWords(found, rule);
  return { stored, expected, agrees: stored === expected };
}
