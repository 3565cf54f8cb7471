/**
 * ARI through the real cert-wrap CLI, against a local HTTP server on
 * 127.0.0.1 that serves an ACME directory with `renewalInfo` and renewal
 * information in RFC 9773's format (Debian's Pebble 2.4 has no ARI endpoint).
 * certbot is the stand-in: what is tested here is what cert-wrap asks and decides.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bins, repoRoot, runBin, writeConfig } from '../../lab/cli.js';
import { makeLineage } from '../../lab/lineage.js';

const DAY = 86_400_000;
const fake = join(repoRoot, 'lab', 'fake-certbot.sh');

interface Answer {
  status?: number;
  retryAfter?: string;
  body: string;
}

/** A CA's ARI side: GET /dir and GET /renewal-info/{certID}; every request is remembered. */
async function startCa(answer: (id: string) => Answer): Promise<{ server: Server; base: string; requests: string[] }> {
  const requests: string[] = [];
  let base = '';
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.url === '/dir') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ newNonce: `${base}/nonce`, newOrder: `${base}/order`, renewalInfo: `${base}/renewal-info` }));
      return;
    }
    const m = /^\/renewal-info\/([^/]+)$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    const a = answer(m[1]!);
    res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...(a.retryAfter ? { 'retry-after': a.retryAfter } : {}) }).end(a.body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { server, base, requests };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((ok) => s.close(ok))));
});

/** The certificate ID computed with openssl, independently of cert-wrap: base64url(AKI keyid) "." base64url(serial DER bytes). */
function opensslCertId(certPem: string): string {
  const text = execFileSync('openssl', ['x509', '-noout', '-serial', '-ext', 'authorityKeyIdentifier', '-in', certPem], { encoding: 'utf8' });
  const serialHex = /serial=([0-9A-F]+)/.exec(text)![1]!;
  let serial = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
  if (serial[0]! & 0x80) serial = Buffer.concat([Buffer.from([0]), serial]);
  const aki = /X509v3 Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-F:]+)/.exec(text)![1]!;
  return `${Buffer.from(aki.replace(/:/g, ''), 'hex').toString('base64url')}.${serial.toString('base64url')}`;
}

/** One lineage `site` (a 90-day certificate issued `age` days ago), issued by `issuer` per its renewal config; the config names `server`. */
function setup(opts: { server: string; issuer?: string; age?: number }) {
  const file = writeConfig('placeholder');
  const dir = dirname(file);
  mkdirSync(join(dir, 'webroot'));
  const le = join(dir, 'le');
  const now = Date.now();
  const age = opts.age ?? 10;
  makeLineage(le, { name: 'site', domains: ['site.test'], notBefore: new Date(now - age * DAY), notAfter: new Date(now + (90 - age) * DAY), aki: true });
  mkdirSync(join(le, 'renewal'), { recursive: true });
  writeFileSync(join(le, 'renewal', 'site.conf'), `# renew_before_expiry = 30 days\nversion = 2.1.0\narchive_dir = ${le}/archive/site\nfullchain = ${le}/live/site/fullchain.pem\n\n[renewalparams]\nauthenticator = webroot\nserver = ${opts.issuer ?? opts.server}\n`);
  writeFileSync(
    file,
    `webroot: ${dir}/webroot\ncertbot: ${fake}\nserver: ${opts.server}\nconfig-dir: ${le}\ncerts-dir: ${dir}/certs\nnginx:\n  pid-file: ${dir}/nginx.pid\ncertificates:\n  - name: site\n    domains: [site.test]\n`,
  );
  const log = join(dir, 'certbot-calls.log');
  const certbotCalls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  return { file, dir, le, env: { FAKE_CERTBOT_LOG: log }, certbotCalls, certPem: join(le, 'live', 'site', 'cert.pem') };
}

interface Report {
  certificates: { name: string; outcome: string; reason: string | null }[];
}
interface StatusJson {
  certificates: { name: string; action: string; reason: string; dueAt: string; ari: { windowStart: string; windowEnd: string; chosen: string; explanationURL: string | null; error: string | null } | null }[];
}

const windowAt = (startDays: number, endDays: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ suggestedWindow: { start: new Date(Date.now() + startDays * DAY).toISOString(), end: new Date(Date.now() + endDays * DAY).toISOString() }, ...extra });

describe('ARI (RFC 9773) through the cert-wrap CLI, against a local renewal-info server', () => {
  it('asks with the certificate ID, keeps the chosen time, and makes no request again before Retry-After', async () => {
    const ca = await startCa(() => ({ retryAfter: '21600', body: windowAt(20, 22, { explanationURL: 'https://ca.test/why' }) }));
    const s = setup({ server: `${ca.base}/dir` });
    const r = await runBin(bins.certWrap, ['renew', '--no-preflight', '--no-reload', '-c', s.file, '--json'], { env: s.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ca.requests).toEqual(['GET /dir', `GET /renewal-info/${opensslCertId(s.certPem)}`]);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.certificates[0]).toMatchObject({ outcome: 'unchanged' });
    expect(report.certificates[0]!.reason).toMatch(/^not due: \d+ days left; due \S+, in the CA's renewal window \(ARI\)/);
    expect(s.certbotCalls()).toEqual([]);

    const status = JSON.parse((await runBin(bins.certWrap, ['status', '-c', s.file, '--json'])).stdout) as StatusJson;
    const row = status.certificates[0]!;
    const { windowStart, windowEnd, chosen } = row.ari!;
    expect(Date.parse(chosen)).toBeGreaterThanOrEqual(Date.parse(windowStart));
    expect(Date.parse(chosen)).toBeLessThan(Date.parse(windowEnd));
    expect(row.dueAt).toBe(new Date(chosen).toISOString());
    expect(row.ari!.explanationURL).toBe('https://ca.test/why');
    const table = await runBin(bins.certWrap, ['status', '-c', s.file], { env: { NO_COLOR: '1' } });
    expect(table.stdout).toContain(`site: ARI window ${windowStart.replace(/\.\d+Z$/, 'Z')} to ${windowEnd.replace(/\.\d+Z$/, 'Z')}`);
    expect(table.stdout).toContain('the CA explains: https://ca.test/why');

    // Within Retry-After: no request at all, and the same chosen time.
    const again = await runBin(bins.certWrap, ['renew', '--no-preflight', '--no-reload', '-c', s.file, '--json', '--metrics', join(s.dir, 'm.prom')], { env: s.env });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(ca.requests).toHaveLength(2);
    const after = JSON.parse((await runBin(bins.certWrap, ['status', '-c', s.file, '--json'])).stdout) as StatusJson;
    expect(after.certificates[0]!.ari!.chosen).toBe(chosen);
    const prom = readFileSync(join(s.dir, 'm.prom'), 'utf8').split('\n');
    expect(prom).toContain(`cert_wrap_certificate_ari_window_start_seconds{certificate="site"} ${Math.floor(Date.parse(windowStart) / 1000)}`);
    expect(prom).toContain(`cert_wrap_certificate_ari_window_end_seconds{certificate="site"} ${Math.floor(Date.parse(windowEnd) / 1000)}`);
  });

  it('a window that has already started makes the certificate due at once: certbot runs with --force-renewal', async () => {
    const ca = await startCa(() => ({ retryAfter: '3600', body: windowAt(-1, 1, { explanationURL: 'https://ca.test/incident' }) }));
    const s = setup({ server: `${ca.base}/dir` });
    const status0 = JSON.parse((await runBin(bins.certWrap, ['status', '-c', s.file, '--json'])).stdout) as StatusJson;
    expect(status0.certificates[0]!.action).toBe('none'); // status does not ask; renew does
    expect(ca.requests).toEqual([]);
    const r = await runBin(bins.certWrap, ['renew', '--no-preflight', '--no-reload', '-c', s.file, '--json'], { env: s.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Report).certificates[0]!.outcome).toBe('issued');
    expect(s.certbotCalls()).toHaveLength(1);
    expect(s.certbotCalls()[0]).toContain('--force-renewal');
    const plan = await runBin(bins.certWrap, ['plan', '-c', s.file]);
    expect(plan.stdout).toMatch(/^site: renew \(\d+ days left; the CA's renewal window \(ARI\) started \S+ \(https:\/\/ca\.test\/incident\)\)/);
  });

  it.each<[string, Answer | null, RegExp]>([
    ['HTTP 500', { status: 500, body: 'oops' }, /renewal information: HTTP 500/],
    ['a body that is not JSON', { body: '<html>' }, /renewal information is not JSON/],
    ['a window without an end', { body: JSON.stringify({ suggestedWindow: { start: '2026-01-01T00:00:00Z' } }) }, /suggestedWindow\.end is not an RFC 3339 time/],
    ['an unreachable CA', null, /cannot reach http:\/\/127\.0\.0\.1:\d+\/dir: ECONNREFUSED/],
  ])('%s: renewal is neither blocked nor delayed, and status says why ARI was not used', async (_what, answer, why) => {
    const ca = await startCa(() => answer ?? { body: '' });
    if (answer === null) await new Promise((ok) => ca.server.close(ok));
    // A certificate that the lifetime rule makes due (70 of 90 days gone), and one that it does not.
    const due = setup({ server: `${ca.base}/dir`, age: 70 });
    const r = await runBin(bins.certWrap, ['renew', '--no-preflight', '--no-reload', '-c', due.file, '--json'], { env: due.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Report).certificates[0]!.outcome).toBe('issued');
    const fresh = setup({ server: `${ca.base}/dir` });
    const n = await runBin(bins.certWrap, ['renew', '--no-preflight', '--no-reload', '-c', fresh.file, '--json'], { env: fresh.env });
    expect(n.exitCode, n.stderr).toBe(0);
    expect((JSON.parse(n.stdout) as Report).certificates[0]!.reason).toMatch(/^not due: \d+ days left; due /);
    const status = await runBin(bins.certWrap, ['status', '-c', fresh.file], { env: { NO_COLOR: '1' } });
    expect(status.stdout).toMatch(new RegExp(`site: ARI not used \\(the lifetime rule applies\\): ${why.source}`));
  });

  it('asks only the CA that issued the certificate: a lineage from another CA makes no request', async () => {
    const ca = await startCa(() => ({ body: windowAt(-1, 1) }));
    const s = setup({ server: `${ca.base}/dir`, issuer: 'https://other-ca.test/directory' });
    const r = await runBin(bins.certWrap, ['renew', '--no-preflight', '--no-reload', '-c', s.file, '--json'], { env: s.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ca.requests).toEqual([]);
    expect((JSON.parse(r.stdout) as Report).certificates[0]!.outcome).toBe('unchanged');
  });

  it('a CA whose directory has no renewalInfo (as Pebble 2.4): one directory request, then none for a day', async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ newNonce: 'http://x/nonce' }));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    servers.push(server);
    const s = setup({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dir` });
    for (let i = 0; i < 2; i++) expect((await runBin(bins.certWrap, ['renew', '--no-preflight', '--no-reload', '-c', s.file, '--json'], { env: s.env })).exitCode).toBe(0);
    expect(requests).toEqual(['GET /dir']);
    const status = await runBin(bins.certWrap, ['status', '-c', s.file], { env: { NO_COLOR: '1' } });
    expect(status.stdout).toMatch(/site: ARI not used \(the lifetime rule applies\): the CA offers no renewal information/);
  });
});
