import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bins, repoRoot, runBin, writeConfig } from '../../lab/cli.js';
import { makeLineage } from '../../lab/lineage.js';

const DAY = 86_400_000;
const fake = join(repoRoot, 'lab', 'fake-certbot.sh');

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

describe.skipIf(process.geteuid?.() !== 0)('a user who cannot read the certificates (the real nobody, through runuser)', () => {
  /** Run the built cert-wrap as nobody, with its own cache directory. */
  const asNobody = async (dir: string, args: string[]) => {
    const cache = join(dir, 'nobody-cache');
    mkdirSync(cache, { recursive: true });
    chownSync(cache, 65534, 65534);
    const r = await execa('runuser', ['-u', 'nobody', '--', 'env', `CERT_WRAP_CACHE_DIR=${cache}`, 'NO_COLOR=1', process.execPath, bins.certWrap, ...args], { reject: false, stdin: 'ignore' });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };

  /** certbot's own modes: live/ and archive/ are 0700, owned by root. */
  function rootOnly() {
    const s = setup();
    chmodSync(s.dir, 0o755);
    chmodSync(join(s.le, 'live'), 0o700);
    chmodSync(join(s.le, 'archive'), 0o700);
    const out = join(s.dir, 'metrics');
    mkdirSync(out);
    chownSync(out, 65534, 65534);
    return { ...s, metrics: join(out, 'cert-wrap.prom') };
  }

  it('status: each issued certificate is unknown, with the reason, and the exit code is 1; metrics say unreadable, never due', async () => {
    const s = rootOnly();
    const r = await asNobody(s.dir, ['status', '-c', s.file, '--json', '--metrics', s.metrics]);
    expect(r.exitCode, r.stderr).toBe(1);
    const rows = (JSON.parse(r.stdout) as { certificates: { name: string; action: string; reason: string }[] }).certificates;
    expect(rows.map((x) => [x.name, x.action])).toEqual([
      ['fresh', 'unknown'],
      ['due', 'unknown'],
      ['changed', 'unknown'],
      ['new', 'unknown'],
    ]);
    expect(rows[0]!.reason).toBe(`cannot read ${s.le}/live/fresh/cert.pem: EACCES: this user cannot read the certificate (run as root, or as a user who can read ${s.le}/live and archive)`);
    const text = readFileSync(s.metrics, 'utf8');
    for (const name of ['fresh', 'due', 'changed']) {
      expect(text).toContain(`cert_wrap_certificate_readable{certificate="${name}"} 0\n`);
      expect(text).not.toContain(`cert_wrap_certificate_renewal_due{certificate="${name}"}`);
    }
    // as root, the same files read fine
    const root = await runBin(bins.certWrap, ['status', '-c', s.file, '--json', '--metrics', s.metrics]);
    expect(root.exitCode).toBe(0);
    expect(readFileSync(s.metrics, 'utf8')).toContain('cert_wrap_certificate_readable{certificate="fresh"} 1\n');
    expect(readFileSync(s.metrics, 'utf8')).toContain('cert_wrap_certificate_renewal_due{certificate="due"} 1\n');
  });

  it('status as a table and plan: "unknown", no certbot command, exit 1', async () => {
    const s = rootOnly();
    const table = await asNobody(s.dir, ['status', '-c', s.file]);
    expect(table.exitCode).toBe(1);
    expect(table.stdout).toMatch(/\nfresh +fresh\.test +- +- +unknown +cannot read .*EACCES/);
    const plan = await asNobody(s.dir, ['plan', '-c', s.file, '--json']);
    expect(plan.exitCode).toBe(1);
    const items = (JSON.parse(plan.stdout) as { certificates: { name: string; action: string; command: string | null }[] }).certificates;
    expect(items.every((i) => i.action === 'unknown' && i.command === null)).toBe(true);
  });
});
