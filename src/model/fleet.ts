/**
 * The `fleet` section: RawFleet -> Fleet, every default applied once here
 * (node: the host name; lease-ttl; order-grace), every value checked with a
 * message that starts with its config path. Reading the key file is not done
 * here (normalization touches no file): see src/fleet/key.ts.
 */
import { hostname } from 'node:os';
import { type ConfigIssue, type PathPart, showValue } from '../lib/errors.js';
import { checkAbsolutePath } from './rules.js';
import { type Certificate, DEFAULTS, type Fleet, type RawFleet } from './types.js';

const PREFIX = /^(\/[A-Za-z0-9._-]+)+\/?$/;
const NODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** base64url of a SHA-256 digest: 43 characters, no padding. */
export const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

export function normalizeFleet(raw: RawFleet | undefined, certificates: Certificate[], issues: ConfigIssue[]): Fleet | null {
  if (raw === undefined) return null;
  const at = (...rest: PathPart[]): PathPart[] => ['fleet', ...rest];
  const fail = (path: PathPart[], message: string) => issues.push({ path, message });
  const path = (p: PathPart[], value: string | undefined) => {
    const problem = value === undefined ? null : checkAbsolutePath(value);
    if (problem) fail(p, problem);
    return value ?? null;
  };
  const insecure = raw.etcd['insecure-http'] === true;
  raw.etcd.endpoints.forEach((value, i) => {
    const problem = checkEndpoint(value, insecure);
    if (problem) fail(at('etcd', 'endpoints', i), problem);
  });
  if (!PREFIX.test(raw.prefix) || raw.prefix.split('/').some((p) => p === '.' || p === '..')) {
    fail(at('prefix'), `${showValue(raw.prefix)} is not a valid key prefix (e.g. "/cert-wrap/prod": "/"-separated words of letters, digits, ".", "_", "-")`);
  }
  const node = raw.node ?? defaultNode();
  if (!NODE.test(node)) {
    fail(at('node'), `${showValue(node)} is not a valid node name (letters, digits, ".", "_", "-", at most 63, not starting with "." or "-")${raw.node === undefined ? ': it is the host name; set fleet.node' : ''}`);
  }
  const thumbprint = raw['account-thumbprint'];
  if (thumbprint !== undefined && !THUMBPRINT.test(thumbprint)) {
    fail(at('account-thumbprint'), `${showValue(thumbprint)} is not a JWK thumbprint (43 base64url characters, as printed by "cert-wrap fleet init")`);
  }
  for (const cert of certificates) {
    if (cert.challenge === 'http') {
      fail(['certificates', cert.index, 'challenge'], '"http" with hooks is for a single host: in a fleet every node\'s nginx answers HTTP-01 itself; leave challenge out (or use dns)');
    }
  }
  return {
    etcd: {
      endpoints: raw.etcd.endpoints.map((e) => e.trim()),
      ca: path(at('etcd', 'ca'), raw.etcd.ca),
      cert: path(at('etcd', 'cert'), raw.etcd.cert),
      key: path(at('etcd', 'key'), raw.etcd.key),
      username: raw.etcd.username ?? null,
      passwordFile: path(at('etcd', 'password-file'), raw.etcd['password-file']),
    },
    prefix: raw.prefix.replace(/\/+$/, ''),
    node,
    keyFile: path(at('key-file'), raw['key-file'])!,
    accountThumbprint: thumbprint ?? null,
    leaseTtl: raw['lease-ttl'] ?? DEFAULTS.fleetLeaseTtl,
    orderGrace: raw['order-grace'] ?? DEFAULTS.fleetOrderGrace,
  };
}

function defaultNode(): string {
  return hostname().split('.')[0] ?? '';
}

/** An etcd client URL: http(s)://HOST:PORT; plain http only on loopback unless insecure-http is set. */
export function checkEndpoint(value: string, insecureHttp: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return `${showValue(value)} is not a URL (e.g. "https://10.0.0.11:2379")`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${showValue(value)} must be an http:// or https:// URL`;
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    return `${showValue(value)} must be scheme, host and port only (e.g. "https://10.0.0.11:2379")`;
  }
  if (url.protocol === 'http:' && !insecureHttp && !isLoopback(url.hostname)) {
    return `${showValue(value)} is plain http on a non-loopback address: etcd's traffic (keys, the fleet's certificates, credentials) would cross the network unencrypted; use https:// with fleet.etcd.ca, or set fleet.etcd.insecure-http: true`;
  }
  return null;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
