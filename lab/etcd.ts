/**
 * One etcd member on 127.0.0.1, in a temporary data directory, on free ports;
 * stopped (that very process, by its pid) and removed by `stop`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { findTool, freePort, waitFor } from './tools.js';
import { makeTempDir, removeTempDir } from './tmp.js';

export interface RunningEtcd {
  endpoint: string;
  dir: string;
  child: ChildProcess;
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
  const child = spawn(
    binary,
    [
      '--name', 'solo', '--data-dir', join(dir, 'data'),
      '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `solo=http://127.0.0.1:${peer}`, '--log-level', 'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? '' } },
  );
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const up = await waitFor(async () => {
    try {
      return (await fetch(`${endpoint}/health`)).ok;
    } catch {
      return false;
    }
  }, 15_000, 100);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await removeTempDir(dir);
  };
  if (!up) {
    await stop();
    throw new Error(`etcd did not start: ${stderr.slice(-2000)}`);
  }
  return { endpoint, dir, child, stop };
}
