/**
 * The fleet lab itself, before any agent: etcd keeps quorum with one member down, the
 * balancer spreads requests over the three nodes with Host preserved, and gen-nginx's
 * stateless HTTP-01 answer (TOKEN.THUMBPRINT computed by nginx, from each node's fleet
 * config) lets a bare certbot --manual issue through the balancer, with Pebble's
 * validation requests landing on at least two nodes.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certbotDirArgs } from '../../lab/certbot.js';
import { certbotAccountThumbprint, challengeRequests, pebbleIssued, pebbleValidations } from '../../lab/fleet-evidence.js';
import { BALANCER_IP, startFleetLab, type FleetLab } from '../../lab/fleet-lab.js';
import { isProcessAlive, requireFleetEnv } from '../../lab/tools.js';

const { ok } = requireFleetEnv();
const DOMAINS = ['lab.test', 'www.lab.test', 'api.lab.test'];

/** GET through the balancer with a Host header; resolves status and body. */
function viaBalancer(host: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: BALANCER_IP, port: 80, path: urlPath, headers: { Host: host }, agent: false, timeout: 3_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: GET ${host}${urlPath}`)));
    req.on('error', reject);
  });
}

describe.skipIf(!ok)('fleet lab: etcd, three nginx nodes, the balancer, Pebble', () => {
  let lab: FleetLab | undefined;
  const pids = new Set<number>();
  const need = (): FleetLab => {
    if (lab === undefined) throw new Error('beforeAll did not finish');
    return lab;
  };

  beforeAll(async () => {
    lab = await startFleetLab({ certificates: [{ name: 'lab', domains: DOMAINS }] });
    for (const p of [...lab.pebble.pids, lab.balancer.pid, ...lab.nodes.map((n) => n.nginx.pid)]) pids.add(p);
    for (const m of lab.etcd.members) pids.add(m.pid() ?? 0);
  });

  afterAll(async () => {
    await lab?.stop();
    const alive = [...pids].filter((p) => p > 0 && isProcessAlive(p));
    expect(alive, `processes still alive after stop(): ${alive.join(' ')}`).toEqual([]);
  });

  it('etcd takes writes with one member killed, and the member rejoins', async () => {
    const { etcd } = need();
    const client = etcd.client();
    const third = etcd.members[2];
    if (third === undefined) throw new Error('no third etcd member');
    await third.kill();
    expect(third.running()).toBe(false);
    await client.put('/lab/one-down').value('yes').exec();
    expect(await client.get('/lab/one-down').string()).toBe('yes');
    third.start();
    pids.add(third.pid() ?? 0);
    await etcd.waitHealthy();
    expect(etcd.members.every((m) => m.running())).toBe(true);
  });

  it('gen-nginx\'s stateless answer comes back through the balancer from all three nodes, Host preserved', async () => {
    const l = need();
    const dirs = l.nodes[0]?.certbot;
    if (dirs === undefined) throw new Error('no node');
    await execa('certbot', ['register', '-n', '--agree-tos', '--register-unsafely-without-email', '--server', l.pebble.directoryUrl,
      ...certbotDirArgs(dirs)], { env: { ...process.env, REQUESTS_CA_BUNDLE: l.pebble.caBundle } });
    const thumbprint = await certbotAccountThumbprint(dirs.configDir);
    // Every node's servers come from gen-nginx on its own fleet config.
    await l.configure({ thumbprint });
    for (let i = 0; i < 6; i++) {
      const res = await viaBalancer('www.lab.test', `/.well-known/acme-challenge/tok${i}`);
      expect(res).toEqual({ status: 200, body: `tok${i}.${thumbprint}` });
    }
    // A malformed token matches nothing: the catch-all answers 404 (the Host is not one of the names: 404 too).
    expect((await viaBalancer('www.lab.test', '/.well-known/acme-challenge/a.b')).status).toBe(404);
    expect((await viaBalancer('other.test', '/.well-known/acme-challenge/tok')).status).toBe(404);
    for (const n of l.nodes) {
      expect((await challengeRequests(n.nginx.accessLog)).filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('certbot --manual issues through the balancer; Pebble validates on at least two nodes', async () => {
    const l = need();
    const dirs = l.nodes[0]?.certbot;
    if (dirs === undefined) throw new Error('no node');
    const before = await pebbleIssued(l.pebble.logs.pebble);
    const res = await execa('certbot', ['certonly', '-n', '--agree-tos', '--server', l.pebble.directoryUrl, ...certbotDirArgs(dirs),
      '--manual', '--preferred-challenges', 'http', '--manual-auth-hook', '/bin/true', '--cert-name', 'lab',
      ...DOMAINS.flatMap((d) => ['-d', d])], { env: { ...process.env, REQUESTS_CA_BUNDLE: l.pebble.caBundle }, reject: false, all: true });
    expect(res.exitCode, String(res.all)).toBe(0);
    const perNode = await Promise.all(l.nodes.map((n) => pebbleValidations(n.nginx.accessLog)));
    expect(perNode.filter((c) => c > 0).length, `validations per node: ${perNode.join('/')}`).toBeGreaterThanOrEqual(2);
    expect(perNode.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(DOMAINS.length);
    expect((await pebbleIssued(l.pebble.logs.pebble)).length).toBe(before.length + 1);
    expect(existsSync(path.join(dirs.configDir, 'live', 'lab', 'fullchain.pem'))).toBe(true);
  });
});
