/**
 * Config -> the data the templates insert. Every decision (which servers, which
 * locations, how each value is quoted) is made here; templates only loop and insert.
 */
import type { Config } from '../../model/types.js';
import { UsageError } from '../../lib/errors.js';
import { commentText, nginxQuote } from '../../leaves/nginx-quote.js';
import { bodyLines } from './body-lines.js';
import { type DefaultHttpsView, defaultHttpsView, type HttpsView, httpsShared, httpsView } from './https-view.js';

export interface ChallengeView {
  root: string;
  /** Fleet mode: nginx answers TOKEN.THUMBPRINT itself (no file, no webroot); null: the webroot. */
  thumbprint: string | null;
}

export interface LocationView {
  uri: string;
  /** Lines of the body; a multi-line directive keeps its own relative indentation. */
  body: string[];
}

export type { DefaultHttpsView, HttpsView } from './https-view.js';

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
  /** Fleet mode: the challenge is answered by nginx itself. */
  fleet: boolean;
  servers: ServerView[];
  defaultHttps: DefaultHttpsView | null;
}

/**
 * `nginxVersion`: the version the HTTPS servers are written for (nginx.version,
 * else the host's `nginx -v`); it may be null only when no certificate has https.
 */
export function buildView(config: Config, nginxVersion: string | null): FileView {
  const hasHttps = config.certificates.some((c) => c.https !== null);
  if (hasHttps && nginxVersion === null) throw new Error('HTTPS servers need the nginx version they are written for');
  const shared = httpsShared(config, nginxVersion ?? '0.0.0');
  const challenge: ChallengeView = { root: nginxQuote(config.webroot), thumbprint: fleetThumbprint(config) };
  const defaultLocation = config.defaultLocation && { uri: config.defaultLocation.uri, body: bodyLines(config.defaultLocation.body) };
  // Socket options (default_server, backlog, ipv6only, ...) may appear once per
  // address:port in all of nginx's config: the first server written out gets them
  // (not the first certificate, which may need no port-80 server), the others the address alone.
  // On the HTTPS addresses the default server takes them when there is one.
  const bareListen = config.nginx.listen.map((l) => l.split(' ')[0]!);
  let firstHttp = true;
  let firstHttps = !shared.defaultServer;
  const servers = config.certificates.map((cert): ServerView => {
    const needsChallenge = cert.challenge !== 'dns';
    const skipReason = !needsChallenge && !defaultLocation ? 'dns challenge and no default-location: no port-80 server needed' : null;
    const listen = firstHttp && skipReason === null ? config.nginx.listen : bareListen;
    if (skipReason === null) firstHttp = false;
    const https: HttpsView | null = cert.https && httpsView({ ...cert, https: cert.https }, config.certsDir, shared, firstHttps, needsChallenge ? challenge : null);
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
  return {
    source: commentText(config.sourceName),
    webroot: commentText(config.webroot),
    hasHttps,
    nginxVersion: hasHttps ? shared.version : null,
    fleet: challenge.thumbprint !== null,
    servers,
    defaultHttps: defaultHttpsView(config, shared),
  };
}

/** A fleet config's thumbprint (checked by the config rules: 43 base64url characters); gen-nginx needs it. */
function fleetThumbprint(config: Config): string | null {
  if (config.fleet === null) return null;
  if (config.fleet.accountThumbprint === null) {
    throw new UsageError('fleet.account-thumbprint is not set: every node answers HTTP-01 with TOKEN.THUMBPRINT; run "cert-wrap fleet init -c CONFIG" and put the thumbprint it prints into the config');
  }
  return config.fleet.accountThumbprint;
}
