/**
 * One etcd member on 127.0.0.1, in a temporary data directory, on free ports.
 * `pause`/`resume` stop and start that same member on the same data (the store
 * unavailable, then back); `stop` ends it (that very process, by its pid) and
 * removes the directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { findTool, freePort, waitFor } from './tools.js';
import { makeTempDir, removeTempDir } from './tmp.js';

export interface RunningEtcd {
  endpoint: string;
  dir: string;
  child: ChildProcess;
  /** Every pid started, for "all gone" checks. */
  pids: number[];
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export function etcdBinary(): string | null {
  return findTool('etcd');
}

export async function startEtcd(): Promise<RunningEtcd> {
  const binary = etcdBinary();
  if (binary === null) throw new Error('etcd is not installed (apt-get install etcd-server)');
  const dir = await makeTempDir('cw-etcd-');
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  const args = [
    '--name', 'solo', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `solo=http://127.0.0.1:${peer}`, '--log-level', 'error',
  ];
  let stderr = '';
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const up = await waitFor(async () => {
      try {
        return (await fetch(`${endpoint}/health`)).ok;
      } catch {
        return false;
      }
    }, 15_000, 100);
    if (!up) {
      await end(child);
      throw new Error(`etcd did not start: ${stderr.slice(-2000)}`);
    }
    return child;
  };
  const end = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const running: RunningEtcd = {
    endpoint,
    dir,
    child: await launch().catch(async (err) => {
      await removeTempDir(dir);
      throw err;
    }),
    pids: [],
    pause: () => end(running.child),
    resume: async () => {
      running.child = await launch();
      running.pids.push(running.child.pid!);
    },
    stop: async () => {
      await end(running.child);
      await removeTempDir(dir);
    },
  };
  running.pids.push(running.child.pid!);
  return running;
}
