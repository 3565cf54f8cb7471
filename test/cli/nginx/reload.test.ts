import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markReloadPending } from '../../../src/adapters/store/pending-reload.js';
import { bins, repoRoot, runBin } from '../../../lab/cli.js';
import { makeLineage } from '../../../lab/lineage.js';
import { startNginx, type RunningNginx } from '../../../lab/nginx.js';
import { makeTempDir, removeTempDir } from '../../../lab/tmp.js';
import { isProcessAlive, requireTools, waitFor } from '../../../lab/tools.js';

const { ok } = requireTools(['nginx'], 'cert-wrap reload against a real nginx');

describe.skipIf(!ok)('cert-wrap reload against a real nginx and real bystander processes', () => {
  let dir: string | undefined;
  let nginx: RunningNginx | undefined;
  let servers = '';
  let config = '';
  let pidFile = '';
  const reload = () => runBin(bins.certWrap, ['reload', '-c', config]);
  const errorLogSighups = () => (readFileSync(nginx!.errorLog, 'utf8').match(/signal 1 \(SIGHUP\) received/g) ?? []).length;

  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-reload-');
    servers = join(dir, 'servers.conf');
    writeFileSync(servers, 'server { listen 127.0.0.1:18190; return 204; }\n');
    nginx = await startNginx({ dir, serversConf: servers });
    pidFile = join(dir, 'test.pid');
    config = join(dir, 'site.yaml');
    writeFileSync(config, `certs-dir: ${dir}/certs\ncertificates:\n  - domains: [a.test]\nnginx:\n  pid-file: ${pidFile}\n`);
  });

  afterAll(async () => {
    await nginx?.stop();
    await removeTempDir(dir);
  });

  const usePidFile = (content: string | null) => {
    if (content === null) rmSync(pidFile, { force: true });
    else writeFileSync(pidFile, content);
  };

  it('checks the running configuration, then sends SIGHUP: new workers', async () => {
    usePidFile(readFileSync(nginx!.pidFile, 'utf8'));
    const before = await nginx!.workers();
    const r = await reload();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`nginx (pid ${nginx!.pid}) reloaded\n`);
    expect(r.exitCode).toBe(0);
    expect(await waitFor(async () => (await nginx!.workers()).every((w) => !before.includes(w)), 5000)).toBe(true);
  });

  it('refuses when nginx -t fails on the running configuration, and sends no SIGHUP', async () => {
    usePidFile(`${nginx!.pid}\n`);
    const saved = readFileSync(servers, 'utf8');
    appendFileSync(servers, 'this is not nginx;\n');
    try {
      const before = await nginx!.workers();
      const sighups = errorLogSighups();
      const r = await reload();
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`not reloading nginx (pid ${nginx!.pid}): its configuration does not pass "nginx -t -q -p ${nginx!.prefix}`);
      expect(r.stderr).toContain('[emerg] unknown directive "this"');
      await new Promise((res) => setTimeout(res, 300));
      expect(await nginx!.workers()).toEqual(before);
      expect(errorLogSighups()).toBe(sighups);
    } finally {
      writeFileSync(servers, saved);
    }
  });

  it.each([
    ['missing', null, /pid file .* does not exist/],
    ['empty', '', /pid file .* is empty/],
    ['garbage', 'nginx.pid\n', /does not hold a process id: "nginx.pid"/],
    ['a negative number', '-1', /does not hold a process id/],
  ])('refuses a pid file that is %s', async (_what, content, message) => {
    usePidFile(content);
    const r = await reload();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a live process that is not nginx, which stays alive', async () => {
    // sleep dies of SIGHUP: had it been signalled, it would be gone.
    const bystander = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      usePidFile(`${bystander.pid}\n`);
      const r = await reload();
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`names process ${bystander.pid} ("sleep"), which is not nginx: refusing to signal it`);
      await new Promise((res) => setTimeout(res, 200));
      expect(isProcessAlive(bystander.pid!)).toBe(true);
      expect(bystander.exitCode).toBeNull();
    } finally {
      bystander.kill('SIGKILL');
    }
  });

  it('refuses an nginx worker (not the master), which keeps running', async () => {
    const [worker] = await nginx!.workers();
    usePidFile(`${worker}\n`);
    const r = await reload();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('which is an nginx worker process, not the master');
    expect(await nginx!.workers()).toContain(worker);
  });

  it('refuses a process that has exited (stale pid file)', async () => {
    const gone = spawn('true', { stdio: 'ignore' });
    await new Promise((res) => gone.on('exit', res));
    usePidFile(`${gone.pid}\n`);
    const r = await reload();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`names process ${gone.pid}, which is not running (a stale pid file)`);
  });

  it('--json reports the refusal for scripts', async () => {
    usePidFile('');
    const r = await runBin(bins.certWrap, ['reload', '-c', config, '--json']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, reason: 'pid-file-empty' });
  });

  it("from cron's PATH (/usr/bin:/bin), finds nginx in /usr/sbin and reloads", async () => {
    usePidFile(`${nginx!.pid}\n`);
    const before = await nginx!.workers();
    const r = await runBin(bins.certWrap, ['reload', '-c', config], { env: { PATH: '/usr/bin:/bin' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`nginx (pid ${nginx!.pid}) reloaded\n`);
    expect(await waitFor(async () => (await nginx!.workers()).every((w) => !before.includes(w)), 5000)).toBe(true);
  });

  describe('a pending reload', () => {
    const DAY = 86_400_000;
    let site = '';
    beforeAll(() => {
      // One certificate, issued and not due; the certbot stand-in would log any run.
      site = join(dir!, 'pending.yaml');
      const now = Date.now();
      makeLineage(join(dir!, 'le'), { name: 'site', domains: ['a.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY) });
      writeFileSync(
        site,
        `webroot: ${dir}\ncertbot: ${join(repoRoot, 'lab', 'fake-certbot.sh')}\nconfig-dir: ${dir}/le\ncerts-dir: ${dir}/certs\ncertificates:\n  - name: site\n    domains: [a.test]\nnginx:\n  pid-file: ${pidFile}\n`,
      );
    });

    it('status shows it and why; reload clears it', async () => {
      usePidFile(`${nginx!.pid}\n`);
      markReloadPending(join(dir!, 'certs'), 'site');
      let r = await runBin(bins.certWrap, ['status', '-c', site]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/\nnginx: a reload is pending since \d{4}-\d\d-\d\dT[\d:]+Z: site deployed by certbot without a successful nginx reload after it; run cert-wrap reload\n$/);
      r = await runBin(bins.certWrap, ['status', '-c', site, '--json']);
      expect(JSON.parse(r.stdout).reloadPending).toMatchObject({ certificates: ['site'], reason: expect.stringContaining('site deployed by certbot') });

      r = await runBin(bins.certWrap, ['reload', '-c', site]);
      expect(r.exitCode, r.stderr).toBe(0);
      r = await runBin(bins.certWrap, ['status', '-c', site, '--json']);
      expect(JSON.parse(r.stdout).reloadPending).toBeNull();
      expect((await runBin(bins.certWrap, ['status', '-c', site])).stdout).not.toContain('pending');
    });

    it('renew with nothing due says why it reloads', async () => {
      usePidFile(`${nginx!.pid}\n`);
      markReloadPending(join(dir!, 'certs'), 'site');
      const r = await runBin(bins.certWrap, ['renew', '--no-preflight', '-c', site], { env: { FAKE_CERTBOT_LOG: join(dir!, 'certbot.log') } });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/a reload is pending since \S+: site deployed by certbot without a successful nginx reload after it; nginx \(pid \d+\) reloaded/);
      expect(existsSync(join(dir!, 'certbot.log'))).toBe(false);
      expect(existsSync(join(dir!, 'certs', 'reload-pending'))).toBe(false);
    });
  });

  describe('cert-wrap deploy-hook (as certbot runs it)', () => {
    const deploy = (hook: string, env: Record<string, string> = {}) => {
      writeFileSync(config, `certs-dir: ${dir}/certs\ncertificates:\n  - name: site\n    domains: [a.test]\n    deploy-hook: ${JSON.stringify(hook)}\nnginx:\n  pid-file: ${pidFile}\n`);
      return runBin(bins.certWrap, ['deploy-hook', '-c', config], { env: { RENEWED_LINEAGE: '/etc/letsencrypt/live/site', RENEWED_DOMAINS: 'a.test', ...env } });
    };

    it("runs the certificate's own hook in a shell with certbot's environment, then reloads nginx", async () => {
      usePidFile(`${nginx!.pid}\n`);
      const out = join(dir!, 'hook-env');
      const before = await nginx!.workers();
      const r = await deploy(`echo "$RENEWED_LINEAGE|$RENEWED_DOMAINS" > ${out}`);
      // certbot shows a hook's stderr as "error output": success goes to stdout
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`cert-wrap deploy-hook: nginx (pid ${nginx!.pid}) reloaded\n`);
      expect(r.exitCode).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe('/etc/letsencrypt/live/site|a.test\n');
      expect(await waitFor(async () => (await nginx!.workers()).every((w) => !before.includes(w)), 5000)).toBe(true);
    });

    it('a failing hook does not stop the reload; both are reported; exit 1', async () => {
      usePidFile(`${nginx!.pid}\n`);
      const before = await nginx!.workers();
      const r = await deploy('exit 7');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain('deploy-hook of certificate site failed (exit code 7): exit 7');
      expect(r.stdout).toContain(`nginx (pid ${nginx!.pid}) reloaded`);
      expect(await waitFor(async () => (await nginx!.workers()).every((w) => !before.includes(w)), 5000)).toBe(true);
    });

    it('a refused reload is reported after a hook that succeeded; exit 1', async () => {
      usePidFile(null);
      const out = join(dir!, 'hook-ran');
      const r = await deploy(`touch ${out}`);
      expect(r.exitCode).toBe(1);
      expect(existsSync(out)).toBe(true);
      expect(r.stderr).toMatch(/not reloading nginx: pid file .* does not exist/);
    });

    it('without RENEWED_LINEAGE it explains that certbot runs it (exit 2)', async () => {
      const r = await runBin(bins.certWrap, ['deploy-hook', '-c', config]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('deploy-hook is run by certbot after an issuance, with RENEWED_LINEAGE set');
    });
  });
});
