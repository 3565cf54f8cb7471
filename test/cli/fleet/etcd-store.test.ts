import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/model/load.js';
import type { Config } from '../../../src/model/types.js';
import { opensslSelfSign } from '../../../src/adapters/store/bootstrap.js';
import { openEtcdStore } from '../../../src/adapters/fleet/etcd-store.js';
import { Installer } from '../../../src/run/fleet/installer.js';
import { certKey } from '../../../src/adapters/fleet/layout.js';
import { makeRecord } from '../../../src/adapters/fleet/record.js';
import type { FleetStore } from '../../../src/adapters/fleet/store.js';
import { startEtcd, type RunningEtcd } from '../../../lab/etcd.js';
import { makeTempDir, removeTempDir } from '../../../lab/tmp.js';
import { waitFor } from '../../../lab/tools.js';

let etcd: RunningEtcd;
let dir: string;
const fleetKey = randomBytes(32);

function config(node: string, prefix: string): Config {
  const text = `certs-dir: ${dir}/${node}/certs\ncertificates:\n  - domains: [a.example, www.a.example]\n    https: true\nfleet:\n  etcd:\n    endpoints: [${etcd.endpoint}]\n  prefix: ${prefix}\n  node: ${node}\n  key-file: /unused\n  lease-ttl: 2\n`;
  return parseConfig(text, join(dir, `${node}.yaml`));
}

async function pem(domains: string[]): Promise<{ fullchain: string; privkey: string }> {
  const d = join(dir, `pem-${randomBytes(4).toString('hex')}`);
  mkdirSync(d);
  await opensslSelfSign(d, domains, 30);
  return { fullchain: readFileSync(join(d, 'fullchain.pem'), 'utf8'), privkey: readFileSync(join(d, 'privkey.pem'), 'utf8') };
}

beforeAll(async () => {
  etcd = await startEtcd();
  dir = await makeTempDir('cw-fleet-');
}, 30_000);
afterAll(async () => {
  await etcd?.stop();
  await removeTempDir(dir);
});

describe('fleet store on a real etcd', () => {
  it('publishes only while the publisher leads: a leader whose lease expired cannot publish', async () => {
    const c = config('n1', '/t/guard');
    const a = openEtcdStore(c.fleet!);
    const b = openEtcdStore(c.fleet!);
    try {
      const first = a.campaign('n1', 2);
      const leaderA = await first.elected;
      expect(leaderA.key.startsWith('/t/guard/election/leader/')).toBe(true);
      const second = b.campaign('n2', 2);
      let bElected = false;
      void second.elected.then(() => (bElected = true));
      expect(await a.putIfLeader(leaderA, { '/t/guard/certs/x': 'v1' })).toBe(true);
      // A's lease ends (as when its process is paused past the TTL): B takes over; A's publication is refused.
      await first.resign();
      const leaderB = await second.elected;
      expect(bElected).toBe(true);
      expect(await a.putIfLeader(leaderA, { '/t/guard/certs/x': 'stale' })).toBe(false);
      expect(await b.putIfLeader(leaderB, { '/t/guard/certs/x': 'v2' })).toBe(true);
      expect(await a.get('/t/guard/certs/x')).toBe('v2');
      await second.resign();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a leader paused past its lease TTL loses: its key is gone and the guard refuses', async () => {
    const c = config('n1', '/t/ttl');
    const a = openEtcdStore(c.fleet!);
    try {
      const leader = await a.campaign('n1', 2).elected;
      // Revoke as the TTL would: the campaign key disappears with the lease.
      const other = openEtcdStore(c.fleet!);
      await other.delete(leader.key);
      expect(await a.putIfLeader(leader, { '/t/ttl/certs/x': 'late' })).toBe(false);
      expect(await a.get('/t/ttl/certs/x')).toBeNull();
      await other.close();
    } finally {
      await a.close();
    }
  });

  it('every agent reads everything, watches from that revision, verifies and installs; a tampered value is refused and the previous certificate stays', async () => {
    const prefix = '/t/install';
    const c1 = config('n1', prefix);
    const c2 = config('n2', prefix);
    const writer = openEtcdStore(c1.fleet!);
    const first = await pem(['a.example', 'www.a.example']);
    const rec1 = makeRecord(fleetKey, 'a.example', first, 1, 'n1', new Date());
    await writer.create(certKey(prefix, 'a.example'), JSON.stringify(rec1));
    const reloads: string[] = [];
    const logs: string[] = [];
    const installers = [c1, c2].map((c) => {
      const store: FleetStore = openEtcdStore(c.fleet!);
      return {
        store,
        installer: new Installer(store, fleetKey, c, {
          reload: async () => {
            reloads.push(c.fleet!.node);
            return { ok: true, pid: 1, message: 'reloaded' };
          },
          reloadOwed: () => false,
          now: () => new Date(),
          log: (l) => logs.push(`${c.fleet!.node}: ${l}`),
          changed: () => undefined,
          storeState: () => undefined,
        }),
      };
    });
    try {
      await Promise.all(installers.map((i) => i.installer.resync()));
      for (const c of [c1, c2]) {
        expect(readFileSync(join(c.certsDir, 'a.example', 'fullchain.pem'), 'utf8')).toBe(first.fullchain);
        expect(readFileSync(join(c.certsDir, 'a.example', 'privkey.pem'), 'utf8')).toBe(first.privkey);
      }
      expect(reloads.sort()).toEqual(['n1', 'n2']);

      // A new version through the watch: installed by both, one reload each.
      const second = await pem(['a.example', 'www.a.example']);
      const rec2 = makeRecord(fleetKey, 'a.example', second, 2, 'n1', new Date());
      await writer.putIfUnchanged(certKey(prefix, 'a.example'), JSON.stringify(rec1), JSON.stringify(rec2));
      expect(await waitFor(() => reloads.length === 4, 10_000)).toBe(true);
      for (const c of [c1, c2]) {
        expect(readFileSync(join(c.certsDir, 'a.example', 'fullchain.pem'), 'utf8')).toBe(second.fullchain);
        expect(readlinkSync(join(c.certsDir, 'a.example', 'current'))).toBe(join(c.certsDir, 'a.example', `fleet-${rec2.serial}`));
      }

      // Tampered: the key sealed for another name, then garbage. Refused, reported, never installed.
      const third = await pem(['a.example', 'www.a.example']);
      const moved = makeRecord(fleetKey, 'b.example', third, 3, 'x', new Date());
      await writer.putIfUnchanged(certKey(prefix, 'a.example'), JSON.stringify(rec2), JSON.stringify(moved));
      expect(await waitFor(() => logs.filter((l) => l.includes('refused a.example')).length === 2, 10_000)).toBe(true);
      await writer.putIfUnchanged(certKey(prefix, 'a.example'), JSON.stringify(moved), '{"version":4,"fullchain":"x","key":{}}');
      expect(await waitFor(() => logs.filter((l) => l.includes('refused a.example')).length === 4, 10_000)).toBe(true);
      for (const c of [c1, c2]) expect(readFileSync(join(c.certsDir, 'a.example', 'fullchain.pem'), 'utf8')).toBe(second.fullchain);
      expect(reloads).toHaveLength(4);
      expect(installers[0]!.installer.states.get('a.example')).toMatchObject({ serial: rec2.serial, error: expect.stringContaining('refused version 4') });

      // Wrong names (as configured: a.example, www.a.example) are refused too.
      const wrong = makeRecord(fleetKey, 'a.example', await pem(['a.example']), 5, 'x', new Date());
      await writer.putIfUnchanged(certKey(prefix, 'a.example'), '{"version":4,"fullchain":"x","key":{}}', JSON.stringify(wrong));
      expect(await waitFor(() => logs.some((l) => l.includes('are not the configured ones')), 10_000)).toBe(true);
    } finally {
      for (const i of installers) {
        await i.installer.stop();
        await i.store.close();
      }
      await writer.close();
    }
  });
});
