import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/model/load.js';
import { opensslSelfSign } from '../../../src/adapters/store/bootstrap.js';
import { openEtcdStore } from '../../../src/adapters/fleet/etcd-store.js';
import { certKey, nodeKey } from '../../../src/adapters/fleet/layout.js';
import { makeRecord } from '../../../src/adapters/fleet/record.js';
import type { CertState } from '../../../src/run/fleet/installer.js';
import { encodeNodeStatus, nodeStatus } from '../../../src/run/fleet/node-status.js';
import { gatherFleet } from '../../../src/run/fleet/fleet-view.js';
import { startEtcd, type RunningEtcd } from '../../../lab/etcd.js';
import { makeTempDir, removeTempDir } from '../../../lab/tmp.js';

let etcd: RunningEtcd;
let dir: string;
const N = 10_000;
const name = (i: number) => `shop-${i}.customer-sites.example`;

beforeAll(async () => {
  etcd = await startEtcd();
  dir = await makeTempDir('cw-fleet-status-');
}, 30_000);
afterAll(async () => {
  await etcd?.stop();
  await removeTempDir(dir);
});

describe("a node's status for 10,000 certificates on a real etcd", () => {
  it('goes into one put under the request limit (1.5 MiB) and `status` reads every serial and error from it', async () => {
    const prefix = '/t/status';
    const text = `certs-dir: ${dir}/certs\ncertificates:\n  - domains: [${name(0)}]\n  - domains: [${name(1)}]\nfleet:\n  etcd:\n    endpoints: [${etcd.endpoint}]\n  prefix: ${prefix}\n  node: web-1\n  key-file: /unused\n`;
    const config = parseConfig(text, join(dir, 'site.yaml'));
    // Published: certificate 0 with another serial than the node's (the node is behind on it), certificate 1 with the node's.
    mkdirSync(join(dir, 'pem'));
    await opensslSelfSign(join(dir, 'pem'), [name(0)], 30);
    const pem = { fullchain: readFileSync(join(dir, 'pem', 'fullchain.pem'), 'utf8'), privkey: readFileSync(join(dir, 'pem', 'privkey.pem'), 'utf8') };
    const record = makeRecord(randomBytes(32), name(0), pem, 1, 'web-1', new Date());
    // Every certificate reports an error, as on a node given the wrong fleet key.
    const error = 'refused version 2: the private key it does not decrypt with the fleet key (altered, or sealed with another key)';
    const states = new Map<string, CertState>();
    for (let i = 0; i < N; i++) states.set(name(i), { serial: i === 1 ? record.serial : randomBytes(18).toString('hex').toUpperCase(), version: 1, error });
    const status = nodeStatus('web-1', true, states, `${name(0)}: ${error}`, new Date());
    const store = openEtcdStore(config.fleet!);
    try {
      await store.create(certKey(prefix, name(0)), JSON.stringify(record));
      await store.create(certKey(prefix, name(1)), JSON.stringify(record));
      await store.putWithSession(nodeKey(prefix, 'web-1'), encodeNodeStatus(status), 10);
      const view = await gatherFleet(config, store);
      expect(view.store.available).toBe(true);
      expect(view.nodes).toHaveLength(1);
      const node = view.nodes[0]!;
      expect(node).toMatchObject({ node: 'web-1', leader: true, lastError: status.lastError });
      expect(Object.keys(node.installed)).toHaveLength(N);
      expect(Object.keys(node.errors)).toHaveLength(N);
      for (const [n, s] of states) expect(node.installed[n]).toBe(s.serial);
      expect(node.behind).toEqual([name(0)]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
