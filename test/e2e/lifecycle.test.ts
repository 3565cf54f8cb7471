/**
 * The whole life of one certificate against real Pebble, certbot and nginx, in
 * order and sharing state: bootstrap before the first issuance (nginx starts
 * with its HTTPS server on a self-signed placeholder), obtain (the real
 * certificate is served and copied), status and metrics, renew when nothing is
 * due (no certbot process at all), renew when due (a new certificate, served
 * after exactly one reload), and the deploy copies following it.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certbotDirs, certbotEnv, type CertbotDirs } from '../../lab/certbot.js';
import { type CertReport, type RunReport, Started, writeServersWithCatchAll } from '../../lab/e2e.js';
import { bins, runBin, type CliResult } from '../../lab/cli.js';
import { clockAheadEnv } from '../../lab/clock.js';
import { dnsNames, peerCertificate } from '../../lab/lifecycle-tls.js';
import { startNginx, type RunningNginx } from '../../lab/nginx.js';
import { startPebble, type RunningPebble } from '../../lab/pebble.js';
import { makeTempDir } from '../../lab/tmp.js';
import { findTool, requireAcmeEnv, waitFor } from '../../lab/tools.js';
import { LAB_IP } from '../../lab/loopback.js';

const { ok } = requireAcmeEnv();

/** Per-test budget: one certbot issuance takes ~2.5 s. */
const T = 60_000;
/** Pebble's certificate lifetime here: 10 days. */
const VALIDITY_SECONDS = 864_000;
const HTTPS_PORT = 8443;
const DOMAINS = ['s.test', 'www.s.test'];

/**
 * obtain and renew check each webroot name over HTTP before certbot runs: the
 * .test names have no DNS, so --resolve points them at nginx.
 */
const RESOLVE = DOMAINS.flatMap((n) => ['--resolve', `${n}:${LAB_IP}`]);

interface StatusReport {
  now: string;
  certificates: {
    name: string;
    domains: string[];
    notAfter: string | null;
    daysLeft: number | null;
    serial: string | null;
    action: string;
    reason: string;
    dueAt: string | null;
  }[];
}

interface ConfigOptions {
  certbot?: string;
  /** Extra certificates (names nginx is not generated for). */
  extra?: { name: string; domains: string[] }[];
}

/** Single-quote a value for sh. */
function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function countSighup(errorLog: string): number {
  return (errorLog.match(/SIGHUP\) received/g) ?? []).length;
}

/** `openssl x509 -startdate -enddate -noout`, as Dates. */
async function opensslDates(certPem: string): Promise<{ notBefore: Date; notAfter: Date; raw: string }> {
  const res = await execa('openssl', ['x509', '-startdate', '-enddate', '-noout', '-in', certPem], { stdin: 'ignore' });
  const raw = String(res.stdout);
  const field = (key: string): Date => {
    const m = new RegExp(`^${key}=(.+)$`, 'm').exec(raw);
    if (m === null) throw new Error(`no ${key} in openssl output:\n${raw}`);
    const ms = Date.parse(m[1] ?? '');
    if (Number.isNaN(ms)) throw new Error(`cannot parse ${key}=${m[1] ?? ''}`);
    return new Date(ms);
  };
  return { notBefore: field('notBefore'), notAfter: field('notAfter'), raw };
}

function idOf(args: string[]): number {
  return Number(execFileSync('id', args, { encoding: 'utf8' }).trim());
}

function groupId(name: string): number {
  const line = execFileSync('getent', ['group', name], { encoding: 'utf8' }).trim();
  return Number(line.split(':')[2]);
}

describe.skipIf(!ok)('certificate lifecycle: bootstrap, obtain, status, renew against real certbot, nginx and pebble', () => {
  let dir: string | undefined;
  let pebble: RunningPebble | undefined;
  let nginx: RunningNginx | undefined;
  let dirs: CertbotDirs = { configDir: '', workDir: '', logsDir: '' };
  let nginxBinary = '';
  let certbotBinary = '';
  let webroot = '';
  let certsDir = '';
  let copiesDir = '';
  let config = '';
  let wrapConfig = '';
  let ghostConfig = '';
  let generatedConf = '';
  let serversConf = '';
  let wrapperLog = '';
  const started = new Started();
  const startedPids = started.pids;

  const need = (): { dir: string; pebble: RunningPebble } => {
    if (dir === undefined || pebble === undefined) throw new Error('beforeAll did not finish');
    return { dir, pebble };
  };
  const needNginx = (): RunningNginx => {
    if (nginx === undefined) throw new Error('nginx is not running (step 1 failed)');
    return nginx;
  };

  const workers = (): Promise<number[]> => started.workers(nginx);
  const settledWorkers = (): Promise<number[]> => started.settledWorkers(nginx);
  const errorLogText = async (): Promise<string> => (nginx === undefined ? '' : readFile(nginx.errorLog, 'utf8').catch(() => ''));

  const live = (file: string): string => path.join(dirs.configDir, 'live', 'site', file);

  const configObject = (opts: ConfigOptions): Record<string, unknown> => {
    const d = need().dir;
    return {
      webroot,
      server: need().pebble.directoryUrl,
      'config-dir': dirs.configDir,
      'work-dir': dirs.workDir,
      'logs-dir': dirs.logsDir,
      'certs-dir': certsDir,
      ...(opts.certbot !== undefined ? { certbot: opts.certbot } : {}),
      certificates: [
        {
          name: 'site',
          domains: DOMAINS,
          https: true,
          deploy: [{ directory: copiesDir, mode: '0640', owner: 'nobody', group: 'nogroup' }],
        },
        ...(opts.extra ?? []),
      ],
      nginx: {
        listen: [`${LAB_IP}:80`],
        'https-listen': [`${LAB_IP}:${HTTPS_PORT}`],
        'pid-file': path.join(d, 'run', 'nginx.pid'),
        binary: nginxBinary,
      },
    };
  };

  const certbotLogTail = async (): Promise<string> => {
    const log = await readFile(path.join(dirs.logsDir, 'letsencrypt.log'), 'utf8').catch(() => '(no letsencrypt.log)');
    return log.split('\n').slice(-40).join('\n');
  };

  const certWrap = async (args: string[], extraEnv: Record<string, string> = {}): Promise<{ res: CliResult; context: string }> => {
    const env = certbotEnv(need().pebble);
    const res = await runBin(bins.certWrap, args, { env: { REQUESTS_CA_BUNDLE: env.REQUESTS_CA_BUNDLE ?? '', ...extraEnv } });
    await workers().catch(() => undefined);
    const context =
      `cert-wrap ${args.join(' ')} exited ${res.exitCode}\n--- stdout:\n${res.stdout}\n--- stderr:\n${res.stderr}` +
      `\n--- letsencrypt.log (tail):\n${await certbotLogTail()}`;
    return { res, context };
  };

  const json = <R>(res: CliResult, context: string): R => {
    try {
      return JSON.parse(res.stdout) as R;
    } catch (err) {
      throw new Error(`stdout is not one JSON document (${(err as Error).message})\n${context}`);
    }
  };

  const site = (report: RunReport, context: string): CertReport => {
    const found = report.certificates.find((c) => c.name === 'site');
    if (found === undefined) throw new Error(`no certificate "site" in the report\n${context}`);
    return found;
  };

  const wrapperCalls = async (): Promise<string[]> =>
    (await readFile(wrapperLog, 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l !== '');

  const served = (): Promise<X509Certificate> => peerCertificate({ host: LAB_IP, port: HTTPS_PORT, servername: 's.test' });

  /**
   * The certificate nginx serves once it has picked up `serial`: right after a
   * reload a new connection can still reach an old worker for a moment.
   */
  const servedSerial = async (serial: string): Promise<X509Certificate> => {
    let last = await served();
    await waitFor(async () => {
      last = await served();
      return last.serialNumber.toUpperCase() === serial.toUpperCase();
    }, 5_000, 100);
    return last;
  };

  /** Both deploy copies: exact mode, owner and group, and the lineage's content. */
  const expectCopies = async (): Promise<void> => {
    const uid = idOf(['-u', 'nobody']);
    const gid = groupId('nogroup');
    for (const file of ['fullchain.pem', 'privkey.pem']) {
      const copy = path.join(copiesDir, file);
      const st = lstatSync(copy);
      expect(st.isFile(), `${copy} is a regular file`).toBe(true);
      expect((st.mode & 0o7777).toString(8), `mode of ${copy}`).toBe('640');
      expect(st.uid, `owner of ${copy}`).toBe(uid);
      expect(st.gid, `group of ${copy}`).toBe(gid);
      expect((await readFile(copy)).equals(await readFile(live(file))), `${copy} equals ${live(file)}`).toBe(true);
    }
  };

  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-lifecycle-e2e-');
    pebble = await startPebble({ dir, validitySeconds: VALIDITY_SECONDS });
    for (const p of pebble.pids) startedPids.add(p);
    dirs = certbotDirs(dir);
    nginxBinary = findTool('nginx') ?? 'nginx';
    certbotBinary = findTool('certbot') ?? 'certbot';

    webroot = path.join(dir, 'webroot');
    await mkdir(webroot, { recursive: true });
    await chmod(webroot, 0o755);
    certsDir = path.join(dir, 'certs');
    copiesDir = path.join(dir, 'copies');

    // certbot seen from outside: one line per call with its arguments, then the real certbot.
    wrapperLog = path.join(dir, 'certbot-calls.log');
    const wrapper = path.join(dir, 'certbot-wrapper.sh');
    await writeFile(
      wrapper,
      ['#!/bin/sh', `printf '%s\\n' "$*" >> ${shq(wrapperLog)}`, `exec ${shq(certbotBinary)} "$@"`, ''].join('\n'),
    );
    await chmod(wrapper, 0o755);

    config = path.join(dir, 'site.yaml');
    wrapConfig = path.join(dir, 'site-wrapped.yaml');
    ghostConfig = path.join(dir, 'site-ghost.yaml');
    await writeFile(config, toYaml(configObject({})));
    await writeFile(wrapConfig, toYaml(configObject({ certbot: wrapper })));
    await writeFile(ghostConfig, toYaml(configObject({ certbot: wrapper, extra: [{ name: 'ghost', domains: ['ghost.test'] }] })));

    generatedConf = path.join(dir, 'acme-servers.conf');
    serversConf = path.join(dir, 'servers.conf');
    await writeServersWithCatchAll(serversConf, generatedConf);
  });

  afterAll(async () => {
    await started.stopAll(nginx, pebble, dir);
  });

  // Shared between the steps below, which run in order.
  let firstSerial = '';
  let secondSerial = '';

  it('1. before the first issuance nginx refuses the HTTPS server; after bootstrap it serves a self-signed placeholder', async () => {
    const { dir: d } = need();
    const gen = await runBin(bins.genNginx, ['--output', generatedConf, config]);
    expect(gen.exitCode, gen.stderr).toBe(0);
    const text = await readFile(generatedConf, 'utf8');
    expect(text).toMatch(new RegExp(`listen ${LAB_IP.replaceAll('.', '\\.')}:${HTTPS_PORT} ssl( http2)?;`)); // http2 as a listen parameter before nginx 1.25.1
    expect(text).toContain(`ssl_certificate "${path.join(certsDir, 'site', 'fullchain.pem')}";`);
    expect(text).toContain(`ssl_certificate_key "${path.join(certsDir, 'site', 'privkey.pem')}";`);

    // No certificate file yet: nginx -t (run by startNginx before it launches anything) fails.
    expect(existsSync(path.join(certsDir, 'site', 'fullchain.pem'))).toBe(false);
    let refused: Error | null = null;
    try {
      const n = await startNginx({ dir: d, serversConf });
      await n.stop(); // not expected; keeps nothing running if it happens
    } catch (err) {
      refused = err as Error;
    }
    expect(refused, 'nginx started without a certificate file').not.toBeNull();
    expect(refused?.message).toMatch(/nginx -t failed/);
    expect(refused?.message).toContain(path.join(certsDir, 'site', 'fullchain.pem'));
    expect(existsSync(path.join(d, 'run', 'nginx.pid'))).toBe(false);

    const { res, context } = await certWrap(['bootstrap', '-c', config, '--json']);
    expect(res.exitCode, context).toBe(0);
    const report = json<{ certsDir: string; certificates: { name: string; action: string; target: string }[] }>(res, context);
    expect(report.certificates.map((c) => [c.name, c.action]), context).toEqual([['site', 'placeholder']]);
    expect(existsSync(path.join(certsDir, 'site', 'fullchain.pem')), context).toBe(true);
    expect(existsSync(path.join(certsDir, 'site', 'privkey.pem')), context).toBe(true);
    // Only bootstrap ran: no certbot lineage yet.
    expect(existsSync(live('cert.pem'))).toBe(false);

    nginx = await startNginx({ dir: d, serversConf });
    await workers();

    const peer = await served();
    const placeholder = new X509Certificate(await readFile(path.join(certsDir, 'site', 'fullchain.pem')));
    expect(peer.subject).toBe('CN=s.test');
    expect(peer.issuer).toBe(peer.subject);
    expect(peer.checkIssued(peer), 'self-issued').toBe(true);
    expect(peer.verify(peer.publicKey), 'signed by its own key').toBe(true);
    expect(dnsNames(peer)).toEqual([...DOMAINS].sort());
    expect(peer.serialNumber).toBe(placeholder.serialNumber);
  }, T);

  it('2. obtain issues the certificate; nginx serves it and the deploy copies hold it', async () => {
    const before = await settledWorkers();
    const sighup = countSighup(await errorLogText());

    const { res, context } = await certWrap(['obtain', '-c', config, '--json', ...RESOLVE]);
    expect(res.exitCode, context).toBe(0);
    const report = json<RunReport>(res, context);
    expect(report.ok, context).toBe(true);
    expect(site(report, context)).toMatchObject({ outcome: 'issued', class: null, reason: null, domains: DOMAINS });
    expect(report.reload, context).toMatchObject({ attempted: true, ok: true });

    const issued = new X509Certificate(await readFile(live('cert.pem')));
    const chain = new X509Certificate(await readFile(live('chain.pem')));
    firstSerial = issued.serialNumber;
    expect(issued.issuer).toMatch(/Pebble Intermediate CA/);
    expect(issued.checkIssued(chain), 'live/site/cert.pem was issued by chain.pem').toBe(true);

    // The stable paths now lead to certbot's lineage.
    expect(readlinkSync(path.join(certsDir, 'site', 'current'))).toBe(path.join(dirs.configDir, 'live', 'site'));

    expect(
      await waitFor(async () => (await workers()).some((w) => !before.includes(w)), 5_000),
      `workers before ${before.join(' ')}, now ${(await workers()).join(' ')}`,
    ).toBe(true);
    expect(countSighup(await errorLogText()) - sighup).toBe(1);

    const peer = await servedSerial(firstSerial);
    expect(peer.serialNumber, 'serial served on 8443 vs live/site/cert.pem').toBe(firstSerial);
    expect(peer.issuer).toBe(issued.issuer);
    expect(peer.issuer).not.toBe(peer.subject);
    expect(peer.checkIssued(chain), 'served certificate issued by the Pebble intermediate').toBe(true);
    expect(dnsNames(peer)).toEqual([...DOMAINS].sort());

    await expectCopies();
  }, T);

  it('3. status and metrics report the expiry openssl reads from live/site/cert.pem', async () => {
    const metrics = path.join(need().dir, 'cert-wrap.prom');
    const { res, context } = await certWrap(['status', '-c', config, '--json', '--metrics', metrics]);
    expect(res.exitCode, context).toBe(0);
    const report = json<StatusReport>(res, context);
    expect(report.certificates.map((c) => c.name), context).toEqual(['site']);
    const row = report.certificates[0];
    if (row === undefined) throw new Error(context);

    const dates = await opensslDates(live('cert.pem'));
    expect(row.notAfter, `${context}\nopenssl: ${dates.raw}`).toBe(dates.notAfter.toISOString());
    const lifetime = (dates.notAfter.getTime() - dates.notBefore.getTime()) / 1000;
    expect(Math.abs(lifetime - VALIDITY_SECONDS), `lifetime ${lifetime} s (openssl: ${dates.raw})`).toBeLessThanOrEqual(1);
    expect(row.daysLeft, context).toBeGreaterThanOrEqual(9.9);
    expect(row.daysLeft, context).toBeLessThanOrEqual(10);
    expect(row.action, context).toBe('none');
    expect(row.serial?.toUpperCase(), context).toBe(firstSerial.toUpperCase());

    const epoch = Math.floor(dates.notAfter.getTime() / 1000);
    const prom = await readFile(metrics, 'utf8');
    const lines = prom.split('\n');
    expect(lines, prom).toContain(`cert_wrap_certificate_not_after_seconds{certificate="site"} ${epoch}`);
    expect(lines, prom).toContain('cert_wrap_certificate_renewal_due{certificate="site"} 0');
  }, T);

  it("3b. certbot's renewal config holds cert-wrap's rule: a plain `certbot renew` finds the 10-day certificate not due, where certbot's 30-day default would renew it", async () => {
    const { pebble: p, dir: d } = need();
    const renewalConf = path.join(dirs.configDir, 'renewal', 'site.conf');
    const conf = await readFile(renewalConf, 'utf8');
    // cert-wrap's rule for this certificate (Pebble's "10 days" is one second short of it: 1/2 of the
    // lifetime), rounded down to the minute, in certbot's words, written by the deploy hook.
    const { notBefore, notAfter } = await opensslDates(live('cert.pem'));
    const lifetime = notAfter.getTime() - notBefore.getTime();
    const minutes = Math.floor((lifetime * (lifetime < 10 * 86_400_000 ? 1 / 2 : 1 / 3)) / 60_000);
    const words = minutes % 1440 === 0 ? `${minutes / 1440} days` : minutes % 60 === 0 ? `${minutes / 60} hours` : `${minutes} minutes`;
    expect(conf, conf).toMatch(new RegExp(`^renew_before_expiry = ${words}$`, 'm'));
    expect(minutes, 'far below certbot\'s 30 days').toBeLessThan(30 * 1440);
    expect(conf).not.toMatch(/^# renew_before_expiry/m);

    const env = { ...process.env, ...certbotEnv(p) };
    const dirArgs = ['--config-dir', dirs.configDir, '--work-dir', dirs.workDir, '--logs-dir', dirs.logsDir];
    const plain = await execa(certbotBinary, ['renew', '--no-random-sleep-on-renew', '-n', ...dirArgs], { env, reject: false, all: true, stdin: 'ignore' });
    const out = String(plain.all);
    expect(plain.exitCode, out).toBe(0);
    expect(out).toContain('Certificate not yet due for renewal');
    expect(out).toContain('No renewals were attempted.');
    expect(path.basename(readlinkSync(live('cert.pem'))), 'certbot renew issued nothing').toBe('cert1.pem');

    // The same lineage without the field (certbot's own 30-day default), in a copy: certbot says it is due.
    const copy = path.join(d, 'le-default-rule');
    execFileSync('cp', ['-a', dirs.configDir, copy]);
    const copyConf = path.join(copy, 'renewal', 'site.conf');
    await writeFile(copyConf, (await readFile(copyConf, 'utf8')).replace(/^renew_before_expiry = .*$/m, '').split(dirs.configDir).join(copy));
    const copyLogs = path.join(d, 'le-default-rule-logs');
    const control = await execa(
      certbotBinary,
      ['renew', '--dry-run', '--no-random-sleep-on-renew', '-n', '--config-dir', copy, '--work-dir', path.join(d, 'le-default-rule-work'), '--logs-dir', copyLogs],
      { env, reject: false, all: true, stdin: 'ignore' },
    );
    const log = await readFile(path.join(copyLogs, 'letsencrypt.log'), 'utf8').catch(() => '');
    expect(log, `${String(control.all)}\n${log.split('\n').slice(-30).join('\n')}`).toContain('Certificate is due for renewal, auto-renewing...');
  }, T);

  it('4. renew with nothing due starts no certbot process and does not reload nginx', async () => {
    const before = await settledWorkers();
    const sighup = countSighup(await errorLogText());

    const { res, context } = await certWrap(['renew', '-c', wrapConfig, '--json', ...RESOLVE]);
    expect(res.exitCode, context).toBe(0);
    const report = json<RunReport>(res, context);
    expect(report.ok, context).toBe(true);
    expect(report.renewed, context).toBe(false);
    expect(site(report, context).outcome, context).toBe('unchanged');
    expect(site(report, context).reason ?? '', context).toMatch(/^not due/);
    expect(report.reload.attempted, context).toBe(false);
    expect(existsSync(wrapperLog), `the certbot wrapper ran:\n${await wrapperCalls().then((l) => l.join('\n'))}`).toBe(false);

    await sleep(300);
    expect(await workers()).toEqual(before);
    expect(countSighup(await errorLogText())).toBe(sighup);
    expect((await served()).serialNumber).toBe(firstSerial);
  }, T);

  it('5. renew when due runs certbot once with --force-renewal; nginx serves the new certificate after one reload', async () => {
    const before = await settledWorkers();
    const sighup = countSighup(await errorLogText());

    // Due by the default rule (the last third of 10 days): cert-wrap's clock 7 days ahead. No renew-before
    // can make a certificate due before half its lifetime has passed.
    const { res, context } = await certWrap(['renew', '-c', wrapConfig, '--json', ...RESOLVE], clockAheadEnv(7));
    expect(res.exitCode, context).toBe(0);
    const report = json<RunReport>(res, context);
    expect(report.ok, context).toBe(true);
    expect(report.renewed, context).toBe(true);
    expect(site(report, context)).toMatchObject({ outcome: 'issued', class: null, reason: null });
    expect(report.reload, context).toMatchObject({ attempted: true, ok: true });

    const calls = await wrapperCalls();
    expect(calls, context).toHaveLength(1);
    expect(calls[0]?.split(' '), context).toContain('--force-renewal');
    expect(calls[0]?.split(' '), context).toContain('certonly');

    const archive = path.join(dirs.configDir, 'archive', 'site');
    expect(existsSync(path.join(archive, 'cert2.pem')), context).toBe(true);
    expect(path.basename(readlinkSync(live('cert.pem')))).toBe('cert2.pem');
    const renewed = new X509Certificate(await readFile(live('cert.pem')));
    secondSerial = renewed.serialNumber;
    expect(secondSerial).not.toBe(firstSerial);

    expect(
      await waitFor(async () => (await workers()).some((w) => !before.includes(w)), 5_000),
      `workers before ${before.join(' ')}, now ${(await workers()).join(' ')}`,
    ).toBe(true);
    expect(countSighup(await errorLogText()) - sighup, await errorLogText()).toBe(1);

    const peer = await servedSerial(secondSerial);
    expect(peer.serialNumber, 'serial served on 8443 after the renewal').toBe(secondSerial);
    expect(peer.serialNumber).not.toBe(firstSerial);
    expect(peer.issuer).toMatch(/Pebble Intermediate CA/);
  }, T);

  it('6. the deploy copies follow the renewed certificate', async () => {
    expect(secondSerial, 'step 5 did not renew').not.toBe('');
    await expectCopies();
    const copied = new X509Certificate(await readFile(path.join(copiesDir, 'fullchain.pem')));
    expect(copied.serialNumber).toBe(secondSerial);
    expect((await stat(copiesDir)).isDirectory()).toBe(true);
  }, T);

  it('7. renew holds back, before certbot and the CA, a certificate whose name nginx does not serve', async () => {
    const { pebble: p } = need();
    const n = needNginx();
    expect(await readFile(generatedConf, 'utf8'), 'nginx is generated without ghost').not.toContain('ghost.test');
    const callsBefore = await wrapperCalls();
    const ordersBefore = ((await readFile(p.logs.pebble, 'utf8')).match(/Added order /g) ?? []).length;
    const accessBefore = (await readFile(n.accessLog, 'utf8')).length;
    const before = await settledWorkers();

    const { res, context } = await certWrap(['renew', '-c', ghostConfig, '--json', ...RESOLVE, '--resolve', `ghost.test:${LAB_IP}`]);
    expect(res.exitCode, context).toBe(1);
    const report = json<RunReport>(res, context);
    expect(report.ok, context).toBe(false);
    expect(report.renewed, context).toBe(false);
    const ghost = report.certificates.find((c) => c.name === 'ghost');
    expect(ghost?.outcome, context).toBe('failed');
    expect(ghost?.class, context).toBe('preflight');
    expect(ghost?.reason ?? '', context).toMatch(/404/);
    expect(site(report, context).outcome, context).toBe('unchanged');
    expect(existsSync(path.join(dirs.configDir, 'live', 'ghost')), context).toBe(false);

    // Only the catch-all answered the probe, with a 404; the probe file is gone again.
    const access = (await readFile(n.accessLog, 'utf8')).slice(accessBefore);
    expect(access, 'the probe reached nginx').toMatch(/"GET \/\.well-known\/acme-challenge\/[^ "]+ HTTP\/[\d.]+" 404 /);
    const challengeDir = path.join(webroot, '.well-known', 'acme-challenge');
    expect(existsSync(challengeDir) ? await readdir(challengeDir) : [], 'probe files left in the webroot').toEqual([]);

    // certbot never ran (site is not due, ghost was held back) and pebble got no new order.
    expect((await wrapperCalls()).slice(callsBefore.length), context).toEqual([]);
    const pebbleLog = await readFile(p.logs.pebble, 'utf8');
    expect((pebbleLog.match(/Added order /g) ?? []).length, 'orders in the pebble log').toBe(ordersBefore);
    expect(pebbleLog, 'pebble saw ghost.test').not.toContain('ghost.test');
    expect(report.reload.attempted, context).toBe(false);
    expect(await workers()).toEqual(before);
  }, T);
});
