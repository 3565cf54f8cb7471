/** PREFIX/nodes/NODE: what one agent has installed, kept under the node's own lease (gone when the agent is). */
import type { CertState } from './installer.js';

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

export function parseNodeStatus(text: string): NodeStatus | null {
  try {
    const s = JSON.parse(text) as NodeStatus;
    return typeof s?.node === 'string' && typeof s.installed === 'object' ? s : null;
  } catch {
    return null;
  }
}
