import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertbotResult } from '../../../../src/adapters/certbot/run.js';
import { parseConfig } from '../../../../src/model/load.js';
import type { Config } from '../../../../src/model/types.js';
import { makeAccountRecord } from '../../../../src/adapters/fleet/account.js';
import { fleetCommands } from '../../../../src/adapters/certbot/fleet-argv.js';
import { seal } from '../../../../src/lib/seal.js';
import { certKey, keyAad, orderKey } from '../../../../src/adapters/fleet/layout.js';
import { type LeaderContext, leaderRound } from '../../../../src/run/fleet/leader.js';
import { LostLeadershipError } from '../../../../src/lib/errors.js';
import { makeRecord, type CertRecord } from '../../../../src/adapters/fleet/record.js';
import { jwkThumbprint } from '../../../../src/leaves/jwk-thumbprint.js';
import { makeCertificate } from '../../../../lab/certificates.js';
import { processResult } from '../../../../lab/process-result.js';
import { makeTempDir, removeTempDir } from '../../../../lab/tmp.js';
import { MemoryStore } from './fake-store.js';

const P = '/t';
const key = randomBytes(32);
let dir: string;
let config: Config;
let pems: { fullchain: string; privkey: string }[] = [];

beforeAll(async () => {
  dir = await makeTempDir('cw-leader-');
  config = parseConfig(
    `config-dir: ${dir}/le\ncerts-dir: ${dir}/certs\nserver: https://ca.example/dir\ncertificates:\n  - domains: [a.example]\nfleet:\n  etcd:\n    endpoints: [http://127.0.0.1:1]\n  prefix: ${P}\n  node: n1\n  key-file: /k\n  order-grace: 60\n`,
    join(dir, 'site.yaml'),
  );
  const now = Date.now();
  for (let i = 0; i < 2; i++) {
    const { cert, key: privkey } = makeCertificate({ domains: ['a.example'], notBefore: new Date(now - 3600_000), notAfter: new Date(now + 90 * 86400_000) });
    pems.push({ fullchain: cert, privkey });
  }
});
afterAll(() => removeTempDir(dir));

function account() {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const files = { 'ca.example/dir/acct1/private_key.json': JSON.stringify(jwk), 'ca.example/dir/acct1/regr.json': '{}', 'ca.example/dir/acct1/meta.json': '{}' };
  return makeAccountRecord(key, { id: 'acct1', thumbprint: jwkThumbprint(jwk as never), files }, config.server, 'n1', new Date());
}

async function setup(opts: { certbot?: (args: string[]) => void } = {}) {
  const store = new MemoryStore(P);
  const campaign = store.campaign('n1');
  const leadership = await campaign.elected;
  const calls: string[][] = [];
  const logs: string[] = [];
  const ctx: LeaderContext = { store, fleetKey: key, config, leadership, account: account(), commands: fleetCommands('/usr/bin/node', '/opt/cw.js', '/etc/site.yaml'), failedUntil: new Map() };
  const deps = {
    certbot: async (_c: Config, args: string[]): Promise<CertbotResult> => {
      calls.push(args);
      opts.certbot?.(args);
      return processResult(0, '');
    },
    logTail: () => '',
    now: () => new Date(),
    log: (l: string) => logs.push(l),
    stopped: () => false,
  };
  return { store, ctx, deps, calls, logs, campaign };
}

/** What certbot's lineage holds after an issuance. */
function writeLineage(pem: { fullchain: string; privkey: string }) {
  const live = join(dir, 'le', 'live', 'a.example');
  mkdirSync(live, { recursive: true });
  writeFileSync(join(live, 'fullchain.pem'), pem.fullchain);
  writeFileSync(join(live, 'privkey.pem'), pem.privkey);
}

describe('leader round', () => {
  it('orders what has no certificate with the fleet argv, then publishes it guarded, marker gone', async () => {
    const { store, ctx, deps, calls, logs } = await setup({ certbot: () => writeLineage(pems[0]!) });
    await leaderRound(ctx, deps);
    expect(calls).toHaveLength(1);
    const args = calls[0]!;
    expect(args).toEqual(expect.arrayContaining(['--manual', '--preferred-challenges', 'http', '--account=acct1', '--cert-name', 'a.example']));
    expect(args).toContain("--manual-auth-hook=/usr/bin/node /opt/cw.js fleet auth-hook -c /etc/site.yaml");
    expect(args).toContain("--deploy-hook=/usr/bin/node /opt/cw.js fleet deploy-hook -c /etc/site.yaml");
    expect(args).not.toContain('--force-renewal');
    const rec = JSON.parse((await store.get(certKey(P, 'a.example')))!) as CertRecord;
    expect(rec).toMatchObject({ version: 1, names: ['a.example'], publishedBy: 'n1' });
    expect(await store.get(orderKey(P, 'a.example'))).toBeNull();
    expect(logs.join('\n')).toMatch(/published a\.example serial \S+ version 1/);
    // The account was written into certbot's config dir, private.
    expect(readFileSync(join(dir, 'le', 'accounts', 'ca.example', 'dir', 'acct1', 'regr.json'), 'utf8')).toBe('{}');
  });

  it('does nothing before the due time, and wakes then (at most 12 hours away)', async () => {
    const { store, ctx, deps, calls } = await setup();
    await store.create(certKey(P, 'a.example'), JSON.stringify(makeRecord(key, 'a.example', pems[0]!, 3, 'n2', new Date())));
    const wake = await leaderRound(ctx, deps);
    expect(calls).toHaveLength(0);
    expect(wake.getTime() - Date.now()).toBeLessThanOrEqual(12 * 3600_000);
    expect(wake.getTime() - Date.now()).toBeGreaterThan(11 * 3600_000);
  });

  it('publishes the result an interrupted order left, without running certbot', async () => {
    const { store, ctx, deps, calls } = await setup();
    const marker = { node: 'n2', startedAt: new Date().toISOString(), action: 'obtain', replaces: null, result: { fullchain: pems[1]!.fullchain, key: seal(key, pems[1]!.privkey, keyAad('a.example')), savedAt: new Date().toISOString() } };
    await store.create(orderKey(P, 'a.example'), JSON.stringify(marker));
    await leaderRound(ctx, deps);
    expect(calls).toHaveLength(0);
    const rec = JSON.parse((await store.get(certKey(P, 'a.example')))!) as CertRecord;
    expect(rec.fullchain).toBe(pems[1]!.fullchain);
    expect(await store.get(orderKey(P, 'a.example'))).toBeNull();
  });

  it("waits for another node's order in progress until order-grace has passed, instead of ordering twice", async () => {
    const { store, ctx, deps, calls, logs } = await setup();
    const startedAt = new Date(Date.now() - 10_000);
    await store.create(orderKey(P, 'a.example'), JSON.stringify({ node: 'n2', startedAt: startedAt.toISOString(), action: 'obtain', replaces: null }));
    const wake = await leaderRound(ctx, deps);
    expect(calls).toHaveLength(0);
    expect(wake.getTime()).toBe(startedAt.getTime() + 60_000);
    expect(logs.join('\n')).toContain('waiting for a.example: n2 started an order');
  });

  it('a leader that lost its leadership publishes nothing', async () => {
    const { store, ctx, deps, campaign } = await setup({ certbot: () => writeLineage(pems[1]!) });
    const before = await store.get(certKey(P, 'a.example'));
    // The lease ends while certbot runs.
    const run = deps.certbot;
    deps.certbot = async (c, a) => {
      const r = await run(c, a);
      await campaign.resign();
      return r;
    };
    await expect(leaderRound(ctx, deps)).rejects.toBeInstanceOf(LostLeadershipError);
    expect(await store.get(certKey(P, 'a.example'))).toBe(before);
  });

  it('certbot succeeded but its lineage still holds the published certificate: nothing published, not retried at once', async () => {
    const { store, ctx, deps, calls, logs } = await setup({ certbot: () => writeLineage(pems[0]!) });
    const old = makeRecord(key, 'a.example', pems[0]!, 4, 'n2', new Date());
    await store.create(certKey(P, 'a.example'), JSON.stringify(old));
    const later = Date.now() + 80 * 86_400_000;
    deps.now = () => new Date(later);
    const wake = await leaderRound(ctx, deps);
    expect(calls).toHaveLength(1);
    expect((JSON.parse((await store.get(certKey(P, 'a.example')))!) as CertRecord).version).toBe(4);
    expect(logs.join('\n')).toContain("certbot's lineage still holds the published certificate");
    expect(wake.getTime() - deps.now().getTime()).toBe(3600_000);
    await leaderRound(ctx, deps);
    expect(calls).toHaveLength(1);
  });

  it('renews with --force-renewal when due, with the next version', async () => {
    const { store, ctx, deps, calls } = await setup({ certbot: () => writeLineage(pems[1]!) });
    const old = makeRecord(key, 'a.example', pems[0]!, 4, 'n2', new Date());
    await store.create(certKey(P, 'a.example'), JSON.stringify(old));
    deps.now = () => new Date(Date.now() + 80 * 86_400_000);
    await leaderRound(ctx, deps);
    expect(calls[0]).toContain('--force-renewal');
    expect((JSON.parse((await store.get(certKey(P, 'a.example')))!) as CertRecord).version).toBe(5);
  });
});
