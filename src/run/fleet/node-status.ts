/**
 * PREFIX/nodes/NODE: what one agent has installed, kept under the node's own
 * lease (gone when the agent is). One put must stay under etcd's request limit
 * (1.5 MiB by default): as plain JSON, 10,000 certificates that all report an
 * error take about 1.9 MB, so the per-certificate part (installed serials and
 * errors) is stored gzipped, in base64 (about 0.4 MB for those 10,000), next to
 * the plain summary (node, leader, last error, time).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { CertState } from './installer.js';

/** A per-certificate part that decompresses to more than this is refused (no fleet reports that much; a crafted value could). */
const MAX_CERTIFICATES_JSON = 64 * 1024 * 1024;

export interface NodeStatus {
  node: string;
  leader: boolean;
  installed: Record<string, string | null>;
  errors: Record<string, string>;
  lastError: string | null;
  updatedAt: string;
}

export function nodeStatus(node: string, leader: boolean, states: Map<string, CertState>, lastError: string | null, now: Date): NodeStatus {
  const installed: Record<string, string | null> = {};
  const errors: Record<string, string> = {};
  for (const [name, s] of states) {
    installed[name] = s.serial;
    if (s.error) errors[name] = s.error;
  }
  return { node, leader, installed, errors, lastError, updatedAt: now.toISOString() };
}

/** What a status says, without its time: two statuses with the same content need not both be stored. */
export function statusContent(status: NodeStatus): string {
  const { updatedAt: _, ...content } = status;
  return JSON.stringify(content);
}

/** The value stored at PREFIX/nodes/NODE. */
export function encodeNodeStatus(status: NodeStatus): string {
  const { installed, errors, ...summary } = status;
  return JSON.stringify({ ...summary, certificates: gzipSync(JSON.stringify({ installed, errors })).toString('base64') });
}

/** A stored node status (this encoding, or plain JSON as agents wrote it before), or null when it is not one. */
export function parseNodeStatus(text: string): NodeStatus | null {
  try {
    const s = JSON.parse(text) as NodeStatus & { certificates?: unknown };
    if (typeof s?.certificates === 'string') {
      const { certificates, ...summary } = s;
      const part = JSON.parse(gunzipSync(Buffer.from(certificates, 'base64'), { maxOutputLength: MAX_CERTIFICATES_JSON }).toString('utf8')) as Pick<NodeStatus, 'installed' | 'errors'>;
      return typeof summary.node === 'string' && typeof part?.installed === 'object' && part.installed !== null ? { ...summary, installed: part.installed, errors: part.errors ?? {} } : null;
    }
    return typeof s?.node === 'string' && typeof s.installed === 'object' ? s : null;
  } catch {
    return null;
  }
}
