import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certbotDirArgs, certbotDirs, certbotEnv } from '../../lab/certbot.js';
import { startNginx, type RunningNginx } from '../../lab/nginx.js';
import { startPebble, type RunningPebble } from '../../lab/pebble.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { isProcessAlive, requireAcmeEnv } from '../../lab/tools.js';
import { dnsNames } from '../../lab/lifecycle-tls.js';
import { LAB_IP } from '../../lab/loopback.js';

const { ok } = requireAcmeEnv();

describe.skipIf(!ok)('e2e harness: real nginx + certbot + pebble on loopback', () => {
  let dir: string | undefined;
  let webroot = '';
  let pebble: RunningPebble | undefined;
  let nginx: RunningNginx | undefined;
  /** Every pid this file started (pebble, challtestsrv, nginx master and workers). */
  const startedPids = new Set<number>();

  const rememberNginxPids = async (): Promise<void> => {
    if (nginx === undefined) return;
    startedPids.add(nginx.pid);
    for (const w of await nginx.workers()) startedPids.add(w);
  };

  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-e2e-');
    pebble = await startPebble({ dir });
    for (const p of pebble.pids) startedPids.add(p);

    webroot = path.join(dir, 'webroot');
    await mkdir(webroot, { recursive: true });
    await chmod(webroot, 0o755);
    const serversConf = path.join(dir, 'servers.conf');
    await writeFile(
      serversConf,
      [
        'server {',
        `    listen ${LAB_IP}:80;`,
        '    server_name a.test b.test;',
        `    location ^~ /.well-known/ { root "${webroot}"; }`,
        '    location / { return 301 https://$host$request_uri; }',
        '}',
        '',
      ].join('\n'),
    );
    nginx = await startNginx({ dir, serversConf });
    await rememberNginxPids();
  });

  afterAll(async () => {
    try {
      await rememberNginxPids().catch(() => undefined);
      const results = await Promise.allSettled([nginx?.stop(), pebble?.stop()]);
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      const alive = [...startedPids].filter(isProcessAlive);
      expect(alive, `processes still alive after stop(): ${alive.join(' ')}`).toEqual([]);
      if (nginx !== undefined) expect(existsSync(nginx.pidFile)).toBe(false);
    } finally {
      await removeTempDir(dir);
    }
  });

  it('issues a certificate for a.test + b.test with certbot --webroot through nginx', async () => {
    if (dir === undefined || pebble === undefined || nginx === undefined) throw new Error('beforeAll did not finish');
    const dirs = certbotDirs(dir);
    const res = await execa(
      'certbot',
      [
        'certonly', '--webroot', '-w', webroot,
        '-d', 'a.test', '-d', 'b.test', '--cert-name', 'a.test',
        '--server', pebble.directoryUrl,
        ...certbotDirArgs(dirs),
        '--non-interactive', '--agree-tos', '--register-unsafely-without-email',
      ],
      { env: certbotEnv(pebble), reject: false, stdin: 'ignore', all: true, timeout: 120_000 },
    );
    if (res.exitCode !== 0) {
      const log = await readFile(path.join(dirs.logsDir, 'letsencrypt.log'), 'utf8').catch(() => '(no log)');
      throw new Error(`certbot exited ${String(res.exitCode)}:\n${String(res.all)}\n--- letsencrypt.log (tail):\n${log.split('\n').slice(-40).join('\n')}`);
    }
    expect(res.exitCode).toBe(0);

    const live = path.join(dirs.configDir, 'live', 'a.test');
    const fullchain = path.join(live, 'fullchain.pem');
    expect(existsSync(fullchain)).toBe(true);
    const leaf = new X509Certificate(await readFile(fullchain));
    expect(dnsNames(leaf)).toEqual(['a.test', 'b.test']);

    // The chain leads to the root pebble reports (random per pebble run).
    const chainPem = await readFile(path.join(live, 'chain.pem'), 'utf8');
    const intermediate = new X509Certificate(chainPem);
    const root = new X509Certificate(await pebble.rootPem());
    expect(leaf.checkIssued(intermediate)).toBe(true);
    expect(intermediate.checkIssued(root)).toBe(true);

    // Pebble's validator really fetched the challenge tokens from our nginx.
    const access = await readFile(nginx.accessLog, 'utf8');
    const hits = access
      .split('\n')
      .filter((l) => /"GET \/\.well-known\/acme-challenge\/[^ "]+ HTTP\/[\d.]+" 200 /.test(l));
    expect(hits.length, `access log:\n${access}`).toBeGreaterThanOrEqual(1);
  });

  it('replaces the nginx workers on reload()', async () => {
    if (nginx === undefined) throw new Error('beforeAll did not finish');
    const before = await nginx.workers();
    expect(before.length).toBeGreaterThan(0);
    const after = await nginx.reload();
    await rememberNginxPids();
    expect(after.length).toBeGreaterThan(0);
    expect(after).not.toEqual(before);
    expect(after.some((w) => !before.includes(w))).toBe(true);
    expect(await readFile(nginx.errorLog, 'utf8')).toMatch(/SIGHUP\) received.*reconfiguring/);
  });
});
