import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/model/load.js';
import type { Certificate, Config } from '../../../../src/model/types.js';
import { certKey } from '../../../../src/adapters/fleet/layout.js';
import { makeRecord } from '../../../../src/adapters/fleet/record.js';
import { Installer } from '../../../../src/run/fleet/installer.js';
import { makeCertificate } from '../../../../lab/certificates.js';
import { makeTempDir, removeTempDir } from '../../../../lab/tmp.js';
import { MemoryStore } from './fake-store.js';

const P = '/t';
const key = randomBytes(32);
let dir: string;

beforeAll(async () => {
  dir = await makeTempDir('cw-installer-');
});
afterAll(() => removeTempDir(dir));

const domain = (i: number) => `c${i}.example`;

function configOf(sub: string, n: number): Config {
  const certs = Array.from({ length: n }, (_, i) => `  - domains: [${domain(i)}]`).join('\n');
  return parseConfig(
    `config-dir: ${dir}/${sub}/le\ncerts-dir: ${dir}/${sub}/certs\nserver: https://ca.example/dir\ncertificates:\n${certs}\nfleet:\n  etcd:\n    endpoints: [http://127.0.0.1:1]\n  prefix: ${P}\n  node: n1\n  key-file: /k\n`,
    join(dir, sub, 'site.yaml'),
  );
}

function publish(store: MemoryStore, names: string[]): Map<string, string> {
  const now = Date.now();
  const serials = new Map<string, string>();
  for (const name of names) {
    const { cert, key: privkey } = makeCertificate({ domains: [name], notBefore: new Date(now - 3600_000), notAfter: new Date(now + 90 * 86400_000) });
    const record = makeRecord(key, name, { fullchain: cert, privkey }, 1, 'n0', new Date());
    store.data.set(certKey(P, name), JSON.stringify(record));
    serials.set(name, record.serial);
  }
  return serials;
}

function installer(store: MemoryStore, config: Config, reloads: { n: number }, now = () => new Date()) {
  return new Installer(store, key, config, {
    reload: async () => {
      reloads.n++;
      return { ok: true, message: 'reloaded' } as never;
    },
    reloadOwed: () => false,
    now,
    log: () => undefined,
    changed: () => undefined,
    storeState: () => undefined,
  });
}

/** The config's certificate list, counting how many of its elements are read. */
function countingReads(config: Config): { reads: number } {
  const counter = { reads: 0 };
  const list = new Proxy(config.certificates, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) counter.reads++;
      return Reflect.get(target, prop, receiver);
    },
  });
  (config as { certificates: Certificate[] }).certificates = list;
  return counter;
}

describe('installer: a snapshot of many certificates', () => {
  it('installs all of them with one reload, reading the certificate list a bounded number of times per certificate (not once per queued value)', async () => {
    const n = 300;
    const config = configOf('many', n);
    const store = new MemoryStore(P);
    const serials = publish(store, config.certificates.map((c) => c.name));
    const counter = countingReads(config);
    const reloads = { n: 0 };
    const inst = installer(store, config, reloads);
    await inst.resync();
    await inst.stop();
    expect([...inst.states].filter(([name, s]) => s.serial === serials.get(name)).length).toBe(n);
    expect(reloads.n).toBe(1);
    // A lookup by scanning the list reads n*(n+1)/2 = 45,150 elements here; by name, a few per certificate.
    expect(counter.reads).toBeLessThan(5 * n);
  });

  it('after setConfig, a certificate the new config adds is installed from the store', async () => {
    const before = configOf('added', 1);
    const after = configOf('added', 2);
    const store = new MemoryStore(P);
    const serials = publish(store, [domain(0), domain(1)]);
    const inst = installer(store, before, { n: 0 });
    await inst.resync();
    expect(inst.states.get(domain(1))).toBeUndefined();
    inst.setConfig(after);
    await inst.resync();
    await inst.stop();
    expect(inst.states.get(domain(1))?.serial).toBe(serials.get(domain(1)));
  });

  it('lets timers run while it installs a snapshot (status and lease keep-alives are timers)', async () => {
    const config = configOf('turns', 30);
    const store = new MemoryStore(P);
    publish(store, config.certificates.map((c) => c.name));
    let fired = false;
    setTimeout(() => (fired = true), 0);
    let firedBeforeLast = false;
    const inst = installer(store, config, { n: 0 }, () => {
      firedBeforeLast = fired;
      return new Date();
    });
    await inst.resync();
    await inst.stop();
    expect([...inst.states.values()].every((s) => s.serial !== null)).toBe(true);
    expect(firedBeforeLast).toBe(true);
  });
});
