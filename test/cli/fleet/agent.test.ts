import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/model/load.js';
import type { Config } from '../../../src/model/types.js';
import { makeAccountRecord } from '../../../src/adapters/fleet/account.js';
import { Agent } from '../../../src/run/fleet/agent.js';
import { fleetCommands } from '../../../src/adapters/certbot/fleet-argv.js';
import { openEtcdStore } from '../../../src/adapters/fleet/etcd-store.js';
import { accountKey, certKey } from '../../../src/adapters/fleet/layout.js';
import { makeRecord } from '../../../src/adapters/fleet/record.js';
import { jwkThumbprint } from '../../../src/leaves/jwk-thumbprint.js';
import { opensslSelfSign } from '../../../src/adapters/store/bootstrap.js';
import { pendingReload } from '../../../src/adapters/store/pending-reload.js';
import { startEtcd, type RunningEtcd } from '../../../lab/etcd.js';
import { processResult } from '../../../lab/process-result.js';
import { makeTempDir, removeTempDir } from '../../../lab/tmp.js';
import { isProcessAlive, waitFor } from '../../../lab/tools.js';

let etcd: RunningEtcd;
let dir: string;
const key = randomBytes(32);

beforeAll(async () => {
  etcd = await startEtcd();
  dir = await makeTempDir('cw-agent-');
}, 30_000);
afterAll(async () => {
  await etcd?.stop();
  expect(etcd.pids.filter(isProcessAlive)).toEqual([]);
  await removeTempDir(dir);
});

async function pem(): Promise<{ fullchain: string; privkey: string }> {
  const d = join(dir, `pem-${randomBytes(4).toString('hex')}`);
  mkdirSync(d);
  await opensslSelfSign(d, ['a.example'], 90);
  return { fullchain: readFileSync(join(d, 'fullchain.pem'), 'utf8'), privkey: readFileSync(join(d, 'privkey.pem'), 'utf8') };
}

describe('agent against a real etcd that goes away and comes back', () => {
  it('installs what is published; without the store it keeps serving and orders nothing; it recovers by itself', async () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const thumb = jwkThumbprint(jwk as never);
    const text = `config-dir: ${dir}/le\ncerts-dir: ${dir}/certs\ncertificates:\n  - domains: [a.example]\nfleet:\n  etcd:\n    endpoints: [${etcd.endpoint}]\n  prefix: /t/agent\n  node: n1\n  key-file: /k\n  account-thumbprint: ${thumb}\n  lease-ttl: 2\n`;
    const config: Config = parseConfig(text, join(dir, 'site.yaml'));
    const writer = openEtcdStore(config.fleet!);
    await writer.create(accountKey('/t/agent'), JSON.stringify(makeAccountRecord(key, { id: 'x', thumbprint: thumb, files: { 'ca/x/private_key.json': JSON.stringify(jwk) } }, null, 'n1', new Date())));
    const first = await pem();
    const rec1 = makeRecord(key, 'a.example', first, 1, 'n0', new Date());
    await writer.create(certKey('/t/agent', 'a.example'), JSON.stringify(rec1));
    await writer.close();

    const logs: string[] = [];
    let reloads = 0;
    let certbotRuns = 0;
    const store = openEtcdStore(config.fleet!);
    const agent = new Agent(config, {
      loadConfig: async () => config,
      store,
      fleetKey: key,
      commands: fleetCommands('/n', '/s', '/c'),
      certbot: async () => {
        certbotRuns++;
        return processResult(1, 'no');
      },
      logTail: () => '',
      reload: async (c) => {
        reloads++;
        rmSync(join(c.certsDir, 'reload-pending'), { force: true });
        return { ok: true, pid: 1, message: 'reloaded' };
      },
      reloadOwed: (c) => pendingReload(c.certsDir).length > 0,
      now: () => new Date(),
      log: (l) => logs.push(l),
    });
    const running = agent.run();
    const has = (re: RegExp) => () => logs.some((l) => re.test(l));
    try {
      expect(await waitFor(has(/installed a\.example serial/), 15_000), logs.join('\n')).toBe(true);
      expect(await waitFor(has(/^elected/), 15_000), logs.join('\n')).toBe(true);
      expect(reloads).toBe(1);

      await etcd.pause();
      expect(await waitFor(has(/^store unavailable/), 30_000), logs.join('\n')).toBe(true);
      // Still serving: the installed pair is in place; nothing was ordered.
      expect(readFileSync(join(dir, 'certs', 'a.example', 'fullchain.pem'), 'utf8')).toBe(first.fullchain);
      expect(certbotRuns).toBe(0);
      expect(logs.filter((l) => l.startsWith('store unavailable'))).toHaveLength(1);

      await etcd.resume();
      expect(await waitFor(has(/^store available again/), 30_000), logs.join('\n')).toBe(true);
      const second = await pem();
      const w2 = openEtcdStore(config.fleet!);
      await w2.putIfUnchanged(certKey('/t/agent', 'a.example'), JSON.stringify(rec1), JSON.stringify(makeRecord(key, 'a.example', second, 2, 'n0', new Date())));
      await w2.close();
      expect(await waitFor(() => readFileSync(join(dir, 'certs', 'a.example', 'fullchain.pem'), 'utf8') === second.fullchain, 30_000), logs.join('\n')).toBe(true);
      expect(certbotRuns).toBe(0);
    } finally {
      agent.stop();
      await running;
      await store.close();
    }
    expect(logs[logs.length - 1]).toBe('stopped');
  }, 120_000);
});
