import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { bins, repoRoot, runBin, writeConfig } from '../../lab/cli.js';
import { waitFor } from '../../lab/tools.js';

const fake = join(repoRoot, 'lab', 'fake-certbot.sh');

/** A config using the certbot stand-in, with its own webroot and config dir. */
function setup(certs: string, extra = '') {
  const file = writeConfig('placeholder');
  const dir = dirname(file);
  mkdirSync(join(dir, 'webroot'));
  const text = `webroot: ${dir}/webroot\ncertbot: ${fake}\nconfig-dir: ${dir}/le\ncerts-dir: ${dir}/certs\nnginx:\n  pid-file: ${dir}/nginx.pid\n${extra}certificates:\n${certs}`;
  writeFileSync(file, text);
  const log = join(dir, 'certbot-calls.log');
  return { file, dir, log, env: { FAKE_CERTBOT_LOG: log } };
}
const calls = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
/**
 * Until the stand-in has logged its first call: the run then holds the lock and
 * has its SIGINT/SIGTERM handler in place (both come before certbot starts).
 */
async function untilCertbotStarted(log: string): Promise<void> {
  if (!(await waitFor(() => calls(log).length > 0, 30_000, 20))) throw new Error(`the certbot stand-in never started (no line in ${log})`);
}

describe('cert-wrap obtain (certbot replaced by a stand-in)', () => {
  it('--print prints the certbot commands, shell-quoted, and starts nothing', async () => {
    const s = setup('  - domains: [a.example.org]\n  - name: two\n    domains: [b.example.org]\n');
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--print'], { env: s.env });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${fake} certonly --non-interactive --agree-tos --cert-name a.example.org -d a.example.org `));
    expect(lines[1]).toContain(`'--deploy-hook=${process.execPath} ${join(repoRoot, 'bin', 'cert-wrap.js')} deploy-hook -c ${s.file}'`);
    expect(calls(s.log)).toEqual([]);
  });

  it('runs certificates in order, one failure does not stop the others, exit 1, JSON summary', async () => {
    const s = setup('  - domains: [a.example.org]\n  - name: fail-one\n    domains: [f.example.org]\n  - name: last\n    domains: [c.example.org]\n');
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--json'], { env: s.env });
    expect(r.exitCode).toBe(1);
    const summary = JSON.parse(r.stdout) as { ok: boolean; certificates: { name: string; outcome: string; class: string | null; reason: string | null }[] };
    expect(summary.ok).toBe(false);
    expect(summary.certificates.map((c) => [c.name, c.outcome, c.class])).toEqual([
      ['a.example.org', 'issued', null],
      ['fail-one', 'failed', 'validation'],
      ['last', 'issued', null],
    ]);
    expect(summary.certificates[1]!.reason).toBe('Invalid response from http://fail-one/.well-known/acme-challenge/x: 404');
    expect(calls(s.log).map((l) => l.split(' ')[4])).toEqual(['a.example.org', 'fail-one', 'last']);
    // certbot's output streamed on stderr, prefixed with the certificate's name
    expect(r.stderr).toContain('fail-one | Requesting a certificate for fail-one');
    expect(r.stderr).toContain('a.example.org: issued in ');
  });

  it('a table for people, without colors under NO_COLOR', async () => {
    const s = setup('  - domains: [a.example.org]\n');
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file], { env: { ...s.env, NO_COLOR: '1', FORCE_COLOR: '' } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^NAME +DOMAINS +OUTCOME +REASON\na\.example\.org +a\.example\.org +issued\n/);
    expect(r.stdout).toContain('All certificates OK.');
    expect(r.stdout + r.stderr).not.toContain('\u001b[');
  });

  it('--cert limits the run; an unknown name is a usage error', async () => {
    const s = setup('  - domains: [a.example.org]\n  - name: two\n    domains: [b.example.org]\n');
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--cert', 'two', '--json'], { env: s.env });
    expect(r.exitCode).toBe(0);
    expect(calls(s.log)).toHaveLength(1);
    expect(calls(s.log)[0]).toContain('--cert-name two');
    const bad = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--cert', 'nope'], { env: s.env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe('cert-wrap: --cert "nope": no such certificate in site.yaml (known: a.example.org, two)\n');
  });

  it('--dry-run passes certbot --dry-run', async () => {
    const s = setup('  - domains: [a.example.org]\n');
    await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--dry-run'], { env: s.env });
    expect(calls(s.log)[0]).toMatch(/ --dry-run$/);
  });

  it.each([
    ['certbot missing from PATH', 'certbot: no-such-certbot-here\n', null, 'certbot not found: "no-such-certbot-here" is not on PATH'],
    ['webroot missing', '', 'rm', 'does not exist: create it'],
    ['a manual hook whose command does not exist', '', 'hook', '"/nonexistent/auth" is not an executable file or a command on PATH'],
  ])('checks before running: %s -> exit 2, nothing run', async (_name, extra, action, message) => {
    const certs = action === 'hook' ? '  - domains: [a.example.org]\n    challenge: http\n    authentication-hook: /nonexistent/auth --x\n' : '  - domains: [a.example.org]\n';
    const s = setup(certs);
    if (extra) writeFileSync(s.file, readFileSync(s.file, 'utf8').replace(`certbot: ${fake}\n`, extra));
    if (action === 'rm') rmSync(join(s.dir, 'webroot'), { recursive: true });
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file], { env: s.env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(message);
    expect(calls(s.log)).toEqual([]);
  });

  it('an invalid config is exit 2 with the path and value', async () => {
    const s = setup('  - domains: ["bad name"]\n');
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file], { env: s.env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('certificates[0].domains[0]: "bad name" is not a valid domain name');
  });

  it('two runs on the same certbot directories never interleave: the second waits, or gives up with exit 3', async () => {
    const s = setup('  - name: slow-one\n    domains: [a.example.org]\n');
    // The stand-in holds until this file exists: the first run keeps the lock until then.
    const hold = join(s.dir, 'release-certbot');
    const env = { ...s.env, FAKE_CERTBOT_HOLD: hold };
    const first = runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--json'], { env });
    await untilCertbotStarted(s.log);
    const impatient = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--lock-timeout', '0.5'], { env });
    expect(impatient.exitCode).toBe(3);
    expect(impatient.stderr).toMatch(/^waiting up to 0.5 s for another cert-wrap run .*\ncert-wrap: another cert-wrap run \(pid \d+, since .+\) holds the lock on .*\/le; gave up after 0.5 s/);
    const patient = execa(process.execPath, [bins.certWrap, 'obtain', '--no-preflight', '--no-reload', '-c', s.file, '--json', '--lock-timeout', '20'], { reject: false, env: { NO_COLOR: '1', ...env }, stdin: 'ignore' });
    let waiting = '';
    patient.stderr?.on('data', (d: Buffer) => (waiting += d.toString()));
    // Released only once the second run says it waits for the lock.
    expect(await waitFor(() => waiting.includes('waiting up to 20 s for another cert-wrap run'), 30_000, 20), waiting).toBe(true);
    writeFileSync(hold, '');
    expect((await first).exitCode).toBe(0);
    const second = await patient;
    expect(second.exitCode).toBe(0);
    // the stand-in's invocations did not overlap: two runs, one after the other
    expect(calls(s.log)).toHaveLength(2);
  });

  it('SIGTERM stops the run: no further certificate, lock released, exit 143', async () => {
    const s = setup('  - name: slow-one\n    domains: [a.example.org]\n  - name: two\n    domains: [b.example.org]\n');
    const run = execa(process.execPath, [bins.certWrap, 'obtain', '--no-preflight', '--no-reload', '-c', s.file], { reject: false, env: s.env, stdin: 'ignore' });
    await untilCertbotStarted(s.log);
    run.kill('SIGTERM');
    const r = await run;
    expect(r.exitCode).toBe(143);
    expect(r.stderr).toContain('cert-wrap: interrupted by SIGTERM; 1 of 2 certificates were attempted');
    expect(calls(s.log)).toHaveLength(1);
    const next = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--cert', 'two', '--lock-timeout', '0.5'], { env: s.env });
    expect(next.exitCode).toBe(0); // the lock was released
  });

  it('on a terminal, a live status line shows the certificate, its step and the elapsed time', async () => {
    const s = setup('  - name: slow-one\n    domains: [a.example.org]\n');
    // `script` gives the command a real pseudo-terminal.
    const cmd = `${process.execPath} ${bins.certWrap} obtain --no-preflight --no-reload -c ${s.file}`;
    const r = await execa('script', ['-qec', cmd, '/dev/null'], { reject: false, env: { ...s.env, CI: '', NO_COLOR: '' }, extendEnv: true });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/\[1\/1\] slow-one: answering challenges \(1\.\d+s\)/);
    expect(r.stdout).toContain('\r\u001b[K'); // the status line is rewritten in place
  });

  it('the HTTP-01 preflight holds back a name that does not serve the probe: never sent to certbot', async () => {
    const s = setup('  - name: unreachable\n    domains: [u.example.org]\n  - name: manual\n    domains: [m.example.org]\n    challenge: http\n    authentication-hook: /bin/true\n');
    // nothing listens on 127.0.0.3:80
    const r = await runBin(bins.certWrap, ['obtain', '--no-reload', '-c', s.file, '--json', '--resolve', 'u.example.org:127.0.0.3'], { env: s.env });
    expect(r.exitCode).toBe(1);
    const summary = JSON.parse(r.stdout) as { certificates: { name: string; outcome: string; class: string | null; reason: string | null }[] };
    expect(summary.certificates[0]).toMatchObject({ name: 'unreachable', outcome: 'failed', class: 'preflight' });
    expect(summary.certificates[0]!.reason).toBe('preflight: u.example.org: connection refused (127.0.0.3:80)');
    expect(summary.certificates[1]).toMatchObject({ name: 'manual', outcome: 'issued' }); // manual hooks: not probed
    expect(calls(s.log).map((l) => l.split(' ')[4])).toEqual(['manual']);
    expect(r.stderr).toContain('unreachable: not sent to the CA: u.example.org: connection refused');
  });
});

describe('checked before anything is ordered, locked or written (exit 2)', () => {
  /** What obtain or renew leave in the config's directory: nothing but what the test put there. */
  const untouched = (dir: string) => expect(readdirSync(dir).sort()).toEqual(['site.yaml', 'webroot']);

  it.each([
    ['a deploy copy owner that does not exist', '    deploy:\n      - directory: /nonexistent/copies\n        owner: nosuchuser\n', 'certificates[0].deploy[0].owner: no such user "nosuchuser" in /etc/passwd'],
    ['a deploy copy group that does not exist', '    deploy:\n      - directory: /nonexistent/copies\n        group: nosuchgroup\n', 'certificates[0].deploy[0].group: no such group "nosuchgroup" in /etc/group'],
    ["a certificate's deploy-hook whose command does not exist", '    deploy-hook: /nonexistent/notify --all\n', 'certificates[0].deploy-hook: "/nonexistent/notify" is not an executable file or a command on PATH'],
  ])('%s', async (_what, extra, message) => {
    const s = setup(`  - domains: [a.example.org]\n${extra}`);
    for (const command of ['obtain', 'renew']) {
      const r = await runBin(bins.certWrap, [command, '--no-preflight', '-c', s.file], { env: s.env });
      expect(r.exitCode, `${command}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(message);
      expect(calls(s.log)).toEqual([]);
    }
    rmSync(s.log, { force: true });
    untouched(s.dir);
  });

  it.each([
    ['--resolve', 'a.example.org'],
    ['--resolve', 'bad name:127.0.0.1'],
    ['--lock-timeout', '-1'],
  ])('%s %s: before the lock and the placeholders', async (flag, value) => {
    const s = setup('  - domains: [a.example.org]\n');
    for (const command of ['obtain', 'renew']) {
      const r = await runBin(bins.certWrap, [command, '-c', s.file, `${flag}=${value}`], { env: s.env });
      expect(r.exitCode, `${command}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`${flag} `);
      expect(r.stderr).not.toContain('    at ');
    }
    expect(calls(s.log)).toEqual([]);
    untouched(s.dir);
  });
});

describe('obtain records its successes in state.json, as renew does', () => {
  it('after a first obtain, the metrics have a last-success sample for each certificate issued', async () => {
    const s = setup('  - domains: [a.example.org]\n  - name: fail-one\n    domains: [f.example.org]\n');
    const before = Date.now();
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file], { env: s.env });
    expect(r.exitCode).toBe(1);
    const state = JSON.parse(readFileSync(join(s.dir, 'certs', 'state.json'), 'utf8')) as { certificates: Record<string, { lastSuccess?: string }> };
    expect(Object.keys(state.certificates).filter((name) => state.certificates[name]!.lastSuccess)).toEqual(['a.example.org']);
    expect(Date.parse(state.certificates['a.example.org']!.lastSuccess!)).toBeGreaterThanOrEqual(before - 1000);
    const metrics = join(s.dir, 'metrics.prom');
    await runBin(bins.certWrap, ['status', '-c', s.file, '--metrics', metrics], { env: s.env });
    expect(readFileSync(metrics, 'utf8')).toMatch(/^cert_wrap_last_success_timestamp_seconds\{certificate="a\.example\.org"\} \d+$/m);
    expect(readFileSync(metrics, 'utf8')).not.toContain('cert_wrap_last_success_timestamp_seconds{certificate="fail-one"}');
  });
});
