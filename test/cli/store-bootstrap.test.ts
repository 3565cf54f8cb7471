import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/model/load.js';
import { bootstrap, opensslSelfSign, switchToLineage } from '../../src/adapters/store/bootstrap.js';
import { bootstrapCertificates } from '../../src/run/bootstrap.js';
import { makeLineage } from '../../lab/lineage.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup() {
  dir = mkdtempSync(join(tmpdir(), 'cert-wrap-bootstrap-'));
  const config = parseConfig(
    `certs-dir: ${dir}/certs\nconfig-dir: ${dir}/le\ncertificates:\n  - name: site\n    domains: [a.test, www.a.test]\n  - name: issued\n    domains: [b.test]\n`,
    'site.yaml',
  );
  return config;
}
const deps = { selfSign: opensslSelfSign, now: () => new Date() };

describe('bootstrap: stable certificate paths before and after the first issuance', () => {
  it('without openssl on PATH: one sentence saying so (the spawn says not found; no probe of PATH first)', async () => {
    const config = setup();
    vi.stubEnv('PATH', join(dir, 'empty'));
    try {
      await expect(bootstrapCertificates(config, [config.certificates[0]!])).rejects.toThrow(/^cannot make placeholder certificates: openssl not found \(apt-get install openssl\)$/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('openssl failing: its own words in the message', async () => {
    const config = setup();
    const bad = { name: 'bad', domains: ['a.test', ''] };
    await expect(bootstrapCertificates(config, [{ ...config.certificates[0]!, ...bad }])).rejects.toThrow(/^cannot prepare the certificate paths in certs-dir .*\/certs: \S/);
  });

  it('gives a certificate without a lineage a short-lived self-signed placeholder for its names', async () => {
    const config = setup();
    const [result] = await bootstrap(config, [config.certificates[0]!], deps);
    expect(result).toMatchObject({ name: 'site', action: 'placeholder' });
    const fullchain = join(dir, 'certs/site/fullchain.pem');
    const cert = new X509Certificate(readFileSync(fullchain));
    expect(cert.subjectAltName).toBe('DNS:a.test, DNS:www.a.test');
    expect(Date.parse(cert.validTo) - Date.now()).toBeLessThan(8 * 86_400_000);
    expect(readlinkSync(fullchain)).toBe('current/fullchain.pem');
    expect(readlinkSync(join(dir, 'certs/site/current'))).toBe('self-signed');
    expect(statSync(join(dir, 'certs/site/privkey.pem')).mode & 0o777).toBe(0o600);
    // the key matches the certificate
    expect(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(readFileSync(join(dir, 'certs/site/privkey.pem'))))).toBe(true);
  });

  it('is idempotent: a valid placeholder is kept', async () => {
    const config = setup();
    await bootstrap(config, config.certificates, deps);
    const before = readFileSync(join(dir, 'certs/site/fullchain.pem'));
    const again = await bootstrap(config, config.certificates, deps);
    expect(again.map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
    expect(readFileSync(join(dir, 'certs/site/fullchain.pem'))).toEqual(before);
  });

  it('points a certificate with a lineage straight at it', async () => {
    const config = setup();
    const live = makeLineage(`${dir}/le`, { name: 'issued', domains: ['b.test'], notBefore: new Date(), notAfter: new Date(Date.now() + 90 * 86_400_000) });
    const [result] = await bootstrap(config, [config.certificates[1]!], deps);
    expect(result).toMatchObject({ name: 'issued', action: 'linked-lineage', target: live });
    expect(realpathSync(join(dir, 'certs/issued/fullchain.pem'))).toBe(realpathSync(join(live, 'fullchain.pem')));
  });

  it('after an issuance the deploy step swaps both paths to the lineage at once and drops the placeholder', async () => {
    const config = setup();
    await bootstrap(config, [config.certificates[0]!], deps);
    const live = makeLineage(`${dir}/le`, { name: 'site', domains: ['a.test', 'www.a.test'], notBefore: new Date(), notAfter: new Date(Date.now() + 90 * 86_400_000) });
    expect(switchToLineage(config, config.certificates[0]!, live)).toBe(true);
    expect(readlinkSync(join(dir, 'certs/site/current'))).toBe(live);
    expect(realpathSync(join(dir, 'certs/site/privkey.pem'))).toBe(realpathSync(join(live, 'privkey.pem')));
    expect(() => statSync(join(dir, 'certs/site/self-signed'))).toThrow();
    expect(switchToLineage(config, config.certificates[0]!, live)).toBe(false);
  });

  it('leaves a fleet node on what its agent installed (fleet-SERIAL), with or without a lineage', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cert-wrap-bootstrap-'));
    const config = parseConfig(
      `certs-dir: ${dir}/certs\nconfig-dir: ${dir}/le\ncertificates:\n  - name: site\n    domains: [a.test]\n` +
        `fleet:\n  etcd:\n    endpoints: [http://127.0.0.1:2379]\n  prefix: /f\n  node: n1\n  key-file: ${dir}/fleet.key\n`,
      'site.yaml',
    );
    const cert = config.certificates[0]!;
    await bootstrap(config, [cert], deps);
    const installed = join(dir, 'certs/site/fleet-0A1B');
    mkdirSync(installed);
    await opensslSelfSign(installed, ['a.test'], 7);
    symlinkSync(installed, join(dir, 'certs/site/current.tmp'));
    renameSync(join(dir, 'certs/site/current.tmp'), join(dir, 'certs/site/current'));
    const [result] = await bootstrap(config, [cert], deps);
    expect(result).toMatchObject({ name: 'site', action: 'unchanged', target: installed });
    expect(readlinkSync(join(dir, 'certs/site/current'))).toBe(installed);
    // The leader also has certbot's lineage: the agent's install still wins.
    makeLineage(`${dir}/le`, { name: 'site', domains: ['a.test'], notBefore: new Date(), notAfter: new Date(Date.now() + 90 * 86_400_000) });
    await bootstrap(config, [cert], deps);
    expect(readlinkSync(join(dir, 'certs/site/current'))).toBe(installed);
  });
});
