/**
 * The HTTPS servers' part of the view model: the listen lines in the form the
 * nginx version takes (HTTP/2 as a listen parameter before 1.25.1, `http2 on;`
 * from it), the tls-profile's lines, the HSTS header, the 404 for a server
 * without a body, and the default server that refuses unknown names.
 */
import type { Certificate, Config, Hsts } from '../../model/types.js';
import { stablePaths } from '../../model/paths.js';
import { bodyLines } from './body-lines.js';
import { nginxQuote } from '../../leaves/nginx-quote.js';
import { handshakeLines, tlsLines, widestProfile } from './tls-profile.js';
import { NGINX_CHANGES, versionAtLeast } from './version.js';

export interface HttpsView {
  listen: string[];
  serverName: string;
  certificate: string;
  key: string;
  /** `http2 on;` (nginx 1.25.1 and later; before, listen's http2 parameter). */
  http2: boolean;
  /** The tls-profile's directives. */
  tls: string[];
  /** The Strict-Transport-Security add_header line, or null. */
  hsts: string | null;
  challenge: { root: string } | null;
  /** Lines of the user's directives for the HTTPS server. */
  body: string[];
  /** No body: everything but the challenge answers 404 (never nginx's own start page). */
  notFound: boolean;
}

/** The server that refuses the handshake for names without an HTTPS server. */
export interface DefaultHttpsView {
  listen: string[];
  tls: string[];
}

/** What the HTTPS servers of one file share. */
export interface HttpsShared {
  version: string;
  http2Directive: boolean;
  /** The listen lines with the user's socket options, and with the address alone. */
  listen: string[];
  bareListen: string[];
  /** Whether the file ends with the default server (which then carries the socket options). */
  defaultServer: boolean;
}

export function httpsShared(config: Config, version: string): HttpsShared {
  const http2Directive = versionAtLeast(version, NGINX_CHANGES.http2Directive);
  return {
    version,
    http2Directive,
    listen: config.nginx.httpsListen.map((l) => httpsListenLine(l, !http2Directive)),
    bareListen: config.nginx.httpsListen.map((l) => httpsListenLine(l.split(' ')[0]!, !http2Directive)),
    defaultServer: config.nginx.httpsDefaultServer && config.certificates.some((c) => c.https !== null),
  };
}

export function httpsView(cert: Certificate & { https: NonNullable<Certificate['https']> }, certsDir: string, shared: HttpsShared, socketOptions: boolean, challenge: { root: string } | null): HttpsView {
  const paths = stablePaths(certsDir, cert.name);
  return {
    listen: socketOptions ? shared.listen : shared.bareListen,
    serverName: cert.domains.join(' '),
    certificate: nginxQuote(paths.fullchain),
    key: nginxQuote(paths.privkey),
    http2: shared.http2Directive,
    tls: tlsLines(cert.https.tlsProfile, shared.version),
    hsts: cert.https.hsts && hstsLine(cert.https.hsts),
    challenge,
    body: bodyLines(cert.https.body),
    notFound: cert.https.body.length === 0,
  };
}

/** The default server of the HTTPS addresses: the socket options, and the widest profile's protocols and ciphers. */
export function defaultHttpsView(config: Config, shared: HttpsShared): DefaultHttpsView | null {
  if (!shared.defaultServer) return null;
  const profiles = config.certificates.flatMap((c) => (c.https ? [c.https.tlsProfile] : []));
  return { listen: shared.listen.map(withDefaultServer), tls: handshakeLines(widestProfile(profiles)) };
}

/** `add_header Strict-Transport-Security "max-age=N[; includeSubDomains][; preload]" always;` */
export function hstsLine(hsts: Hsts): string {
  const value = [`max-age=${hsts.maxAge}`, ...(hsts.includeSubdomains ? ['includeSubDomains'] : []), ...(hsts.preload ? ['preload'] : [])].join('; ');
  return `add_header Strict-Transport-Security ${nginxQuote(value)} always;`;
}

/**
 * "443" -> "443 ssl http2" (nginx before 1.25.1) or "443 ssl": ssl and http2 once, right after
 * the address, whatever the user wrote of them (HTTP/2 is always on, in the form the version takes).
 */
function httpsListenLine(listen: string, http2Param: boolean): string {
  const [address, ...params] = listen.split(' ');
  return [address, 'ssl', ...(http2Param ? ['http2'] : []), ...params.filter((p) => p !== 'ssl' && p !== 'http2')].join(' ');
}

/** A listen line of the default server: default_server once. */
function withDefaultServer(listen: string): string {
  return listen.split(' ').includes('default_server') ? listen : `${listen} default_server`;
}
