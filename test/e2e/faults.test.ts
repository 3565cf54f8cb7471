/**
 * Faults in the middle of real issuances, against Pebble, certbot and nginx:
 *  1. certbot SIGKILLed while its challenge is being validated: cert-wrap
 *     reports the failure; the next run issues a valid lineage.
 *  2. cert-wrap itself SIGKILLed at the same moment: its lock goes stale; the
 *     next run waits for it and still ends with a valid lineage that nginx serves.
 *  3. The ACME server down during a renewal: a network failure, nothing changed
 *     on disk, exit 1; once the server is back, the renewal succeeds.
 *  4. certbot SIGKILLed while it saves a new lineage (the moment it creates
 *     renewal/NAME.conf): the next run must still end with a valid live/NAME.
 *
 * Every run reaches Pebble through a TCP relay on a port of its own, named in
 * the config's `server:`. "The ACME server is down" is that relay not
 * listening: certbot gets "connection refused" on the configured URL, exactly
 * what a stopped CA looks like from the host. Stopping Pebble itself would be
 * the same for the failing run, but a restarted Pebble forgets every account
 * and order (it keeps no state), so the run after it would fail for a reason
 * no real CA gives (accountDoesNotExist on certbot's stored account). With the
 * relay, the CA that comes back is the same one, with the same accounts, as a
 * real CA after an outage; the config and certbot's files stay untouched
 * between the runs. Pebble builds its directory URLs from the request's Host,
 * so all of certbot's requests go through the relay.
 */
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, watch } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certbotDirs, certbotEnv, type CertbotDirs } from '../../lab/certbot.js';
import { type CertReport, type RunReport, STACK_LINE, Started, writeServersWithCatchAll } from '../../lab/e2e.js';
import { bins, runBin, type CliResult } from '../../lab/cli.js';
import { clockAheadEnv } from '../../lab/clock.js';
import { dnsNames, peerCertificate } from '../../lab/lifecycle-tls.js';
import { childPids, startNginx, type RunningNginx } from '../../lab/nginx.js';
import { PEBBLE_ACME_PORT, PEBBLE_HOST, startPebble, type RunningPebble } from '../../lab/pebble.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { findTool, isProcessAlive, requireAcmeEnv, waitFor } from '../../lab/tools.js';
import { LAB_IP } from '../../lab/loopback.js';

const { ok } = requireAcmeEnv();

const T = 120_000;
/**
 * Pebble's certificate lifetime here: 90 days, as Let's Encrypt's. Not 10 days:
 * certbot's own rule (renew within 30 days of expiry) would then renew on every
 * `obtain`, and a run that finds a lineage already issued would reissue it
 * instead of finding it up to date, as it does in production. A renewal is made
 * due by running cert-wrap with its clock DUE_AFTER_DAYS ahead (the default rule: the
 * last third of the lifetime); no renew-before makes a certificate due before half of it.
 */
const VALIDITY_SECONDS = 90 * 86_400;
const DUE_AFTER_DAYS = 61;
const HTTPS_PORT = 8443;

const CERTS = {
  crash: ['crash.test', 'www.crash.test'],
  saving: ['saving.test', 'www.saving.test'],
  orphan: ['orphan.test', 'www.orphan.test'],
  down: ['down.test', 'www.down.test'],
} as const;
type CertName = keyof typeof CERTS;




/**
 * A TCP relay from a port of its own to Pebble's ACME port, which can be
 * taken down (connections then refused, open ones cut) and brought back on
 * the same port.
 */
class Relay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  async up(): Promise<void> {
    if (this.server !== null) return;
    const server = net.createServer((client) => {
      const upstream = net.connect({ host: PEBBLE_HOST, port: PEBBLE_ACME_PORT });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: PEBBLE_HOST, port: this.port, exclusive: true }, () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Every entry under `root`: type, mode, sha256 of files, target of symlinks. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      const st = lstatSync(full);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.set(rel, `link -> ${readlinkSync(full)}`);
      else if (st.isDirectory()) {
        out.set(rel, `dir ${mode}`);
        walk(full);
      } else out.set(rel, `file ${mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

function diffSnapshots(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [k, v] of before) if (after.get(k) !== v) lines.push(`${k}: ${v} -> ${after.get(k) ?? '(gone)'}`);
  for (const [k, v] of after) if (!before.has(k)) lines.push(`${k}: (new) ${v}`);
  return lines;
}

/** /proc/PID/cmdline as an argv array ([] when the process is gone). */
function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return [];
  }
}

/** The certbot certonly process for `name` among the descendants of `root`. */
async function certbotOf(root: number, name: string): Promise<number | null> {
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const child of await childPids(pid)) {
      const argv = cmdline(child);
      const i = argv.indexOf('--cert-name');
      if (argv.some((a) => /certbot/.test(a)) && argv.includes('certonly') && i >= 0 && argv[i + 1] === name) return child;
      queue.push(child);
    }
  }
  return null;
}

describe.skipIf(!ok)('faults during real issuances: killed certbot, killed cert-wrap, ACME server down', () => {
  let dir: string | undefined;
  let pebble: RunningPebble | undefined;
  let nginx: RunningNginx | undefined;
  const relay = new Relay();
  let dirs: CertbotDirs = { configDir: '', workDir: '', logsDir: '' };
  let webroot = '';
  let certsDir = '';
  let config = '';
  let generatedConf = '';
  const started = new Started();
  const startedPids = started.pids;

  const need = (): { dir: string; pebble: RunningPebble; nginx: RunningNginx } => {
    if (dir === undefined || pebble === undefined || nginx === undefined) throw new Error('beforeAll did not finish');
    return { dir, pebble, nginx };
  };
  const challengeDir = (): string => path.join(webroot, '.well-known', 'acme-challenge');
  const live = (name: CertName, file = ''): string => path.join(dirs.configDir, 'live', name, file);
  const resolveArgs = Object.values(CERTS)
    .flat()
    .flatMap((n) => ['--resolve', `${n}:${LAB_IP}`]);

  const workers = (): Promise<number[]> => started.workers(nginx);

  const configObject = (): Record<string, unknown> => ({
    webroot,
    server: `https://${PEBBLE_HOST}:${relay.port}/dir`,
    'config-dir': dirs.configDir,
    'work-dir': dirs.workDir,
    'logs-dir': dirs.logsDir,
    'certs-dir': certsDir,
    certificates: Object.entries(CERTS).map(([name, domains]) => ({ name, domains: [...domains], https: true })),
    nginx: {
      listen: [`${LAB_IP}:80`],
      'https-listen': [`${LAB_IP}:${HTTPS_PORT}`],
      'pid-file': path.join(dir ?? '/nonexistent', 'run', 'nginx.pid'),
      binary: findTool('nginx') ?? 'nginx',
    },
  });

  const env = (): Record<string, string> => {
    if (pebble === undefined) throw new Error('beforeAll did not start pebble');
    return { NO_COLOR: '1', REQUESTS_CA_BUNDLE: certbotEnv(pebble).REQUESTS_CA_BUNDLE ?? '' };
  };

  const certbotLogTail = (lines = 40): string => {
    try {
      return readFileSync(path.join(dirs.logsDir, 'letsencrypt.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no letsencrypt.log)';
    }
  };

  const describeRun = (argv: string[], res: CliResult): string =>
    `cert-wrap ${argv.join(' ')} exited ${res.exitCode}\n--- stdout:\n${res.stdout}\n--- stderr:\n${res.stderr}\n--- letsencrypt.log (tail):\n${certbotLogTail()}`;

  const certWrap = async (argv: string[], extraEnv: Record<string, string> = {}): Promise<{ res: CliResult; context: string; seconds: number }> => {
    const t0 = performance.now();
    const res = await runBin(bins.certWrap, argv, { env: { ...env(), ...extraEnv } });
    const seconds = (performance.now() - t0) / 1000;
    await workers().catch(() => undefined);
    return { res, context: describeRun(argv, res), seconds };
  };

  const json = (res: CliResult, context: string): RunReport => {
    try {
      return JSON.parse(res.stdout) as RunReport;
    } catch (err) {
      throw new Error(`stdout is not one JSON document (${(err as Error).message})\n${context}`);
    }
  };

  const reportOf = (report: RunReport, name: CertName, context: string): CertReport => {
    const found = report.certificates.find((c) => c.name === name);
    if (found === undefined) throw new Error(`no certificate "${name}" in the report\n${context}`);
    return found;
  };

  /** live/NAME/{cert,privkey,fullchain}.pem: parse, key matches, SAN exact, chain issued by Pebble. */
  const expectValidLineage = async (name: CertName): Promise<X509Certificate> => {
    const cert = new X509Certificate(await readFile(live(name, 'cert.pem')));
    const key = createPrivateKey(await readFile(live(name, 'privkey.pem')));
    const fullchain = await readFile(live(name, 'fullchain.pem'), 'utf8');
    const blocks = fullchain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
    expect(blocks.length, `certificates in live/${name}/fullchain.pem`).toBeGreaterThanOrEqual(2);
    const leaf = new X509Certificate(blocks[0] ?? '');
    const intermediate = new X509Certificate(blocks[1] ?? '');
    expect(cert.checkPrivateKey(key), `live/${name}/privkey.pem belongs to cert.pem`).toBe(true);
    expect(leaf.fingerprint256, `fullchain.pem starts with cert.pem`).toBe(cert.fingerprint256);
    expect(cert.checkIssued(intermediate), 'cert.pem issued by the next certificate of fullchain.pem').toBe(true);
    expect(cert.verify(intermediate.publicKey), 'signature of cert.pem').toBe(true);
    expect(cert.issuer).toMatch(/Pebble Intermediate CA/);
    expect(dnsNames(cert)).toEqual([...CERTS[name]].sort());
    expect(Date.parse(cert.validTo)).toBeGreaterThan(Date.now());
    // One lineage: no NAME-0001 next to it.
    expect(readdirSync(path.join(dirs.configDir, 'live')).filter((n) => n.startsWith(name))).toEqual([name]);
    return cert;
  };

  /** The certificate nginx serves for `name` once it has picked up `serial` (or the last one seen after 5 s). */
  const served = async (name: CertName, serial: string): Promise<X509Certificate> => {
    const get = () => peerCertificate({ host: LAB_IP, port: HTTPS_PORT, servername: CERTS[name][0] });
    let last = await get();
    await waitFor(async () => {
      last = await get();
      return last.serialNumber.toUpperCase() === serial.toUpperCase();
    }, 5_000, 100);
    return last;
  };

  /** Start `cert-wrap obtain --cert NAME` in the background; resolve once its certbot has a challenge token in the webroot. */
  const startUntilChallenge = async (name: CertName) => {
    const before = new Set(existsSync(challengeDir()) ? readdirSync(challengeDir()) : []);
    const argv = ['obtain', '-c', config, '--json', '--cert', name, ...resolveArgs];
    const run = execa(process.execPath, [bins.certWrap, ...argv], { reject: false, all: true, env: env(), stdin: 'ignore' });
    const certWrapPid = run.pid;
    if (certWrapPid === undefined) throw new Error('cert-wrap did not start');
    let certbotPid: number | null = null;
    let tokens: string[] = [];
    const seen = await waitFor(async () => {
      if (run.exitCode !== null) return true;
      certbotPid ??= await certbotOf(certWrapPid, name);
      if (certbotPid === null) return false;
      // A file certbot's webroot plugin wrote (the preflight's probe is gone before certbot starts).
      tokens = existsSync(challengeDir()) ? readdirSync(challengeDir()).filter((t) => !before.has(t)) : [];
      return tokens.length > 0;
    }, 60_000, 10);
    if (!seen || certbotPid === null || tokens.length === 0) {
      const res = await run;
      throw new Error(`certbot never had a challenge token in the webroot (cert-wrap exited ${String(res.exitCode)}):\n${String(res.all)}\n${certbotLogTail()}`);
    }
    return { run, argv, certWrapPid, certbotPid, tokens };
  };

  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-faults-e2e-');
    pebble = await startPebble({ dir, validitySeconds: VALIDITY_SECONDS });
    for (const p of pebble.pids) startedPids.add(p);
    await relay.up();
    dirs = certbotDirs(dir);
    webroot = path.join(dir, 'webroot');
    await mkdir(webroot, { recursive: true });
    await chmod(webroot, 0o755);
    certsDir = path.join(dir, 'certs');
    config = path.join(dir, 'site.yaml');
    await mkdir(path.join(dir, 'run'), { recursive: true });
    await writeFile(config, toYaml(configObject()));

    // The port-80 and HTTPS servers, from the real gen-nginx; placeholders so nginx can start.
    generatedConf = path.join(dir, 'acme-servers.conf');
    const gen = await runBin(bins.genNginx, ['--output', generatedConf, config]);
    if (gen.exitCode !== 0) throw new Error(`gen-nginx exited ${gen.exitCode}:\n${gen.stderr}`);
    const boot = await runBin(bins.certWrap, ['bootstrap', '-c', config]);
    if (boot.exitCode !== 0) throw new Error(`cert-wrap bootstrap exited ${boot.exitCode}:\n${boot.stderr}`);
    const serversConf = path.join(dir, 'servers.conf');
    await writeServersWithCatchAll(serversConf, generatedConf);
    nginx = await startNginx({ dir, serversConf });
    await workers();
  });

  afterAll(async () => {
    try {
      await relay.down();
      await workers().catch(() => undefined);
      const results = await Promise.allSettled([nginx?.stop(), pebble?.stop()]);
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      const alive = [...startedPids].filter(isProcessAlive);
      for (const p of alive) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      expect(alive, `processes still alive after stop(): ${alive.map((p) => `${p} ${cmdline(p).join(' ')}`).join('; ')}`).toEqual([]);
    } finally {
      await removeTempDir(dir);
    }
  });

  it('1. certbot SIGKILLed mid-issuance: exit 1 with a class and a reason; the next run issues a valid lineage', async () => {
    need();
    const { run, argv, certbotPid, tokens } = await startUntilChallenge('crash');
    startedPids.add(certbotPid);
    process.kill(certbotPid, 'SIGKILL');
    const killed = await run;
    const context = `cert-wrap ${argv.join(' ')} exited ${String(killed.exitCode)}\n--- stdout:\n${String(killed.stdout)}\n--- stderr:\n${String(killed.stderr)}\n--- letsencrypt.log:\n${certbotLogTail()}`;

    expect(killed.exitCode, context).toBe(1);
    const report = json({ exitCode: killed.exitCode ?? -1, stdout: String(killed.stdout), stderr: String(killed.stderr) }, context);
    expect(report.ok, context).toBe(false);
    const crash = reportOf(report, 'crash', context);
    expect(crash.outcome, context).toBe('failed');
    expect(crash.class, context).toEqual(expect.any(String));
    expect(crash.reason, context).toEqual(expect.any(String));
    expect(crash.reason, context).toMatch(/SIGKILL/);
    expect(String(killed.stderr), 'a stack trace on stderr').not.toMatch(STACK_LINE);
    expect(report.reload.attempted, context).toBe(false);
    // Killed while the challenge was pending: no lineage, nothing deployed.
    expect(existsSync(live('crash')), context).toBe(false);
    expect(readlinkSync(path.join(certsDir, 'crash', 'current')), 'stable paths').toBe('self-signed');
    const staleTokens = tokens.filter((t) => existsSync(path.join(challengeDir(), t)));
    const certbotLocks = [dirs.configDir, dirs.workDir, dirs.logsDir].filter((d) => existsSync(path.join(d, '.certbot.lock')));
    console.log(
      `killed certbot ${certbotPid} with a challenge token in the webroot: cert-wrap exit ${String(killed.exitCode)}, ` +
        `class ${String(crash.class)}, reason "${String(crash.reason)}"; tokens left in the webroot: ${staleTokens.length}; ` +
        `certbot lock files present: ${certbotLocks.length}`,
    );

    const second = await certWrap(['obtain', '-c', config, '--json', '--cert', 'crash', ...resolveArgs]);
    expect(second.res.exitCode, second.context).toBe(0);
    const again = json(second.res, second.context);
    expect(reportOf(again, 'crash', second.context)).toMatchObject({ outcome: 'issued', class: null, reason: null });
    const cert = await expectValidLineage('crash');
    expect((await served('crash', cert.serialNumber)).serialNumber, 'served on 8443 after the next run').toBe(cert.serialNumber);
    console.log(`next run: issued in ${second.seconds.toFixed(1)} s; tokens of the killed run still in the webroot: ${tokens.filter((t) => existsSync(path.join(challengeDir(), t))).length}`);
  }, T);

  it('2. cert-wrap SIGKILLed mid-issuance: the next run takes over the stale lock and the issued certificate is served', async () => {
    need();
    const lockDir = path.join(dirs.configDir, 'cert-wrap.lock');
    const markerDirsBefore = new Set(readdirSync(os.tmpdir()).filter((n) => n.startsWith('cert-wrap-')));
    const { run, certWrapPid, certbotPid } = await startUntilChallenge('orphan');
    startedPids.add(certbotPid);
    const killedAt = performance.now();
    process.kill(certWrapPid, 'SIGKILL');
    await run;
    expect(existsSync(lockDir), 'the killed run held the lock').toBe(true);

    // certbot is not cert-wrap's to stop once cert-wrap is gone: see what it does on its own.
    const certbotEnded = await waitFor(() => !isProcessAlive(certbotPid), 60_000, 50);
    const orphanSeconds = (performance.now() - killedAt) / 1000;
    expect(certbotEnded, `certbot ${certbotPid} still running 60 s after cert-wrap was killed`).toBe(true);
    const issuedByOrphan = existsSync(live('orphan', 'cert.pem'));
    const currentLink = readlinkSync(path.join(certsDir, 'orphan', 'current'));
    const markerDirsLeft = readdirSync(os.tmpdir()).filter((n) => n.startsWith('cert-wrap-') && !markerDirsBefore.has(n) && existsSync(path.join(os.tmpdir(), n, 'reload')));
    console.log(
      `killed cert-wrap ${certWrapPid}: its certbot ${certbotPid} ran on for ${orphanSeconds.toFixed(1)} s and ` +
        `${issuedByOrphan ? 'saved the lineage' : 'saved no lineage'}; stable path current -> ${currentLink}; ` +
        `lock left: ${existsSync(lockDir)}; reload markers left in ${os.tmpdir()}: ${markerDirsLeft.join(', ') || 'none'}`,
    );
    // The killed run's marker directory is never removed by anyone: the test does, not to litter the host.
    for (const n of markerDirsLeft) rmSync(path.join(os.tmpdir(), n), { recursive: true, force: true });

    const next = await certWrap(['obtain', '-c', config, '--json', '--cert', 'orphan', ...resolveArgs]);
    const waited = new RegExp(`waiting up to \\d+ s for another cert-wrap run \\(pid ${certWrapPid}\\b`).test(next.res.stderr);
    console.log(
      `next run: exit ${next.res.exitCode} after ${next.seconds.toFixed(1)} s (the stale lock expires 10 s after the kill); ` +
        `said it waited for the killed run (pid ${certWrapPid}): ${waited}`,
    );
    expect(next.res.exitCode, next.context).toBe(0);
    expect(next.res.stderr, next.context).not.toMatch(STACK_LINE);
    const report = json(next.res, next.context);
    expect(['issued', 'unchanged'], next.context).toContain(reportOf(report, 'orphan', next.context).outcome);
    expect(next.seconds, next.context).toBeLessThan(60);
    expect(existsSync(lockDir), 'lock released by the next run').toBe(false);
    const cert = await expectValidLineage('orphan');
    expect(readlinkSync(path.join(certsDir, 'orphan', 'current'))).toBe(live('orphan'));

    // The certificate on disk is the one nginx serves: whoever issued it, nginx was reloaded after it.
    const peer = await served('orphan', cert.serialNumber);
    expect(
      peer.serialNumber,
      `nginx still serves ${peer.issuer === peer.subject ? 'the self-signed placeholder' : `serial ${peer.serialNumber}`} ` +
        `instead of live/orphan/cert.pem (serial ${cert.serialNumber}); next run: ${reportOf(report, 'orphan', next.context).outcome}, ` +
        `reload ${JSON.stringify(report.reload)}`,
    ).toBe(cert.serialNumber);
  }, T);

  it('3. ACME server down: class network, nothing changed on disk, exit 1; once it is back, the renewal succeeds', async () => {
    need();
    const first = await certWrap(['obtain', '-c', config, '--json', '--cert', 'down', ...resolveArgs]);
    expect(first.res.exitCode, first.context).toBe(0);
    expect(reportOf(json(first.res, first.context), 'down', first.context).outcome).toBe('issued');
    const firstCert = await expectValidLineage('down');
    expect((await served('down', firstCert.serialNumber)).serialNumber).toBe(firstCert.serialNumber);

    // certbot's log directory is left out: certbot writes letsencrypt.log (and rotates it) on every run.
    const roots = { config: dirs.configDir, work: dirs.workDir, certs: certsDir, webroot };
    const snap = () => Object.fromEntries(Object.entries(roots).map(([k, r]) => [k, snapshot(r)]));
    const before = snap();

    await relay.down();
    const argv = ['renew', '-c', config, '--json', '--cert', 'down', ...resolveArgs];
    const failed = await certWrap(argv, clockAheadEnv(DUE_AFTER_DAYS));
    const after = snap();
    await relay.up();

    expect(failed.res.exitCode, failed.context).toBe(1);
    expect(failed.res.stderr, failed.context).not.toMatch(STACK_LINE);
    const report = json(failed.res, failed.context);
    expect(report.ok, failed.context).toBe(false);
    expect(report.renewed, failed.context).toBe(false);
    const down = reportOf(report, 'down', failed.context);
    expect(down.outcome, failed.context).toBe('failed');
    expect(down.class, failed.context).toBe('network');
    // The reason is one of certbot's own lines (on its output or in its log), quoted as it said it.
    const reason = down.reason ?? '';
    expect(reason.length, failed.context).toBeGreaterThan(10);
    const certbotSaid = `${failed.res.stderr}\n${readFileSync(path.join(dirs.logsDir, 'letsencrypt.log'), 'utf8')}`;
    expect(certbotSaid.includes(reason), `reason "${reason}" is not a line certbot wrote\n${failed.context}`).toBe(true);
    expect(reason, failed.context).toMatch(/Connection refused|Failed to establish a new connection|Max retries exceeded/);
    expect(report.reload.attempted, failed.context).toBe(false);

    // The one change: state.json records the failure (for the metrics, status --check and on-failure).
    const stateChange = (line: string) => line.startsWith('state.json: ');
    for (const k of Object.keys(roots)) {
      expect(diffSnapshots(before[k]!, after[k]!).filter((l) => k !== 'certs' || !stateChange(l)), `changes under the ${k} dir after the failed renewal`).toEqual([]);
    }
    const recorded = JSON.parse(readFileSync(path.join(certsDir, 'state.json'), 'utf8')) as { certificates: Record<string, { lastFailure?: { class: string } }> };
    expect(recorded.certificates.down?.lastFailure?.class, failed.context).toBe('network');
    expect((await served('down', firstCert.serialNumber)).serialNumber, 'nginx still serves the first certificate').toBe(firstCert.serialNumber);
    console.log(`ACME server down: exit ${failed.res.exitCode}, class ${String(down.class)}, reason "${reason}", ${failed.seconds.toFixed(1)} s; ${[...Object.values(before)].reduce((n, m) => n + m.size, 0)} entries unchanged`);

    // The same CA, back: the renewal goes through.
    const later = await certWrap(argv, clockAheadEnv(DUE_AFTER_DAYS));
    expect(later.res.exitCode, later.context).toBe(0);
    const renewed = json(later.res, later.context);
    expect(renewed.renewed, later.context).toBe(true);
    expect(reportOf(renewed, 'down', later.context)).toMatchObject({ outcome: 'issued', class: null, reason: null });
    const cert = await expectValidLineage('down');
    expect(cert.serialNumber).not.toBe(firstCert.serialNumber);
    expect(path.basename(readlinkSync(live('down', 'cert.pem')))).toBe('cert2.pem');
    expect((await served('down', cert.serialNumber)).serialNumber, 'nginx serves the renewed certificate').toBe(cert.serialNumber);
    console.log(`later run: renewed in ${later.seconds.toFixed(1)} s`);
  }, T);

  it('4. certbot SIGKILLed while saving a new lineage: the next run refuses (no NAME-0001), says what to move aside, and once that is done ends with a valid live/NAME', async () => {
    need();
    // certbot creates renewal/NAME.conf first (empty, O_EXCL), then archive/ and live/, and fills the
    // conf in last. Kill it the moment the conf appears (inotify), before anything is written into it.
    const renewalDir = path.join(dirs.configDir, 'renewal');
    mkdirSync(renewalDir, { recursive: true, mode: 0o700 });
    const conf = path.join(renewalDir, 'saving.conf');
    const argv = ['obtain', '-c', config, '--json', '--cert', 'saving', ...resolveArgs];
    const run = execa(process.execPath, [bins.certWrap, ...argv], { reject: false, all: true, env: env(), stdin: 'ignore' });
    const certWrapPid = run.pid;
    if (certWrapPid === undefined) throw new Error('cert-wrap did not start');
    let certbotPid: number | null = null;
    let killed = false;
    const killNow = (): void => {
      if (killed || certbotPid === null) return;
      killed = true;
      process.kill(certbotPid, 'SIGKILL');
    };
    const watcher = watch(renewalDir, (_event, name) => {
      if (String(name) === 'saving.conf') killNow();
    });
    try {
      await waitFor(async () => {
        certbotPid ??= await certbotOf(certWrapPid, 'saving');
        if (certbotPid !== null) startedPids.add(certbotPid);
        if (existsSync(conf)) killNow();
        return killed || run.exitCode !== null;
      }, 60_000, 5);
    } finally {
      watcher.close();
    }
    const first = await run;
    const firstContext = `cert-wrap ${argv.join(' ')} exited ${String(first.exitCode)}\n${String(first.all)}\n--- letsencrypt.log:\n${certbotLogTail()}`;
    expect(killed, `certbot never created ${conf}\n${firstContext}`).toBe(true);
    expect(first.exitCode, firstContext).toBe(1);
    expect(String(first.stderr), firstContext).not.toMatch(STACK_LINE);
    const confSize = statSync(conf).size;
    expect(confSize, `the kill came after certbot had written ${conf}; this test needs it empty`).toBe(0);
    const lineages = (): string[] => readdirSync(path.join(dirs.configDir, 'live')).filter((n) => n.startsWith('saving')).sort();
    console.log(`killed certbot as it created renewal/saving.conf: conf ${confSize} bytes, live/: ${lineages().join(' ') || '-'}; cert-wrap exit ${String(first.exitCode)}`);

    // The next run must not let certbot issue into saving-0001: it refuses, naming what to move aside.
    const refused = await certWrap(argv);
    const refusedReport = reportOf(json(refused.res, refused.context), 'saving', refused.context);
    expect(refused.res.exitCode, refused.context).toBe(1);
    expect(refusedReport.outcome, refused.context).toBe('failed');
    expect(refusedReport.reason, refused.context).toContain(`${conf} is empty (certbot was interrupted while saving saving)`);
    const toMove = (refusedReport.reason ?? '').split('Move these aside, then run again: ')[1]?.split(' ') ?? [];
    expect(toMove, refused.context).toEqual([conf, live('saving'), path.join(dirs.configDir, 'archive', 'saving')]);
    expect(lineages(), 'no other lineage was created').toEqual(lineages().filter((n) => n === 'saving'));
    // What the operator does: move those aside.
    const aside = path.join(path.dirname(dirs.configDir), 'moved-aside');
    mkdirSync(aside, { recursive: true });
    toMove.forEach((p, i) => {
      if (existsSync(p)) renameSync(p, path.join(aside, `${i}-${path.basename(p)}`));
    });

    const next = await certWrap(argv);
    const report = json(next.res, next.context);
    const saving = reportOf(report, 'saving', next.context);
    console.log(`next run: exit ${next.res.exitCode}, outcome ${saving.outcome}, live/: ${lineages().join(' ')}, current -> ${readlinkSync(path.join(certsDir, 'saving', 'current'))}`);
    expect(next.res.exitCode, next.context).toBe(0);
    expect(saving.outcome, next.context).toBe('issued');
    expect(lineages(), `the certificate reported as issued went to another lineage than live/saving\n${next.context}`).toEqual(['saving']);
    const cert = await expectValidLineage('saving');
    expect(readlinkSync(path.join(certsDir, 'saving', 'current'))).toBe(live('saving'));
    expect((await served('saving', cert.serialNumber)).serialNumber, 'served on 8443 after the next run').toBe(cert.serialNumber);
  }, T);
});
