/**
 * PREFIX/orders/NAME: written by the leader before it runs certbot, so that a
 * leader that dies mid-way leaves a trace. certbot's deploy hook (`cert-wrap
 * fleet deploy-hook`, in certbot's own process) adds the issued certificate
 * to it the moment certbot saved it; whoever leads next publishes that result
 * instead of ordering again. A marker without a result is waited on for
 * fleet.order-grace seconds (its certbot may still be running), then ordered anew.
 */
import type { Sealed } from '../../lib/seal.js';

export interface OrderMarker {
  node: string;
  startedAt: string;
  action: string;
  /** The serial this order replaces (null for a first issuance). */
  replaces: string | null;
  result?: { fullchain: string; key: Sealed; savedAt: string };
}

export function parseOrder(text: string | null): OrderMarker | null {
  if (text === null) return null;
  try {
    const o = JSON.parse(text) as OrderMarker;
    return typeof o?.node === 'string' && typeof o.startedAt === 'string' ? o : null;
  } catch {
    return null;
  }
}

export type OrderState =
  | { kind: 'none' }
  | { kind: 'result'; marker: OrderMarker }
  | { kind: 'wait'; until: Date; marker: OrderMarker }
  | { kind: 'stale'; marker: OrderMarker };

/** What a leader does about an existing marker (pure). */
export function orderState(marker: OrderMarker | null, node: string, graceSeconds: number, now: Date): OrderState {
  if (marker === null) return { kind: 'none' };
  if (marker.result) return { kind: 'result', marker };
  const until = new Date(Date.parse(marker.startedAt) + graceSeconds * 1000);
  // Our own marker without a result: our certbot is not running (this process is the only one that starts it).
  if (marker.node !== node && until.getTime() > now.getTime()) return { kind: 'wait', until, marker };
  return { kind: 'stale', marker };
}
