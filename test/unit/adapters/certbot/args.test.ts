import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certonlyArgs, deployHookCommand, printable } from '../../../../src/adapters/certbot/args.js';
import { secretsIni } from '../../../../src/adapters/certbot/secrets-file.js';
import { parseConfig } from '../../../../src/model/load.js';

const hook = deployHookCommand('/usr/bin/node', '/opt/cert-wrap/bin/cert-wrap.js', '/etc/cert-wrap/site.yaml');
const argsFor = (yaml: string, index = 0, dryRun = false) => {
  const config = parseConfig(yaml, 'site.yaml', '/etc/cert-wrap/site.yaml');
  return certonlyArgs(config, config.certificates[index]!, { deployHook: hook, dryRun, forceRenewal: false });
};
const snap = (name: string) => join(import.meta.dirname, '__snapshots__', `${name}.argv`);
const show = (args: string[]) => `${args.join('\n')}\n`;

describe('certbot argv, one snapshot per config variant', () => {
  it('webroot, no email, certbot default dirs', async () => {
    await expect(show(argsFor('certificates:\n  - domains: [example.org, www.example.org]\n'))).toMatchFileSnapshot(snap('webroot'));
  });

  it('manual http challenge with hooks, email, server, directories', async () => {
    const yaml = `webroot: /srv/acme
email: ops@example.org
server: https://acme-staging-v02.api.letsencrypt.org/directory
config-dir: /srv/le/config
work-dir: /srv/le/work
logs-dir: /srv/le/logs
certificates:
  - name: app
    domains: [app.example.org]
    challenge: http
    authentication-hook: /etc/hooks/auth --verbose
    cleanup-hook: /etc/hooks/cleanup
`;
    await expect(show(argsFor(yaml))).toMatchFileSnapshot(snap('manual-http'));
  });

  it('dns challenge, wildcard', async () => {
    const yaml = 'certificates:\n  - domains: ["*.example.org", example.org]\n    challenge: dns\n    authentication-hook: /etc/hooks/dns-add\n';
    await expect(show(argsFor(yaml))).toMatchFileSnapshot(snap('manual-dns'));
  });

  it('rsa-key-size implies --key-type rsa', async () => {
    await expect(show(argsFor('rsa-key-size: 4096\ncertificates:\n  - domains: [example.org]\n'))).toMatchFileSnapshot(snap('rsa'));
  });

  it('key-type ecdsa, EAB, dry run', async () => {
    const yaml = 'key-type: ecdsa\neab-kid: kid-123\neab-hmac-key: c2VjcmV0LWhtYWMta2V5\ncertificates:\n  - domains: [example.org]\n';
    await expect(show(argsFor(yaml, 0, true))).toMatchFileSnapshot(snap('ecdsa-eab-dry-run'));
  });
});

describe('certbot argv properties', () => {
  it('never passes --manual-public-ip-logging-ok (removed in certbot 3.0)', () => {
    const args = argsFor('certificates:\n  - domains: [a.org]\n    challenge: http\n    authentication-hook: /bin/true\n');
    expect(args.join(' ')).not.toContain('public-ip-logging');
  });

  it('keeps a value that looks like a flag inside its own argument', () => {
    const args = argsFor('email: "--server=evil@x.org"\ncertificates:\n  - domains: [a.org]\n    challenge: http\n    authentication-hook: "-x --dry-run"\n');
    expect(args).toContain('--email=--server=evil@x.org');
    expect(args).toContain('--manual-auth-hook=-x --dry-run');
    expect(args.filter((a) => a.startsWith('--server'))).toEqual([]);
    expect(args).not.toContain('--dry-run');
  });

  it('the deploy hook calls back into cert-wrap with absolute, quoted paths', () => {
    expect(deployHookCommand('/usr/bin/node', '/opt/my tools/cert-wrap.js', "/etc/it's/site.yaml")).toBe(
      "/usr/bin/node '/opt/my tools/cert-wrap.js' deploy-hook -c '/etc/it'\\''s/site.yaml'",
    );
  });

  it('never puts EAB secrets in argv: they go to the ini file certbot reads with --config', () => {
    const yaml = 'eab-kid: kid-123\neab-hmac-key: c2VjcmV0\ncertificates:\n  - domains: [example.org]\n';
    const args = argsFor(yaml);
    expect(args.join(' ')).not.toMatch(/kid-123|c2VjcmV0|--eab/);
    expect(secretsIni(parseConfig(yaml, 'site.yaml', '/etc/cert-wrap/site.yaml'))).toBe('eab-kid = "kid-123"\neab-hmac-key = "c2VjcmV0"\n');
    expect(secretsIni(parseConfig('certificates:\n  - domains: [example.org]\n', 'site.yaml', '/etc/cert-wrap/site.yaml'))).toBeNull();
    const printed = printable('certbot', args, true);
    expect(printed).toBe(`certbot ${args.join(' ').replace(/--deploy-hook=(.*)$/, "'--deploy-hook=$1'")} --config="$EAB_INI"`);
  });
});
