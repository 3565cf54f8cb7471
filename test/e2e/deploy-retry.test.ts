/**
 * Deploy steps that fail after the CA issued are not forgotten: against real
 * Pebble, certbot and nginx, a certificate whose own deploy-hook fails is
 * reported as failed (deploy), every later `renew` does the deploy steps again
 * without ordering (still failing: exit 1), and once the hook works the next
 * `renew` deploys, reloads nginx, and the one after that has nothing to redo.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certbotDirs, certbotEnv, type CertbotDirs } from '../../lab/certbot.js';
import { type RunReport, Started, writeServersWithCatchAll } from '../../lab/e2e.js';
import { bins, runBin, type CliResult } from '../../lab/cli.js';
import { startNginx, type RunningNginx } from '../../lab/nginx.js';
import { startPebble, type RunningPebble } from '../../lab/pebble.js';
import { makeTempDir } from '../../lab/tmp.js';
import { requireAcmeEnv } from '../../lab/tools.js';
import { LAB_IP } from '../../lab/loopback.js';

const { ok } = requireAcmeEnv();
const T = 90_000;

describe.skipIf(!ok)('a failed deploy step is retried by the next runs until it succeeds (real certbot, nginx, pebble)', () => {
  let dir: string | undefined;
  let pebble: RunningPebble | undefined;
  let nginx: RunningNginx | undefined;
  let dirs: CertbotDirs = { configDir: '', workDir: '', logsDir: '' };
  let site = '';
  let marker = '';
  let hookLog = '';
  let copies = '';
  let certsDir = '';
  const started = new Started();

  const certWrap = async (args: string[]): Promise<{ res: CliResult; report: RunReport; context: string }> => {
    const res = await runBin(bins.certWrap, [...args, '-c', site, '--json', '--no-preflight'], { env: { REQUESTS_CA_BUNDLE: certbotEnv(pebble!).REQUESTS_CA_BUNDLE ?? '' } });
    await started.workers(nginx).catch(() => undefined);
    const context = `cert-wrap ${args.join(' ')} exited ${res.exitCode}\n--- stdout:\n${res.stdout}\n--- stderr:\n${res.stderr}`;
    let report: RunReport;
    try {
      report = JSON.parse(res.stdout) as RunReport;
    } catch {
      throw new Error(`no JSON report\n${context}`);
    }
    return { res, report, context };
  };
  const hookRuns = async () => (await readFile(hookLog, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const state = async () => JSON.parse(await readFile(path.join(certsDir, 'state.json'), 'utf8')) as { certificates: Record<string, { lastSuccess?: string; deployFailed?: { reason: string } }> };

  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-deploy-retry-');
    pebble = await startPebble({ dir });
    for (const p of pebble.pids) started.pids.add(p);
    dirs = certbotDirs(dir);
    const webroot = path.join(dir, 'webroot');
    await mkdir(webroot, { recursive: true });
    certsDir = path.join(dir, 'certs');
    copies = path.join(dir, 'copies', 'retry');
    marker = path.join(dir, 'hook-may-succeed');
    hookLog = path.join(dir, 'hook.log');
    const hook = path.join(dir, 'deploy-hook.sh');
    // Fails (exit 4) until the marker exists, as a service that is not installed yet would.
    await writeFile(hook, `#!/bin/sh\n[ -e '${marker}' ] || { echo 'service not ready' >&2; exit 4; }\necho "$RENEWED_LINEAGE" >> '${hookLog}'\n`);
    await chmod(hook, 0o755);

    const generated = path.join(dir, 'generated.conf');
    const serversConf = path.join(dir, 'servers.conf');
    await writeFile(generated, '');
    await writeServersWithCatchAll(serversConf, generated);
    nginx = await startNginx({ dir, serversConf });
    await started.workers(nginx);
    site = path.join(dir, 'site.yaml');
    await writeFile(
      site,
      toYaml({
        webroot,
        server: pebble.directoryUrl,
        'config-dir': dirs.configDir,
        'work-dir': dirs.workDir,
        'logs-dir': dirs.logsDir,
        'certs-dir': certsDir,
        nginx: { listen: [`${LAB_IP}:80`], 'pid-file': nginx.pidFile, binary: nginx.binary },
        certificates: [{ name: 'retry', domains: ['retry.test'], 'deploy-hook': hook, deploy: [{ directory: copies }] }],
      }),
    );
    const gen = await runBin(bins.genNginx, ['--output', generated, site]);
    if (gen.exitCode !== 0) throw new Error(gen.stderr);
    await nginx.reload();
  }, T);

  afterAll(async () => {
    await started.stopAll(nginx, pebble, dir);
  });

  it('obtain: issued, but the deploy-hook failed: failed (deploy), recorded in state.json', async () => {
    const { res, report, context } = await certWrap(['obtain']);
    expect(res.exitCode, context).toBe(1);
    expect(report.certificates[0], context).toMatchObject({ name: 'retry', outcome: 'failed', class: 'deploy' });
    expect(existsSync(path.join(dirs.configDir, 'live', 'retry', 'cert.pem')), context).toBe(true);
    expect((await state()).certificates.retry?.deployFailed?.reason, context).toContain('deploy-hook of certificate retry failed (exit code 4)');
    expect(await hookRuns()).toEqual([]);
  }, T);

  it('renew with nothing due does the deploy steps again, and fails again while the hook fails (exit 1, nothing ordered)', async () => {
    const issued = await readFile(path.join(dirs.configDir, 'live', 'retry', 'cert.pem'), 'utf8');
    const { res, report, context } = await certWrap(['renew']);
    expect(res.exitCode, context).toBe(1);
    expect(report.renewed, context).toBe(false);
    expect(report.certificates[0], context).toMatchObject({ name: 'retry', outcome: 'failed', class: 'deploy' });
    expect(report.certificates[0]?.reason, context).toContain('deploying the certificate failed again: deploy-hook of certificate retry failed (exit code 4)');
    expect(await readFile(path.join(dirs.configDir, 'live', 'retry', 'cert.pem'), 'utf8'), 'no new certificate').toBe(issued);
  }, T);

  it('once the hook works, the next renew deploys (hook run with the lineage, copies made, nginx reloaded) and the one after has nothing to redo', async () => {
    await writeFile(marker, '');
    const live = path.join(dirs.configDir, 'live', 'retry');
    const first = await certWrap(['renew']);
    expect(first.res.exitCode, first.context).toBe(0);
    expect(first.report.certificates[0], first.context).toMatchObject({ name: 'retry', outcome: 'unchanged' });
    expect(first.report.reload, first.context).toMatchObject({ attempted: true, ok: true });
    expect(await hookRuns()).toEqual([live]);
    expect(await readFile(path.join(copies, 'privkey.pem'), 'utf8')).toBe(await readFile(path.join(live, 'privkey.pem'), 'utf8'));
    expect((await state()).certificates.retry?.deployFailed).toBeUndefined();
    expect((await state()).certificates.retry?.lastSuccess).toBeDefined();

    const second = await certWrap(['renew']);
    expect(second.res.exitCode, second.context).toBe(0);
    expect(second.report.reload.attempted, second.context).toBe(false);
    expect(await hookRuns()).toEqual([live]);
  }, T);
});


