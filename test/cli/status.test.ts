import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bins, repoRoot, runBin, writeConfig } from '../support/cli.js';
import { makeLineage } from '../support/lineage.js';

const DAY = 86_400_000;
const fake = join(repoRoot, 'test', 'support', 'fake-certbot.sh');

/** Three certificates: fresh (nothing to do), due, and names changed; plus one never issued. */
function setup() {
  const file = writeConfig('placeholder');
  const dir = dirname(file);
  mkdirSync(join(dir, 'webroot'));
  const le = join(dir, 'le');
  const now = Date.now();
  makeLineage(le, { name: 'fresh', domains: ['fresh.test'], notBefore: new Date(now - 10 * DAY), notAfter: new Date(now + 80 * DAY) });
  makeLineage(le, { name: 'due', domains: ['due.test'], notBefore: new Date(now - 70 * DAY), notAfter: new Date(now + 20 * DAY) });
  makeLineage(le, { name: 'changed', domains: ['changed.test'], notBefore: new Date(now - 1 * DAY), notAfter: new Date(now + 89 * DAY) });
  const config = (certs: string) =>
    `webroot: ${dir}/webroot\ncertbot: ${fake}\nconfig-dir: ${le}\ncerts-dir: ${dir}/certs\nnginx:\n  pid-file: ${dir}/nginx.pid\ncertificates:\n${certs}`;
  writeFileSync(
    file,
    config(
      '  - name: fresh\n    domains: [fresh.test]\n  - name: due\n    domains: [due.test]\n  - name: changed\n    domains: [changed.test, www.changed.test]\n  - name: new\n    domains: [new.test]\n',
    ),
  );
  const log = join(dir, 'certbot-calls.log');
  return { file, dir, le, log, env: { FAKE_CERTBOT_LOG: log }, config };
}

describe('cert-wrap status and plan', () => {
  it('--json: expiry, days left and next action with its reason, matching the certificates on disk', async () => {
    const s = setup();
    const r = await runBin(bins.certWrap, ['status', '-c', s.file, '--json']);
    expect(r.exitCode).toBe(0);
    const rows = (JSON.parse(r.stdout) as { certificates: { name: string; action: string; reason: string; notAfter: string | null; daysLeft: number | null }[] }).certificates;
    expect(rows.map((x) => [x.name, x.action])).toEqual([
      ['fresh', 'none'],
      ['due', 'renew'],
      ['changed', 'reissue'],
      ['new', 'obtain'],
    ]);
    expect(rows[2]!.reason).toBe('names changed: add www.changed.test');
    for (const row of rows.slice(0, 3)) {
      const enddate = execFileSync('openssl', ['x509', '-noout', '-enddate', '-in', join(s.le, 'live', row.name, 'cert.pem')], { encoding: 'utf8' });
      expect(new Date(row.notAfter!).getTime()).toBe(Date.parse(enddate.replace('notAfter=', '').trim()));
    }
    expect(rows[0]!.daysLeft).toBeGreaterThan(79);
    expect(rows[3]!.notAfter).toBeNull();
  });

  it('a table for people', async () => {
    const s = setup();
    const r = await runBin(bins.certWrap, ['status', '-c', s.file]);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME +NAMES +NOT AFTER +DAYS LEFT +NEXT ACTION +REASON$/);
    expect(r.stdout).toMatch(/\ndue +due\.test +\S+Z +19\.\d +renew +19 days left of 90 days; due since 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/);
  });

  it('--metrics writes Prometheus textfile metrics atomically, agreeing with openssl', async () => {
    const s = setup();
    const metrics = join(s.dir, 'cert-wrap.prom');
    const r = await runBin(bins.certWrap, ['status', '-c', s.file, '--json', '--metrics', metrics]);
    expect(r.exitCode).toBe(0);
    const text = readFileSync(metrics, 'utf8');
    const enddate = execFileSync('openssl', ['x509', '-noout', '-enddate', '-in', join(s.le, 'live', 'due', 'cert.pem')], { encoding: 'utf8' });
    const notAfter = Date.parse(enddate.replace('notAfter=', '').trim()) / 1000;
    expect(text).toContain(`cert_wrap_certificate_not_after_seconds{certificate="due"} ${notAfter}\n`);
    expect(text).toContain('# TYPE cert_wrap_certificate_seconds_left gauge\n');
    expect(text).toMatch(/cert_wrap_certificate_seconds_left\{certificate="due"\} 17\d{5}\n/);
    expect(text).toContain('cert_wrap_certificate_renewal_due{certificate="fresh"} 0\n');
    expect(text).toContain('cert_wrap_certificate_renewal_due{certificate="new"} 1\n');
    expect(text).not.toContain('certificate="new"} 1\ncert_wrap_certificate_not_after'); // no expiry for a certificate that does not exist
    expect(existsSync(`${metrics}.tmp`)).toBe(false);
  });

  it('plan shows the certbot command of each action, --force-renewal only for the due one', async () => {
    const s = setup();
    const r = await runBin(bins.certWrap, ['plan', '-c', s.file, '--json']);
    const items = (JSON.parse(r.stdout) as { certificates: { name: string; action: string; command: string | null }[] }).certificates;
    expect(items.find((i) => i.name === 'fresh')!.command).toBeNull();
    expect(items.find((i) => i.name === 'due')!.command).toContain(' --force-renewal');
    expect(items.find((i) => i.name === 'changed')!.command).not.toContain('--force-renewal');
    expect(items.find((i) => i.name === 'changed')!.command).toContain('-d changed.test -d www.changed.test');
  });
});

describe('cert-wrap renew (certbot replaced by a recording stand-in)', () => {
  it('runs certbot only for what needs it, forcing renewal for the due one; renewed: true', async () => {
    const s = setup();
    const r = await runBin(bins.certWrap, ['renew', '--no-preflight', '--no-reload', '-c', s.file, '--json'], { env: s.env });
    expect(r.exitCode).toBe(0);
    const summary = JSON.parse(r.stdout) as { renewed: boolean; certificates: { name: string; outcome: string; reason: string | null }[] };
    expect(summary.renewed).toBe(true);
    const calls = readFileSync(s.log, 'utf8').trim().split('\n');
    expect(calls.map((c) => c.split(' ')[4])).toEqual(['due', 'changed', 'new']);
    expect(calls[0]).toContain('--force-renewal');
    expect(calls[1]).not.toContain('--force-renewal');
    expect(summary.certificates.find((c) => c.name === 'fresh')).toMatchObject({ outcome: 'unchanged' });
    expect(summary.certificates.find((c) => c.name === 'fresh')!.reason).toMatch(/^not due: /);
  });

  it('with nothing due it starts no certbot process at all: renewed: false', async () => {
    const s = setup();
    writeFileSync(s.file, s.config('  - name: fresh\n    domains: [fresh.test]\n'));
    const r = await runBin(bins.certWrap, ['renew', '--no-preflight', '--no-reload', '-c', s.file, '--json'], { env: s.env });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, renewed: false, reload: { attempted: false } });
    expect(existsSync(s.log)).toBe(false); // the stand-in records every start: none
    // and it records the successful check for the metrics
    const state = JSON.parse(readFileSync(join(s.dir, 'certs', 'state.json'), 'utf8')) as { certificates: Record<string, { lastSuccess: string }> };
    expect(Date.now() - Date.parse(state.certificates.fresh!.lastSuccess)).toBeLessThan(60_000);
  });
});
