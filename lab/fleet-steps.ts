/** Steps and waits the fleet scenarios share: what etcd holds, who leads, what each node serves. */
import type { Etcd3 } from 'etcd3';
import { FLEET_PREFIX, type FleetLab, type FleetNode } from './fleet-lab.js';
import { servedSerial } from './fleet-evidence.js';
import { waitFor } from './tools.js';

/** Serial as hex digits only, upper case, no leading zeros: openssl, node and Pebble print it differently. */
export function normSerial(s: string): string {
  return s.replace(/[^0-9a-fA-F]/g, '').toUpperCase().replace(/^0+/, '');
}

export interface PublishedRecord {
  version: number;
  serial: string;
  names: string[];
  publishedBy?: string;
  fullchain: string;
  key: { iv: string; tag: string; data: string };
}

const clients = new WeakMap<FleetLab, Etcd3>();
/** One etcd client per lab (the cluster closes it when it stops). */
export function etcdOf(lab: FleetLab): Etcd3 {
  let c = clients.get(lab);
  if (c === undefined) {
    c = lab.etcd.client();
    clients.set(lab, c);
  }
  return c;
}

/** The published value of certificate `name` (null when none), read through a client of the lab's cluster. */
export async function published(lab: FleetLab, name: string): Promise<PublishedRecord | null> {
  const text = await etcdOf(lab).get(`${FLEET_PREFIX}/certs/${name}`).string();
  return text === null ? null : (JSON.parse(text) as PublishedRecord);
}

export async function publishedRaw(lab: FleetLab, name: string): Promise<string | null> {
  return etcdOf(lab).get(`${FLEET_PREFIX}/certs/${name}`).string();
}

/** Wait until `re` matches a line of the node's agent log; throws with the log's tail. */
export async function waitForLog(node: FleetNode, re: RegExp, timeoutMs: number, from = 0): Promise<string> {
  let hit = '';
  const ok = await waitFor(async () => {
    const text = (await node.agentLogText()).slice(from);
    hit = text.split('\n').find((l) => re.test(l)) ?? '';
    return hit !== '';
  }, timeoutMs, 100);
  if (!ok) throw new Error(`${node.name}: no agent log line matching ${String(re)} within ${timeoutMs} ms:\n${(await node.agentLogText()).slice(-3000)}`);
  return hit;
}

/** Length of each node's agent log now (to look only at what comes after). */
export async function logMarks(lab: FleetLab): Promise<Map<string, number>> {
  const marks = new Map<string, number>();
  for (const n of lab.nodes) marks.set(n.name, (await n.agentLogText()).length);
  return marks;
}

/** The running node that PREFIX/nodes/NODE says leads (its status key lives on the agent's lease). */
export async function currentLeader(lab: FleetLab, timeoutMs: number): Promise<FleetNode> {
  let found: FleetNode | undefined;
  const ok = await waitFor(async () => {
    for (const n of lab.nodes) {
      if (n.agent?.running() !== true) continue;
      const text = await etcdOf(lab).get(`${FLEET_PREFIX}/nodes/${n.name}`).string().catch(() => null);
      if (text !== null && (JSON.parse(text) as { leader?: boolean }).leader === true) {
        found = n;
        return true;
      }
    }
    return false;
  }, timeoutMs, 100);
  if (!ok || found === undefined) throw new Error(`no leader among ${lab.nodes.map((n) => n.name).join(', ')} within ${timeoutMs} ms`);
  return found;
}

/** Wait until every listed node serves `serial` for `host` on its 443; returns the serials seen. */
export async function waitServedEverywhere(nodes: FleetNode[], host: string, serial: string, timeoutMs: number): Promise<string[]> {
  let seen: string[] = [];
  await waitFor(async () => {
    seen = await Promise.all(nodes.map((n) => servedSerial(n.ip, host).then(normSerial, (e: Error) => `error: ${e.message}`)));
    return seen.every((s) => s === normSerial(serial));
  }, timeoutMs, 200);
  return seen;
}

/** Wait until the certificate `name` is published; returns its record. */
export async function waitPublished(lab: FleetLab, name: string, timeoutMs: number, notSerial?: string): Promise<PublishedRecord> {
  let rec: PublishedRecord | null = null;
  const ok = await waitFor(async () => {
    rec = await published(lab, name).catch(() => null);
    return rec !== null && (notSerial === undefined || normSerial(rec.serial) !== normSerial(notSerial));
  }, timeoutMs, 200);
  if (!ok || rec === null) {
    const logs = await Promise.all(lab.nodes.map(async (n) => `--- ${n.name}:\n${(await n.agentLogText()).slice(-2000)}`));
    throw new Error(`${name} not published within ${timeoutMs} ms\n${logs.join('\n')}`);
  }
  return rec;
}

/** Rewrite every node's config with these certificates, regenerate nginx, and SIGHUP every running agent. */
export async function setCertificates(lab: FleetLab, thumbprint: string, certificates: FleetLab['certificates']): Promise<void> {
  await lab.configure({ thumbprint, certificates });
  for (const n of lab.nodes) if (n.agent?.running() === true) n.agent.hup();
}
