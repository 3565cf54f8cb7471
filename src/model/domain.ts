import { domainToASCII } from 'node:url';

export type DomainResult = { ok: true; ascii: string; wildcard: boolean } | { ok: false; reason: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// Characters that can never appear in a name, checked before IDN conversion so
// that the message names what the user wrote (and nothing reaches nginx).
const FORBIDDEN = /[\s;{}"'`#$\\/:@%&=?!<>|,()[\]^~+\u0000-\u001f\u007f]/u;

/**
 * Turn a user's domain into the lowercase ASCII (punycode) form that goes into
 * server_name and certbot's -d, or say why it cannot be one.
 */
/** A plain, valid, lowercase-able ASCII name of two or more labels, not ending in a numeric label. */
const PLAIN = /^(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+(?!-)(?=[a-z0-9-]*[a-z-])[a-z0-9-]{1,63}(?<!-)$/;

export function normalizeDomain(input: string): DomainResult {
  // The common case in one test; anything else takes the detailed path below, which says what is wrong.
  // Lower-cased first: "XN--" is a punycode prefix too, and must take the IDN check below.
  if (input.length <= 253 && !input.toLowerCase().includes('xn--')) {
    const lower = input.toLowerCase();
    if (PLAIN.test(lower)) return { ok: true, ascii: lower, wildcard: false };
  }
  if (input.length === 0) return { ok: false, reason: 'is empty' };
  if (FORBIDDEN.test(input)) return { ok: false, reason: 'is not a valid domain name' };
  let rest = input;
  let wildcard = false;
  if (rest.startsWith('*.')) {
    wildcard = true;
    rest = rest.slice(2);
  }
  if (rest.includes('*')) {
    return { ok: false, reason: 'is not a valid domain name (a wildcard is only allowed as the whole first label, "*.example.org")' };
  }
  if (rest.endsWith('.')) return { ok: false, reason: 'is not a valid domain name (remove the trailing dot)' };
  const lower = rest.toLowerCase();
  // Plain ASCII names (the common case) need no IDN conversion; punycode labels still go through it.
  const ascii = /^[a-z0-9.-]+$/.test(lower) && !lower.includes('xn--') ? lower : domainToASCII(lower);
  if (ascii === '') return { ok: false, reason: 'is not a valid domain name' };
  if (ascii.length + (wildcard ? 2 : 0) > 253) return { ok: false, reason: 'is longer than 253 characters' };
  const labels = ascii.split('.');
  if (labels.length < 2) return { ok: false, reason: 'is not a fully qualified domain name (it needs at least two labels)' };
  for (const label of labels) {
    if (label.length > 63) return { ok: false, reason: `has a label longer than 63 characters ("${label.slice(0, 20)}...")` };
    if (!LABEL.test(label)) return { ok: false, reason: 'is not a valid domain name' };
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) {
    return { ok: false, reason: 'is not a domain name (IP addresses cannot be validated through the webroot)' };
  }
  return { ok: true, ascii: (wildcard ? '*.' : '') + ascii, wildcard };
}
