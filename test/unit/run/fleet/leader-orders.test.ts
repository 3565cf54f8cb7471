import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertbotResult } from '../../../../src/adapters/certbot/run.js';
import { parseConfig } from '../../../../src/model/load.js';
import type { Config } from '../../../../src/model/types.js';
import { makeAccountRecord } from '../../../../src/adapters/fleet/account.js';
import { fleetCommands } from '../../../../src/adapters/certbot/fleet-argv.js';
import { certKey, orderKey } from '../../../../src/adapters/fleet/layout.js';
import { type LeaderContext, leaderRound } from '../../../../src/run/fleet/leader.js';
import { makeRecord } from '../../../../src/adapters/fleet/record.js';
import { jwkThumbprint } from '../../../../src/leaves/jwk-thumbprint.js';
import { makeCertificate } from '../../../../lab/certificates.js';
import { processResult } from '../../../../lab/process-result.js';
import { makeTempDir, removeTempDir } from '../../../../lab/tmp.js';
import { MemoryStore } from './fake-store.js';

const P = '/t';
const N = 20;
const key = randomBytes(32);
let dir: string;
let config: Config;
const domain = (i: number) => `c${i}.example`;

beforeAll(async () => {
  dir = await makeTempDir('cw-leader-orders-');
  const certs = Array.from({ length: N }, (_, i) => `  - domains: [${domain(i)}]`).join('\n');
  config = parseConfig(
    `config-dir: ${dir}/le\ncerts-dir: ${dir}/certs\nserver: https://ca.example/dir\ncertificates:\n${certs}\nfleet:\n  etcd:\n    endpoints: [http://127.0.0.1:1]\n  prefix: ${P}\n  node: n1\n  key-file: /k\n  order-grace: 60\n`,
    join(dir, 'site.yaml'),
  );
});
afterAll(() => removeTempDir(dir));

/** A MemoryStore that counts the reads of order keys: one by one (get) and by prefix (list). */
class CountingStore extends MemoryStore {
  orderGets = 0;
  lists: string[] = [];
  override async get(k: string) {
    if (k.startsWith(`${P}/orders/`)) this.orderGets++;
    return super.get(k);
  }
  override async list(prefix: string) {
    this.lists.push(prefix);
    return super.list(prefix);
  }
}

async function setup() {
  const store = new CountingStore(P);
  const now = Date.now();
  for (let i = 0; i < N; i++) {
    const { cert, key: privkey } = makeCertificate({ domains: [domain(i)], notBefore: new Date(now - 3600_000), notAfter: new Date(now + 90 * 86400_000) });
    store.data.set(certKey(P, domain(i)), JSON.stringify(makeRecord(key, domain(i), { fullchain: cert, privkey }, 1, 'n0', new Date())));
  }
  const leadership = await store.campaign('n1').elected;
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const account = makeAccountRecord(key, { id: 'acct1', thumbprint: jwkThumbprint(jwk as never), files: { 'ca.example/dir/acct1/private_key.json': JSON.stringify(jwk) } }, config.server, 'n1', new Date());
  const ctx: LeaderContext = { store, fleetKey: key, config, leadership, account, commands: fleetCommands('/usr/bin/node', '/opt/cw.js', '/etc/site.yaml'), failedUntil: new Map() };
  const calls: string[][] = [];
  const logs: string[] = [];
  const deps = {
    certbot: async (_c: Config, args: string[]): Promise<CertbotResult> => {
      calls.push(args);
      return processResult(1, 'not expected');
    },
    logTail: () => '',
    now: () => new Date(),
    log: (l: string) => logs.push(l),
    stopped: () => false,
  };
  return { store, ctx, deps, calls, logs };
}

describe('leader round over many certificates', () => {
  it('reads the order markers with one prefix read per round, not one get per certificate', async () => {
    const { store, ctx, deps, calls } = await setup();
    await leaderRound(ctx, deps);
    expect(calls).toHaveLength(0);
    expect(store.orderGets).toBe(0);
    expect(store.lists).toEqual([`${P}/orders/`]);
  });

  it("still honours another node's marker found by that read: waits instead of ordering", async () => {
    const { store, ctx, deps, calls, logs } = await setup();
    store.data.delete(certKey(P, domain(7)));
    const startedAt = new Date(Date.now() - 10_000);
    await store.create(orderKey(P, domain(7)), JSON.stringify({ node: 'n2', startedAt: startedAt.toISOString(), action: 'obtain', replaces: null }));
    const wake = await leaderRound(ctx, deps);
    expect(calls).toHaveLength(0);
    expect(wake.getTime()).toBe(startedAt.getTime() + 60_000);
    expect(logs.join('\n')).toContain(`waiting for ${domain(7)}: n2 started an order`);
  });

  it('lets timers run during a round (the lease keep-alive must not wait for thousands of verifications)', async () => {
    const { ctx, deps, calls } = await setup();
    let fired = false;
    setTimeout(() => (fired = true), 0);
    let firedBeforeLast = false;
    deps.stopped = () => {
      firedBeforeLast = fired;
      return false;
    };
    await leaderRound(ctx, deps);
    expect(calls).toHaveLength(0);
    expect(firedBeforeLast).toBe(true);
  });
});
