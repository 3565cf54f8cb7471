/**
 * One renewal rule: `obtain` decides like `renew` for certificates that have a
 * lineage (nothing runs for one that is not due and whose names match;
 * --force reissues anyway), and `status` shows where certbot's stored
 * renew_before_expiry disagrees with cert-wrap's rule.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bins, repoRoot, runBin, writeConfig } from '../../lab/cli.js';
import { makeLineage } from '../../lab/lineage.js';

const DAY = 86_400_000;
const fake = join(repoRoot, 'lab', 'fake-certbot.sh');

/** fresh (a 6-day certificate, 1 day old: certbot's 30-day rule would reissue it), due, changed names, and new. */
function setup() {
  const file = writeConfig('placeholder');
  const dir = dirname(file);
  mkdirSync(join(dir, 'webroot'));
  const le = join(dir, 'le');
  const now = Date.now();
  makeLineage(le, { name: 'fresh', domains: ['fresh.test'], notBefore: new Date(now - 1 * DAY), notAfter: new Date(now + 5 * DAY) });
  makeLineage(le, { name: 'due', domains: ['due.test'], notBefore: new Date(now - 70 * DAY), notAfter: new Date(now + 20 * DAY) });
  makeLineage(le, { name: 'changed', domains: ['changed.test'], notBefore: new Date(now - 1 * DAY), notAfter: new Date(now + 89 * DAY) });
  writeFileSync(
    file,
    `webroot: ${dir}/webroot\ncertbot: ${fake}\nconfig-dir: ${le}\ncerts-dir: ${dir}/certs\nnginx:\n  pid-file: ${dir}/nginx.pid\ncertificates:\n` +
      '  - name: fresh\n    domains: [fresh.test]\n  - name: due\n    domains: [due.test]\n  - name: changed\n    domains: [changed.test, www.changed.test]\n  - name: new\n    domains: [new.test]\n',
  );
  const log = join(dir, 'certbot-calls.log');
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  return { file, dir, le, env: { FAKE_CERTBOT_LOG: log }, calls };
}

interface Report {
  certificates: { name: string; outcome: string; reason: string | null }[];
}

describe('cert-wrap obtain decides like renew', () => {
  it('runs certbot for the new, changed and due certificates only; a 6-day certificate that is not due is left alone', async () => {
    const s = setup();
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--json'], { env: s.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(s.calls().map((c) => c.split(' ')[4])).toEqual(['due', 'changed', 'new']);
    expect(s.calls()[0]).toContain('--force-renewal');
    expect(s.calls()[1]).not.toContain('--force-renewal');
    const fresh = (JSON.parse(r.stdout) as Report).certificates.find((c) => c.name === 'fresh')!;
    expect(fresh.outcome).toBe('unchanged');
    expect(fresh.reason).toMatch(/^not due: 5\.0 days left; due /);
  });

  it('--force reissues the certificate that is not due too', async () => {
    const s = setup();
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--cert', 'fresh', '--force', '--json'], { env: s.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(s.calls()).toHaveLength(1);
    expect(s.calls()[0]).toMatch(/ --cert-name fresh .* --force-renewal$/);
    expect((JSON.parse(r.stdout) as Report).certificates[0]!.outcome).toBe('issued');
  });

  it('--print shows the commands that would run and, for the others, why not', async () => {
    const s = setup();
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--print'], { env: s.env });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^# fresh: not due: 5\.0 days left; due /);
    expect(lines.slice(1).map((l) => /--cert-name (\S+)/.exec(l)?.[1])).toEqual(['due', 'changed', 'new']);
    expect(s.calls()).toEqual([]);
    const forced = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file, '--print', '--force', '--cert', 'fresh'], { env: s.env });
    expect(forced.stdout).toMatch(/--cert-name fresh .*--force-renewal\n$/);
  });
});

describe("status: certbot's stored renew_before_expiry against cert-wrap's rule", () => {
  const conf = (le: string, name: string, head: string) => {
    mkdirSync(join(le, 'renewal'), { recursive: true });
    writeFileSync(join(le, 'renewal', `${name}.conf`), `${head}\nversion = 2.1.0\narchive_dir = ${le}/archive/${name}\nfullchain = ${le}/live/${name}/fullchain.pem\n\n[renewalparams]\nauthenticator = webroot\n`);
  };

  it("names the lineage whose certbot setting disagrees (certbot's 30-day default on a 6-day certificate), and not the one that agrees", async () => {
    const s = setup();
    conf(s.le, 'fresh', '# renew_before_expiry = 30 days');
    conf(s.le, 'due', 'renew_before_expiry = 30 days');
    const r = await runBin(bins.certWrap, ['status', '-c', s.file], { env: { NO_COLOR: '1' } });
    expect(r.stdout).toContain("fresh: certbot's renewal config says renew_before_expiry = 30 days, cert-wrap's rule is 3 days: a plain `certbot renew` may renew at another time");
    expect(r.stdout).not.toMatch(/^due: certbot's/m);
    const json = JSON.parse((await runBin(bins.certWrap, ['status', '-c', s.file, '--json'])).stdout) as { certificates: { name: string; certbotRenewBeforeExpiry: unknown }[] };
    expect(json.certificates.map((c) => [c.name, c.certbotRenewBeforeExpiry])).toEqual([
      ['fresh', { stored: '30 days', expected: '3 days', agrees: false }],
      ['due', { stored: '30 days', expected: '30 days', agrees: true }],
      ['changed', null],
      ['new', null],
    ]);
  });

  it('the deploy hook stores the rule after an issuance, atomically, keeping the rest of the file', async () => {
    const s = setup();
    conf(s.le, 'fresh', '# renew_before_expiry = 30 days');
    const before = readFileSync(join(s.le, 'renewal', 'fresh.conf'), 'utf8');
    const r = await runBin(bins.certWrap, ['deploy-hook', '-c', s.file], { env: { RENEWED_LINEAGE: join(s.le, 'live', 'fresh'), CERT_WRAP_DEFER_RELOAD: '1' } });
    expect(r.stdout).toContain("certbot's renew_before_expiry for fresh is 3 days");
    const after = readFileSync(join(s.le, 'renewal', 'fresh.conf'), 'utf8');
    expect(after).toBe(before.replace('# renew_before_expiry = 30 days', 'renew_before_expiry = 3 days'));
    const status = await runBin(bins.certWrap, ['status', '-c', s.file], { env: { NO_COLOR: '1' } });
    expect(status.stdout).not.toContain("fresh: certbot's renewal config");
  });
});
