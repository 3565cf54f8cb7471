/**
 * File modes whatever the umask: private keys and their copies never more
 * readable than configured; challenge and probe files readable by nginx's
 * workers (another user); files cert-wrap replaces keep their mode.
 *
 * The commands run as real processes started through `sh -c 'umask M; exec
 * node ...'`, under the strictest (077) and the loosest (000) umask. The probe
 * file is placed in-process (vitest runs each file in a forked process, where
 * process.umask() applies), and also fetched by a real nginx worker.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/model/load.js';
import { placeProbe, probeCertificates, removeProbe } from '../../src/adapters/probe/http01.js';
import { bins, repoRoot } from '../../lab/cli.js';
import { makeLineage } from '../../lab/lineage.js';
import { type RunningNginx, startNginx } from '../../lab/nginx.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { requireTools, waitFor, freePort } from '../../lab/tools.js';

const DAY = 86_400_000;
const UMASKS = ['077', '000'] as const;

const modeOf = (path: string) => statSync(path).mode & 0o7777;
const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

interface Result {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A built command under a given umask: `sh -c 'umask M; exec node BIN ARGS...'`. */
async function underUmask(umask: string, bin: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  const r = await execa('/bin/sh', ['-c', `umask ${umask}; exec "$@"`, 'sh', process.execPath, bin, ...args], {
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', CI: '1', ...env },
    timeout: 60_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeTempDir(d);
});
async function tempDir(prefix: string): Promise<string> {
  const d = await makeTempDir(prefix);
  dirs.push(d);
  return d;
}

function siteYaml(dir: string, certs: string, nginxExtra = ''): string {
  return [
    `webroot: ${dir}/webroot`,
    `certbot: ${join(repoRoot, 'lab', 'fake-certbot.sh')}`,
    `config-dir: ${dir}/le`,
    `certs-dir: ${dir}/certs`,
    'nginx:',
    `  pid-file: ${dir}/run/nginx.pid`,
    ...(nginxExtra ? [nginxExtra.trimEnd()] : []),
    'certificates:',
    certs.trimEnd(),
    '',
  ].join('\n');
}

describe.each(UMASKS)('under umask %s', (umask) => {
  it('bootstrap: the placeholder key is 0600 and its directory closed to others; the stable path leads to it', async () => {
    const dir = await tempDir('cw-perm-boot-');
    mkdirSync(join(dir, 'webroot'));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, siteYaml(dir, '  - domains: [a.example.org, www.a.example.org]\n  - name: two\n    domains: [b.example.org]'));
    const r = await underUmask(umask, bins.certWrap, ['bootstrap', '-c', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const name of ['a.example.org', 'two']) {
      const selfSigned = join(dir, 'certs', name, 'self-signed');
      expect(octal(modeOf(join(selfSigned, 'privkey.pem'))), `${name} placeholder key`).toBe('0600');
      expect(modeOf(selfSigned) & 0o077, `${name}/self-signed is ${octal(modeOf(selfSigned))}`).toBe(0);
      // what nginx is pointed at: CERTS-DIR/NAME/privkey.pem -> current/privkey.pem -> self-signed/privkey.pem
      expect(lstatSync(join(dir, 'certs', name, 'privkey.pem')).isSymbolicLink()).toBe(true);
      expect(octal(modeOf(join(dir, 'certs', name, 'privkey.pem')))).toBe('0600');
      expect(readFileSync(join(dir, 'certs', name, 'privkey.pem'), 'utf8')).toContain('PRIVATE KEY-----');
      // no directory cert-wrap made is writable by others
      expect(modeOf(join(dir, 'certs', name)) & 0o022).toBe(0);
    }
    expect(modeOf(join(dir, 'certs')) & 0o022).toBe(0);
  });

  it('deploy-hook: the copies have exactly the configured mode (0640, default 0600, 0644), a wider existing key is narrowed; the failed reload is reported', async () => {
    const dir = await tempDir('cw-perm-deploy-');
    mkdirSync(join(dir, 'webroot'));
    const now = Date.now();
    const live = makeLineage(join(dir, 'le'), { name: 'mail', domains: ['mail.example.org'], notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY) });
    const copies = join(dir, 'copies');
    const certs = [
      '  - name: mail',
      '    domains: [mail.example.org]',
      '    deploy:',
      `      - directory: ${copies}/postfix`,
      '        group: "0"',
      '        mode: "0640"',
      `      - directory: ${copies}/default`,
      `      - directory: ${copies}/open/nested`,
      '        mode: "0644"',
    ].join('\n');
    const file = join(dir, 'site.yaml');
    writeFileSync(file, siteYaml(dir, certs));
    // an existing copy of the key, same content but world-readable and writable: must come back 0600
    mkdirSync(join(copies, 'default'), { recursive: true });
    writeFileSync(join(copies, 'default', 'privkey.pem'), readFileSync(join(live, 'privkey.pem')));
    chmodSync(join(copies, 'default', 'privkey.pem'), 0o666);

    const r = await underUmask(umask, bins.certWrap, ['deploy-hook', '-c', file], { RENEWED_LINEAGE: live });
    // nginx.pid-file names a missing file: the reload fails and is reported, the rest was done
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`pid file ${dir}/run/nginx.pid does not exist`);
    expect(r.stdout).toContain(`deployed fullchain.pem and privkey.pem to ${copies}/postfix`);

    const expected: [string, string][] = [
      ['postfix', '0640'],
      ['default', '0600'],
      ['open/nested', '0644'],
    ];
    for (const [sub, mode] of expected) {
      for (const f of ['fullchain.pem', 'privkey.pem']) {
        const path = join(copies, sub, f);
        expect(octal(modeOf(path)), path).toBe(mode);
        expect(readFileSync(path).equals(readFileSync(join(live, f))), path).toBe(true);
      }
      // only the two files: no temporary file left behind
      expect(readdirSync(join(copies, sub)).sort()).toEqual(['fullchain.pem', 'privkey.pem']);
    }
    // directories the hook created: 0755 whatever the umask (the file modes decide who reads the key)
    for (const d of ['postfix', 'open', 'open/nested']) expect(octal(modeOf(join(copies, d))), d).toBe('0755');
    // and the stable paths now lead to the lineage's key, which certbot keeps 0600
    expect(readlinkSync(join(dir, 'certs', 'mail', 'current'))).toBe(live);
    expect(octal(modeOf(join(dir, 'certs', 'mail', 'privkey.pem')))).toBe('0600');
  });

  it('the HTTP-01 probe file is 0644 and the directories it creates 0755 (in-process, process.umask)', async () => {
    const dir = await tempDir('cw-perm-probe-');
    const webroot = join(dir, 'webroot');
    mkdirSync(webroot, { mode: 0o755 });
    const old = process.umask(Number.parseInt(umask, 8));
    let probe;
    try {
      probe = await placeProbe(webroot);
    } finally {
      process.umask(old);
    }
    try {
      expect(octal(modeOf(probe.file))).toBe('0644');
      expect(probe.created).toEqual([join(webroot, '.well-known'), join(webroot, '.well-known', 'acme-challenge')]);
      for (const d of probe.created) expect(octal(modeOf(d)), d).toBe('0755');
      expect(readFileSync(probe.file, 'utf8')).toBe(probe.body);
    } finally {
      await removeProbe(probe);
    }
    expect(readdirSync(webroot)).toEqual([]);
  });
});

const nginxTools = requireTools(['nginx'], 'permissions: probe file read by a real nginx worker');

describe.skipIf(!nginxTools.ok)('a real nginx worker (not root) reads the probe file placed under umask 077', () => {
  let nginx: RunningNginx | undefined;
  let dir: string;
  let port: number;
  let configText: string;
  beforeAll(async () => {
    dir = await makeTempDir('cw-perm-nginx-');
    mkdirSync(join(dir, 'webroot'), { mode: 0o755 });
    port = await freePort();
    configText = siteYaml(dir, '  - domains: [probe.test]', `  listen: ["127.0.0.1:${port}"]`);
    const file = join(dir, 'site.yaml');
    writeFileSync(file, configText);
    const servers = join(dir, 'acme.conf');
    execFileSync(process.execPath, [bins.genNginx, file, '-o', servers]);
    nginx = await startNginx({ dir, serversConf: servers });
  });
  afterAll(async () => {
    await nginx?.stop();
    await removeTempDir(dir);
  });

  it('probe served with status 200 by a worker running as another user', async () => {
    const config = parseConfig(configText, join(dir, 'site.yaml'));
    // A worker drops root right after it is forked: wait until it has (mode bits then matter to it).
    const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    const dropped = await waitFor(async () => {
      const workers = await nginx!.workers();
      return workers.length > 0 && workers.every((w) => uidOf(w) !== 0);
    }, 5_000);
    expect(dropped, 'the nginx workers run as a user other than root').toBe(true);
    const old = process.umask(0o077);
    let reports;
    try {
      reports = await probeCertificates(config, config.certificates, { port, resolve: new Map([['probe.test', '127.0.0.1']]), timeoutMs: 5_000 });
    } finally {
      process.umask(old);
    }
    expect(reports[0]!.results[0]).toMatchObject({ domain: 'probe.test', ok: true, kind: 'ok' });
    const log = readFileSync(nginx!.accessLog, 'utf8');
    expect(log).toMatch(/GET \/\.well-known\/acme-challenge\/cert-wrap-preflight-[0-9a-f]{24} HTTP\/1\.1" 200 /);
    expect(readdirSync(join(dir, 'webroot'))).toEqual([]);
  });
});

describe('files cert-wrap replaces or creates for other readers, under umask 077', () => {
  it('gen-nginx --output keeps the mode of the file it replaces (0644 stays 0644)', async () => {
    const dir = await tempDir('cw-perm-gen-');
    const file = join(dir, 'site.yaml');
    writeFileSync(file, siteYaml(dir, '  - domains: [a.example.org]'));
    const out = join(dir, 'acme.conf');
    writeFileSync(out, '# old\n');
    chmodSync(out, 0o644);
    const r = await underUmask('077', bins.genNginx, [file, '-o', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('server_name a.example.org;');
    expect(octal(modeOf(out))).toBe('0644');
  });

  it('status --metrics writes a new metrics file 0644: node_exporter reads it as another user', async () => {
    const dir = await tempDir('cw-perm-metrics-');
    const file = join(dir, 'site.yaml');
    writeFileSync(file, siteYaml(dir, '  - domains: [a.example.org]'));
    const metrics = join(dir, 'textfile', 'cert-wrap.prom');
    mkdirSync(join(dir, 'textfile'), { mode: 0o755 });
    const r = await underUmask('077', bins.certWrap, ['status', '--metrics', metrics, '-c', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(metrics, 'utf8')).toContain('cert_wrap_certificate_renewal_due{certificate="a.example.org"} 1');
    expect(octal(modeOf(metrics))).toBe('0644');
  });

  it('status --metrics replacing an existing 0644 metrics file keeps it 0644', async () => {
    const dir = await tempDir('cw-perm-metrics2-');
    const file = join(dir, 'site.yaml');
    writeFileSync(file, siteYaml(dir, '  - domains: [a.example.org]'));
    const metrics = join(dir, 'cert-wrap.prom');
    writeFileSync(metrics, '# old\n');
    chmodSync(metrics, 0o644);
    const r = await underUmask('077', bins.certWrap, ['status', '--metrics', metrics, '-c', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(octal(modeOf(metrics))).toBe('0644');
  });
});

/**
 * certbot's manual plugin runs the authentication hook with /bin/sh and its
 * own umask, which it inherits from cert-wrap: cert-wrap does not (and, for a
 * user's shell command, cannot portably) change what the hook does with it.
 * The stand-in below does what certbot does with a hook: sh -c HOOK with
 * CERTBOT_DOMAIN, CERTBOT_VALIDATION and CERTBOT_TOKEN set; it then records
 * the mode of the token file the hook wrote.
 */
const MANUAL_CERTBOT = `#!/bin/sh
hook=""
for a in "$@"; do
  case "$a" in --manual-auth-hook=*) hook="\${a#--manual-auth-hook=}" ;; esac
done
export CERTBOT_DOMAIN=a.example.org CERTBOT_VALIDATION=validation-text CERTBOT_TOKEN=token-1234
sh -c "$hook" || exit 1
stat -c '%a' "$TOKEN_DIR/$CERTBOT_TOKEN" > "$MODE_LOG"
echo "Successfully received certificate."
`;

describe('a manual HTTP hook writes the token under the umask cert-wrap was started with', () => {
  async function runHook(hookLines: string[]): Promise<string> {
    const dir = await tempDir('cw-perm-hook-');
    const webroot = join(dir, 'webroot');
    mkdirSync(webroot, { mode: 0o755 });
    const tokenDir = join(webroot, '.well-known', 'acme-challenge');
    const hook = join(dir, 'auth-hook.sh');
    writeFileSync(hook, ['#!/bin/sh', 'set -e', ...hookLines, `mkdir -p ${tokenDir}`, `printf '%s' "$CERTBOT_VALIDATION" > ${tokenDir}/"$CERTBOT_TOKEN"`, ''].join('\n'));
    chmodSync(hook, 0o755);
    const standIn = join(dir, 'manual-certbot.sh');
    writeFileSync(standIn, MANUAL_CERTBOT);
    chmodSync(standIn, 0o755);
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      siteYaml(dir, `  - domains: [a.example.org]\n    challenge: http\n    authentication-hook: ${hook}`).replace(/^certbot: .*$/m, `certbot: ${standIn}`),
    );
    const modeLog = join(dir, 'token-mode');
    const r = await underUmask('077', bins.certWrap, ['obtain', '--no-reload', '-c', file, '--json'], { TOKEN_DIR: tokenDir, MODE_LOG: modeLog });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(modeLog)).toBe(true);
    return readFileSync(modeLog, 'utf8').trim();
  }

  it('a hook that does not set its umask writes a 0600 token (nginx workers cannot read it: validation would fail)', async () => {
    expect(await runHook([])).toBe('600');
  });

  it('a hook that starts with `umask 022` writes a 0644 token', async () => {
    expect(await runHook(['umask 022'])).toBe('644');
  });

  it('the README tells users to set `umask 022` in a manual HTTP hook script', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    // The one mention today is an example of shell code that cannot be a hook; that is not advice.
    const advice = readme.replace('shell code such as `umask 022; ...`', '');
    expect(/umask 022/.test(advice), 'README.md gives no advice to start a manual HTTP authentication-hook script with `umask 022`').toBe(true);
  });
});
