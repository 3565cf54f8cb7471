import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/model/load.js';
import type { Fleet } from '../../../src/model/types.js';
import { openEtcdStore } from '../../../src/adapters/fleet/etcd-store.js';
import { certKey, certsPrefix } from '../../../src/adapters/fleet/layout.js';
import { StoreUnavailableError } from '../../../src/lib/errors.js';
import { startEtcd, type RunningEtcd } from '../../../lab/etcd.js';
import { waitFor } from '../../../lab/tools.js';

let etcd: RunningEtcd;
let client: Etcd3;

function fleet(prefix: string): Fleet {
  const text = `certs-dir: /unused/certs\ncertificates:\n  - domains: [a.example]\nfleet:\n  etcd:\n    endpoints: [${etcd.endpoint}]\n  prefix: ${prefix}\n  node: n1\n  key-file: /unused\n`;
  return parseConfig(text, '/unused/site.yaml').fleet!;
}

/** COUNT values of about `size` bytes under PREFIX/certs/, 100 puts per transaction (about 200 KB a request, etcd allows 1.5 MiB). */
async function fill(prefix: string, count: number, size: number): Promise<Map<string, string>> {
  const written = new Map<string, string>();
  for (let i = 0; i < count; i += 100) {
    const puts = [];
    for (let j = i; j < Math.min(count, i + 100); j++) {
      const name = `site-${String(j).padStart(5, '0')}.example`;
      const value = `${name}:${randomBytes(size / 2).toString('hex')}`;
      written.set(name, value);
      puts.push(client.put(certKey(prefix, name)).value(value));
    }
    await client.if(`${prefix}/none`, 'Create', '==', 0).then(...puts).commit();
  }
  return written;
}

async function revisionNow(): Promise<string> {
  return String((await client.get('/none').exec()).header.revision);
}

/** How many range requests etcd has answered (its own metrics): a read in pages is under way once this grows by two. */
async function rangesServed(): Promise<number> {
  const text = await (await fetch(`${etcd.endpoint}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('grpc_server_handled_total{') && l.includes('grpc_method="Range"') && l.includes('grpc_code="OK"'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

/** Start `read` and resolve once etcd has served its first two pages (so its revision is fixed and more pages follow). */
async function underWay<T>(read: () => Promise<T>): Promise<{ done: Promise<T> }> {
  const before = await rangesServed();
  const running = read();
  running.catch(() => undefined);
  expect(await waitFor(async () => (await rangesServed()) >= before + 2, 10_000, 5)).toBe(true);
  return { done: running };
}

beforeAll(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
}, 30_000);
afterAll(async () => {
  client?.close();
  await etcd?.stop();
});

describe('fleet store: a prefix larger than one gRPC reply (4 MiB), read in pages at one revision', () => {
  it('readCerts() and list() return all 3,000 values (6 MB) with the revision of the read', async () => {
    const prefix = '/t/big';
    const written = await fill(prefix, 3000, 2048);
    const revision = await revisionNow();
    // Two clients: a failed call opens the etcd3 client's circuit breaker for the calls after it.
    const [store, lister] = [openEtcdStore(fleet(prefix)), openEtcdStore(fleet(prefix))];
    try {
      const snap = await store.readCerts();
      expect(snap.revision).toBe(revision);
      expect(snap.values.size).toBe(3000);
      expect([...snap.values.values()].reduce((n, v) => n + v.length, 0)).toBeGreaterThan(4 * 1024 * 1024);
      for (const [name, value] of written) expect(snap.values.get(name)).toBe(value);
      const listed = await lister.list(certsPrefix(prefix));
      expect(listed.size).toBe(3000);
      for (const [name, value] of written) expect(listed.get(name)).toBe(value);
    } finally {
      await store.close();
      await lister.close();
    }
  }, 60_000);

  it('what is written while the pages are read is not in the snapshot and comes through the watch from its revision + 1', async () => {
    const prefix = '/t/moving';
    const written = await fill(prefix, 3000, 64);
    const reader = openEtcdStore(fleet(prefix), { pageKeys: 10 });
    const watcher = openEtcdStore(fleet(prefix));
    const last = 'site-02999.example';
    const later = new Map<string, string>();
    let reading = true;
    let duringRead = 0;
    try {
      const read = (await underWay(() => reader.readCerts())).done.finally(() => (reading = false));
      // Keys that sort after every existing one, and a new value for the last key: the read's later pages would see them.
      for (let i = 0; reading; i++) {
        const name = i % 2 === 0 ? `zz-${i}.example` : last;
        const value = `late-${i}`;
        await client.put(certKey(prefix, name)).value(value);
        later.set(name, value);
        if (reading) duringRead++;
      }
      const snap = await read;
      expect(duringRead).toBeGreaterThan(0);
      expect(snap.values.size).toBe(3000);
      for (const [name, value] of written) expect(snap.values.get(name)).toBe(value);
      expect([...snap.values.keys()].filter((k) => k.startsWith('zz-'))).toEqual([]);

      const seen = new Map<string, string>();
      const stop = await watcher.watchCerts((BigInt(snap.revision) + 1n).toString(), {
        put: (name, value) => seen.set(name, value),
        delete: () => undefined,
        lost: () => undefined,
      });
      try {
        expect(await waitFor(() => [...later].every(([k, v]) => seen.get(k) === v), 10_000)).toBe(true);
        expect(seen.size).toBe(later.size);
      } finally {
        await stop();
      }
    } finally {
      await reader.close();
      await watcher.close();
    }
  }, 60_000);

  it('the revision compacted between two pages: the read fails as StoreUnavailableError (the agent reads everything again later)', async () => {
    const prefix = '/t/compacted';
    await fill(prefix, 3000, 64);
    const reader = openEtcdStore(fleet(prefix), { pageKeys: 1 });
    try {
      // The first page is read at revision R; a put makes R + 1 and compacting there removes R while later pages still need it.
      const read = (await underWay(() => reader.readCerts())).done.then(
        (snap) => snap,
        (err: unknown) => err,
      );
      const res = await client.put(`${prefix}/other`).value('x').exec();
      await client.kv.compact({ revision: String(res.header.revision), physical: true });
      const outcome = await read;
      expect(outcome).toBeInstanceOf(StoreUnavailableError);
      expect((outcome as Error).message).toContain('compacted');
    } finally {
      await reader.close();
    }
  }, 60_000);
});
