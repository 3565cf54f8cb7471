import { X509Certificate } from 'node:crypto';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { appendFile, chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certbotDirs, certbotEnv, type CertbotDirs } from '../../lab/certbot.js';
import { type CertReport, type RunReport, Started, writeServersWithCatchAll } from '../../lab/e2e.js';
import { bins, runBin, type CliResult } from '../../lab/cli.js';
import { startNginx, type RunningNginx } from '../../lab/nginx.js';
import { startPebble, type RunningPebble } from '../../lab/pebble.js';
import { makeTempDir } from '../../lab/tmp.js';
import { findTool, requireAcmeEnv, waitFor } from '../../lab/tools.js';
import { dnsNames } from '../../lab/lifecycle-tls.js';
import { LAB_IP } from '../../lab/loopback.js';

const { ok } = requireAcmeEnv();

/** Per-test budget: a certbot issuance takes ~2.5 s, a failed validation less. */
const T = 90_000;


type ObtainReport = RunReport;

/** A certificate of the test config. `served: false` keeps it out of the nginx servers. */
interface CertSpec {
  name: string;
  domains: string[];
  manual?: boolean;
  served?: boolean;
}

/** Single-quote a value for sh. */
function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** KEY=VALUE lines of an `env` dump (single-line values only). */
function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function countSighup(errorLog: string): number {
  return (errorLog.match(/SIGHUP\) received/g) ?? []).length;
}

async function sanNames(certPem: string): Promise<string[]> {
  return dnsNames(new X509Certificate(await readFile(certPem)));
}

describe.skipIf(!ok)('cert-wrap obtain / reload against real certbot, nginx and pebble', () => {
  let dir: string | undefined;
  let pebble: RunningPebble | undefined;
  let nginx: RunningNginx | undefined;
  let dirs: CertbotDirs = { configDir: '', workDir: '', logsDir: '' };
  let webroot = '';
  let hookLog = '';
  let hooks = { auth: '', cleanup: '', deploy: '' };
  let siteConfig = '';
  let servedConfig = '';
  let generatedConf = '';
  let hostLog = '';
  let nginxBinary = '';
  let certs: CertSpec[] = [];
  const started = new Started();
  const startedPids = started.pids;

  const need = (): { dir: string; pebble: RunningPebble; nginx: RunningNginx } => {
    if (dir === undefined || pebble === undefined || nginx === undefined) throw new Error('beforeAll did not finish');
    return { dir, pebble, nginx };
  };

  /** Current nginx workers, remembered for the final "all gone" check. */
  const workers = (): Promise<number[]> => started.workers(nginx);

  const settledWorkers = (): Promise<number[]> => started.settledWorkers(nginx);

  const errorLogText = async (): Promise<string> => readFile(need().nginx.errorLog, 'utf8').catch(() => '');

  const lineage = (name: string): string => path.join(dirs.configDir, 'live', name);

  const configObject = (list: CertSpec[]): Record<string, unknown> => ({
    webroot,
    server: pebble?.directoryUrl ?? `https://${LAB_IP}:14000/dir`,
    'config-dir': dirs.configDir,
    'certs-dir': path.join(dir ?? '/nonexistent', 'certs'),
    'work-dir': dirs.workDir,
    'logs-dir': dirs.logsDir,
    certificates: list.map((c) => ({
      name: c.name,
      domains: c.domains,
      ...(c.manual === true
        ? { challenge: 'http', 'authentication-hook': hooks.auth, 'cleanup-hook': hooks.cleanup }
        : {}),
      'deploy-hook': hooks.deploy,
    })),
    nginx: {
      listen: [`${LAB_IP}:80`],
      'pid-file': nginx?.pidFile ?? path.join(dir ?? '', 'run', 'nginx.pid'),
      binary: nginxBinary,
    },
  });

  /**
   * Write the test config (every certificate) and the config nginx is generated
   * from (only the served ones), then regenerate the included servers file with
   * the real gen-nginx. With `reload`, the running nginx picks the servers up.
   */
  const applyConfig = async (list: CertSpec[], reload: boolean): Promise<void> => {
    certs = list;
    await writeFile(siteConfig, toYaml(configObject(list)));
    await writeFile(servedConfig, toYaml(configObject(list.filter((c) => c.served !== false))));
    const gen = await runBin(bins.genNginx, ['--output', generatedConf, servedConfig]);
    if (gen.exitCode !== 0) throw new Error(`gen-nginx exited ${gen.exitCode}:\n${gen.stderr}`);
    if (reload) {
      await need().nginx.reload();
      await workers();
    }
  };

  const certbotLogTail = async (): Promise<string> => {
    const log = await readFile(path.join(dirs.logsDir, 'letsencrypt.log'), 'utf8').catch(() => '(no letsencrypt.log)');
    return log.split('\n').slice(-40).join('\n');
  };

  const certWrap = async (args: string[]): Promise<CliResult> => {
    const env = certbotEnv(need().pebble);
    const res = await runBin(bins.certWrap, args, { env: { REQUESTS_CA_BUNDLE: env.REQUESTS_CA_BUNDLE ?? '' } });
    await workers().catch(() => undefined);
    return res;
  };

  const describeRun = async (args: string[], res: CliResult): Promise<string> =>
    `cert-wrap ${args.join(' ')} exited ${res.exitCode}\n--- stdout:\n${res.stdout}\n--- stderr:\n${res.stderr}` +
    `\n--- letsencrypt.log (tail):\n${await certbotLogTail()}`;

  /** `cert-wrap obtain -c CONFIG --json ARGS`, its JSON report checked for shape. */
  const obtainJson = async (args: string[]): Promise<{ res: CliResult; report: ObtainReport; context: string }> => {
    // The preflight resolves names with the system resolver: point the test names at loopback, as challtestsrv does for Pebble.
    const resolve = ['a.test', 'b.test', 'c.test', 'www.c.test', 'd.test', 'e.test', 'f.test', 'nope.test'].flatMap((n) => ['--resolve', `${n}:${LAB_IP}`]);
    const argv = ['obtain', '-c', siteConfig, '--json', ...resolve, ...args];
    const res = await certWrap(argv);
    const context = await describeRun(argv, res);
    let report: ObtainReport;
    try {
      report = JSON.parse(res.stdout) as ObtainReport;
    } catch (err) {
      throw new Error(`stdout is not one JSON document (${(err as Error).message})\n${context}`);
    }
    expect(typeof report.ok, context).toBe('boolean');
    expect(Array.isArray(report.certificates), context).toBe(true);
    for (const c of report.certificates) {
      expect(Object.keys(c).sort(), context).toEqual(['class', 'domains', 'name', 'outcome', 'reason', 'seconds']);
      expect(['issued', 'unchanged', 'dry-run', 'failed'], context).toContain(c.outcome);
      expect(typeof c.seconds === 'number' && Number.isFinite(c.seconds) && c.seconds >= 0, context).toBe(true);
      if (c.outcome === 'failed') {
        expect(typeof c.class, context).toBe('string');
        expect(typeof c.reason, context).toBe('string');
      } else {
        expect(c.class, context).toBeNull();
      }
    }
    expect(typeof report.reload?.attempted, context).toBe('boolean');
    expect(typeof report.reload?.ok, context).toBe('boolean');
    expect(typeof report.reload?.message, context).toBe('string');
    return { res, report, context };
  };

  const byName = (report: ObtainReport, name: string, context: string): CertReport => {
    const found = report.certificates.find((c) => c.name === name);
    if (found === undefined) throw new Error(`no certificate "${name}" in the report\n${context}`);
    return found;
  };

  /** The 200 answers nginx gave to challenge requests, as `host token` pairs. */
  const challengeHits = async (): Promise<{ host: string; token: string; status: number }[]> => {
    const text = await readFile(hostLog, 'utf8').catch(() => '');
    const out: { host: string; token: string; status: number }[] = [];
    for (const line of text.split('\n')) {
      const m = /^(\S+) "GET \/\.well-known\/acme-challenge\/([^ "]+) HTTP\/[\d.]+" (\d{3})/.exec(line);
      if (m !== null) out.push({ host: m[1] ?? '', token: m[2] ?? '', status: Number(m[3]) });
    }
    return out;
  };

  const deployLog = async (): Promise<string[]> =>
    (await readFile(path.join(hookLog, 'deploy.log'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l !== '');

  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-obtain-e2e-');
    pebble = await startPebble({ dir });
    for (const p of pebble.pids) startedPids.add(p);
    dirs = certbotDirs(dir);
    nginxBinary = findTool('nginx') ?? 'nginx';

    webroot = path.join(dir, 'webroot');
    await mkdir(webroot, { recursive: true });
    await chmod(webroot, 0o755);
    hookLog = path.join(dir, 'hook-log');
    await mkdir(hookLog, { recursive: true });

    const hookDir = path.join(dir, 'hooks');
    await mkdir(hookDir, { recursive: true });
    const challengeDir = path.join(webroot, '.well-known', 'acme-challenge');
    hooks = {
      auth: path.join(hookDir, 'auth.sh'),
      cleanup: path.join(hookDir, 'cleanup.sh'),
      deploy: path.join(hookDir, 'deploy.sh'),
    };
    const scripts: Record<string, string[]> = {
      // certbot hands its umask (077) to hooks: nginx workers run as nobody and need to read the token.
      [hooks.auth]: [
        'umask 022',
        `mkdir -p ${shq(challengeDir)}`,
        `printf '%s' "$CERTBOT_VALIDATION" > ${shq(challengeDir)}/"$CERTBOT_TOKEN"`,
        `env > ${shq(hookLog)}/"auth-$CERTBOT_DOMAIN.env"`,
      ],
      [hooks.cleanup]: [
        `rm -f ${shq(challengeDir)}/"$CERTBOT_TOKEN"`,
        `env > ${shq(hookLog)}/"cleanup-$CERTBOT_DOMAIN.env"`,
      ],
      [hooks.deploy]: [
        'name=$(basename "$RENEWED_LINEAGE")',
        `env > ${shq(hookLog)}/"deploy-$name.env"`,
        `echo "$name" >> ${shq(hookLog)}/deploy.log`,
      ],
    };
    for (const [file, lines] of Object.entries(scripts)) {
      await writeFile(file, ['#!/bin/sh', 'set -e', ...lines, ''].join('\n'));
      await chmod(file, 0o755);
    }

    siteConfig = path.join(dir, 'site.yaml');
    servedConfig = path.join(dir, 'served.yaml');
    generatedConf = path.join(dir, 'acme-servers.conf');
    hostLog = path.join(dir, 'logs', 'acme-host.log');
    await applyConfig(
      [
        { name: 'web', domains: ['a.test', 'b.test'] },
        { name: 'hooked', domains: ['c.test', 'www.c.test'], manual: true },
      ],
      false,
    );

    const serversConf = path.join(dir, 'servers.conf');
    await writeServersWithCatchAll(serversConf, generatedConf);
    nginx = await startNginx({
      dir,
      serversConf,
      // A second access log with the Host header, to tell which name each challenge request was for.
      extraHttp: [
        `    log_format acme_host '$host "$request" $status';`,
        `    access_log ${JSON.stringify(hostLog)} acme_host;`,
      ].join('\n'),
    });
    await workers();
    // The config now names the running nginx's pid file.
    await applyConfig(certs, false);
  });

  afterAll(async () => {
    await started.stopAll(nginx, pebble, dir);
  });

  // Shared between the tests below, which run in order.
  let workersBeforeFirstRun: number[] = [];
  let sighupBeforeFirstRun = 0;

  it('a. issues two certificates in one run: one through the webroot, one through manual hooks', async () => {
    need();
    workersBeforeFirstRun = await settledWorkers();
    sighupBeforeFirstRun = countSighup(await errorLogText());

    const { res, report, context } = await obtainJson([]);
    expect(res.exitCode, context).toBe(0);
    expect(report.ok, context).toBe(true);
    expect(report.certificates.map((c) => c.name), context).toEqual(['web', 'hooked']);
    expect(byName(report, 'web', context)).toMatchObject({ outcome: 'issued', class: null, reason: null, domains: ['a.test', 'b.test'] });
    expect(byName(report, 'hooked', context)).toMatchObject({ outcome: 'issued', class: null, reason: null, domains: ['c.test', 'www.c.test'] });

    // certbot's own output is streamed to stderr, each line prefixed with the certificate's name.
    const stderrLines = res.stderr.split('\n');
    for (const name of ['web', 'hooked']) {
      expect(stderrLines.some((l) => new RegExp(`^\\W{0,2}${name}\\b`).test(l)), `no stderr line prefixed "${name}"\n${context}`).toBe(true);
    }

    for (const [name, domains] of [['web', ['a.test', 'b.test']], ['hooked', ['c.test', 'www.c.test']]] as const) {
      const live = lineage(name);
      expect(existsSync(path.join(live, 'fullchain.pem')), `${live}/fullchain.pem\n${context}`).toBe(true);
      expect(existsSync(path.join(live, 'privkey.pem')), `${live}/privkey.pem\n${context}`).toBe(true);
      expect(await sanNames(path.join(live, 'cert.pem'))).toEqual([...domains].sort());
    }

    // The manual hooks saw certbot's variables, and the cleanup hook removed what the auth hook wrote.
    for (const domain of ['c.test', 'www.c.test']) {
      const auth = parseEnv(await readFile(path.join(hookLog, `auth-${domain}.env`), 'utf8'));
      const cleanup = parseEnv(await readFile(path.join(hookLog, `cleanup-${domain}.env`), 'utf8'));
      expect(auth.CERTBOT_DOMAIN).toBe(domain);
      expect(auth.CERTBOT_TOKEN ?? '').toMatch(/^[\w-]{20,}$/);
      expect(auth.CERTBOT_VALIDATION?.startsWith(`${auth.CERTBOT_TOKEN ?? ''}.`)).toBe(true);
      // certbot does not keep the configured order here.
      expect(auth.CERTBOT_ALL_DOMAINS?.split(',').sort()).toEqual(['c.test', 'www.c.test']);
      expect(cleanup.CERTBOT_TOKEN).toBe(auth.CERTBOT_TOKEN);
    }
    const tokenDir = path.join(webroot, '.well-known', 'acme-challenge');
    const left = existsSync(tokenDir) ? await readdir(tokenDir) : [];
    expect(left, `tokens left in ${tokenDir}`).toEqual([]);
  }, T);

  it("b. the validation went through nginx: pebble's validator fetched each name's token (200)", async () => {
    const { nginx: n } = need();
    const access = await readFile(n.accessLog, 'utf8');
    const ok200 = access.split('\n').filter((l) => /"GET \/\.well-known\/acme-challenge\/[^ "]+ HTTP\/[\d.]+" 200 /.test(l));
    expect(ok200.length, `access log:\n${access}`).toBeGreaterThanOrEqual(4);

    const hits = await challengeHits();
    for (const domain of ['a.test', 'b.test', 'c.test', 'www.c.test']) {
      expect(hits.some((h) => h.host === domain && h.status === 200), `no 200 for ${domain}: ${JSON.stringify(hits)}`).toBe(true);
    }
    // For the hook certificate we know the tokens: nginx served exactly those.
    for (const domain of ['c.test', 'www.c.test']) {
      const token = parseEnv(await readFile(path.join(hookLog, `auth-${domain}.env`), 'utf8')).CERTBOT_TOKEN;
      expect(hits).toContainEqual({ host: domain, token, status: 200 });
    }
  });

  it("c. each certificate's deploy hook ran with RENEWED_LINEAGE and RENEWED_DOMAINS; nginx was reloaded once", async () => {
    expect((await deployLog()).sort()).toEqual(['hooked', 'web']);
    for (const [name, domains] of [['web', 'a.test b.test'], ['hooked', 'c.test www.c.test']] as const) {
      const env = parseEnv(await readFile(path.join(hookLog, `deploy-${name}.env`), 'utf8'));
      expect(env.RENEWED_LINEAGE).toBe(lineage(name));
      expect(env.RENEWED_DOMAINS?.split(' ').sort().join(' ')).toBe(domains);
    }

    const changed = await waitFor(async () => {
      const now = await workers();
      return now.length > 0 && now.some((w) => !workersBeforeFirstRun.includes(w));
    }, 5_000);
    expect(changed, `workers before ${workersBeforeFirstRun.join(' ')}, now ${(await workers()).join(' ')}`).toBe(true);
    const log = await errorLogText();
    expect(countSighup(log) - sighupBeforeFirstRun, `error log:\n${log}`).toBe(1);
  });

  it("c2. certbot saved cert-wrap's deploy hook in each renewal config, so a plain `certbot renew` runs it too", async () => {
    for (const name of ['web', 'hooked']) {
      const conf = await readFile(path.join(dirs.configDir, 'renewal', `${name}.conf`), 'utf8');
      const hook = /^renew_hook = (.*)$/m.exec(conf)?.[1];
      expect(hook, conf).toMatch(/\bcert-wrap\.js deploy-hook -c /);
      expect(hook).toContain(siteConfig);
    }
  });

  it('d. a second run issues nothing, runs no deploy hook and does not reload nginx', async () => {
    need();
    const before = await settledWorkers();
    const sighup = countSighup(await errorLogText());
    const deploys = await deployLog();

    const { res, report, context } = await obtainJson([]);
    expect(res.exitCode, context).toBe(0);
    expect(report.ok, context).toBe(true);
    expect(report.certificates.map((c) => [c.name, c.outcome]), context).toEqual([
      ['web', 'unchanged'],
      ['hooked', 'unchanged'],
    ]);
    expect(report.reload.attempted, context).toBe(false);

    await sleep(300);
    expect(await workers()).toEqual(before);
    expect(countSighup(await errorLogText())).toBe(sighup);
    expect(await deployLog()).toEqual(deploys);
  }, T);

  it('e. adding a domain to a certificate reissues the same lineage', async () => {
    need();
    await applyConfig(
      certs.map((c) => (c.name === 'web' ? { ...c, domains: ['a.test', 'b.test', 'd.test'] } : c)),
      true,
    );
    const sighup = countSighup(await errorLogText());

    const { res, report, context } = await obtainJson([]);
    expect(res.exitCode, context).toBe(0);
    expect(byName(report, 'web', context)).toMatchObject({ outcome: 'issued', domains: ['a.test', 'b.test', 'd.test'] });
    expect(byName(report, 'hooked', context).outcome, context).toBe('unchanged');

    expect(await sanNames(path.join(lineage('web'), 'cert.pem'))).toEqual(['a.test', 'b.test', 'd.test']);
    const archive = path.join(dirs.configDir, 'archive', 'web');
    expect(existsSync(path.join(archive, 'cert2.pem'))).toBe(true);
    const link = path.join(lineage('web'), 'cert.pem');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(path.basename(readlinkSync(link))).toBe('cert2.pem');
    const liveNames = await readdir(path.join(dirs.configDir, 'live'));
    expect(liveNames.filter((n) => n.startsWith('web')), 'a second lineage such as web-0001').toEqual(['web']);

    expect((await deployLog()).filter((n) => n === 'web')).toHaveLength(2);
    const hits = await challengeHits();
    expect(hits.some((h) => h.host === 'd.test' && h.status === 200)).toBe(true);
    await waitFor(async () => countSighup(await errorLogText()) > sighup, 3_000);
    expect(countSighup(await errorLogText()) - sighup).toBe(1);
  }, T);

  it('f. reload refuses a broken nginx config: nginx -t output on stderr, exit 1, no SIGHUP', async () => {
    need();
    const original = await readFile(generatedConf, 'utf8');
    const before = await settledWorkers();
    const sighup = countSighup(await errorLogText());
    try {
      await appendFile(generatedConf, '\nthis_is_not_a_directive on;\n');
      const argv = ['reload', '-c', siteConfig];
      const res = await certWrap(argv);
      const context = await describeRun(argv, res);
      expect(res.exitCode, context).toBe(1);
      expect(res.stderr, context).toContain('unknown directive "this_is_not_a_directive"');
      await sleep(300);
      expect(await workers()).toEqual(before);
      expect(countSighup(await errorLogText())).toBe(sighup);
    } finally {
      await writeFile(generatedConf, original);
    }

    // With the file repaired, the same command reloads.
    const argv = ['reload', '-c', siteConfig];
    const res = await certWrap(argv);
    const context = await describeRun(argv, res);
    expect(res.exitCode, context).toBe(0);
    expect(await waitFor(async () => countSighup(await errorLogText()) === sighup + 1, 3_000), context).toBe(true);
    expect(
      await waitFor(async () => (await workers()).some((w) => !before.includes(w)), 5_000),
      `workers before ${before.join(' ')}, now ${(await workers()).join(' ')}`,
    ).toBe(true);
  }, T);

  it('g. a name nginx does not serve fails validation; the other certificate of the run is still issued', async () => {
    need();
    await applyConfig(
      [
        ...certs,
        { name: 'other', domains: ['e.test'] },
        { name: 'unserved', domains: ['nope.test'], served: false },
      ],
      true,
    );
    expect(await readFile(generatedConf, 'utf8')).not.toContain('nope.test');

    // --no-preflight: this shows the CA's own validation failing (the preflight would hold it back first).
    const { res, report, context } = await obtainJson(['--no-preflight', '--cert', 'unserved', '--cert', 'other']);
    expect(res.exitCode, context).toBe(1);
    expect(report.ok, context).toBe(false);
    expect(report.certificates.map((c) => c.name).sort(), context).toEqual(['other', 'unserved']);
    const unserved = byName(report, 'unserved', context);
    expect(unserved.outcome, context).toBe('failed');
    expect(unserved.class, context).toBe('validation');
    expect(unserved.reason ?? '', context).toMatch(/404|unauthorized/i);
    expect(byName(report, 'other', context)).toMatchObject({ outcome: 'issued', class: null, reason: null });

    expect(existsSync(lineage('unserved'))).toBe(false);
    expect(await sanNames(path.join(lineage('other'), 'cert.pem'))).toEqual(['e.test']);
    // The 404 came from the catch-all server of this nginx.
    const hits = await challengeHits();
    expect(hits.some((h) => h.host === 'nope.test' && h.status === 404), JSON.stringify(hits)).toBe(true);
    // Something was issued, so nginx was reloaded at the end although the run failed.
    expect(report.reload.attempted, context).toBe(true);
    expect(report.reload.ok, context).toBe(true);
  }, T);

  it('h. --print shows the certbot commands and runs nothing; --dry-run creates no lineage', async () => {
    need();
    await applyConfig([...certs, { name: 'later', domains: ['f.test'] }], true);
    const before = await settledWorkers();
    const sighup = countSighup(await errorLogText());
    const logsBefore = (await readdir(dirs.logsDir)).sort();
    const logMtime = (await stat(path.join(dirs.logsDir, 'letsencrypt.log'))).mtimeMs;

    const printArgv = ['obtain', '-c', siteConfig, '--print'];
    const printed = await certWrap(printArgv);
    const printContext = await describeRun(printArgv, printed);
    expect(printed.exitCode, printContext).toBe(0);
    // Issued certificates that are not due are shown as comments; the others as commands.
    for (const c of certs) {
      const issued = existsSync(lineage(c.name));
      expect(printed.stdout, printContext).toMatch(issued ? new RegExp(`^# ${c.name}: not due: `, 'm') : new RegExp(`--cert-name[= ]${c.name}\\b`));
    }
    expect(printed.stdout, printContext).toContain('certonly');
    expect(printed.stdout, printContext).toContain('--webroot');
    expect(printed.stdout, printContext).toContain('f.test');
    // certbot never started: no new log file, no new lineage.
    expect((await readdir(dirs.logsDir)).sort()).toEqual(logsBefore);
    expect((await stat(path.join(dirs.logsDir, 'letsencrypt.log'))).mtimeMs).toBe(logMtime);
    expect(existsSync(lineage('later'))).toBe(false);
    expect(existsSync(lineage('unserved'))).toBe(false);

    const { res, report, context } = await obtainJson(['--dry-run', '--cert', 'later']);
    expect(res.exitCode, context).toBe(0);
    expect(report.ok, context).toBe(true);
    expect(report.certificates.map((c) => [c.name, c.outcome]), context).toEqual([['later', 'dry-run']]);
    expect(existsSync(lineage('later')), context).toBe(false);
    expect(existsSync(path.join(dirs.configDir, 'archive', 'later')), context).toBe(false);
    expect(existsSync(path.join(dirs.configDir, 'renewal', 'later.conf')), context).toBe(false);
    expect(await deployLog()).not.toContain('later');
    // The dry run really validated through nginx.
    expect((await challengeHits()).some((h) => h.host === 'f.test' && h.status === 200)).toBe(true);
    expect(report.reload.attempted, context).toBe(false);
    await sleep(300);
    expect(await workers()).toEqual(before);
    expect(countSighup(await errorLogText())).toBe(sighup);
  }, T);
});
