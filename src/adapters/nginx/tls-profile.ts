/**
 * The TLS directives of an HTTPS server for each tls-profile, after Mozilla's
 * server-side TLS guideline (5.7) for the nginx version generated for and
 * OpenSSL 1.1.1 or later. Written inside each server, never at http level,
 * where distributions already set some of them. No ssl_stapling (Let's
 * Encrypt certificates carry no OCSP URL) and no ssl_dhparam (no DHE ciphers).
 */
import type { TlsProfile } from '../../model/types.js';
import { NGINX_CHANGES, versionAtLeast } from './version.js';

/** Mozilla intermediate: ECDHE key exchange and AEAD ciphers only (TLS 1.2; TLS 1.3's suites are all AEAD). */
export const INTERMEDIATE_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

const PROTOCOLS: Record<Exclude<TlsProfile, 'none'>, string> = { intermediate: 'TLSv1.2 TLSv1.3', modern: 'TLSv1.3' };

/** The lines of one profile: protocols and ciphers, then the session settings. */
export function tlsLines(profile: TlsProfile, version: string): string[] {
  if (profile === 'none') return [];
  return [...handshakeLines(profile), ...sessionLines(version)];
}

/** What the handshake offers: the protocol versions, the curves, the ciphers and who picks. */
export function handshakeLines(profile: TlsProfile): string[] {
  if (profile === 'none') return [];
  return [
    `ssl_protocols ${PROTOCOLS[profile]};`,
    'ssl_ecdh_curve X25519:prime256v1:secp384r1;',
    ...(profile === 'intermediate' ? [`ssl_ciphers ${INTERMEDIATE_CIPHERS};`] : []),
    'ssl_prefer_server_ciphers off;',
  ];
}

function sessionLines(version: string): string[] {
  return [
    'ssl_session_timeout 1d;',
    'ssl_session_cache shared:MozSSL:10m;',
    ...(versionAtLeast(version, NGINX_CHANGES.ticketKeysRotated) ? [] : ['ssl_session_tickets off;']),
  ];
}

/**
 * The profile of a listen address's default server: nginx before 1.29.2 takes the
 * protocol versions from it, whatever the named server says, so it offers the widest
 * of the profiles its servers use (none: the http block's settings, as they do).
 */
export function widestProfile(profiles: TlsProfile[]): TlsProfile {
  if (profiles.includes('intermediate')) return 'intermediate';
  if (profiles.includes('modern')) return 'modern';
  return 'none';
}
