// One private etcd member on loopback for the fleet rows (its own data dir and ports).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { findTool, portFree } from './procs.mjs';
import { startLogged, stopChild, waitFor } from './fleet-procs.mjs';

export const ETCD_PORTS = [22390, 22391];

/**
 * @returns {Promise<{ endpoint: string, client: Etcd3, pid: number, stop(): Promise<void> }>}
 */
export async function startEtcd(dir, track) {
  const binary = findTool('etcd');
  if (binary === null) throw new Error('etcd not found: apt-get install -y etcd-server');
  for (const port of ETCD_PORTS) if (!(await portFree(port))) throw new Error(`port ${port} on 127.0.0.1 is in use: the fleet rows need it for their etcd`);
  mkdirSync(dir, { recursive: true });
  const [clientPort, peerPort] = ETCD_PORTS;
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = startLogged(binary, ['--name', 'bench', '--data-dir', path.join(dir, 'data'),
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `bench=${peer}`],
  path.join(dir, 'etcd.log'));
  const client = new Etcd3({ hosts: endpoint });
  const stop = async () => {
    client.close();
    await stopChild(child);
  };
  track(stop);
  const up = await waitFor(async () => {
    try {
      await client.put('/bench/up').value('1').exec();
      return true;
    } catch {
      await sleep(100);
      return false;
    }
  }, 15_000, 100);
  if (!up) throw new Error(`etcd did not take writes within 15 s (log: ${path.join(dir, 'etcd.log')})`);
  return { endpoint, client, pid: child.pid, stop };
}
