/** A real etcd cluster on loopback for the fleet tests: one temp data dir per member, start/stop/kill/pause each. */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { assertPortFree, hasExited, spawnLogged, stopChild, type Child } from './pebble.js';
import { findTool, waitFor } from './tools.js';
import { LAB_IP } from './loopback.js';

export interface EtcdMember {
  name: string;
  clientUrl: string;
  dataDir: string;
  log: string;
  /** Pid of the running member, or undefined when it is not running. */
  pid(): number | undefined;
  running(): boolean;
  /** Start it again (same data dir: it rejoins the cluster). */
  start(): void;
  /** SIGTERM, wait, SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** SIGKILL, wait until reaped. */
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** Client URLs of every member, e.g. http://127.0.0.1:22370. */
  endpoints: string[];
  /** A client of the whole cluster (closed by stop()). */
  client(): Etcd3;
  /** Resolves once a write through the cluster succeeds (quorum), throws after timeoutMs. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stop every member started (continuing paused ones first). Idempotent. */
  stop(): Promise<void>;
}

export interface StartEtcdOptions {
  dir: string;
  size?: number;
  /** Member i listens for clients on clientBase+i and for peers on peerBase+i. */
  clientBase?: number;
  peerBase?: number;
}

/** The lab's address: members keep fixed ports, and files running at once each have their own address. */
const HOST = LAB_IP;

/** etcd's argv for one member of a static loopback cluster. */
export function etcdArgs(m: { name: string; dataDir: string; clientPort: number; peerPort: number }, initialCluster: string, token: string): string[] {
  const client = `http://${HOST}:${m.clientPort}`;
  const peer = `http://${HOST}:${m.peerPort}`;
  return [
    '--name', m.name, '--data-dir', m.dataDir,
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', token,
    '--heartbeat-interval', '100', '--election-timeout', '1000',
  ];
}

async function tail(file: string, lines = 15): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '(no log)');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Start a `size`-member etcd cluster (default 3) and wait until it takes writes. Stops what it started on failure. */
export async function startEtcdCluster(opts: StartEtcdOptions): Promise<EtcdCluster> {
  const binary = findTool('etcd');
  if (binary === null) throw new Error('etcd not found: apt-get install -y etcd-server');
  const size = opts.size ?? 3;
  const clientBase = opts.clientBase ?? 22370;
  const peerBase = opts.peerBase ?? 22380;
  const specs = Array.from({ length: size }, (_, i) => ({
    name: `e${i + 1}`,
    dataDir: path.join(opts.dir, `e${i + 1}`),
    clientPort: clientBase + i,
    peerPort: peerBase + i,
  }));
  for (const s of specs) {
    await assertPortFree(s.clientPort, HOST);
    await assertPortFree(s.peerPort, HOST);
  }
  await mkdir(path.join(opts.dir, 'logs'), { recursive: true });
  const initialCluster = specs.map((s) => `${s.name}=http://${HOST}:${s.peerPort}`).join(',');
  const token = `cert-wrap-lab-${process.pid}-${Date.now()}`;
  const clients: Etcd3[] = [];

  const members: EtcdMember[] = specs.map((s) => {
    let child: Child | undefined;
    const log = path.join(opts.dir, 'logs', `${s.name}.log`);
    const running = (): boolean => child !== undefined && !hasExited(child);
    const signal = (sig: NodeJS.Signals): void => {
      if (running()) child?.proc.kill(sig);
    };
    return {
      name: s.name,
      clientUrl: `http://${HOST}:${s.clientPort}`,
      dataDir: s.dataDir,
      log,
      pid: () => (running() ? child?.pid : undefined),
      running,
      start: () => {
        if (running()) throw new Error(`etcd member ${s.name} is already running`);
        child = spawnLogged([binary, etcdArgs(s, initialCluster, token)], log, process.env);
      },
      stop: async () => {
        if (child === undefined) return;
        signal('SIGCONT');
        await stopChild(child);
      },
      kill: async () => {
        if (child === undefined || !running()) return;
        child.proc.kill('SIGKILL');
        await child.exited;
      },
      pause: () => signal('SIGSTOP'),
      resume: () => signal('SIGCONT'),
    };
  });

  const endpoints = members.map((m) => m.clientUrl);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const c of clients) c.close();
    await Promise.all(members.map((m) => m.stop()));
  };
  const client = (): Etcd3 => {
    const c = new Etcd3({ hosts: endpoints, dialTimeout: 2_000 });
    clients.push(c);
    return c;
  };
  const waitHealthy = async (timeoutMs = 15_000): Promise<void> => {
    const c = client();
    let last = '';
    const ok = await waitFor(async () => {
      try {
        await c.put('/lab/health').value(String(Date.now())).exec();
        return true;
      } catch (err) {
        last = (err as Error).message;
        await sleep(200);
        return false;
      }
    }, timeoutMs, 100);
    if (!ok) {
      const logs = await Promise.all(members.map(async (m) => `--- ${m.log}:\n${await tail(m.log)}`));
      throw new Error(`etcd cluster not writable within ${timeoutMs} ms: ${last}\n${logs.join('\n')}`);
    }
  };

  try {
    for (const m of members) m.start();
    await waitHealthy();
  } catch (err) {
    await stop();
    throw err;
  }
  return { members, endpoints, client, waitHealthy, stop };
}
