/**
 * External Account Binding against a Pebble that requires it, with the real
 * certbot and nginx: the secrets reach certbot through a private config file,
 * never its argv. While `cert-wrap obtain` runs, `ps -eo args` is sampled
 * over and over (what any local user sees); afterwards certbot's own log,
 * its renewal config and everything cert-wrap printed are searched. None may
 * hold the key id or the HMAC key, and the issuance must succeed (Pebble
 * refuses an account without a valid binding, shown first).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certbotDirs, certbotEnv } from '../../lab/certbot.js';
import { type RunReport, Started, writeServersWithCatchAll } from '../../lab/e2e.js';
import { bins, runBin, type CliResult } from '../../lab/cli.js';
import { startNginx, type RunningNginx } from '../../lab/nginx.js';
import { startPebble, type RunningPebble } from '../../lab/pebble.js';
import { makeTempDir } from '../../lab/tmp.js';
import { findTool, requireAcmeEnv } from '../../lab/tools.js';
import { LAB_IP } from '../../lab/loopback.js';

const { ok } = requireAcmeEnv();
const T = 90_000;

const KID = `kid-${randomBytes(6).toString('hex')}`;
const HMAC = randomBytes(32).toString('base64url');

/** Every file under `dir` (recursively), with its text. */
function filesUnder(dir: string): { file: string; text: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((rel) => path.join(dir, rel))
    .filter((file) => statSync(file, { throwIfNoEntry: false })?.isFile() === true)
    .map((file) => ({ file, text: readFileSync(file, 'latin1') }));
}

const secretsIn = (text: string): string[] => [KID, HMAC].filter((s) => text.includes(s));

describe.skipIf(!ok)('EAB with the real certbot and a Pebble that requires it: no secret in argv or in certbot\'s log', () => {
  let dir: string | undefined;
  let pebble: RunningPebble | undefined;
  let nginx: RunningNginx | undefined;
  const started = new Started();

  /** A config whose certbot directories live under `le/NAME`. */
  const writeSite = async (name: string, eab: boolean): Promise<string> => {
    const d = dir ?? '';
    const dirs = certbotDirs(path.join(d, name));
    const file = path.join(d, `${name}.yaml`);
    await writeFile(
      file,
      toYaml({
        webroot: path.join(d, 'webroot'),
        server: pebble?.directoryUrl,
        'config-dir': dirs.configDir,
        'work-dir': dirs.workDir,
        'logs-dir': dirs.logsDir,
        'certs-dir': path.join(d, name, 'certs'),
        ...(eab ? { 'eab-kid': KID, 'eab-hmac-key': HMAC } : {}),
        certificates: [{ name: 'site', domains: ['eab.test'] }],
        nginx: { listen: [`${LAB_IP}:80`], 'pid-file': path.join(d, 'run', 'nginx.pid'), binary: findTool('nginx') ?? 'nginx' },
      }),
    );
    return file;
  };

  const certWrap = (args: string[]): Promise<CliResult> =>
    runBin(bins.certWrap, args, { env: { REQUESTS_CA_BUNDLE: certbotEnv(pebble!).REQUESTS_CA_BUNDLE ?? '', CI: '1' } });

  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-eab-e2e-');
    pebble = await startPebble({ dir, eabKeys: { [KID]: HMAC } });
    for (const p of pebble.pids) started.pids.add(p);
    await mkdir(path.join(dir, 'webroot'), { recursive: true });
    await chmod(path.join(dir, 'webroot'), 0o755);
    const site = await writeSite('with-eab', true);
    const generated = path.join(dir, 'acme-servers.conf');
    const gen = await runBin(bins.genNginx, ['--output', generated, site]);
    if (gen.exitCode !== 0) throw new Error(gen.stderr);
    const serversConf = path.join(dir, 'servers.conf');
    await writeServersWithCatchAll(serversConf, generated);
    nginx = await startNginx({ dir, serversConf });
    await started.workers(nginx);
  });

  afterAll(async () => {
    await started.stopAll(nginx, pebble, dir);
  });

  it('without a binding, Pebble refuses the account (so the run below really uses EAB)', async () => {
    const r = await certWrap(['obtain', '--no-preflight', '--json', '-c', await writeSite('without-eab', false)]);
    expect(r.exitCode, r.stderr).toBe(1);
    const log = readFileSync(path.join(certbotDirs(path.join(dir!, 'without-eab')).logsDir, 'letsencrypt.log'), 'utf8');
    expect(log).toContain('externalAccountRequired');
  }, T);

  it('issues with EAB; `ps -eo args` during the run, certbot\'s log and renewal config, and the output hold neither value', async () => {
    const site = await writeSite('with-eab', true);
    const dirs = certbotDirs(path.join(dir!, 'with-eab'));
    let sampling = true;
    const ours = (ps: string): string[] => ps.split('\n').filter((l) => l.includes(dirs.configDir));
    const samples: string[] = [];
    const seenFiles = new Map<string, { mode: number; dirMode: number; uid: number; text: string }>();
    const sampler = (async () => {
      while (sampling) {
        const ps = await execa('ps', ['-eo', 'args'], { reject: false });
        samples.push(String(ps.stdout));
        // The file this run's certbot was given (other tests' certbots may run at the same time), looked at while it exists.
        for (const m of ours(String(ps.stdout)).join('\n').matchAll(/--config=(\S+)/g)) {
          const file = m[1]!;
          if (seenFiles.has(file)) continue;
          try {
            const st = statSync(file);
            seenFiles.set(file, { mode: st.mode & 0o7777, dirMode: statSync(path.dirname(file)).mode & 0o7777, uid: st.uid, text: readFileSync(file, 'utf8') });
          } catch {
            // already removed
          }
        }
      }
    })();
    const r = await certWrap(['obtain', '--no-preflight', '--json', '-c', site]).finally(() => (sampling = false));
    await sampler;

    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.certificates[0], r.stderr).toMatchObject({ name: 'site', outcome: 'issued' });
    expect(existsSync(path.join(dirs.configDir, 'live', 'site', 'fullchain.pem'))).toBe(true);

    // The sampling saw certbot itself, with the config file argument and without the secrets.
    const certbotLines = samples.flatMap(ours).filter((l) => /certbot certonly/.test(l));
    expect(certbotLines.length, 'ps never caught certbot running').toBeGreaterThan(0);
    for (const s of samples) expect(secretsIn(s), s).toEqual([]);
    expect(certbotLines.every((l) => /--config=\S+certbot\.ini/.test(l))).toBe(true);
    expect(samples.length).toBeGreaterThan(10);

    // The file: 0600 in a 0700 directory, the two values, gone after the run.
    expect(seenFiles.size).toBe(1);
    for (const [file, seen] of seenFiles) {
      expect(seen).toEqual({ mode: 0o600, dirMode: 0o700, uid: process.getuid!(), text: `eab-kid = "${KID}"\neab-hmac-key = "${HMAC}"\n` });
      expect(existsSync(file)).toBe(false);
      expect(existsSync(path.dirname(file))).toBe(false);
    }

    // certbot's log records its argv: the config file's path, never the values.
    const log = readFileSync(path.join(dirs.logsDir, 'letsencrypt.log'), 'utf8');
    expect(log).toContain('--config=');
    for (const f of [...filesUnder(dirs.logsDir), ...filesUnder(dirs.configDir)]) expect(secretsIn(f.text), f.file).toEqual([]);
    // The renewal config keeps neither the values nor the (removed) file, so a plain `certbot renew` works later.
    const renewal = readFileSync(path.join(dirs.configDir, 'renewal', 'site.conf'), 'utf8');
    expect(renewal).not.toMatch(/certbot\.ini|^eab_|^config_file/m);
    expect(secretsIn(r.stdout + r.stderr)).toEqual([]);
  }, T);

  it('`--print` is faithful: the printed command, run by /bin/sh with EAB_INI naming a file of the two lines, issues with EAB', async () => {
    const site = await writeSite('printed', true);
    const printed = await certWrap(['obtain', '--print', '-c', site]);
    expect(printed.exitCode, printed.stderr).toBe(0);
    expect(secretsIn(printed.stdout)).toEqual([]);
    expect(printed.stdout.trim()).toMatch(/ --config="\$EAB_INI"$/);
    const ini = path.join(dir!, 'printed.ini');
    await writeFile(ini, `eab-kid = ${KID}\neab-hmac-key = ${HMAC}\n`, { mode: 0o600 });
    const r = await execa('/bin/sh', ['-c', printed.stdout], { reject: false, env: { ...certbotEnv(pebble!), EAB_INI: ini }, all: true });
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(existsSync(path.join(certbotDirs(path.join(dir!, 'printed')).configDir, 'live', 'site', 'fullchain.pem'))).toBe(true);
  }, T);
});
