/**
 * Config -> the data the templates insert. Every decision (which servers, which
 * locations, how each value is quoted) is made here; templates only loop and insert.
 */
import type { Config } from '../config/types.js';
import { commentText, nginxQuote } from './quote.js';

export interface ChallengeView {
  root: string;
}

export interface LocationView {
  uri: string;
  /** Lines of the body; a multi-line directive keeps its own relative indentation. */
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
}

export interface FileView {
  source: string;
  webroot: string;
  servers: ServerView[];
}

export function buildView(config: Config): FileView {
  const challenge: ChallengeView = { root: nginxQuote(config.webroot) };
  const defaultLocation = config.defaultLocation && {
    uri: config.defaultLocation.uri,
    body: config.defaultLocation.body.flatMap((d) => d.split(/\r?\n/).map((line) => line.trimEnd())),
  };
  // Socket options (default_server, backlog, ipv6only, ...) may appear once per
  // address:port in all of nginx's config: the first server gets them, the others the address alone.
  const bareListen = config.nginx.listen.map((l) => l.split(' ')[0]!);
  const servers = config.certificates.map((cert, i): ServerView => {
    const needsChallenge = cert.challenge !== 'dns';
    return {
      name: cert.name,
      skipReason: !needsChallenge && !defaultLocation ? 'dns challenge and no default-location: no port-80 server needed' : null,
      listen: i === 0 ? config.nginx.listen : bareListen,
      serverName: cert.domains.join(' '),
      challenge: needsChallenge ? challenge : null,
      defaultLocation,
    };
  });
  return { source: commentText(config.sourceName), webroot: commentText(config.webroot), servers };
}
