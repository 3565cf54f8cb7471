import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bins, repoRoot, runBin, writeConfig } from '../../lab/cli.js';
import { makeLineage } from '../../lab/lineage.js';

const DAY = 86_400_000;
const fake = join(repoRoot, 'lab', 'fake-certbot.sh');

/**
 * A config on the certbot stand-in (which fails every certificate named fail*),
 * an on-failure script that keeps what it received (numbered: 0.env, 0.json, ...),
 * and lineages made with the given days left out of 90.
 */
function setup(certs: string, lineages: [name: string, domain: string, daysLeft: number][], extra = '') {
  const file = writeConfig('placeholder');
  const dir = dirname(file);
  mkdirSync(join(dir, 'webroot'));
  const le = join(dir, 'le');
  const now = Date.now();
  for (const [name, domain, left] of lineages) makeLineage(le, { name, domains: [domain], notBefore: new Date(now - (90 - left) * DAY), notAfter: new Date(now + left * DAY) });
  const alerts = join(dir, 'alerts');
  mkdirSync(alerts);
  const script = join(dir, 'alert.sh');
  writeFileSync(script, `#!/bin/sh\nn=$(ls "${alerts}" | grep -c json)\nenv | grep '^CERT_WRAP_' | sort > "${alerts}/$n.env"\ncat > "${alerts}/$n.json"\n`);
  chmodSync(script, 0o755);
  const text = `webroot: ${dir}/webroot\ncertbot: ${fake}\nconfig-dir: ${le}\ncerts-dir: ${dir}/certs\non-failure: ${script}\nnginx:\n  pid-file: ${dir}/nginx.pid\n${extra}certificates:\n${certs}`;
  writeFileSync(file, text);
  const received = () =>
    readdirSync(alerts)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => ({
        env: Object.fromEntries(readFileSync(join(alerts, f.replace('.json', '.env')), 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])),
        input: JSON.parse(readFileSync(join(alerts, f), 'utf8')) as { command: string; certificate: { name: string; class: string }; summary: { ok: boolean } },
      }));
  const statePath = join(dir, 'certs', 'state.json');
  const state = () => JSON.parse(readFileSync(statePath, 'utf8')) as { certificates: Record<string, { alert?: { condition: string; at: string }; lastFailure?: { class: string } }> };
  return { file, dir, le, script, received, state, statePath };
}

const renew = (file: string, ...more: string[]) => runBin(bins.certWrap, ['renew', '--no-preflight', '--no-reload', '-c', file, ...more]);

describe('renew --quiet', () => {
  it('prints nothing at all when nothing was renewed and nothing failed', async () => {
    const s = setup('  - name: fresh\n    domains: [fresh.test]\n', [['fresh', 'fresh.test', 80]]);
    const quiet = await renew(s.file, '--quiet');
    expect(quiet).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    const loud = await renew(s.file);
    expect(loud.stdout).toContain('All certificates OK.');
    expect((await renew(s.file, '--quiet', '--json')).stdout).toBe('');
  });

  it('prints everything when something was renewed, or failed', async () => {
    const s = setup('  - name: fresh\n    domains: [fresh.test]\n  - name: due\n    domains: [due.test]\n', [
      ['fresh', 'fresh.test', 80],
      ['due', 'due.test', 20],
    ]);
    const renewed = await renew(s.file, '--quiet');
    expect(renewed.exitCode).toBe(0);
    expect(renewed.stdout).toMatch(/\ndue +due\.test +issued/);
    expect(renewed.stdout).toMatch(/\nfresh +fresh\.test +unchanged +not due/);
    const f = setup('  - name: fail-x\n    domains: [x.test]\n', []);
    const failed = await renew(f.file, '--quiet');
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toContain('failed (validation)');
  });
});

describe('on-failure', () => {
  it('runs once when a certificate fails, with the essentials in the environment and the summary on stdin; not again the same day', async () => {
    const s = setup('  - name: ok\n    domains: [ok.test]\n  - name: fail-one\n    domains: [fail.test, www.fail.test]\n', [
      ['ok', 'ok.test', 80],
      ['fail-one', 'fail.test', 3],
    ]);
    const first = await renew(s.file);
    expect(first.exitCode).toBe(1);
    const got = s.received();
    expect(got).toHaveLength(1);
    expect(got[0]!.env).toMatchObject({
      CERT_WRAP_COMMAND: 'renew',
      CERT_WRAP_CERTIFICATE: 'fail-one',
      CERT_WRAP_DOMAINS: 'fail.test www.fail.test',
      CERT_WRAP_FAILURE_CLASS: 'validation',
      CERT_WRAP_REASON: 'Invalid response from http://fail-one/.well-known/acme-challenge/x: 404',
    });
    expect(Number(got[0]!.env.CERT_WRAP_DAYS_LEFT)).toBeGreaterThan(2.5);
    expect(Number(got[0]!.env.CERT_WRAP_DAYS_LEFT)).toBeLessThan(3.1);
    expect(got[0]!.env.CERT_WRAP_NOT_AFTER).toMatch(/^20\d\d-\d\d-\d\dT/);
    expect(got[0]!.input).toMatchObject({ command: 'renew', certificate: { name: 'fail-one', class: 'validation' }, summary: { ok: false } });
    // The scheduled runs that follow, with the same failure: no new alert.
    await renew(s.file);
    await renew(s.file);
    expect(s.received()).toHaveLength(1);
    // A day later, still failing: once more.
    const state = s.state();
    state.certificates['fail-one']!.alert!.at = new Date(Date.now() - DAY - 60_000).toISOString();
    writeFileSync(s.statePath, JSON.stringify(state));
    await renew(s.file);
    expect(s.received()).toHaveLength(2);
    await renew(s.file);
    expect(s.received()).toHaveLength(2);
  });

  it('runs again at once when the failure changes (validation, then preflight), and for obtain too', async () => {
    const s = setup('  - name: fail-one\n    domains: [fail.test]\n', []);
    await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file]);
    expect(s.received().map((r) => [r.env.CERT_WRAP_COMMAND, r.env.CERT_WRAP_FAILURE_CLASS])).toEqual([['obtain', 'validation']]);
    // With the preflight on, nothing serves the webroot here: held back, class preflight.
    const r = await runBin(bins.certWrap, ['renew', '--no-reload', '-c', s.file, '--resolve', 'fail.test:127.0.0.1']);
    expect(r.stdout).toContain('failed (preflight)');
    expect(s.received().map((x) => [x.env.CERT_WRAP_COMMAND, x.env.CERT_WRAP_FAILURE_CLASS])).toEqual([
      ['obtain', 'validation'],
      ['renew', 'preflight'],
    ]);
    expect(s.received()[1]!.env.CERT_WRAP_DAYS_LEFT).toBe('');
  });

  it('a certificate within alert-before days of expiry and not renewed raises "expiring"; the condition ends when it is renewed', async () => {
    // renew-before: 2 days, so at 5 days left nothing is due, but alert-before (default 7) is reached.
    const s = setup('  - name: late\n    domains: [late.test]\n', [['late', 'late.test', 5]], 'renew-before: 2\n');
    const r = await renew(s.file, '--quiet');
    expect(r.exitCode).toBe(0);
    expect(s.received().map((x) => [x.env.CERT_WRAP_CERTIFICATE, x.env.CERT_WRAP_FAILURE_CLASS])).toEqual([['late', 'expiring']]);
    expect(s.received()[0]!.env.CERT_WRAP_REASON).toMatch(/^expires in 4\.\d days \(alert-before: 7\) and was not renewed: /);
    await renew(s.file, '--quiet');
    expect(s.received()).toHaveLength(1);
    // Renewed (a new certificate in the lineage): the condition is forgotten.
    makeLineage(s.le, { name: 'late', domains: ['late.test'], notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 89 * DAY), version: 2 });
    await renew(s.file, '--quiet');
    expect(s.state().certificates.late!.alert).toBeUndefined();
    expect(s.received()).toHaveLength(1);
  });

  it('alert-before is a config key; a certificate without on-failure raises nothing', async () => {
    const s = setup('  - name: late\n    domains: [late.test]\n', [['late', 'late.test', 5]], 'renew-before: 2\nalert-before: 3\n');
    await renew(s.file);
    expect(s.received()).toHaveLength(0);
  });

  it("a certificate's own on-failure replaces the top-level one", async () => {
    const s = setup('  - name: fail-one\n    domains: [fail.test]\n    on-failure: /bin/true\n  - name: fail-two\n    domains: [fail2.test]\n', []);
    await renew(s.file);
    expect(s.received().map((x) => x.env.CERT_WRAP_CERTIFICATE)).toEqual(['fail-two']);
  });

  it('its command is checked before anything runs (exit 2, nothing written); a failing command is reported and tried again', async () => {
    const s = setup('  - name: fail-one\n    domains: [fail.test]\n', []);
    const text = readFileSync(s.file, 'utf8');
    writeFileSync(s.file, text.replace(/on-failure: .*/, 'on-failure: /nonexistent/alert --now'));
    for (const command of ['obtain', 'renew']) {
      const r = await runBin(bins.certWrap, [command, '--no-preflight', '--no-reload', '-c', s.file]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('on-failure: "/nonexistent/alert" is not an executable file or a command on PATH');
    }
    expect(existsSync(join(s.dir, 'certs'))).toBe(false);
    writeFileSync(s.file, text.replace(/on-failure: .*/, 'on-failure: /bin/false'));
    const r = await renew(s.file);
    expect(r.stderr).toContain('cert-wrap: on-failure of fail-one failed (exit code 1); it runs again on the next run: /bin/false');
    expect(s.state().certificates['fail-one']!.alert).toBeUndefined();
  });

  it('never receives the EAB secrets, even when certbot repeats its arguments in the error', async () => {
    const s = setup('  - name: fail-one\n    domains: [fail.test]\n', [], 'eab-kid: kid-SECRETKIDVALUE\neab-hmac-key: hmac-SECRETHMACVALUE\n');
    const echoing = join(s.dir, 'certbot-echo.sh');
    // It repeats its arguments and the secrets file it was given (certbot gets EAB in a --config file) in its error.
    writeFileSync(echoing, ['#!/bin/sh', 'given=""', 'for a in "$@"; do case "$a" in --config=*) given=$(tr "\\n" " " < "${a#--config=}");; esac; done', 'echo "Some challenges have failed."', 'echo "  Domain: fail.test"', 'echo "  Type:   unauthorized"', 'echo "  Detail: called with $* $given"', 'exit 1', ''].join('\n'));
    chmodSync(echoing, 0o755);
    writeFileSync(s.file, readFileSync(s.file, 'utf8').replace(`certbot: ${fake}`, `certbot: ${echoing}`));
    await renew(s.file);
    const got = s.received();
    expect(got).toHaveLength(1);
    const everything = readdirSync(join(s.dir, 'alerts')).map((f) => readFileSync(join(s.dir, 'alerts', f), 'utf8')).join('\n');
    expect(everything).toMatch(/eab-hmac-key = "?\*\*\*/);
    expect(everything).not.toContain('SECRETKIDVALUE');
    expect(everything).not.toContain('SECRETHMACVALUE');
  });
});

describe('metrics: the last failure', () => {
  it('cert_wrap_certificate_last_failure_timestamp_seconds and _info with the class', async () => {
    const s = setup('  - name: ok\n    domains: [ok.test]\n  - name: fail-one\n    domains: [fail.test]\n', [['ok', 'ok.test', 80]]);
    const metrics = join(s.dir, 'm.prom');
    const before = Math.floor(Date.now() / 1000);
    await renew(s.file, '--metrics', metrics);
    const text = readFileSync(metrics, 'utf8');
    const at = Number(/^cert_wrap_certificate_last_failure_timestamp_seconds\{certificate="fail-one"\} (\d+)$/m.exec(text)?.[1]);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(text).toContain('cert_wrap_certificate_last_failure_info{certificate="fail-one",class="validation"} 1\n');
    expect(text).not.toMatch(/last_failure\w*\{certificate="ok"/);
    expect(text).toContain('cert_wrap_certificate_readable{certificate="ok"} 1\n');
  });
});

describe('status --check (Nagios/Icinga plugin conventions)', () => {
  const check = (file: string, ...more: string[]) => runBin(bins.certWrap, ['status', '-c', file, '--check', ...more]);
  const certs = (...names: string[]) => names.map((n) => `  - name: ${n}\n    domains: [${n}.test]\n`).join('');

  it('OK (0), WARNING (1), CRITICAL (2): one line, thresholds settable', async () => {
    const s = setup(certs('a', 'b'), [['a', 'a.test', 60], ['b', 'b.test', 10]]);
    const ok = await check(s.file, '--warning', '9', '--critical', '5');
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/^CERT-WRAP OK - 2 certificate\(s\), the first to expire: b in 9\.\d days \| 'a'=59\.\d;9;5 'b'=9\.\d;9;5\n$/);
    const warn = await check(s.file);
    expect(warn.exitCode).toBe(1);
    expect(warn.stdout).toMatch(/^CERT-WRAP WARNING - b: expires in 9\.\d days \| /);
    const crit = await check(s.file, '--critical', '12', '--warning', '30');
    expect(crit.exitCode).toBe(2);
    expect(crit.stdout).toMatch(/^CERT-WRAP CRITICAL - b: expires in 9\.\d days \| 'a'=59\.\d;30;12 'b'=9\.\d;30;12\n$/);
    expect(crit.stdout.split('\n')).toHaveLength(2);
    expect(crit.stderr).toBe('');
  });

  it('a certificate never issued is CRITICAL; the last run failed is WARNING', async () => {
    const s = setup(certs('a', 'new'), [['a', 'a.test', 60]]);
    expect((await check(s.file)).stdout).toMatch(/^CERT-WRAP CRITICAL - new: not issued yet/);
    const f = setup(certs('a', 'fail-one'), [['a', 'a.test', 60], ['fail-one', 'fail-one.test', 20]]);
    expect((await check(f.file)).exitCode).toBe(0);
    await renew(f.file);
    const r = await check(f.file);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^CERT-WRAP WARNING - fail-one: the last run failed \(validation\); expires in 19\.\d days/);
  });

  it('an unreadable certificate, an invalid config or a bad threshold is UNKNOWN (3), one line, no stack', async () => {
    const s = setup(certs('a', 'b'), [['a', 'a.test', 60], ['b', 'b.test', 60]]);
    writeFileSync(join(s.le, 'archive', 'b', 'cert1.pem'), 'not a certificate\n');
    const r = await check(s.file);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(/^CERT-WRAP UNKNOWN - b: cannot be read \(.+\) \| 'a'=59\.\d;14;7\n$/);
    const bad = writeConfig('certificates: [{ domain: [x.test] }]\n');
    const invalid = await check(bad);
    expect(invalid.exitCode).toBe(3);
    expect(invalid.stdout).toMatch(/^CERT-WRAP UNKNOWN - .*domain.*\n$/);
    const threshold = await check(s.file, '--warning', 'soon');
    expect(threshold.exitCode).toBe(3);
    expect(threshold.stdout).toBe('CERT-WRAP UNKNOWN - --warning "soon": give a number of days, 0 or more\n');
    const inverted = await check(s.file, '--warning', '3', '--critical', '7');
    expect(inverted.exitCode).toBe(3);
    expect((await runBin(bins.certWrap, ['status', '-c', s.file, '--warning', '3'])).exitCode).toBe(2);
  });
});
