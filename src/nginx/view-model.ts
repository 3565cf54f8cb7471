/**
 * Config -> the data the templates insert. Every decision (which servers, which
 * locations, how each value is quoted) is made here; templates only loop and insert.
 */
import type { Config } from '../config/types.js';
import { UsageError } from '../lib/errors.js';
import { stablePaths } from '../lifecycle/paths.js';
import { commentText, nginxQuote } from './quote.js';

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

export interface HttpsView {
  listen: string[];
  serverName: string;
  certificate: string;
  key: string;
  challenge: ChallengeView | null;
  /** Lines of the user's directives for the HTTPS server. */
  body: string[];
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
  /** Fleet mode: the challenge is answered by nginx itself. */
  fleet: boolean;
  servers: ServerView[];
}

export function buildView(config: Config): FileView {
  const challenge: ChallengeView = { root: nginxQuote(config.webroot), thumbprint: fleetThumbprint(config) };
  const defaultLocation = config.defaultLocation && { uri: config.defaultLocation.uri, body: bodyLines(config.defaultLocation.body) };
  // Socket options (default_server, backlog, ipv6only, ...) may appear once per
  // address:port in all of nginx's config: the first server written out gets them
  // (not the first certificate, which may need no port-80 server), the others the address alone.
  const bareListen = config.nginx.listen.map((l) => l.split(' ')[0]!);
  const httpsListen = config.nginx.httpsListen.map(withSsl);
  const bareHttpsListen = config.nginx.httpsListen.map((l) => withSsl(l.split(' ')[0]!));
  let firstHttp = true;
  let firstHttps = true;
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
      challenge: needsChallenge ? challenge : null,
      body: bodyLines(cert.https.body),
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
  return { source: commentText(config.sourceName), webroot: commentText(config.webroot), hasHttps: !firstHttps, fleet: challenge.thumbprint !== null, servers };
}

/** A fleet config's thumbprint (checked by the config rules: 43 base64url characters); gen-nginx needs it. */
function fleetThumbprint(config: Config): string | null {
  if (config.fleet === null) return null;
  if (config.fleet.accountThumbprint === null) {
    throw new UsageError('fleet.account-thumbprint is not set: every node answers HTTP-01 with TOKEN.THUMBPRINT; run "cert-wrap fleet init -c CONFIG" and put the thumbprint it prints into the config');
  }
  return config.fleet.accountThumbprint;
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

/** "443" -> "443 ssl"; "[::]:443 http2" -> "[::]:443 ssl http2" (ssl once, right after the address). */
function withSsl(listen: string): string {
  const [address, ...params] = listen.split(' ');
  return [address, 'ssl', ...params.filter((p) => p !== 'ssl')].join(' ');
}
