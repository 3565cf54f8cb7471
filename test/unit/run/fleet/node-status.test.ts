import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeNodeStatus, nodeStatus, parseNodeStatus } from '../../../../src/run/fleet/node-status.js';
import type { CertState } from '../../../../src/run/fleet/installer.js';

const REQUEST_MAX = 1.5 * 1024 * 1024;

/** N certificates as an agent holds them: a serial each (18 random bytes, as Let's Encrypt's), every one refused with the decryption error when `refused`. */
function states(n: number, refused: boolean): Map<string, CertState> {
  const m = new Map<string, CertState>();
  for (let i = 0; i < n; i++) {
    const error = refused ? 'refused version 2: the private key it does not decrypt with the fleet key (altered, or sealed with another key)' : null;
    m.set(`shop-${i}.customer-sites.example`, { serial: randomBytes(18).toString('hex').toUpperCase(), version: 1, error });
  }
  return m;
}

describe('node status (PREFIX/nodes/NODE)', () => {
  it('round-trips: summary, installed serials, errors', () => {
    const s = nodeStatus('web-1', true, new Map<string, CertState>([['a', { serial: '0A', version: 1, error: null }], ['b', { serial: null, version: null, error: 'refused version 1: x' }]]), 'b: x', new Date('2026-01-01T00:00:00Z'));
    const text = encodeNodeStatus(s);
    expect(JSON.parse(text)).toMatchObject({ node: 'web-1', leader: true, lastError: 'b: x', updatedAt: '2026-01-01T00:00:00.000Z' });
    expect(parseNodeStatus(text)).toEqual(s);
  });

  it('10,000 certificates that all report an error fit in one etcd request (1.5 MiB); as plain JSON they do not', () => {
    const s = nodeStatus('web-1', false, states(10_000, true), 'x', new Date());
    expect(JSON.stringify(s).length).toBeGreaterThan(REQUEST_MAX);
    const text = encodeNodeStatus(s);
    expect(text.length).toBeLessThan(REQUEST_MAX / 3);
    expect(parseNodeStatus(text)).toEqual(s);
  });

  it('reads the plain JSON older agents wrote; refuses what is not a status', () => {
    const plain = { node: 'web-2', leader: false, installed: { a: '0B' }, errors: {}, lastError: null, updatedAt: '2026-01-01T00:00:00.000Z' };
    expect(parseNodeStatus(JSON.stringify(plain))).toEqual(plain);
    expect(parseNodeStatus('not json')).toBeNull();
    expect(parseNodeStatus(JSON.stringify({ node: 'x', certificates: 'bm90IGd6aXA=' }))).toBeNull();
    expect(parseNodeStatus(JSON.stringify({ node: 'x', certificates: encodeNodeStatus(plain).length }))).toBeNull();
  });
});
