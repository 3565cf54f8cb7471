import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/model/load.js';
import type { Config } from '../../../../src/model/types.js';
import { probeCertificates, ProbeSetupError, type ProbeOptions, type ProbeReport, type ProbeResult } from '../../../../src/adapters/probe/http01.js';
import { makeTempDir, removeTempDir } from '../../../../lab/tmp.js';
import { exitCodeOf } from '../../../../src/cli/exit-codes.js';
import { makeCertificate } from '../../../../lab/certificates.js';

const CHALLENGE = '/.well-known/acme-challenge/';

/** What the test server saw of each request for a probe file: the file's mode and its directories' modes. */
interface Seen {
  host: string;
  fileMode: number | null;
  dirModes: number[];
  servername: string | null;
}

/**
 * One handler for plain http and https, choosing its behaviour by the Host
 * header, serving real files from the webroot of the current test.
 */
function makeHandler(state: { webroot: string; seen: Seen[]; inFlight: number; maxInFlight: number }) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const url = new URL(req.url ?? '/', `http://${host}`);
    const serveFile = (name: string) => {
      const file = join(state.webroot, '.well-known', 'acme-challenge', name);
      let fileMode: number | null = null;
      try {
        fileMode = statSync(file).mode & 0o777;
      } catch {
        // missing: 404 below
      }
      state.seen.push({
        host,
        fileMode,
        dirModes: [join(state.webroot, '.well-known'), join(state.webroot, '.well-known', 'acme-challenge')].map((d) => statSync(d).mode & 0o777),
        servername: (req.socket as TLSSocket).servername || null,
      });
      if (fileMode === null) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(`${readFileSync(file, 'utf8')}\n`);
    };
    const probeName = url.pathname.startsWith(CHALLENGE) ? url.pathname.slice(CHALLENGE.length) : null;
    const redirect = (status: number, location: string): void => void res.writeHead(status, { Location: location }).end();
    switch (host) {
      case 'ok.test':
      case 'www.ok.test':
      case 'fallback.test':
      case 'p1.test':
      case 'p2.test':
      case 'p3.test':
      case 'p4.test':
      case 'p5.test':
      case 'p6.test':
        if (probeName === null) return void res.writeHead(404).end();
        if (host.startsWith('p')) {
          state.inFlight++;
          state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
          setTimeout(() => {
            state.inFlight--;
            serveFile(probeName);
          }, 60);
          return;
        }
        return serveFile(probeName);
      case 'missing.test':
        return void res.writeHead(404).end('<html>404</html>');
      case 'forbidden.test':
        return void res.writeHead(403).end();
      case 'hop.test':
        if (probeName !== null) return redirect(302, `/files/${probeName}`);
        if (url.pathname.startsWith('/files/')) return serveFile(url.pathname.slice('/files/'.length));
        return void res.writeHead(404).end();
      case 'cross.test':
        return redirect(301, `http://ok.test${url.pathname}`);
      case 'tls.test':
        return redirect(301, `https://ok.test${url.pathname}`);
      case 'loop-a.test':
        return redirect(301, `http://loop-b.test${url.pathname}`);
      case 'loop-b.test':
        return redirect(302, `http://loop-a.test${url.pathname}`);
      case 'many.test':
        return redirect(302, `${url.pathname}?n=${Number(url.searchParams.get('n') ?? 0) + 1}`);
      case 'ftp.test':
        return redirect(301, `ftp://ok.test${url.pathname}`);
      case 'port.test':
        return redirect(301, `http://ok.test:8080${url.pathname}`);
      case 'nolocation.test':
        return void res.writeHead(302).end();
      case 'wrong.test':
        return void res.writeHead(200).end('hello from another site, not the probe');
      case 'close.test':
        return void req.socket.destroy();
      case 'slow.test':
        return; // never answers
      default:
        res.writeHead(421).end();
    }
  };
}

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

interface CertSpec {
  name: string;
  domains: string[];
  dns?: boolean;
}

function configFor(webroot: string, certs: CertSpec[]): Config {
  const lines = [`webroot: ${JSON.stringify(webroot)}`, 'certificates:'];
  for (const c of certs) {
    lines.push(`  - name: ${c.name}`, `    domains: [${c.domains.map((d) => JSON.stringify(d)).join(', ')}]`);
    if (c.dns) lines.push('    challenge: dns', '    authentication-hook: /bin/true');
  }
  return parseConfig(`${lines.join('\n')}\n`, 'site.yaml', join(webroot, '..', 'site.yaml'));
}

const RESOLVE = new Map(
  [
    'ok.test', 'www.ok.test', 'missing.test', 'forbidden.test', 'hop.test', 'cross.test', 'tls.test', 'loop-a.test', 'loop-b.test',
    'many.test', 'ftp.test', 'port.test', 'nolocation.test', 'wrong.test', 'close.test', 'slow.test',
    'p1.test', 'p2.test', 'p3.test', 'p4.test', 'p5.test', 'p6.test',
  ].map((n) => [n, '127.0.0.1']),
);
RESOLVE.set('refused.test', '127.0.0.2');
RESOLVE.set('fallback.test', '::1,127.0.0.1');
RESOLVE.set('refused6.test', '::1');

describe('probeCertificates against a local http server', () => {
  const state = { webroot: '', seen: [] as Seen[], inFlight: 0, maxInFlight: 0 };
  const server = http.createServer(makeHandler(state));
  let tlsServer: https.Server | undefined;
  let port = 0;
  let httpsPort = 0;
  let dir = '';

  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-preflight-');
    port = await listen(server);
    const now = Date.now();
    const { cert, key } = makeCertificate({ domains: ['not-ok.test'], notBefore: new Date(now - 3_600_000), notAfter: new Date(now + 86_400_000) });
    tlsServer = https.createServer({ key, cert }, makeHandler(state));
    httpsPort = await listen(tlsServer);
  });

  afterAll(async () => {
    server.closeAllConnections();
    tlsServer?.closeAllConnections();
    await new Promise((r) => server.close(r));
    if (tlsServer) await new Promise((r) => tlsServer!.close(r));
    await removeTempDir(dir);
  });

  let n = 0;
  /** A fresh webroot (0755) for one test. */
  const freshWebroot = (): string => {
    const webroot = join(dir, `webroot-${++n}`);
    mkdirSync(webroot, { mode: 0o755 });
    state.webroot = webroot;
    state.seen = [];
    return webroot;
  };
  afterEach(() => {
    state.maxInFlight = 0;
  });

  const run = (webroot: string, certs: CertSpec[], opts: ProbeOptions = {}): Promise<ProbeReport[]> =>
    probeCertificates(configFor(webroot, certs), configFor(webroot, certs).certificates, { resolve: RESOLVE, port, httpsPort, timeoutMs: 2_000, ...opts });

  const byDomain = (reports: ProbeReport[]): Record<string, ProbeResult> =>
    Object.fromEntries(reports.flatMap((r) => r.results).map((r) => [r.domain, r]));

  it('passes names that serve the probe, directly or through redirects; reports what every other name served', async () => {
    const webroot = freshWebroot();
    const reports = await run(webroot, [
      { name: 'good', domains: ['ok.test', 'www.ok.test', 'hop.test', 'cross.test'] },
      { name: 'bad', domains: ['missing.test', 'forbidden.test', 'wrong.test', 'close.test', 'nolocation.test'] },
      { name: 'redirects', domains: ['loop-a.test', 'many.test', 'ftp.test', 'port.test'] },
      { name: 'network', domains: ['refused.test', 'gone.invalid'] },
    ]);
    expect(reports.map((r) => [r.name, r.skipped, r.results.map((x) => x.domain)])).toEqual([
      ['good', null, ['ok.test', 'www.ok.test', 'hop.test', 'cross.test']],
      ['bad', null, ['missing.test', 'forbidden.test', 'wrong.test', 'close.test', 'nolocation.test']],
      ['redirects', null, ['loop-a.test', 'many.test', 'ftp.test', 'port.test']],
      ['network', null, ['refused.test', 'gone.invalid']],
    ]);
    const r = byDomain(reports);
    const probe = state.seen.find((s) => s.host === 'ok.test');
    expect(probe).toBeDefined();

    expect(r['ok.test']).toEqual({ domain: 'ok.test', ok: true, kind: 'ok', seen: 'served the probe' });
    expect(r['www.ok.test']).toMatchObject({ ok: true, kind: 'ok' });
    expect(r['hop.test']!.ok).toBe(true);
    expect(r['hop.test']!.seen).toMatch(/^served the probe \(redirects: http:\/\/hop\.test -> http:\/\/hop\.test\/files\/cert-wrap-preflight-[0-9a-f]{24}\)$/);
    expect(r['cross.test']).toMatchObject({ ok: true, seen: 'served the probe (redirects: http://cross.test -> http://ok.test)' });

    expect(r['missing.test']!.kind).toBe('status');
    expect(r['missing.test']!.seen).toMatch(/^404 Not Found from http:\/\/missing\.test\/\.well-known\/acme-challenge\/cert-wrap-preflight-[0-9a-f]{24}$/);
    expect(r['forbidden.test']).toMatchObject({ ok: false, kind: 'status' });
    expect(r['forbidden.test']!.seen).toMatch(/^403 Forbidden from http:\/\/forbidden\.test\/\S+ \(can the nginx workers read the webroot\?\)$/);
    expect(r['wrong.test']).toMatchObject({ ok: false, kind: 'wrong-body', seen: 'served 38 bytes that are not the probe (another server answers this name?)' });
    expect(r['close.test']).toMatchObject({ ok: false, kind: 'error' });
    expect(r['close.test']!.seen).toMatch(new RegExp(`^connection closed without a complete HTTP response from http://close\\.test/\\S+ \\(127\\.0\\.0\\.1:${port}\\)$`));
    expect(r['nolocation.test']!.seen).toMatch(/^302 Found without a Location header from http:\/\/nolocation\.test\//);

    expect(r['loop-a.test']).toMatchObject({ ok: false, kind: 'redirect-loop', seen: 'redirect loop: http://loop-a.test -> http://loop-b.test -> http://loop-a.test' });
    expect(r['many.test']!.kind).toBe('redirect-loop');
    expect(r['many.test']!.seen).toMatch(/^too many redirects \(more than 10\): http:\/\/many\.test -> \S+\?n=1 -> \S+\?n=2 -> \S+\?n=3 -> \.\.\. -> \S+\?n=8 -> \S+\?n=9 -> \S+\?n=10 -> \S+\?n=11$/);
    expect(r['ftp.test']).toMatchObject({ ok: false, kind: 'error' });
    expect(r['ftp.test']!.seen).toMatch(/^redirect to ftp:\/\/ok\.test\/\.well-known\/acme-challenge\/\S+ is not followed \(only http and https\): http:\/\/ftp\.test -> ftp:\/\/ok\.test$/);
    expect(r['port.test']).toMatchObject({ ok: false, kind: 'error', seen: 'redirect to port 8080 is not followed (only 80 and 443): http://port.test -> http://ok.test:8080' });

    expect(r['refused.test']).toEqual({ domain: 'refused.test', ok: false, kind: 'refused', seen: `connection refused (127.0.0.2:${port})` });
    expect(r['gone.invalid']).toEqual({ domain: 'gone.invalid', ok: false, kind: 'dns', seen: 'no DNS answer for gone.invalid' });

    // everything cleaned up: nothing left in the webroot
    expect(readdirSync(webroot)).toEqual([]);
  });

  it('one probe file per run, served with the Host header of the name (no port)', async () => {
    const webroot = freshWebroot();
    await run(webroot, [{ name: 'good', domains: ['ok.test', 'www.ok.test'] }]);
    expect(state.seen.map((s) => s.host).sort()).toEqual(['ok.test', 'www.ok.test']);
    expect(state.seen.every((s) => s.fileMode !== null)).toBe(true);
  });

  it('tries IPv6 first and falls back to IPv4 when the IPv6 connection fails, as the CA does', async () => {
    const webroot = freshWebroot();
    const r = byDomain(await run(webroot, [{ name: 'v6', domains: ['fallback.test', 'refused6.test'] }]));
    expect(r['fallback.test']).toMatchObject({ ok: true, kind: 'ok', seen: `served the probe; IPv6 first: connection refused ([::1]:${port})` });
    expect(r['refused6.test']).toMatchObject({ ok: false, kind: 'refused', seen: `connection refused ([::1]:${port})` });
  });

  it('follows a redirect to https without verifying the certificate, with SNI', async () => {
    const webroot = freshWebroot();
    const r = byDomain(await run(webroot, [{ name: 'tls', domains: ['tls.test'] }]));
    expect(r['tls.test']).toMatchObject({ ok: true, kind: 'ok', seen: 'served the probe (redirects: http://tls.test -> https://ok.test)' });
    expect(state.seen.find((s) => s.host === 'ok.test')?.servername).toBe('ok.test');
  });

  it('a name that never answers times out after the per-request timeout', async () => {
    const webroot = freshWebroot();
    const started = Date.now();
    const r = byDomain(await run(webroot, [{ name: 'slow', domains: ['slow.test', 'ok.test'] }], { timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r['slow.test']!.kind).toBe('timeout');
    expect(r['slow.test']!.seen).toMatch(new RegExp(`^no response within 0\\.3 s from http://slow\\.test/\\S+ \\(127\\.0\\.0\\.1:${port}\\)$`));
    expect(r['ok.test']!.ok).toBe(true);
    expect(readdirSync(webroot)).toEqual([]);
  });

  it('an abort drops the requests in flight and still removes the probe file', async () => {
    const webroot = freshWebroot();
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const reports = await run(webroot, [{ name: 'slow', domains: ['slow.test'] }], { timeoutMs: 5_000, signal: abort.signal });
    expect(reports[0]!.results[0]).toMatchObject({ ok: false, kind: 'error', seen: 'interrupted' });
    expect(readdirSync(webroot)).toEqual([]);
  });

  it('probes names in parallel, at most `concurrency` at once', async () => {
    const webroot = freshWebroot();
    const domains = ['p1.test', 'p2.test', 'p3.test', 'p4.test', 'p5.test', 'p6.test'];
    const reports = await run(webroot, [{ name: 'many', domains }], { concurrency: 3 });
    expect(reports[0]!.results.map((r) => [r.domain, r.ok])).toEqual(domains.map((d) => [d, true]));
    expect(state.maxInFlight).toBe(3);
  });

  it('under umask 077 the probe file is still 0644 and the directories it creates 0755; both are removed', async () => {
    const webroot = freshWebroot();
    const old = process.umask(0o077);
    try {
      const r = byDomain(await run(webroot, [{ name: 'good', domains: ['ok.test'] }]));
      expect(r['ok.test']!.ok).toBe(true);
    } finally {
      process.umask(old);
    }
    expect(state.seen).toHaveLength(1);
    expect(state.seen[0]!.fileMode).toBe(0o644);
    expect(state.seen[0]!.dirModes).toEqual([0o755, 0o755]);
    expect(existsSync(join(webroot, '.well-known'))).toBe(false);
  });

  it('keeps challenge directories that existed before, with their files, and removes only what it created', async () => {
    const webroot = freshWebroot();
    mkdirSync(join(webroot, '.well-known'), { mode: 0o755 });
    writeFileSync(join(webroot, '.well-known', 'security.txt'), 'Contact: mailto:x@example.org\n');
    const r1 = byDomain(await run(webroot, [{ name: 'good', domains: ['ok.test'] }]));
    expect(r1['ok.test']!.ok).toBe(true);
    expect(readdirSync(join(webroot, '.well-known'))).toEqual(['security.txt']);

    mkdirSync(join(webroot, '.well-known', 'acme-challenge'), { mode: 0o755 });
    writeFileSync(join(webroot, '.well-known', 'acme-challenge', 'certbot-token'), 'token.thumbprint');
    const r2 = byDomain(await run(webroot, [{ name: 'good', domains: ['ok.test'] }]));
    expect(r2['ok.test']!.ok).toBe(true);
    expect(readdirSync(join(webroot, '.well-known')).sort()).toEqual(['acme-challenge', 'security.txt']);
    expect(readdirSync(join(webroot, '.well-known', 'acme-challenge'))).toEqual(['certbot-token']);

    // an empty pre-existing acme-challenge directory is kept too
    const webroot2 = freshWebroot();
    mkdirSync(join(webroot2, '.well-known', 'acme-challenge'), { recursive: true });
    await run(webroot2, [{ name: 'good', domains: ['ok.test'] }]);
    expect(readdirSync(join(webroot2, '.well-known'))).toEqual(['acme-challenge']);
    expect(readdirSync(join(webroot2, '.well-known', 'acme-challenge'))).toEqual([]);
  });

  it('certificates validated through manual hooks are skipped, and the webroot is not touched when nothing is probed', async () => {
    const missing = join(dir, 'no-such-webroot');
    const reports = await run(missing, [{ name: 'manual', domains: ['*.ok.test', 'ok.test'], dns: true }]);
    expect(reports).toEqual([{ name: 'manual', skipped: 'challenge: dns, validated through its authentication-hook, not the webroot', results: [] }]);
    expect(existsSync(missing)).toBe(false);
  });

  it('a webroot that is missing or not a directory is a setup error (exit code 2), before any request', async () => {
    const missing = join(dir, 'still-no-such-webroot');
    state.seen = [];
    const err = await run(missing, [{ name: 'good', domains: ['ok.test'] }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProbeSetupError);
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).toBe(`webroot ${missing} does not exist: create it (mkdir -p ${missing}) and serve it with the gen-nginx output`);
    expect(state.seen).toEqual([]);

    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await expect(run(file, [{ name: 'good', domains: ['ok.test'] }])).rejects.toThrow(`webroot ${file} is not a directory`);

    const webroot = freshWebroot();
    writeFileSync(join(webroot, '.well-known'), 'a file where the directory should be');
    await expect(run(webroot, [{ name: 'good', domains: ['ok.test'] }])).rejects.toThrow(/^cannot write the probe file .*acme-challenge \(a path component is not a directory\)/);
  });

  // A webroot that is not writable: test/reliability/environments.test.ts, with a read-only mount (root ignores mode bits).
});
