/**
 * Proof on a stock host: what the README's Install and first-deploy sections
 * say, done as an admin does it. The package is packed and installed into a
 * global prefix; Debian's own nginx runs with its own /etc/nginx (port 80,
 * its default site left in place); the config sets no nginx key; one
 * `cert-wrap apply` gets the certificate from Pebble and nginx serves it on
 * 443. Then: the port-80 redirect, `status` with nothing pending, a second
 * apply (from cron's PATH) that changes nothing, and the failure paths: a
 * servers file nginx does not read (exit 2, nothing written) and servers that
 * nginx -t rejects (the previous file put back).
 *
 * Touches the host's real paths: each is moved aside and restored at the end
 * (test/support/host-paths.ts); only the nginx started here is stopped.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';
import { HostPaths } from '../support/host-paths.js';
import { peerCertificate } from '../support/lifecycle-tls.js';
import { childPids } from '../support/nginx.js';
import { assertPortFree, startPebble, type RunningPebble } from '../support/pebble.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';
import { isProcessAlive, requireAcmeEnv, waitFor } from '../support/tools.js';

const DEBIAN_NGINX = '/usr/sbin/nginx';
const STOCK = existsSync(DEBIAN_NGINX) && existsSync('/etc/nginx/nginx.conf') && existsSync('/etc/nginx/sites-enabled/default');
const { ok: acme } = requireAcmeEnv();
const ok = acme && STOCK;

const PID_FILE = '/run/nginx.pid';
const CONFIG = '/etc/cert-wrap/site.yaml';
const SERVERS = '/etc/nginx/conf.d/cert-wrap.conf';
const NAME = 'stock.test';
const DOMAINS = [NAME, `www.${NAME}`];
const RESOLVE = DOMAINS.flatMap((d) => ['--resolve', `${d}:127.0.0.1`]);
/** cron's PATH: no /usr/sbin, where Debian's nginx is. */
const CRON_PATH = '/usr/bin:/bin';

/** Every path a default config and Debian's nginx write to. */
const HOST_PATHS = [PID_FILE, '/etc/nginx', '/var/log/nginx', '/etc/letsencrypt', '/var/lib/letsencrypt', '/var/log/letsencrypt', '/etc/cert-wrap', '/var/cache/cert-wrap', '/var/www/.well-known'];

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function httpGet(host: string, urlPath: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: 80, path: urlPath, headers: { host }, agent: false, timeout: 3_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const serial = (pem: string | Buffer): string => new X509Certificate(pem).serialNumber;

describe.skipIf(!ok)("a stock Debian host: npm install -g, Debian's nginx, one cert-wrap apply", () => {
  let dir = '';
  let prefix = '';
  let pebble: RunningPebble | undefined;
  let master = 0;
  const started = new Set<number>();
  const host = new HostPaths(HOST_PATHS);

  /** The installed bin, as an admin runs it: PATH given, nothing else of the test's environment. */
  const certWrap = async (args: string[], envPath = `${prefix}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`): Promise<Run> => {
    if (!pebble) throw new Error('beforeAll did not finish');
    const r = await execa(`${prefix}/bin/cert-wrap`, args, {
      reject: false,
      stdin: 'ignore',
      extendEnv: false,
      env: { PATH: envPath, HOME: '/root', REQUESTS_CA_BUNDLE: pebble.caBundle, NO_COLOR: '1' },
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const shown = (r: Run) => `exit ${r.exitCode}\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`;
  const workers = async () => {
    const list = await childPids(master);
    for (const w of list) started.add(w);
    return list;
  };

  beforeAll(async () => {
    for (const port of [80, 443]) await assertPortFree(port);
    const other = Number(existsSync(PID_FILE) ? readFileSync(PID_FILE, 'utf8').trim() : 0);
    if (other > 0 && isProcessAlive(other)) throw new Error(`${PID_FILE} names running process ${other}: stop that nginx first`);
    dir = await makeTempDir('cert-wrap-stock-');
    prefix = path.join(dir, 'prefix');
    // Install: build, pack, install the tarball into a global prefix (from npm's cache, no network).
    await execa(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdin: 'ignore' });
    const pack = await execa('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repoRoot, stdin: 'ignore' });
    const tarball = path.join(dir, (JSON.parse(String(pack.stdout)) as { filename: string }[])[0]!.filename);
    const install = (mode: string) => execa('npm', ['install', '-g', '--prefix', prefix, mode, '--no-audit', '--no-fund', tarball], { cwd: dir, stdin: 'ignore', reject: false });
    // From npm's cache when it holds the dependencies; else the registry may be asked.
    const installed = (await install('--offline')).exitCode === 0 ? true : (await install('--prefer-offline')).exitCode === 0;
    if (!installed || !existsSync(`${prefix}/bin/cert-wrap`)) throw new Error(`npm install -g --prefix ${prefix} ${tarball} failed`);

    host.save();
    pebble = await startPebble({ dir: path.join(dir, 'pebble') });
    for (const p of pebble.pids) started.add(p);
    // Debian's nginx as its service starts it: the stock /etc/nginx/nginx.conf, pid file /run/nginx.pid.
    rmSync(PID_FILE, { force: true });
    await execa(DEBIAN_NGINX, [], { stdio: 'ignore' });
    await waitFor(() => existsSync(PID_FILE) && readFileSync(PID_FILE, 'utf8').trim() !== '', 5_000);
    master = Number(readFileSync(PID_FILE, 'utf8').trim());
    started.add(master);
    await workers();
    await mkdir(path.dirname(CONFIG), { recursive: true });
    // No nginx keys at all, certbot's and cert-wrap's default directories.
    await writeFile(
      CONFIG,
      [
        'webroot: /var/www',
        `server: ${pebble.directoryUrl}`,
        'certificates:',
        `  - domains: [${DOMAINS.join(', ')}]`,
        '    https: true',
        '',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(async () => {
    try {
      if (master > 0 && isProcessAlive(master)) {
        await workers().catch(() => undefined);
        process.kill(master, 'SIGQUIT');
        await waitFor(() => !existsSync(PID_FILE) && !isProcessAlive(master), 5_000);
      }
      await pebble?.stop();
      const alive = [...started].filter(isProcessAlive);
      expect(alive, `still alive: ${alive.join(' ')}`).toEqual([]);
    } finally {
      host.restore();
      await removeTempDir(dir);
    }
  }, 30_000);

  it('a servers file the running nginx does not read: exit 2 with the include line to add, nothing written', async () => {
    const elsewhere = '/etc/nginx/cert-wrap.conf';
    const r = await certWrap(['apply', '-c', CONFIG, '--nginx-conf', elsewhere, ...RESOLVE]);
    expect(r.exitCode, shown(r)).toBe(2);
    expect(r.stderr).toContain(`${elsewhere} is not part of nginx's running configuration (/etc/nginx/nginx.conf)`);
    expect(r.stderr).toContain('inside the http { ... } block of /etc/nginx/nginx.conf');
    expect(r.stderr).toContain(`include "${elsewhere}";`);
    expect(r.stderr).toContain(`--nginx-conf ${SERVERS}`);
    for (const p of [elsewhere, SERVERS, '/etc/cert-wrap/certs', '/etc/letsencrypt/cert-wrap.lock', '/etc/letsencrypt/live']) {
      expect(existsSync(p), `${p} was created`).toBe(false);
    }
  });

  it('cert-wrap apply: the certificate is issued and served on 443, and port 80 redirects to https', async () => {
    const r = await certWrap(['apply', '-c', CONFIG, ...RESOLVE]);
    expect(r.exitCode, shown(r)).toBe(0);
    expect(r.stdout).toContain(`nginx servers: ${SERVERS} created`);
    expect(r.stdout).toMatch(new RegExp(`^${NAME.replace('.', '\\.')}\\s.*issued`, 'm'));
    const live = readFileSync(`/etc/letsencrypt/live/${NAME}/cert.pem`);
    for (const servername of DOMAINS) {
      const served = await peerCertificate({ host: '127.0.0.1', port: 443, servername });
      expect(served.serialNumber, `served to ${servername}`).toBe(serial(live));
    }
    const redirect = await httpGet(NAME, '/some/page?x=1');
    expect(redirect).toEqual({ status: 301, location: `https://${NAME}/some/page?x=1` });
    // The stock default site still answers for other names.
    expect((await httpGet('other.example', '/')).status).not.toBe(301);
  });

  it('status --json: nothing pending', async () => {
    const r = await certWrap(['status', '-c', CONFIG, '--json']);
    expect(r.exitCode, shown(r)).toBe(0);
    const report = JSON.parse(r.stdout) as { certificates: { name: string; action: string }[]; pendingReload?: unknown };
    expect(report.certificates.map((c) => [c.name, c.action])).toEqual([[NAME, 'none']]);
    if (report.pendingReload !== undefined) expect(report.pendingReload).toBeFalsy();
    expect(existsSync('/etc/cert-wrap/certs/reload-pending')).toBe(false);
  });

  it("a second apply, from cron's PATH, changes nothing and says so", async () => {
    const before = { workers: await workers(), mtime: statSync(SERVERS).mtimeMs, text: await readFile(SERVERS, 'utf8') };
    const text = await certWrap(['apply', '-c', CONFIG, ...RESOLVE], CRON_PATH);
    expect(text.exitCode, shown(text)).toBe(0);
    expect(text.stdout).toContain('Nothing to do');
    const json = await certWrap(['apply', '-c', CONFIG, '--json', ...RESOLVE], CRON_PATH);
    expect(json.exitCode, shown(json)).toBe(0);
    const report = JSON.parse(json.stdout) as { ok: boolean; changed: boolean; serversFile: { action: string }; reload: { attempted: boolean } };
    expect(report).toMatchObject({ ok: true, changed: false, serversFile: { action: 'unchanged' }, reload: { attempted: false } });
    expect(await workers()).toEqual(before.workers);
    expect(statSync(SERVERS).mtimeMs).toBe(before.mtime);
    expect(await readFile(SERVERS, 'utf8')).toBe(before.text);
  });

  it('servers that nginx -t rejects: the previous file is put back, nginx keeps serving, exit 1', async () => {
    const templates = path.join(dir, 'bad-templates');
    await mkdir(templates, { recursive: true });
    const file = await readFile(path.join(repoRoot, 'templates', 'file.hbs'), 'utf8');
    await writeFile(path.join(templates, 'file.hbs'), `${file}\nnot_a_directive on;\n`);
    const before = { text: await readFile(SERVERS, 'utf8'), workers: await workers() };

    const updated = await certWrap(['apply', '-c', CONFIG, '--templates', templates, ...RESOLVE]);
    expect(updated.exitCode, shown(updated)).toBe(1);
    expect(updated.stdout + updated.stderr).toContain('unknown directive "not_a_directive"');
    expect(updated.stdout + updated.stderr).toContain(`${SERVERS} was put back`);
    expect(await readFile(SERVERS, 'utf8')).toBe(before.text);
    expect(await workers()).toEqual(before.workers);

    // A file that did not exist before is removed again.
    const fresh = '/etc/nginx/sites-enabled/cert-wrap-new';
    const created = await certWrap(['apply', '-c', CONFIG, '--templates', templates, '--nginx-conf', fresh, ...RESOLVE]);
    expect(created.exitCode, shown(created)).toBe(1);
    expect(existsSync(fresh)).toBe(false);
    const served = await peerCertificate({ host: '127.0.0.1', port: 443, servername: NAME });
    expect(served.serialNumber).toBe(serial(readFileSync(`/etc/letsencrypt/live/${NAME}/cert.pem`)));
  });

  it('the servers file apply wrote is what gen-nginx prints for the same config', async () => {
    const gen = await execa(`${prefix}/bin/gen-nginx`, [CONFIG], { stdin: 'ignore', stripFinalNewline: false });
    expect(await readFile(SERVERS, 'utf8')).toBe(String(gen.stdout));
  });
});
