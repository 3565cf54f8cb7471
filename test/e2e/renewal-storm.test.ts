/**
 * No renewal storm: `renew-before: 30` (days) with 6-day certificates from a
 * real Pebble would make a certificate due from the moment it is issued, and
 * every `renew` would issue another one. The rule is capped at half the
 * lifetime: three `renew` runs in a row issue nothing right after issuance,
 * and once half the lifetime has passed, three runs issue exactly once.
 */
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certbotDirs, certbotEnv, type CertbotDirs } from '../../lab/certbot.js';
import { bins, runBin } from '../../lab/cli.js';
import { clockAheadEnv } from '../../lab/clock.js';
import { type RunReport, Started, writeServersWithCatchAll } from '../../lab/e2e.js';
import { startNginx, type RunningNginx } from '../../lab/nginx.js';
import { startPebble, type RunningPebble } from '../../lab/pebble.js';
import { makeTempDir } from '../../lab/tmp.js';
import { findTool, requireAcmeEnv } from '../../lab/tools.js';
import { LAB_IP } from '../../lab/loopback.js';

const { ok } = requireAcmeEnv();

const T = 90_000;
const DAY = 86_400;
const NAME = 'storm';
const DOMAINS = ['storm.test'];
const RESOLVE = DOMAINS.flatMap((n) => ['--resolve', `${n}:${LAB_IP}`]);

describe.skipIf(!ok)('renew-before longer than half a 6-day certificate: no renewal storm (real certbot, Pebble, nginx)', () => {
  let dir: string | undefined;
  let pebble: RunningPebble | undefined;
  let nginx: RunningNginx | undefined;
  let dirs: CertbotDirs = { configDir: '', workDir: '', logsDir: '' };
  let config = '';
  const started = new Started();

  const certWrap = async (args: string[], env: Record<string, string> = {}) => {
    const res = await runBin(bins.certWrap, args, { env: { REQUESTS_CA_BUNDLE: certbotEnv(pebble!).REQUESTS_CA_BUNDLE ?? '', ...env } });
    const log = await readFile(path.join(dirs.logsDir, 'letsencrypt.log'), 'utf8').catch(() => '(no letsencrypt.log)');
    const context = `cert-wrap ${args.join(' ')} exited ${res.exitCode}\n--- stdout:\n${res.stdout}\n--- stderr:\n${res.stderr}\n--- letsencrypt.log (tail):\n${log.split('\n').slice(-30).join('\n')}`;
    return { res, context };
  };
  const liveCert = async (): Promise<X509Certificate> => new X509Certificate(await readFile(path.join(dirs.configDir, 'live', NAME, 'cert.pem')));
  const orders = async (): Promise<number> => ((await readFile(pebble!.logs.pebble, 'utf8')).match(/Added order /g) ?? []).length;

  /** Three renews in a row (the first with `firstEnv`): the outcome of each, and how many orders Pebble got. */
  const threeRenews = async (firstEnv: Record<string, string>) => {
    const ordersBefore = await orders();
    const outcomes: string[] = [];
    const reasons: string[] = [];
    for (let run = 0; run < 3; run++) {
      const { res, context } = await certWrap(['renew', '-c', config, '--json', ...RESOLVE], run === 0 ? firstEnv : {});
      expect(res.exitCode, context).toBe(0);
      const report = JSON.parse(res.stdout) as RunReport;
      const cert = report.certificates.find((c) => c.name === NAME)!;
      outcomes.push(cert.outcome);
      reasons.push(cert.reason ?? '');
    }
    return { outcomes, reasons, orders: (await orders()) - ordersBefore };
  };

  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-storm-e2e-');
    pebble = await startPebble({ dir, validitySeconds: 6 * DAY });
    for (const p of pebble.pids) started.pids.add(p);
    dirs = certbotDirs(dir);
    const webroot = path.join(dir, 'webroot');
    await mkdir(webroot, { recursive: true });
    await chmod(webroot, 0o755);
    config = path.join(dir, 'site.yaml');
    const object = {
      webroot,
      server: pebble.directoryUrl,
      'config-dir': dirs.configDir,
      'work-dir': dirs.workDir,
      'logs-dir': dirs.logsDir,
      'certs-dir': path.join(dir, 'certs'),
      'renew-before': 30,
      certificates: [{ name: NAME, domains: DOMAINS }],
      nginx: { listen: [`${LAB_IP}:80`], 'pid-file': path.join(dir, 'run', 'nginx.pid'), binary: findTool('nginx') ?? 'nginx' },
    };
    await writeFile(config, toYaml(object));
    const generated = path.join(dir, 'acme-servers.conf');
    const gen = await runBin(bins.genNginx, ['--output', generated, config]);
    expect(gen.exitCode, gen.stderr).toBe(0);
    const serversConf = path.join(dir, 'servers.conf');
    await writeServersWithCatchAll(serversConf, generated);
    nginx = await startNginx({ dir, serversConf });
  }, T);

  afterAll(async () => {
    await started.stopAll(nginx, pebble, dir);
  });

  it('obtain issues a 6-day certificate', async () => {
    const { res, context } = await certWrap(['obtain', '-c', config, '--json', ...RESOLVE]);
    expect(res.exitCode, context).toBe(0);
    const cert = await liveCert();
    expect((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000).toBeCloseTo(6, 1);
  }, T);

  it('right after issuance, three renews in a row issue nothing; the reason says renew-before was capped', async () => {
    const serial = (await liveCert()).serialNumber;
    const { outcomes, reasons, orders: newOrders } = await threeRenews({});
    console.log(`renew-before 30 days, 6-day certificate, 3 renews right after issuance: ${outcomes.join(', ')}; ${newOrders} new orders`);
    expect(outcomes).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(newOrders).toBe(0);
    expect((await liveCert()).serialNumber).toBe(serial);
    expect(reasons[0]).toMatch(/^not due: .* \(renew-before 30 days is more than half the lifetime of 6\.0 days: capped at 3\.0 days\)$/);

    const status = await certWrap(['status', '-c', config]);
    expect(status.res.exitCode, status.context).toBe(0);
    expect(status.res.stdout).toContain('capped at 3.0 days');
  }, T);

  it('once half the lifetime has passed, three renews in a row issue exactly once', async () => {
    const serial = (await liveCert()).serialNumber;
    // The first run sees the clock 3.1 days ahead; the certificate it gets is new for the two after it.
    const { outcomes, orders: newOrders } = await threeRenews(clockAheadEnv(3.1));
    console.log(`3.1 days later, 3 renews: ${outcomes.join(', ')}; ${newOrders} new order(s)`);
    expect(outcomes).toEqual(['issued', 'unchanged', 'unchanged']);
    expect(newOrders).toBe(1);
    expect((await liveCert()).serialNumber).not.toBe(serial);
  }, T);
});
