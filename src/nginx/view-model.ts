/**
 * Config -> the data the templates insert. Every decision (which servers, which
 * locations, how each value is quoted) is made here; templates only loop and insert.
 */
import type { Config, Hsts } from '../config/types.js';
import { stablePaths } from '../lifecycle/paths.js';
import { commentText, nginxQuote } from './quote.js';
import { handshakeLines, tlsLines, widestProfile } from './tls-profile.js';
import { NGINX_CHANGES, versionAtLeast } from './version.js';

export interface ChallengeView {
  root: string;
}

export interface LocationView {
  uri: string;
  /** Lines of the body; a multi-line directive keeps its own relative indentation. */
  body: string[];
}

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
  challenge: ChallengeView | null;
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

export interface ServerView {
  name: string;
  /** Set when the certificate needs no port-80 server; the template writes a comment instead. */
  skipReason: string | null;
  listen: string[];
  serverName: string;
  challenge: ChallengeView | null;
  defaultLocation: LocationView | null;
  https: HttpsView | null;
}

export interface FileView {
  source: string;
  webroot: string;
  /** Whether any certificate has an HTTPS server (the header says what the file holds). */
  hasHttps: boolean;
  /** The nginx version the HTTPS servers are written for (null without HTTPS servers). */
  nginxVersion: string | null;
  servers: ServerView[];
  defaultHttps: DefaultHttpsView | null;
}

/**
 * `nginxVersion`: the version the HTTPS servers are written for (nginx.version,
 * else the host's `nginx -v`); it may be null only when no certificate has https.
 */
export function buildView(config: Config, nginxVersion: string | null): FileView {
  const httpsCerts = config.certificates.filter((c) => c.https !== null);
  if (httpsCerts.length > 0 && nginxVersion === null) throw new Error('HTTPS servers need the nginx version they are written for');
  const version = nginxVersion ?? '0.0.0';
  const http2Directive = versionAtLeast(version, NGINX_CHANGES.http2Directive);
  const defaultServer = httpsCerts.length > 0 && config.nginx.httpsDefaultServer;
  const challenge: ChallengeView = { root: nginxQuote(config.webroot) };
  const defaultLocation = config.defaultLocation && { uri: config.defaultLocation.uri, body: bodyLines(config.defaultLocation.body) };
  // Socket options (default_server, backlog, ipv6only, ...) may appear once per
  // address:port in all of nginx's config: the first server written out gets them
  // (not the first certificate, which may need no port-80 server), the others the address alone.
  const bareListen = config.nginx.listen.map((l) => l.split(' ')[0]!);
  // The HTTPS socket options go to the default server when there is one, else to the first HTTPS server.
  const httpsListen = config.nginx.httpsListen.map((l) => httpsListenLine(l, !http2Directive));
  const bareHttpsListen = config.nginx.httpsListen.map((l) => httpsListenLine(l.split(' ')[0]!, !http2Directive));
  let firstHttp = true;
  let firstHttps = !defaultServer;
  const servers = config.certificates.map((cert): ServerView => {
    const needsChallenge = cert.challenge !== 'dns';
    const skipReason = !needsChallenge && !defaultLocation ? 'dns challenge and no default-location: no port-80 server needed' : null;
    const listen = firstHttp && skipReason === null ? config.nginx.listen : bareListen;
    if (skipReason === null) firstHttp = false;
    const paths = stablePaths(config.certsDir, cert.name);
    const https: HttpsView | null = cert.https && {
      listen: firstHttps ? httpsListen : bareHttpsListen,
      serverName: cert.domains.join(' '),
      certificate: nginxQuote(paths.fullchain),
      key: nginxQuote(paths.privkey),
      http2: http2Directive,
      tls: tlsLines(cert.https.tlsProfile, version),
      hsts: cert.https.hsts && hstsLine(cert.https.hsts),
      challenge: needsChallenge ? challenge : null,
      body: bodyLines(cert.https.body),
      notFound: cert.https.body.length === 0,
    };
    if (https) firstHttps = false;
    return {
      name: cert.name,
      skipReason,
      listen,
      serverName: cert.domains.join(' '),
      challenge: needsChallenge ? challenge : null,
      defaultLocation,
      https,
    };
  });
  const defaultHttps: DefaultHttpsView | null = defaultServer
    ? { listen: httpsListen.map(withDefaultServer), tls: handshakeLines(widestProfile(httpsCerts.map((c) => c.https!.tlsProfile))) }
    : null;
  return {
    source: commentText(config.sourceName),
    webroot: commentText(config.webroot),
    hasHttps: httpsCerts.length > 0,
    nginxVersion: httpsCerts.length > 0 ? version : null,
    servers,
    defaultHttps,
  };
}

/** `add_header Strict-Transport-Security "max-age=N[; includeSubDomains][; preload]" always;` */
export function hstsLine(hsts: Hsts): string {
  const value = [`max-age=${hsts.maxAge}`, ...(hsts.includeSubdomains ? ['includeSubDomains'] : []), ...(hsts.preload ? ['preload'] : [])].join('; ');
  return `add_header Strict-Transport-Security ${nginxQuote(value)} always;`;
}

/** Directive entries as lines; a multi-line directive keeps its own relative indentation. */
function bodyLines(entries: string[]): string[] {
  return entries.flatMap((d) => d.split(/\r?\n/).map(trimLineEnd));
}

/**
 * A line without its trailing blanks, as nginx sees blanks: spaces and tabs
 * only (U+00A0 and other Unicode spaces are part of a word to nginx), and not
 * one escaped by a backslash (in "a\ " the space is part of the word; cut, the backslash
 * would escape the newline instead).
 * So the output holds the very words that were validated.
 */
export function trimLineEnd(line: string): string {
  const blanks = /[ \t]+$/.exec(line);
  if (!blanks) return line;
  const kept = line.slice(0, blanks.index);
  const backslashes = /\\*$/.exec(kept)![0].length;
  return backslashes % 2 === 1 ? kept + blanks[0][0] : kept;
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
