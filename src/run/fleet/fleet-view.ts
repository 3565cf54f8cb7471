/**
 * The whole fleet as data, for `cert-wrap status` on any node: the store's
 * state, the leader, each certificate as published (and what the leader's
 * rule says of it), orders in progress, and each node's installed serials.
 * Built from a store read (gather) and rendered by pure functions.
 */
import type { Config } from '../../model/types.js';
import { inspectPem } from '../../leaves/x509.js';
import { installedSerial } from './install.js';
import { nodesPrefix } from '../../adapters/fleet/layout.js';
import { type NodeStatus, parseNodeStatus } from './node-status.js';
import { parseOrder } from '../../adapters/fleet/order.js';
import type { FleetStore } from '../../adapters/fleet/store.js';

export interface FleetCertView {
  name: string;
  published: { serial: string; version: number; notAfter: string; publishedBy: string } | null;
  order: { node: string; startedAt: string; hasResult: boolean } | null;
  /** This node's installed serial (from its certs-dir, readable without the store). */
  local: string | null;
}

export interface FleetView {
  node: string;
  prefix: string;
  store: { available: boolean; error: string | null };
  leader: string | null;
  certificates: FleetCertView[];
  nodes: (NodeStatus & { behind: string[] })[];
}

export async function gatherFleet(config: Config, store: FleetStore): Promise<FleetView> {
  const fleet = config.fleet!;
  const local = (name: string) => installedSerial(config, config.certificates.find((c) => c.name === name)!);
  const base = { node: fleet.node, prefix: fleet.prefix };
  try {
    const [snap, leader, nodes, orders] = await Promise.all([store.readCerts(), store.leader(), store.list(nodesPrefix(fleet.prefix)), store.list(`${fleet.prefix}/orders/`)]);
    const certificates = config.certificates.map((c): FleetCertView => {
      const order = parseOrder(orders.get(c.name) ?? null);
      return { name: c.name, published: published(snap.values.get(c.name) ?? null), order: order && { node: order.node, startedAt: order.startedAt, hasResult: Boolean(order.result) }, local: local(c.name) };
    });
    const nodeViews = [...nodes.values()].flatMap((t) => {
      const s = parseNodeStatus(t);
      if (!s) return [];
      const behind = certificates.filter((c) => c.published && s.installed[c.name] !== c.published.serial).map((c) => c.name);
      return [{ ...s, behind }];
    });
    nodeViews.sort((a, b) => a.node.localeCompare(b.node));
    return { ...base, store: { available: true, error: null }, leader, certificates, nodes: nodeViews };
  } catch (err) {
    const certificates = config.certificates.map((c) => ({ name: c.name, published: null, order: null, local: local(c.name) }));
    return { ...base, store: { available: false, error: (err as Error).message }, leader: null, certificates, nodes: [] };
  }
}

function published(text: string | null): FleetCertView['published'] {
  if (text === null) return null;
  try {
    const r = JSON.parse(text) as { serial: string; version: number; fullchain: string; publishedBy: string };
    return { serial: r.serial, version: r.version, notAfter: inspectPem(r.fullchain, 'published').notAfter.toISOString(), publishedBy: r.publishedBy };
  } catch {
    return { serial: '(unreadable)', version: -1, notAfter: '', publishedBy: '' };
  }
}

/** Exit code of `status` for a fleet: 4 store unavailable; 1 a node reports an error; else 0. */
/** What `status` of a fleet comes to: the store unavailable, a node reporting errors, or all well (exit codes: cli/exit-codes.ts). */
export function fleetHealth(view: FleetView): 'store-unavailable' | 'node-errors' | 'ok' {
  if (!view.store.available) return 'store-unavailable';
  return view.nodes.some((n) => Object.keys(n.errors).length > 0) ? 'node-errors' : 'ok';
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Prometheus text: the store, the leader, and per node and certificate whether it serves the published serial. */
export function renderFleetMetrics(view: FleetView, now: Date): string {
  const lines: string[] = [];
  const family = (name: string, help: string, samples: [Record<string, string>, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, v] of samples) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
      lines.push(`${name}${l ? `{${l}}` : ''} ${v}`);
    }
  };
  family('cert_wrap_fleet_store_up', '1 when the fleet store (etcd) answered, 0 when it is unavailable.', [[{ node: view.node }, view.store.available ? 1 : 0]]);
  family('cert_wrap_fleet_leader', '1 for the node that leads the fleet.', view.nodes.map((n) => [{ node: n.node }, n.node === view.leader ? 1 : 0]));
  family(
    'cert_wrap_fleet_certificate_seconds_left',
    'Seconds until the published certificate expires.',
    view.certificates.flatMap((c) => (c.published?.notAfter ? [[{ certificate: c.name }, Math.floor((Date.parse(c.published.notAfter) - now.getTime()) / 1000)] as [Record<string, string>, number]] : [])),
  );
  family(
    'cert_wrap_fleet_node_current',
    '1 when the node serves the published serial of the certificate, 0 when it is behind.',
    view.nodes.flatMap((n) => view.certificates.map((c) => [{ node: n.node, certificate: c.name }, n.behind.includes(c.name) ? 0 : 1] as [Record<string, string>, number])),
  );
  family(
    'cert_wrap_fleet_node_errors',
    'Certificates for which the node reports an error (a refused value, a failed install or deploy step).',
    view.nodes.map((n) => [{ node: n.node }, Object.keys(n.errors).length]),
  );
  family(
    'cert_wrap_fleet_local_installed',
    "1 when this node's certs-dir serves a certificate from the fleet.",
    view.certificates.map((c) => [{ node: view.node, certificate: c.name }, c.local ? 1 : 0]),
  );
  return `${lines.join('\n')}\n`;
}

/** The human view. */
export function renderFleetText(view: FleetView): string {
  const out: string[] = [];
  out.push(`fleet ${view.prefix} (this node: ${view.node})`);
  if (!view.store.available) out.push(`store: UNAVAILABLE: ${view.store.error}`, 'this node keeps serving what it has installed; nothing is ordered until the store answers');
  else out.push(`store: available; leader: ${view.leader ?? 'none'}`);
  out.push('', 'certificates:');
  for (const c of view.certificates) {
    const p = c.published ? `serial ${c.published.serial} v${c.published.version}, not after ${c.published.notAfter.replace(/\.\d+Z$/, 'Z')}, by ${c.published.publishedBy}` : view.store.available ? 'not published yet' : 'unknown';
    const o = c.order ? `; order by ${c.order.node} since ${c.order.startedAt}${c.order.hasResult ? ' (result waiting to be published)' : ''}` : '';
    out.push(`  ${c.name}: ${p}${o}; here: ${c.local ?? 'none from the fleet'}`);
  }
  if (view.store.available) {
    out.push('', 'nodes:');
    if (view.nodes.length === 0) out.push('  (no agent is running)');
    for (const n of view.nodes) {
      const state = n.behind.length > 0 ? `BEHIND on ${n.behind.join(', ')}` : 'current';
      out.push(`  ${n.node}${n.node === view.leader ? ' (leader)' : ''}: ${state}, updated ${n.updatedAt}${n.lastError ? `; last error: ${n.lastError}` : ''}`);
      for (const [name, e] of Object.entries(n.errors)) out.push(`    ${name}: ${e}`);
    }
  }
  return `${out.join('\n')}\n`;
}
