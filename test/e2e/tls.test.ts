/**
 * The generated HTTPS server, rated by a real TLS scanner: `cert-wrap apply`
 * gets one certificate from Pebble, the distribution's nginx (1.22 on Debian 12)
 * serves it on loopback with the server gen-nginx writes, and `sslscan` finds
 * no SSLv3, TLS 1.0 or 1.1, TLS 1.2 and 1.3 offered, and only forward-secret AEAD
 * ciphers. curl negotiates HTTP/2 through ALPN and sees the HSTS header exactly
 * as configured (and none when not); a name without an HTTPS server is refused
 * at the handshake; `https: true` without a body answers 404. A default server
 * of the user's own on the HTTPS address: apply names the key to set.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certbotDirs, certbotEnv } from '../../lab/certbot.js';
import { bins, runBin } from '../../lab/cli.js';
import { Started, writeServersWithCatchAll } from '../../lab/e2e.js';
import { peerCertificate } from '../../lab/lifecycle-tls.js';
import { startNginx, type RunningNginx } from '../../lab/nginx.js';
import { startPebble, type RunningPebble } from '../../lab/pebble.js';
import { type ScanReport, sslscan } from '../../lab/sslscan.js';
import { makeTempDir } from '../../lab/tmp.js';
import { findTool, freePort, requireAcmeEnv, requireTools } from '../../lab/tools.js';
import { LAB_IP } from '../../lab/loopback.js';

const acme = requireAcmeEnv();
const scanner = acme.ok ? requireTools(['sslscan', 'curl'], 'the TLS scanner test') : acme;
const T = 90_000;
const NAME = 'tls.test';

/** Forward-secret AEAD only: TLS 1.3's suites (all AEAD, always ECDHE here), and ECDHE with GCM or ChaCha20-Poly1305 on TLS 1.2. */
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const TLS12_FS_AEAD = /^ECDHE-(RSA|ECDSA)-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)$/;

interface ApplyReport {
  ok: boolean;
  serversFile: { action: string };
  reload: { attempted: boolean; ok: boolean; message: string };
  certificates: { name: string; outcome: string }[];
}

describe.skipIf(!scanner.ok)('the generated HTTPS server under a TLS scanner (real Pebble, certbot, nginx, sslscan, curl)', () => {
  let dir: string | undefined;
  let pebble: RunningPebble | undefined;
  let nginx: RunningNginx | undefined;
  const started = new Started();
  let httpsPort = 0;
  let site = '';
  let generated = '';
  let serversConf = '';
  let rootCa = '';
  let base: Record<string, unknown> = {};
  let scan: ScanReport | undefined;

  const writeSite = async (https: unknown, nginxExtra: Record<string, unknown> = {}) => {
    const cert = { name: 'tls', domains: [NAME], https };
    await writeFile(site, toYaml({ ...base, nginx: { ...(base.nginx as object), ...nginxExtra }, certificates: [cert] }));
  };
  const apply = async () => {
    const res = await runBin(bins.certWrap, ['apply', '-c', site, '--nginx-conf', generated, '--json', '--no-preflight'], { env: { REQUESTS_CA_BUNDLE: certbotEnv(pebble!).REQUESTS_CA_BUNDLE ?? '' } });
    await started.workers(nginx).catch(() => undefined);
    const context = `cert-wrap apply exited ${res.exitCode}\n--- stdout:\n${res.stdout}\n--- stderr:\n${res.stderr}`;
    let report: ApplyReport | null = null;
    try {
      report = JSON.parse(res.stdout) as ApplyReport;
    } catch {
      // exit 2: a message on stderr, no report
    }
    return { res, report, context };
  };
  /** curl over HTTP/2 (ALPN), trusting only Pebble's root: the HTTP version, status, headers and body. */
  const curl = async (urlPath: string) => {
    const r = await execa(
      'curl',
      ['-sS', '--http2', '--cacert', rootCa, '--resolve', `${NAME}:${httpsPort}:${LAB_IP}`, '-D', '-', '-w', '\nversion=%{http_version}', `https://${NAME}:${httpsPort}${urlPath}`],
      { reject: false, stdin: 'ignore', timeout: 10_000 },
    );
    const out = String(r.stdout);
    const [head = '', ...rest] = out.split('\r\n\r\n');
    const body = rest.join('\r\n\r\n').replace(/\nversion=\S+$/, '');
    return {
      exitCode: r.exitCode,
      stderr: String(r.stderr),
      version: /\nversion=(\S+)$/.exec(out)?.[1],
      status: Number(/^HTTP\/\S+ (\d+)/.exec(head)?.[1]),
      headers: head.split('\r\n').slice(1).map((l) => l.toLowerCase()),
      body,
    };
  };
  const hsts = (headers: string[]) => headers.filter((h) => h.startsWith('strict-transport-security:'));

  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-tls-');
    pebble = await startPebble({ dir });
    for (const p of pebble.pids) started.pids.add(p);
    rootCa = path.join(dir, 'pebble-root.pem');
    await writeFile(rootCa, await pebble.rootPem());
    httpsPort = await freePort();
    const webroot = path.join(dir, 'webroot');
    await mkdir(path.join(webroot, '.well-known', 'acme-challenge'), { recursive: true });
    await writeFile(path.join(webroot, '.well-known', 'acme-challenge', 'probe'), 'challenge file\n');
    generated = path.join(dir, 'generated.conf');
    serversConf = path.join(dir, 'servers.conf');
    await writeFile(generated, '');
    // To begin with, the user's own default server on the HTTPS address (no certificate: it refuses every handshake).
    await writeServersWithCatchAll(serversConf, generated);
    await writeFile(serversConf, `${await readFile(serversConf, 'utf8')}${ownDefaultServer(httpsPort)}`);
    nginx = await startNginx({ dir, serversConf });
    await started.workers(nginx);
    const dirs = certbotDirs(dir);
    site = path.join(dir, 'site.yaml');
    base = {
      webroot,
      server: pebble.directoryUrl,
      'config-dir': dirs.configDir,
      'work-dir': dirs.workDir,
      'logs-dir': dirs.logsDir,
      'certs-dir': path.join(dir, 'certs'),
      nginx: { listen: [`${LAB_IP}:80`], 'https-listen': [`${LAB_IP}:${httpsPort}`], 'pid-file': nginx.pidFile, binary: nginx.binary },
    };
  }, T);

  afterAll(async () => {
    await started.stopAll(nginx, pebble, dir);
  });

  it('a default server of the user\'s own on the HTTPS address: apply says to set nginx.https-default-server: false, puts the file back, orders nothing', async () => {
    await writeSite({ hsts: { 'max-age': 3600, 'include-subdomains': true }, body: ['location / { return 200 "tls ok\\n"; }'] });
    const { res, report, context } = await apply();
    expect(res.exitCode, context).toBe(1);
    expect(report?.reload.message, context).toContain(`a duplicate default server for ${LAB_IP}:${httpsPort}`);
    expect(report?.reload.message, context).toContain('set "nginx.https-default-server: false" in site.yaml');
    expect(report?.serversFile.action, context).toBe('restored');
    expect(report?.certificates, context).toEqual([]);
    expect(await readFile(generated, 'utf8')).toBe('');
  }, T);

  it('with nginx.https-default-server: false, apply issues the certificate from Pebble, and the user\'s default server still refuses unknown names', async () => {
    await writeSite({ hsts: { 'max-age': 3600, 'include-subdomains': true }, body: ['location / { return 200 "tls ok\\n"; }'] }, { 'https-default-server': false });
    const { res, report, context } = await apply();
    expect(res.exitCode, context).toBe(0);
    expect(report?.certificates.map((c) => [c.name, c.outcome]), context).toEqual([['tls', 'issued']]);
    const text = await readFile(generated, 'utf8');
    expect(text).not.toContain('ssl_reject_handshake');
    expect(text.split('\n')[0]).toContain('HTTPS servers for nginx 1.22.1');
    const served = await peerCertificate({ host: LAB_IP, port: httpsPort, servername: NAME });
    expect(served.issuer).toMatch(/Pebble/);
    await expect(peerCertificate({ host: LAB_IP, port: httpsPort, servername: 'unknown.test' })).rejects.toThrow(/unrecognized name/i);
  }, T);

  it('the generated default server back (the user\'s removed): apply changes the servers only, nothing is ordered', async () => {
    await writeServersWithCatchAll(serversConf, generated);
    // nginx reads that now, whatever apply does: from here on no default server of the user's own answers.
    await nginx!.reload();
    await started.workers(nginx);
    await writeSite({ hsts: { 'max-age': 3600, 'include-subdomains': true }, body: ['location / { return 200 "tls ok\\n"; }'] });
    const { res, report, context } = await apply();
    expect(res.exitCode, context).toBe(0);
    expect(report?.serversFile.action, context).toBe('updated');
    expect(report?.reload, context).toMatchObject({ attempted: true, ok: true });
    expect(report?.certificates.map((c) => [c.name, c.outcome]), context).toEqual([['tls', 'unchanged']]);
    expect(await readFile(generated, 'utf8')).toContain('ssl_reject_handshake on;');
  }, T);

  it('sslscan: no SSLv2, SSLv3, TLS 1.0 or 1.1; TLS 1.2 and 1.3 offered; only forward-secret AEAD ciphers', async () => {
    scan = await sslscan(findTool('sslscan')!, LAB_IP, httpsPort, NAME);
    const context = scan.text;
    expect(scan.protocols, context).toEqual({ SSLv2: false, SSLv3: false, 'TLSv1.0': false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
    const byProtocol = (p: string) => scan!.ciphers.filter((c) => c.protocol === p);
    expect(new Set(scan.ciphers.map((c) => c.protocol)), context).toEqual(new Set(['TLSv1.2', 'TLSv1.3']));
    for (const c of byProtocol('TLSv1.3')) expect(TLS13_SUITES, context).toContain(c.name);
    for (const c of byProtocol('TLSv1.2')) expect(c.name, context).toMatch(TLS12_FS_AEAD);
    for (const c of scan.ciphers) expect(c.curve, `${c.name}: an ephemeral key exchange\n${context}`).not.toBeNull();
    expect(byProtocol('TLSv1.2').length, context).toBeGreaterThan(0);
    expect(byProtocol('TLSv1.3').length, context).toBeGreaterThan(0);
    process.stdout.write(
      `sslscan ${NAME}:${httpsPort}: ${Object.entries(scan.protocols).map(([p, on]) => `${p} ${on ? 'enabled' : 'disabled'}`).join(', ')}; ` +
        `${scan.ciphers.length} ciphers accepted: ${scan.ciphers.map((c) => `${c.protocol} ${c.name} (${c.bits} bits, curve ${c.curve})`).join('; ')}\n`,
    );
  }, T);

  it('HTTP/2 through ALPN, and the HSTS header exactly as configured', async () => {
    const r = await curl('/');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.version).toBe('2');
    expect(r.status).toBe(200);
    expect(r.body).toBe('tls ok\n');
    expect(hsts(r.headers)).toEqual(['strict-transport-security: max-age=3600; includesubdomains']);
  }, T);

  it('a name without an HTTPS server is refused at the handshake ("unrecognized name"), never answered with another certificate', async () => {
    await expect(peerCertificate({ host: LAB_IP, port: httpsPort, servername: 'other.test' })).rejects.toThrow(/unrecognized name/i);
    const r = await execa('curl', ['-sS', '--cacert', rootCa, '--resolve', `other.test:${httpsPort}:${LAB_IP}`, `https://other.test:${httpsPort}/`], { reject: false, stdin: 'ignore' });
    expect(r.exitCode).toBe(35); // curl: SSL connect error
    expect(String(r.stderr)).toMatch(/unrecognized name/i);
  }, T);

  it('https: true without a body: 404 for everything but the challenge, no HSTS header', async () => {
    await writeSite(true);
    const { res, report, context } = await apply();
    expect(res.exitCode, context).toBe(0);
    expect(report?.serversFile.action, context).toBe('updated');
    expect(report?.certificates.map((c) => c.outcome), context).toEqual(['unchanged']);
    const page = await curl('/');
    expect(page.exitCode, page.stderr).toBe(0);
    expect(page.version).toBe('2');
    expect(page.status).toBe(404);
    expect(page.body).not.toContain('Welcome to nginx');
    expect(hsts(page.headers)).toEqual([]);
    const challenge = await curl('/.well-known/acme-challenge/probe');
    expect([challenge.status, challenge.body]).toEqual([200, 'challenge file\n']);
  }, T);
});

/** A default server of the user's own on the HTTPS address, as a host may already have. */
function ownDefaultServer(port: number): string {
  return ['server {', `    listen ${LAB_IP}:${port} ssl default_server;`, '    ssl_reject_handshake on;', '}', ''].join('\n');
}
