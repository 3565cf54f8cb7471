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
 * Debian's nginx keeps its stock configuration, which listens on 0.0.0.0:80
 * and [::]:80: so the whole scenario (nginx, Pebble, challtestsrv, the
 * installed cert-wrap and certbot, every curl and openssl check) runs in a
 * network namespace of its own with only a loopback interface
 * (lab/netns.ts), where those addresses reach nothing outside it. A
 * test checks that the host's network has none of these listeners.
 *
 * Touches the host's real paths: each is moved aside and restored at the end
 * (lab/host-paths.ts); only what was started here is stopped, and the
 * namespace is deleted.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, shellEnv } from '../../lab/cli.js';
import { HostPaths } from '../../lab/host-paths.js';
import { canMakeNetns, createNetns, curlIn, peerCertificateIn, type Netns } from '../../lab/netns.js';
import { childPids } from '../../lab/nginx.js';
import { startPebble, type RunningPebble } from '../../lab/pebble.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { isCI, isProcessAlive, requireAcmeEnv, waitFor } from '../../lab/tools.js';

const DEBIAN_NGINX = '/usr/sbin/nginx';
const STOCK = existsSync(DEBIAN_NGINX) && existsSync('/etc/nginx/nginx.conf') && existsSync('/etc/nginx/sites-enabled/default');
const { ok: acme } = requireAcmeEnv();
const isolated = acme && STOCK && canMakeNetns();
if (acme && STOCK && !isolated) {
  const why = 'a network namespace (root with CAP_SYS_ADMIN, iproute2) cannot be made here: the stock-host test runs only inside one (Debian\'s nginx binds 0.0.0.0:80)';
  if (isCI()) throw new Error(why);
  process.stderr.write(`\n!!! SKIPPING test/e2e/stock-host.test.ts: ${why}\n\n`);
}
const ok = acme && STOCK && isolated;

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

/** The README's Install steps, run by npm with its global prefix in a temp dir (npm_config_prefix) and nothing else of the test's npm. */
function npmEnv(prefix: string, dir: string, offline: 'offline' | 'prefer-offline'): Record<string, string> {
  return { ...shellEnv(), npm_config_prefix: prefix, npm_config_pack_destination: dir, [`npm_config_${offline.replace('-', '_')}`]: 'true' };
}

/** Listening TCP sockets of the host's network namespace owned by one of `pids` (`ss -ltnp`). */
async function hostListeners(pids: Iterable<number>): Promise<string[]> {
  const ss = await execa('ss', ['-ltnpH'], { stdin: 'ignore' });
  const wanted = [...pids].map((p) => `pid=${p},`);
  return String(ss.stdout).split('\n').filter((l) => wanted.some((w) => l.includes(w)));
}

const serial = (pem: string | Buffer): string => new X509Certificate(pem).serialNumber;

describe.skipIf(!ok)("a stock Debian host: npm install -g, Debian's nginx, one cert-wrap apply", () => {
  let dir = '';
  let prefix = '';
  let pebble: RunningPebble | undefined;
  let ns: Netns | undefined;
  let master = 0;
  const started = new Set<number>();
  const host = new HostPaths(HOST_PATHS);

  /** The installed bin, as an admin runs it: PATH given, nothing else of the test's environment. */
  const certWrap = async (args: string[], envPath = `${prefix}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`): Promise<Run> => {
    if (!pebble || !ns) throw new Error('beforeAll did not finish');
    const [file, argv] = ns.wrap(`${prefix}/bin/cert-wrap`, args);
    const r = await execa(file, argv, {
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
    const other = Number(existsSync(PID_FILE) ? readFileSync(PID_FILE, 'utf8').trim() : 0);
    if (other > 0 && isProcessAlive(other)) throw new Error(`${PID_FILE} names running process ${other}: stop that nginx first`);
    dir = await makeTempDir('cert-wrap-stock-');
    prefix = path.join(dir, 'prefix');
    // README, Install: `npm run build && npm pack`, then `npm install -g ./cert-wrap-0.1.0.tgz`
    // (npm ci is left out: the checkout's node_modules is already installed). The global prefix
    // and pack destination are temp dirs, given to npm as its own config variables.
    await execa('npm', ['run', 'build'], { cwd: repoRoot, stdin: 'ignore', env: npmEnv(prefix, dir, 'offline'), extendEnv: false });
    await execa('npm', ['pack'], { cwd: repoRoot, stdin: 'ignore', env: npmEnv(prefix, dir, 'offline'), extendEnv: false });
    const tarballs = readdirSync(dir).filter((f) => /^cert-wrap-.*\.tgz$/.test(f));
    if (tarballs.length !== 1) throw new Error(`npm pack wrote ${tarballs.length} tarballs into ${dir}: ${tarballs.join(' ')}`);
    const install = (offline: 'offline' | 'prefer-offline') =>
      execa('npm', ['install', '-g', `./${tarballs[0]!}`], { cwd: dir, stdin: 'ignore', reject: false, env: npmEnv(prefix, dir, offline), extendEnv: false });
    // From npm's cache when it holds the dependencies; else the registry may be asked.
    const installed = (await install('offline')).exitCode === 0 || (await install('prefer-offline')).exitCode === 0;
    for (const bin of ['cert-wrap', 'gen-nginx']) {
      if (!installed || !existsSync(`${prefix}/bin/${bin}`)) throw new Error(`npm install -g ./${tarballs[0]!} (prefix ${prefix}) did not install ${bin}`);
    }

    host.save();
    // README, Install: start from the bundled example config, as written there.
    await execa('sh', ['-c', 'install -D -m 0644 "$(npm root -g)/cert-wrap/examples/site.yaml" /etc/cert-wrap/site.yaml'], { stdin: 'ignore', env: npmEnv(prefix, dir, 'offline'), extendEnv: false });
    expect(readFileSync(CONFIG, 'utf8')).toBe(readFileSync(path.join(repoRoot, 'examples', 'site.yaml'), 'utf8'));

    ns = await createNetns(`cert-wrap-stock-${process.pid}`);
    pebble = await startPebble({ dir: path.join(dir, 'pebble'), netns: ns });
    for (const p of pebble.pids) started.add(p);
    // Debian's nginx as its service starts it: the stock /etc/nginx/nginx.conf, pid file /run/nginx.pid.
    rmSync(PID_FILE, { force: true });
    const [file, argv] = ns.wrap(DEBIAN_NGINX, []);
    await execa(file, argv, { stdio: 'ignore' });
    await waitFor(() => existsSync(PID_FILE) && readFileSync(PID_FILE, 'utf8').trim() !== '', 5_000);
    master = Number(readFileSync(PID_FILE, 'utf8').trim());
    started.add(master);
    await workers();
    await mkdir(path.dirname(CONFIG), { recursive: true });
    // The admin edits the example: no nginx keys at all, certbot's and cert-wrap's default directories.
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
      const gone = (await ns?.remove()) ?? true;
      host.restore();
      await removeTempDir(dir);
      expect(gone, `network namespace ${ns?.name ?? ''} still listed by ip netns list`).toBe(true);
    }
  }, 30_000);

  it("nginx's stock 0.0.0.0:80 and [::]:80 listen only in the namespace: the host's network has none of the listeners started here", async () => {
    const inside = await ns!.run('ss', ['-ltnpH']);
    expect(inside.stdout).toMatch(/0\.0\.0\.0:80\s.*nginx/);
    expect(inside.stdout).toMatch(/127\.0\.0\.1:14000\s.*pebble/);
    expect(await hostListeners([...started, ...(await workers())])).toEqual([]);
    const links = await ns!.run('ip', ['-o', 'link', 'show']);
    expect(links.stdout.trim().split('\n').map((l) => l.split(':')[1]?.trim())).toEqual(['lo']);
  });

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
      const served = await peerCertificateIn(ns!, 443, servername);
      expect(served.serialNumber, `served to ${servername}`).toBe(serial(live));
    }
    const redirect = await curlIn(ns!, 'http://127.0.0.1/some/page?x=1', { host: NAME });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, `https://${NAME}/some/page?x=1`]);
    // The stock default site still answers for other names.
    expect((await curlIn(ns!, 'http://127.0.0.1/', { host: 'other.example' })).status).not.toBe(301);
    // Everything started here is still only in the namespace.
    expect(await hostListeners([...started, ...(await workers())])).toEqual([]);
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
    const served = await peerCertificateIn(ns!, 443, NAME);
    expect(served.serialNumber).toBe(serial(readFileSync(`/etc/letsencrypt/live/${NAME}/cert.pem`)));
  });

  it('the servers file apply wrote is what gen-nginx prints for the same config', async () => {
    const [file, argv] = ns!.wrap(`${prefix}/bin/gen-nginx`, [CONFIG]);
    const gen = await execa(file, argv, { stdin: 'ignore', stripFinalNewline: false });
    expect(await readFile(SERVERS, 'utf8')).toBe(String(gen.stdout));
  });
});
