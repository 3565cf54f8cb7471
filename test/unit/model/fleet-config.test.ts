import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/model/load.js';

const base = 'certificates:\n  - domains: [a.example]\n';
const fleet = (extra: string) => `${base}fleet:\n  etcd:\n    endpoints: [http://127.0.0.1:2379]\n  prefix: /cw/prod\n  key-file: /etc/cw/fleet.key\n${extra}`;

describe('fleet config', () => {
  it('applies the defaults once: node is the host name, lease-ttl 10, order-grace 60', () => {
    const c = parseConfig(fleet(''), 'site.yaml');
    expect(c.fleet).toEqual({
      etcd: { endpoints: ['http://127.0.0.1:2379'], ca: null, cert: null, key: null, username: null, passwordFile: null },
      prefix: '/cw/prod',
      node: hostname().split('.')[0],
      keyFile: '/etc/cw/fleet.key',
      accountThumbprint: null,
      leaseTtl: 10,
      orderGrace: 60,
    });
  });

  it('is null without a fleet section', () => {
    expect(parseConfig(base, 'site.yaml').fleet).toBeNull();
  });

  const bad: [string, string, string][] = [
    ['plain http on a non-loopback address', `${base}fleet:\n  etcd:\n    endpoints: [http://10.0.0.11:2379]\n  prefix: /p\n  key-file: /k\n`, 'site.yaml:5: fleet.etcd.endpoints[0]: "http://10.0.0.11:2379" is plain http on a non-loopback address'],
    ['not a URL', `${base}fleet:\n  etcd:\n    endpoints: ["10.0.0.11:2379"]\n  prefix: /p\n  key-file: /k\n`, 'fleet.etcd.endpoints[0]: "10.0.0.11:2379" is not a URL'],
    ['a path in the endpoint', `${base}fleet:\n  etcd:\n    endpoints: [https://e:2379/x]\n  prefix: /p\n  key-file: /k\n`, 'must be scheme, host and port only'],
    ['relative key-file', fleet('').replace('/etc/cw/fleet.key', 'fleet.key'), 'fleet.key-file: "fleet.key" must be an absolute path'],
    ['bad prefix', fleet('').replace('/cw/prod', '/cw/../x'), 'fleet.prefix: "/cw/../x" is not a valid key prefix'],
    ['bad node', fleet('  node: "-web 1"\n'), 'fleet.node: "-web 1" is not a valid node name'],
    ['bad thumbprint', fleet('  account-thumbprint: abc\n'), 'fleet.account-thumbprint: "abc" is not a JWK thumbprint'],
    ['lease-ttl too small', fleet('  lease-ttl: 1\n'), 'fleet.lease-ttl: must be >= 2 (1)'],
    ['cert without key', fleet('').replace('    endpoints', '    cert: /c.pem\n    endpoints'), 'fleet.etcd'],
    ['manual http in a fleet', fleet('').replace('  - domains: [a.example]\n', '  - domains: [a.example]\n    challenge: http\n    authentication-hook: /bin/true\n'), 'certificates[0].challenge: "http" with hooks is for a single host'],
    ['missing key-file', `${base}fleet:\n  etcd:\n    endpoints: [http://127.0.0.1:2379]\n  prefix: /p\n`, 'fleet.key-file: is required'],
  ];
  it.each(bad)('refuses %s, naming the path and the value', (_, text, message) => {
    expect(() => parseConfig(text, 'site.yaml')).toThrow(message);
  });

  it('accepts plain http on a non-loopback address with insecure-http: true, and https anywhere', () => {
    const text = `${base}fleet:\n  etcd:\n    endpoints: [http://10.0.0.11:2379, https://10.0.0.12:2379]\n    insecure-http: true\n  prefix: /p/\n  key-file: /k\n`;
    const c = parseConfig(text, 'site.yaml');
    expect(c.fleet?.etcd.endpoints).toEqual(['http://10.0.0.11:2379', 'https://10.0.0.12:2379']);
    expect(c.fleet?.prefix).toBe('/p');
  });
});
