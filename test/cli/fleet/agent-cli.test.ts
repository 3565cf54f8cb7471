/**
 * The agent command as a process, with its real wiring (election, the fleet
 * auth hook and deploy hook run by "certbot", publication through etcd,
 * installation) against a real etcd; certbot is a stand-in that runs the hooks
 * as certbot does (the real certbot and Pebble: test/e2e/fleet-agent.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/model/load.js';
import { makeAccountRecord } from '../../../src/adapters/fleet/account.js';
import { openEtcdStore } from '../../../src/adapters/fleet/etcd-store.js';
import { accountKey } from '../../../src/adapters/fleet/layout.js';
import { jwkThumbprint } from '../../../src/leaves/jwk-thumbprint.js';
import { bins } from '../../../lab/cli.js';
import { startEtcd, type RunningEtcd } from '../../../lab/etcd.js';
import { makeTempDir, removeTempDir } from '../../../lab/tmp.js';
import { isProcessAlive, waitFor } from '../../../lab/tools.js';

const FAKE = join(import.meta.dirname, '..', '..', '..', 'lab', 'fake-fleet-certbot.sh');
let etcd: RunningEtcd;
let dir: string;
const agents: ChildProcess[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  dir = await makeTempDir('cw-agent-cli-');
}, 30_000);
afterAll(async () => {
  for (const a of agents) if (a.exitCode === null && a.signalCode === null) a.kill('SIGKILL');
  await etcd?.stop();
  expect([...etcd.pids, ...agents.map((a) => a.pid!)].filter(isProcessAlive)).toEqual([]);
  await removeTempDir(dir);
});

function siteFor(node: string, thumb: string): string {
  const file = join(dir, `${node}.yaml`);
  writeFileSync(
    file,
    `certbot: ${FAKE}\nconfig-dir: ${dir}/${node}/le\nwork-dir: ${dir}/${node}/work\nlogs-dir: ${dir}/${node}/logs\ncerts-dir: ${dir}/${node}/certs\nnginx:\n  pid-file: ${dir}/${node}/nginx.pid\ncertificates:\n  - domains: [a.example, www.a.example]\nfleet:\n  etcd:\n    endpoints: [${etcd.endpoint}]\n  prefix: /t/cli\n  node: ${node}\n  key-file: ${dir}/fleet.key\n  account-thumbprint: ${thumb}\n  lease-ttl: 2\n`,
  );
  return file;
}

function start(site: string, env: Record<string, string>): { child: ChildProcess; log: () => string } {
  let log = '';
  const child = spawn(process.execPath, [bins.certWrap, 'agent', '-c', site], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  agents.push(child);
  return { child, log: () => log };
}

describe('cert-wrap agent (process) on a real etcd', () => {
  it('the leader orders through the fleet hooks, publishes; both nodes install the same serial; SIGTERM exits 0', async () => {
    const key = randomBytes(32);
    writeFileSync(join(dir, 'fleet.key'), key.toString('base64'), { mode: 0o600 });
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const thumb = jwkThumbprint(jwk as never);
    const config = parseConfig(readFileSync(siteFor('n1', thumb), 'utf8'), join(dir, 'n1.yaml'));
    const store = openEtcdStore(config.fleet!);
    await store.create(accountKey('/t/cli'), JSON.stringify(makeAccountRecord(key, { id: 'acct', thumbprint: thumb, files: { 'ca/dir/acct/private_key.json': JSON.stringify(jwk) } }, null, 'n1', new Date())));
    await store.close();

    const env = { FAKE_THUMBPRINT: thumb, FAKE_CERTBOT_LOG: join(dir, 'certbot.log') };
    const a = start(siteFor('n1', thumb), env);
    expect(await waitFor(() => /published a\.example serial/.test(a.log()), 30_000, 100), a.log()).toBe(true);
    const b = start(siteFor('n2', thumb), env);
    const serial = /published a\.example serial (\S+)/.exec(a.log())![1]!;
    for (const n of [a, b]) expect(await waitFor(() => n.log().includes(`installed a.example serial ${serial}`), 30_000, 100), n.log()).toBe(true);
    expect(a.log()).toMatch(/published a\.example serial \S+ version 1 \(from this order\)/);
    expect(readFileSync(join(dir, 'n1', 'certs', 'a.example', 'fullchain.pem'), 'utf8')).toBe(readFileSync(join(dir, 'n2', 'certs', 'a.example', 'fullchain.pem'), 'utf8'));
    expect(readFileSync(join(dir, 'certbot.log'), 'utf8').trim().split('\n')).toHaveLength(1);
    // No nginx runs here: the reload is reported as failed, and nothing else breaks.
    expect(await waitFor(() => /reload failed: not reloading nginx/.test(b.log()), 10_000, 100), b.log()).toBe(true);
    for (const n of [a, b]) {
      const exited = new Promise<number | null>((r) => n.child.once('exit', (code) => r(code)));
      n.child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 90_000);

  it('the leader SIGKILLed: the other agent takes the leadership (the time is printed)', async () => {
    const thumb = /account-thumbprint: (\S+)/.exec(readFileSync(join(dir, 'n1.yaml'), 'utf8'))![1]!;
    const env = { FAKE_THUMBPRINT: thumb, FAKE_CERTBOT_LOG: join(dir, 'certbot.log') };
    const a = start(siteFor('n1', thumb), env);
    expect(await waitFor(() => /elected/.test(a.log()), 20_000, 50), a.log()).toBe(true);
    const b = start(siteFor('n2', thumb), env);
    expect(await waitFor(() => /installed|started/.test(b.log()), 20_000, 50)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(b.log()).not.toMatch(/elected/);
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    expect(await waitFor(() => /elected/.test(b.log()), 15_000, 20), b.log()).toBe(true);
    const took = Date.now() - killedAt;
    process.stdout.write(`failover after SIGKILL: ${took} ms\n`);
    // Nothing was due: the new leader ordered nothing.
    expect(readFileSync(join(dir, 'certbot.log'), 'utf8').trim().split('\n')).toHaveLength(1);
    const exited = new Promise<number | null>((r) => b.child.once('exit', (code) => r(code)));
    b.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('a thumbprint that is not the fleet account\'s: exit 2 before anything starts', async () => {
    const site = siteFor('n3', 'Z'.repeat(43));
    const r = start(site, {});
    const code = await new Promise<number | null>((res) => r.child.once('exit', (c) => res(c)));
    expect(code).toBe(2);
    expect(r.log()).toContain("is not the fleet account's");
  }, 30_000);
});
