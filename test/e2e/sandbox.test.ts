/**
 * The systemd service's ReadWritePaths= list is complete: a real renewal
 * against Pebble (certbot, the deploy hook with its copy and own hook, the
 * nginx reload) runs with every mount of the host read-only except the paths
 * `cert-wrap schedule --systemd` lists, as the unit's sandbox would have it,
 * but stricter (ProtectSystem=full leaves /var and /run writable; here they
 * are read-only too, except nginx's log directory: see below). The read-only view is a private mount namespace
 * (`unshare --mount`) that lives only as long as the command: each listed path
 * is bind-mounted onto itself, then every other mount remounted read-only
 * (the API filesystems /proc, /sys, /dev excepted, as systemd does), and
 * /tmp and /var/tmp are fresh tmpfs mounts, as PrivateTmp=true gives the unit;
 * so the test's own directory lives under /run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { certbotDirs, certbotEnv, type CertbotDirs } from '../../lab/certbot.js';
import { type RunReport, Started, writeServersWithCatchAll } from '../../lab/e2e.js';
import { bins, runBin } from '../../lab/cli.js';
import { clockAheadEnv } from '../../lab/clock.js';
import { startNginx, type RunningNginx } from '../../lab/nginx.js';
import { startPebble, type RunningPebble } from '../../lab/pebble.js';
import { findTool, isCI, isRoot, requireAcmeEnv } from '../../lab/tools.js';
import { LAB_IP } from '../../lab/loopback.js';

const { ok } = requireAcmeEnv();
const T = 120_000;

function canSandbox(): boolean {
  if (!isRoot() || findTool('unshare') === null) return false;
  return spawnSync('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'mount -o remount,bind,ro /'], { stdio: 'ignore' }).status === 0;
}
const sandboxOk = ok && canSandbox();
if (ok && !sandboxOk) {
  if (isCI()) throw new Error('read-only remounts (unshare --mount, root with CAP_SYS_ADMIN) are not available in CI: the sandbox test cannot run');
  process.stderr.write('\n!!! SKIPPING test/e2e/sandbox.test.ts: read-only remounts need root with CAP_SYS_ADMIN (unshare --mount)\n\n');
}

/** The mount points of this process's namespace (/proc/self/mountinfo, field 5, octal escapes undone). */
async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
}

const API = /^\/(proc|sys|dev)(\/|$)/;

/** This checkout (bin/, dist/): installed under /usr/lib on a host, but a clone may live under /tmp. */
const codeDir = path.dirname(path.dirname(bins.certWrap));
const underTmp = /^\/(var\/)?tmp\//.test(`${codeDir}/`);
/** Where the checkout is kept visible across the private /tmp (set in beforeAll, under the test's own directory). */
let codeStage = '';

/** Run argv with only `writable` writable. */
async function readOnlyExcept(writable: string[], argv: string[], env: Record<string, string>) {
  const remount = (await mountPoints()).filter((m) => !API.test(m));
  const script = [
    'set -e',
    // A checkout under /tmp stays visible (read-only) under the private /tmp, as the installed package would be.
    ...(underTmp ? [`mount --bind ${sq(codeDir)} ${sq(codeStage)}`] : []),
    // PrivateTmp=true: a /tmp and /var/tmp of the command's own (certbot's Python needs one).
    'mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp',
    'mount -t tmpfs -o size=64m,mode=1777 tmpfs /var/tmp',
    ...(underTmp ? [`mkdir -p ${sq(codeDir)}`, `mount --bind ${sq(codeStage)} ${sq(codeDir)}`, `mount -o remount,bind,ro ${sq(codeDir)}`] : []),
    // As systemd's `-` prefix: a path that does not exist is skipped.
    ...writable.map((p) => `if [ -e ${sq(p)} ]; then mount --bind ${sq(p)} ${sq(p)}; fi`),
    // Deepest first, so a parent's remount never hides a child; the writable binds are skipped.
    ...remount
      .sort((a, b) => b.length - a.length)
      .filter((m) => !writable.includes(m) && m !== '/tmp' && m !== '/var/tmp')
      .map((m) => `mount -o remount,bind,ro ${sq(m)} 2>/dev/null || true`),
    'exec "$@"',
  ].join('\n');
  return execa('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', ...argv], { reject: false, env: { NO_COLOR: '1', ...env }, stdin: 'ignore' });
}
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(!sandboxOk)("a real renewal inside the unit's sandbox: every mount read-only except ReadWritePaths (real certbot, nginx, pebble)", () => {
  let dir: string | undefined;
  let pebble: RunningPebble | undefined;
  let nginx: RunningNginx | undefined;
  let dirs: CertbotDirs = { configDir: '', workDir: '', logsDir: '' };
  let site = '';
  let config: Record<string, unknown> = {};
  let hookLog = '';
  let copies = '';
  const started = new Started();
  // As the unit runs it: root's own cache directory (/var/cache/cert-wrap), not the tests' one.
  const env = () => ({ REQUESTS_CA_BUNDLE: certbotEnv(pebble!).REQUESTS_CA_BUNDLE ?? '', CERT_WRAP_CACHE_DIR: '', XDG_CACHE_HOME: '' });

  beforeAll(async () => {
    // Not under /tmp or /var/tmp: the command gets private ones, as PrivateTmp=true gives the unit.
    dir = await mkdtemp('/run/cert-wrap-sandbox-');
    await chmod(dir, 0o755);
    codeStage = path.join(dir, 'code');
    await mkdir(codeStage);
    pebble = await startPebble({ dir, validitySeconds: 864_000 });
    for (const p of pebble.pids) started.pids.add(p);
    dirs = certbotDirs(dir);
    const webroot = path.join(dir, 'webroot');
    await mkdir(webroot, { recursive: true });
    copies = path.join(dir, 'copies', 'svc');
    hookLog = path.join(copies, 'hook.log');
    const hook = path.join(dir, 'deploy-hook.sh');
    // The certificate's own hook writes beside its deploy copy: a listed directory.
    await writeFile(hook, `#!/bin/sh\necho "$RENEWED_LINEAGE" >> '${hookLog}'\n`);
    await chmod(hook, 0o755);
    const generated = path.join(dir, 'generated.conf');
    const serversConf = path.join(dir, 'servers.conf');
    await writeFile(generated, '');
    await writeServersWithCatchAll(serversConf, generated);
    nginx = await startNginx({ dir, serversConf });
    await started.workers(nginx);
    site = path.join(dir, 'site.yaml');
    config = {
      webroot,
      server: pebble.directoryUrl,
      'config-dir': dirs.configDir,
      'work-dir': dirs.workDir,
      'logs-dir': dirs.logsDir,
      'certs-dir': path.join(dir, 'certs'),
      nginx: { listen: [`${LAB_IP}:80`], 'pid-file': nginx.pidFile, binary: nginx.binary },
      certificates: [{ name: 'svc', domains: ['svc.test'], 'deploy-hook': hook, deploy: [{ directory: copies }] }],
    };
    await writeFile(site, toYaml(config));
    const gen = await runBin(bins.genNginx, ['--output', generated, site]);
    if (gen.exitCode !== 0) throw new Error(gen.stderr);
    await nginx.reload();
    // The first issuance, outside the sandbox.
    const first = await runBin(bins.certWrap, ['obtain', '-c', site, '--no-preflight'], { env: env() });
    if (first.exitCode !== 0) throw new Error(`obtain failed:\n${first.stdout}\n${first.stderr}`);
    await started.workers(nginx);
    // From now on renewal is due: a 10-day certificate, renewed 30 days before expiry.
    await writeFile(site, toYaml({ ...config, 'renew-before': 30 }));
  }, T);

  afterAll(async () => {
    await started.stopAll(nginx, pebble, dir);
  });

  const writablePaths = async (): Promise<string[]> => {
    const r = await runBin(bins.certWrap, ['schedule', '-c', site, '--systemd', '--json', '--seed', 'test']);
    expect(r.exitCode, r.stderr).toBe(0);
    const { service } = JSON.parse(r.stdout) as { service: string };
    return service
      .split('\n')
      .filter((l) => l.startsWith('ReadWritePaths='))
      .map((l) => l.slice('ReadWritePaths='.length).replace(/^"?-?/, '').replace(/"$/, ''));
  };

  it('without the listed paths the renewal cannot write (the read-only view is real)', async () => {
    const r = await readOnlyExcept([], [process.execPath, bins.certWrap, 'renew', '-c', site, '--no-preflight', '--json'], { ...env(), ...clockAheadEnv(61) });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).not.toBe(0);
    expect(String(r.stdout) + String(r.stderr)).toMatch(/read-only/i);
  }, T);

  it('with them: renewed, deploy copy and hook done, nginx reloaded, exit 0', async () => {
    const paths = await writablePaths();
    expect(paths).toEqual(expect.arrayContaining([dirs.configDir, dirs.workDir, dirs.logsDir, path.join(dir!, 'certs'), copies, path.dirname(nginx!.pidFile)]));
    const before = await readFile(path.join(dirs.configDir, 'live', 'svc', 'cert.pem'), 'utf8');
    const workersBefore = await nginx!.workers();
    // Beyond the list: nginx's own log directory. `nginx -t` (before the reload) opens the error log
    // for writing and fails on a read-only one; on a host that is /var/log/nginx, which
    // ProtectSystem=full leaves writable (it covers /usr, /boot and /etc only). Here every mount is
    // read-only, so it is granted explicitly, as the unit's ProtectSystem=full grants it.
    const nginxLogs = path.dirname(nginx!.errorLog);
    const r = await readOnlyExcept([...paths, nginxLogs], [process.execPath, bins.certWrap, 'renew', '-c', site, '--no-preflight', '--json', '--quiet'], { ...env(), ...clockAheadEnv(61) });
    const context = `exit ${r.exitCode}\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`;
    expect(r.exitCode, context).toBe(0);
    const report = JSON.parse(String(r.stdout)) as RunReport;
    expect(report.renewed, context).toBe(true);
    expect(report.certificates[0], context).toMatchObject({ name: 'svc', outcome: 'issued' });
    expect(report.reload, context).toMatchObject({ attempted: true, ok: true });
    const after = await readFile(path.join(dirs.configDir, 'live', 'svc', 'cert.pem'), 'utf8');
    expect(after).not.toBe(before);
    expect(await readFile(path.join(copies, 'fullchain.pem'), 'utf8')).toContain(after.trim());
    expect((await readFile(hookLog, 'utf8')).trim().split('\n')).toHaveLength(2); // obtain, then this renewal
    await started.workers(nginx);
    expect(await nginx!.workers()).not.toEqual(workersBefore);
    expect(existsSync(path.join(dir!, 'certs', 'reload-pending'))).toBe(false);
  }, T);
});
