import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bins, runBin } from '../../../lab/cli.js';
import { makeTempDir, removeTempDir } from '../../../lab/tmp.js';

const THUMB = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
let dir: string;
let site: string;

beforeAll(async () => {
  dir = await makeTempDir('cw-fleet-cli-');
  site = join(dir, 'site.yaml');
  writeFileSync(site, `certificates:\n  - domains: [a.example]\nnginx:\n  pid-file: ${dir}/nginx.pid\nfleet:\n  etcd:\n    endpoints: [http://127.0.0.1:1]\n  prefix: /p\n  node: n1\n  key-file: ${dir}/fleet.key\n  account-thumbprint: ${THUMB}\n`);
});
afterAll(() => removeTempDir(dir));

describe('cert-wrap fleet auth-hook', () => {
  const hook = (token: string, validation: string) => runBin(bins.certWrap, ['fleet', 'auth-hook', '-c', site], { env: { CERTBOT_TOKEN: token, CERTBOT_VALIDATION: validation, CERTBOT_DOMAIN: 'a.example' } });

  it('lets certbot continue when CERTBOT_VALIDATION is CERTBOT_TOKEN.THUMBPRINT', async () => {
    expect(await hook('tok-_1', `tok-_1.${THUMB}`)).toMatchObject({ exitCode: 0, stderr: '' });
  });

  it("stops certbot when the account is not the fleet's, or the token is one nginx would not answer", async () => {
    const other = await hook('tok', `tok.${'B'.repeat(43)}`);
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toContain('certbot is not using the fleet account');
    const malformed = await hook('a.b', `a.b.${THUMB}`);
    expect(malformed.exitCode).toBe(1);
    expect(malformed.stderr).toContain('is not a well-formed token');
  });
});

describe('fleet commands refuse before starting anything', () => {
  it('agent: no key file -> exit 2 naming fleet.key-file', async () => {
    const r = await runBin(bins.certWrap, ['agent', '-c', site]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('fleet.key-file');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('agent and fleet init on a config without a fleet section -> exit 2', async () => {
    writeFileSync(join(dir, 'single.yaml'), 'certificates:\n  - domains: [a.example]\n');
    for (const argv of [['agent'], ['fleet', 'init']]) {
      const r = await runBin(bins.certWrap, [...argv, '-c', join(dir, 'single.yaml')]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('has no fleet section');
    }
  });

  it('obtain, renew and apply refuse a fleet config: the elected agent orders', async () => {
    for (const argv of [['obtain'], ['renew'], ['apply', '--nginx-conf', '/x.conf']]) {
      const r = await runBin(bins.certWrap, [...argv, '-c', site]);
      expect(r.exitCode, argv[0]).toBe(2);
      expect(r.stderr).toContain('is a fleet config: certificates are ordered by the elected "cert-wrap agent"');
    }
  });

  it('schedule --systemd writes the agent service with Restart=; --cron is refused', async () => {
    const r = await runBin(bins.certWrap, ['schedule', '-c', site, '--systemd']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('# ==> /etc/systemd/system/cert-wrap-agent.service <==');
    expect(r.stdout).toMatch(/^ExecStart=\S+ \S+cert-wrap\.js agent -c \S+site\.yaml$/m);
    expect(r.stdout).toMatch(/^Restart=always$/m);
    expect(r.stdout).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    const cron = await runBin(bins.certWrap, ['schedule', '-c', site, '--cron']);
    expect(cron.exitCode).toBe(2);
  });
});
