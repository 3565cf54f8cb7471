/**
 * `--resolve NAME:ADDRESS`, as curl takes it (without curl's port): connect to
 * ADDRESS whenever NAME is fetched, instead of asking DNS. For tests and for
 * split-horizon DNS, where this host would not reach the address the CA uses.
 */
import { ipFamily } from '../../leaves/ip.js';
import { UsageError } from '../../lib/errors.js';

const FORM = 'expected NAME:IP, e.g. example.org:192.0.2.10 or example.org:[2001:db8::1] (IPv6 in brackets; several addresses separated by commas)';

/**
 * Parse the values of --resolve into a map from lowercase name to its
 * addresses, comma-separated and without brackets ("::1,127.0.0.1"). A name
 * given twice must be given the same addresses. Throws UsageError (exit 2).
 */
export function parseResolve(values: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) {
    const colon = value.indexOf(':');
    if (colon <= 0) throw new UsageError(`--resolve ${JSON.stringify(value)}: ${FORM}`);
    const name = value.slice(0, colon).toLowerCase().replace(/\.$/, '');
    if (!/^[a-z0-9_.-]+$/.test(name) || name.startsWith('.') || name.includes('..')) {
      throw new UsageError(`--resolve ${JSON.stringify(value)}: ${JSON.stringify(name)} is not a host name; ${FORM}`);
    }
    const addresses = value
      .slice(colon + 1)
      .split(',')
      .map((a) => parseAddress(a, value));
    const joined = addresses.join(',');
    const before = map.get(name);
    if (before !== undefined && before !== joined) {
      throw new UsageError(`--resolve: ${name} is given twice with different addresses (${before} and ${joined}); give all its addresses once, separated by commas`);
    }
    map.set(name, joined);
  }
  return map;
}

function parseAddress(text: string, whole: string): string {
  const bracketed = /^\[([^\]]*)\]$/.exec(text);
  const address = bracketed ? bracketed[1]! : text;
  const family = ipFamily(address);
  if (family === 0) {
    if (/^\d+:/.test(text)) {
      throw new UsageError(`--resolve ${JSON.stringify(whole)}: give no port (the probe always uses port 80, and 443 after a redirect to https); ${FORM}`);
    }
    throw new UsageError(`--resolve ${JSON.stringify(whole)}: ${JSON.stringify(text)} is not an IP address; ${FORM}`);
  }
  if (family === 6 && !bracketed) {
    throw new UsageError(`--resolve ${JSON.stringify(whole)}: write the IPv6 address in brackets, ${JSON.stringify(`${whole.slice(0, whole.indexOf(':'))}:[${text}]`)}`);
  }
  return address;
}
