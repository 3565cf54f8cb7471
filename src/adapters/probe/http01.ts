/**
 * HTTP-01 preflight: before asking the CA, check that every webroot name
 * serves a file from the webroot the way the CA will fetch it.
 *
 * One probe file per run (random name and body) goes into
 * WEBROOT/.well-known/acme-challenge/; each name is fetched at
 * http://NAME/.well-known/acme-challenge/PROBE the way Let's Encrypt's
 * validation does: IPv6 first when the name has both families (IPv4 if the
 * IPv6 connection fails), up to 10 redirects, only to http/https URLs on ports
 * 80 and 443, the https certificate not verified, status 200 and the exact
 * body required. The file, and the directories this run created, are removed
 * afterwards. A failed validation at the CA counts against its rate limits
 * (5 failures per name per hour at Let's Encrypt); a failed probe costs nothing.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http, { STATUS_CODES, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { ipFamily } from '../../leaves/ip.js';
import type { Certificate, Config } from '../../model/types.js';
import { VERSION } from '../../lib/version.js';
import { challengeUrlPath } from '../../leaves/acme-http01.js';
import { fleetProbe } from './fleet-probe.js';
import { type PlacedProbe, placeProbe, removeProbe } from './probe-file.js';

export { type PlacedProbe, placeProbe, ProbeSetupError, removeProbe } from './probe-file.js';

export type ProbeKind = 'ok' | 'dns' | 'refused' | 'timeout' | 'status' | 'redirect-loop' | 'wrong-body' | 'error';

/** What fetching one name gave. */
export interface ProbeResult {
  domain: string;
  ok: boolean;
  kind: ProbeKind;
  /** One short sentence: what was seen (the status and URL, the address refused, ...). */
  seen: string;
}

/** One certificate: a result per name, or why it was not probed. */
export interface ProbeReport {
  name: string;
  /** null: probed (see results); otherwise why not (its names are validated through manual hooks), and results is empty. */
  skipped: string | null;
  results: ProbeResult[];
}

export interface ProbeOptions {
  /** Name -> address(es) to connect to instead of asking DNS (see parseResolve): comma-separated, IPv6 without brackets. */
  resolve?: Map<string, string>;
  /** Per request (and per DNS lookup); default 10 s. */
  timeoutMs?: number;
  /** Port for http URLs (port 80 in the URL). For tests only; default 80. */
  port?: number;
  /** Port for https URLs (port 443 in the URL). For tests only; default 443. */
  httpsPort?: number;
  /** Names fetched at the same time; default 8. */
  concurrency?: number;
  /** Abort: requests in flight are dropped, the rest not started, and the probe file is still removed. */
  signal?: AbortSignal;
}

/** The webroot cannot take the probe file (missing, not a directory, not writable): exit 2, nothing was fetched. */

export const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONCURRENCY = 8;
/** Let's Encrypt follows at most this many redirects. */
export const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Bodies are read up to this size; the probe is far shorter. */
const BODY_LIMIT = 64 * 1024;
const USER_AGENT = `cert-wrap/${VERSION} (HTTP-01 preflight)`;

/**
 * Probe every name of every certificate validated through the webroot
 * (`challenge === null`); other certificates are reported as skipped. Reports
 * come in the order of `certs`, results in the order of each one's domains.
 * Throws ProbeSetupError when the probe file cannot be written.
 */
export async function probeCertificates(config: Config, certs: readonly Certificate[], opts: ProbeOptions = {}): Promise<ProbeReport[]> {
  const probed = certs.filter((c) => c.challenge === null);
  const jobs = probed.flatMap((cert) => cert.domains.map((domain) => ({ cert, domain })));
  const byDomain = new Map<string, ProbeResult>();
  if (jobs.length > 0) {
    // In a fleet, nginx computes the answer: nothing to place or remove.
    const probe = config.fleet ? fleetProbe(config.fleet) : await placeProbe(config.webroot);
    try {
      const ctx = context(probe, opts);
      const results = await mapLimit(jobs, opts.concurrency ?? DEFAULT_CONCURRENCY, (job) => probeName(job.domain, ctx));
      results.forEach((r) => byDomain.set(r.domain, r));
    } finally {
      await removeProbe(probe);
    }
  }
  return certs.map((cert) =>
    cert.challenge === null
      ? { name: cert.name, skipped: null, results: cert.domains.map((d) => byDomain.get(d)!) }
      : {
          name: cert.name,
          skipped: `challenge: ${cert.challenge}, validated through its authentication-hook, not the webroot`,
          results: [],
        },
  );
}

// ---------------------------------------------------------------------------
// Fetching one name

interface Ctx {
  probe: PlacedProbe;
  path: string;
  resolve: Map<string, string>;
  timeoutMs: number;
  httpPort: number;
  httpsPort: number;
  signal: AbortSignal | undefined;
}

function context(probe: PlacedProbe, opts: ProbeOptions): Ctx {
  return {
    probe,
    path: challengeUrlPath(probe.name),
    resolve: opts.resolve ?? new Map(),
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    httpPort: opts.port ?? 80,
    httpsPort: opts.httpsPort ?? 443,
    signal: opts.signal,
  };
}

interface Address {
  address: string;
  family: 4 | 6;
}

/** A response, or a failure before one (connectLevel: no connection was made, so another address may be tried). */
type Hop =
  | { type: 'response'; status: number; statusText: string; location: string | undefined; body: Buffer; truncated: boolean }
  | { type: 'failure'; kind: ProbeKind; seen: string; connectLevel: boolean };

async function probeName(domain: string, ctx: Ctx): Promise<ProbeResult> {
  const fail = (kind: ProbeKind, seen: string): ProbeResult => ({ domain, ok: false, kind, seen });
  let url = new URL(`http://${domain}${ctx.path}`);
  const chain: URL[] = [url];
  const notes: string[] = [];
  for (;;) {
    if (ctx.signal?.aborted) return fail('error', 'not checked: interrupted');
    const host = hostOf(url);
    const addresses = await addressesOf(host, ctx);
    if (!Array.isArray(addresses)) return fail(addresses.kind, withNotes(addresses.seen, notes));
    let hop: Hop | undefined;
    for (const [i, address] of addresses.entries()) {
      hop = await fetchOnce(url, address, ctx);
      if (hop.type === 'failure' && hop.connectLevel && i < addresses.length - 1) {
        notes.push(`IPv${address.family} first: ${hop.seen}`);
        continue;
      }
      break;
    }
    if (hop === undefined) return fail('dns', `no address for ${host}`);
    if (hop.type === 'failure') return fail(hop.kind, withNotes(hop.seen, notes));

    if (REDIRECT_STATUSES.has(hop.status)) {
      if (hop.location === undefined || hop.location === '') {
        return fail('status', withNotes(`${hop.status} ${hop.statusText} without a Location header from ${url.href}`, notes));
      }
      let next: URL;
      try {
        next = new URL(hop.location, url);
      } catch {
        return fail('error', withNotes(`${hop.status} redirect to an invalid URL ${JSON.stringify(hop.location)} from ${url.href}`, notes));
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        return fail('error', withNotes(`redirect to ${next.href} is not followed (only http and https): ${showChain([...chain, next], ctx)}`, notes));
      }
      if (next.port !== '' && next.port !== '80' && next.port !== '443') {
        return fail('error', withNotes(`redirect to port ${next.port} is not followed (only 80 and 443): ${showChain([...chain, next], ctx)}`, notes));
      }
      next.hash = '';
      if (chain.some((u) => u.href === next.href)) {
        return fail('redirect-loop', withNotes(`redirect loop: ${showChain([...chain, next], ctx)}`, notes));
      }
      if (chain.length > MAX_REDIRECTS) {
        return fail('redirect-loop', withNotes(`too many redirects (more than ${MAX_REDIRECTS}): ${showChain([...chain, next], ctx, 4)}`, notes));
      }
      chain.push(next);
      url = next;
      continue;
    }

    const via = chain.length > 1 ? ` (redirects: ${showChain(chain, ctx)})` : '';
    if (hop.status !== 200) {
      const hint = hop.status === 403 ? ' (can the nginx workers read the webroot?)' : '';
      return fail('status', withNotes(`${hop.status} ${hop.statusText} from ${url.href}${hint}${via}`, notes));
    }
    if (!hop.truncated && hop.body.toString('utf8').trim() === ctx.probe.body) {
      return { domain, ok: true, kind: 'ok', seen: withNotes(`served the probe${via}`, notes) };
    }
    const size = hop.truncated ? `more than ${BODY_LIMIT} bytes` : hop.body.length === 0 ? 'an empty body' : `${hop.body.length} bytes`;
    return fail('wrong-body', withNotes(`served ${size} that ${hop.body.length === 0 ? 'is' : 'are'} not the probe (another server answers this name?)${via}`, notes));
  }
}

function withNotes(seen: string, notes: string[]): string {
  return notes.length === 0 ? seen : `${seen}; ${notes.join('; ')}`;
}

/** The host of a URL without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** `http://a.test -> https://a.test -> http://a.test`: a URL is shortened to its origin when it asks for the probe path. */
function showChain(chain: URL[], ctx: Ctx, keepEnds?: number): string {
  const show = (u: URL) => (u.pathname === ctx.path && u.search === '' ? u.origin : u.href);
  const parts = chain.map(show);
  if (keepEnds !== undefined && parts.length > 2 * keepEnds + 1) {
    return [...parts.slice(0, keepEnds), '...', ...parts.slice(-keepEnds)].join(' -> ');
  }
  return parts.join(' -> ');
}

/** The addresses to try, as the CA would: the first IPv6 one, then the first IPv4 one. */
async function addressesOf(host: string, ctx: Ctx): Promise<Address[] | { kind: ProbeKind; seen: string }> {
  // Not node:net's isIP: its IPv6 expression takes some 15 ms to compile on first use.
  const literal = ipFamily(host);
  if (literal !== 0) return [{ address: host, family: literal as 4 | 6 }];
  let all: Address[];
  const given = ctx.resolve.get(host.toLowerCase());
  if (given !== undefined) {
    all = given.split(',').map((address) => ({ address, family: ipFamily(address) as 4 | 6 }));
  } else {
    try {
      all = (await withTimeout(dnsLookup(host, { all: true, verbatim: true }), ctx.timeoutMs)) as Address[];
    } catch (err) {
      if (err === TIMEOUT) return { kind: 'dns', seen: `no DNS answer for ${host} within ${seconds(ctx.timeoutMs)}` };
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return { kind: 'dns', seen: `no DNS answer for ${host}` };
      if (code === 'EAI_AGAIN') return { kind: 'dns', seen: `DNS lookup of ${host} failed (EAI_AGAIN: the resolver did not answer)` };
      return { kind: 'dns', seen: `DNS lookup of ${host} failed (${code ?? (err as Error).message})` };
    }
  }
  const v6 = all.find((a) => a.family === 6);
  const v4 = all.find((a) => a.family === 4);
  const ordered = [v6, v4].filter((a): a is Address => a !== undefined);
  return ordered.length > 0 ? ordered : { kind: 'dns', seen: `no DNS answer for ${host}` };
}

const TIMEOUT = Symbol('timeout');

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(TIMEOUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** One GET of `url` on `address`, with the per-request timeout; never rejects. */
function fetchOnce(url: URL, address: Address, ctx: Ctx): Promise<Hop> {
  const secure = url.protocol === 'https:';
  const urlPort = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const port = urlPort === 80 ? ctx.httpPort : urlPort === 443 ? ctx.httpsPort : urlPort;
  const where = `${address.family === 6 ? `[${address.address}]` : address.address}:${port}`;
  const host = hostOf(url);
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, a: Address[]) => void)(null, [address]);
    else callback(null, address.address, address.family);
  };
  return new Promise<Hop>((resolve) => {
    let connected = false;
    let settled = false;
    const finish = (hop: Hop): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(hop);
    };
    const onAbort = (): void => finish({ type: 'failure', kind: 'error', seen: 'interrupted', connectLevel: false });
    const options: https.RequestOptions = {
      host,
      port,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { Host: url.host, 'User-Agent': USER_AGENT, Accept: '*/*', Connection: 'close' },
      agent: false,
      lookup,
      family: address.family,
    };
    if (secure) {
      options.rejectUnauthorized = false;
      if (ipFamily(host) === 0) options.servername = host;
    }
    const req = (secure ? https : http).request(options, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const head = {
        status,
        statusText: STATUS_CODES[status] ?? res.statusMessage ?? '',
        location: res.headers.location,
      };
      if (status !== 200) {
        finish({ type: 'response', ...head, body: Buffer.alloc(0), truncated: false });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > BODY_LIMIT) finish({ type: 'response', ...head, body: Buffer.concat(chunks), truncated: true });
        else chunks.push(chunk);
      });
      res.on('end', () => finish({ type: 'response', ...head, body: Buffer.concat(chunks), truncated: false }));
      res.on('error', (err) => finish(failureOf(err, url, where, true)));
    });
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.on('error', (err) => finish(failureOf(err, url, where, connected)));
    const timer = setTimeout(
      () =>
        finish(
          connected
            ? { type: 'failure', kind: 'timeout', seen: `no response within ${seconds(ctx.timeoutMs)} from ${url.href} (${where})`, connectLevel: false }
            : { type: 'failure', kind: 'timeout', seen: `timed out connecting to ${where} (${seconds(ctx.timeoutMs)})`, connectLevel: true },
        ),
      ctx.timeoutMs,
    );
    if (ctx.signal?.aborted) onAbort();
    else ctx.signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}

function failureOf(err: Error, url: URL, where: string, connected: boolean): Hop {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const failure = (kind: ProbeKind, seen: string, connectLevel = !connected): Hop => ({ type: 'failure', kind, seen, connectLevel });
  if (code === 'ECONNREFUSED') return failure('refused', `connection refused (${where})`, true);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') {
    return failure('error', `${code === 'EHOSTUNREACH' ? 'host' : 'network'} unreachable (${where})`, true);
  }
  if (code === 'ETIMEDOUT') return failure('timeout', `timed out connecting to ${where}`, true);
  if (code === 'ECONNRESET' || code === 'EPIPE' || err.message === 'socket hang up') {
    return failure('error', `connection closed without a complete HTTP response from ${url.href} (${where})`);
  }
  if (code.startsWith('ERR_SSL') || code === 'EPROTO' || /SSL|TLS/.test(err.message)) {
    return failure('error', `TLS handshake with ${where} for ${url.href} failed: ${err.message.split('\n')[0]}`, false);
  }
  if (code.startsWith('HPE_')) return failure('error', `not a valid HTTP response from ${url.href} (${where}): ${err.message}`, false);
  return failure('error', `${code || err.message} fetching ${url.href} (${where})`);
}

// ---------------------------------------------------------------------------

/** `fn` over `items` with at most `limit` running at once; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
