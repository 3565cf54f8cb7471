/**
 * One fleet node for real: etcd, Pebble, nginx and `cert-wrap agent` as
 * processes. fleet init registers the account; gen-nginx's fleet location
 * answers the challenge; the agent wins the election, orders with certbot
 * (manual plugin, the fleet auth hook), publishes through etcd, installs into
 * its certs-dir and reloads nginx once. (The 3-node lab and its faults live
 * in their own tests.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certbotDirs } from '../../lab/certbot.js';
import { Started, writeServersWithCatchAll } from '../../lab/e2e.js';
import { bins, runBin } from '../../lab/cli.js';
import { etcdBinary, startEtcd, type RunningEtcd } from '../../lab/etcd.js';
import { startNginx, type RunningNginx } from '../../lab/nginx.js';
import { startPebble, type RunningPebble } from '../../lab/pebble.js';
import { makeTempDir } from '../../lab/tmp.js';
import { findTool, requireAcmeEnv, waitFor } from '../../lab/tools.js';
import { LAB_IP } from '../../lab/loopback.js';

const { ok } = requireAcmeEnv();
const haveEtcd = etcdBinary() !== null;

describe.skipIf(!ok || !haveEtcd)('cert-wrap agent: one fleet node against real etcd, certbot, nginx and Pebble', () => {
  let dir: string | undefined;
  let pebble: RunningPebble | undefined;
  let nginx: RunningNginx | undefined;
  let etcd: RunningEtcd | undefined;
  let agent: ChildProcess | undefined;
  let agentLog = '';
  const started = new Started();
  let site = '';
  let env: Record<string, string> = {};

  beforeAll(async () => {
    dir = await makeTempDir('cw-fleet-e2e-');
    etcd = await startEtcd();
    pebble = await startPebble({ dir: path.join(dir, 'pebble') });
    started.pids.add(etcd.child.pid!);
    for (const p of pebble.pids) started.pids.add(p);
    const generated = path.join(dir, 'generated.conf');
    await writeFile(generated, '');
    const servers = path.join(dir, 'servers.conf');
    await writeServersWithCatchAll(servers, generated);
    nginx = await startNginx({ dir, serversConf: servers });
    await started.workers(nginx);
    await writeFile(path.join(dir, 'fleet.key'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    site = path.join(dir, 'site.yaml');
    env = { REQUESTS_CA_BUNDLE: pebble.caBundle };
  }, 60_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    await etcd?.stop();
    await started.stopAll(nginx, pebble, dir);
  });

  let extra: { domains: string[] }[] = [];
  let thumb = '';
  const configObject = (thumbprint?: string) => {
    const dirs = certbotDirs(dir!);
    return {
      server: pebble!.directoryUrl,
      'config-dir': dirs.configDir,
      'work-dir': dirs.workDir,
      'logs-dir': dirs.logsDir,
      'certs-dir': path.join(dir!, 'certs'),
      certificates: [{ domains: ['a.test', 'www.a.test'] }, ...extra],
      nginx: { listen: [`${LAB_IP}:80`], 'pid-file': nginx!.pidFile, binary: nginx!.binary },
      fleet: {
        etcd: { endpoints: [etcd!.endpoint] },
        prefix: '/e2e/fleet',
        node: 'n1',
        'key-file': path.join(dir!, 'fleet.key'),
        'lease-ttl': 3,
        ...(thumbprint ? { 'account-thumbprint': thumbprint } : {}),
      },
    };
  };

  it(
    'fleet init registers the account and prints its thumbprint alone; a second init prints the same one',
    async () => {
      await writeFile(site, toYaml(configObject()));
      const r = await runBin(bins.certWrap, ['fleet', 'init', '-c', site], { env });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
      // The key is in no file or message: the account's private key is sealed in etcd.
      const again = await runBin(bins.certWrap, ['fleet', 'init', '-c', site], { env });
      expect(again.exitCode).toBe(0);
      expect(again.stdout).toBe(r.stdout);
      expect(again.stderr).toContain('already has an account');
      thumb = r.stdout.trim();
      await writeFile(site, toYaml(configObject(thumb)));
      const gen = await runBin(bins.genNginx, ['--output', path.join(dir!, 'generated.conf'), site]);
      expect(gen.exitCode, gen.stderr).toBe(0);
      await nginx!.reload();
      await started.workers(nginx);
    },
    60_000,
  );

  it(
    'the agent is elected, orders, publishes, installs into its stable paths and reloads nginx once',
    async () => {
      const errorLogBefore = (await readFile(nginx!.errorLog, 'utf8')).match(/SIGHUP\) received/g)?.length ?? 0;
      agent = spawn(process.execPath, [bins.certWrap, 'agent', '-c', site], { env: { ...process.env, ...env, PATH: `${path.dirname(findTool('certbot') ?? '/usr/bin/certbot')}:${process.env.PATH}` }, stdio: ['ignore', 'ignore', 'pipe'] });
      started.pids.add(agent.pid!);
      agent.stderr!.on('data', (b: Buffer) => (agentLog += b.toString()));
      const installed = await waitFor(() => /installed a\.test serial/.test(agentLog) && /reloaded/.test(agentLog), 90_000, 200);
      expect(installed, agentLog).toBe(true);
      expect(agentLog).toMatch(/elected: this agent is the leader/);
      expect(agentLog).toMatch(/ordering a\.test \(obtain: no certificate yet\)/);
      expect(agentLog).toMatch(/published a\.test serial [0-9A-F]+ version 1 \(from this order\)/);
      const fullchain = readFileSync(path.join(dir!, 'certs', 'a.test', 'fullchain.pem'), 'utf8');
      const cert = new X509Certificate(fullchain);
      expect(cert.issuer).toMatch(/Pebble/);
      expect(cert.subjectAltName).toContain('DNS:www.a.test');
      const sighups = (await readFile(nginx!.errorLog, 'utf8')).match(/SIGHUP\) received/g)?.length ?? 0;
      expect(sighups - errorLogBefore).toBe(1);
      // The challenge was answered by nginx itself: the access log holds 200s for the challenge path.
      expect(await readFile(nginx!.accessLog, 'utf8')).toMatch(/GET \/\.well-known\/acme-challenge\/[-_A-Za-z0-9]+ HTTP\/1\.[01]" 200/);

      // status from the node: the whole fleet, this node current.
      await waitFor(async () => {
        const s = await runBin(bins.certWrap, ['status', '-c', site, '--json']);
        const view = JSON.parse(s.stdout) as { nodes: { node: string; behind: string[]; installed: Record<string, string> }[] };
        return view.nodes.some((n) => n.node === 'n1' && n.behind.length === 0 && n.installed['a.test'] === cert.serialNumber);
      }, 10_000, 300);
      const s = await runBin(bins.certWrap, ['status', '-c', site, '--json']);
      expect(s.exitCode, s.stdout).toBe(0);
      const view = JSON.parse(s.stdout) as { leader: string; certificates: { name: string; published: { serial: string } }[] };
      expect(view.leader).toBe('n1');
      expect(view.certificates[0]!.published.serial).toBe(cert.serialNumber);
    },
    120_000,
  );

  it(
    'SIGHUP: the agent re-reads the config and orders the certificate added to it',
    async () => {
      extra = [{ domains: ['b.test'] }];
      await writeFile(site, toYaml(configObject(thumb)));
      const gen = await runBin(bins.genNginx, ['--output', path.join(dir!, 'generated.conf'), site]);
      expect(gen.exitCode, gen.stderr).toBe(0);
      await nginx!.reload();
      await started.workers(nginx);
      agent!.kill('SIGHUP');
      const done = await waitFor(() => /installed b\.test serial/.test(agentLog), 90_000, 200);
      expect(done, agentLog).toBe(true);
      expect(agentLog).toMatch(/config re-read: 2 certificate\(s\)/);
      expect(agentLog).toMatch(/ordering b\.test/);
      // a.test was not ordered again.
      expect(agentLog.match(/ordering a\.test/g)).toHaveLength(1);
    },
    120_000,
  );

  it(
    'SIGTERM: the agent resigns and exits 0; status then shows no leader and no node',
    async () => {
      const exited = new Promise<number | null>((resolve) => agent!.once('exit', (code) => resolve(code)));
      agent!.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(agentLog).toMatch(/stopped/);
      const s = await runBin(bins.certWrap, ['status', '-c', site, '--json']);
      const view = JSON.parse(s.stdout) as { leader: string | null; nodes: unknown[] };
      expect(view.leader).toBeNull();
      expect(view.nodes).toEqual([]);
    },
    30_000,
  );

  it(
    'status exits 4 when the store is unavailable, and still shows what this node serves',
    async () => {
      const down = toYaml({ ...configObject('A'.repeat(43)), fleet: { ...configObject().fleet, etcd: { endpoints: ['http://127.0.0.1:1'] } } });
      await writeFile(path.join(dir!, 'down.yaml'), down);
      const s = await runBin(bins.certWrap, ['status', '-c', path.join(dir!, 'down.yaml')]);
      expect(s.exitCode).toBe(4);
      expect(s.stdout).toContain('store: UNAVAILABLE');
      expect(s.stdout).toMatch(/a\.test: unknown; here: [0-9A-F]+/);
    },
    30_000,
  );
});
