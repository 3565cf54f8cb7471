import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { Certificate } from '../../../../src/model/types.js';
import { makeCertificate } from '../../../../lab/certificates.js';

// Count the X.509 parses (the costly part of verifying a record, with the key's parse).
const parses = vi.hoisted(() => ({ n: 0, keys: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  class CountingX509 extends crypto.X509Certificate {
    constructor(...args: ConstructorParameters<typeof crypto.X509Certificate>) {
      super(...args);
      parses.n++;
    }
  }
  const createPrivateKey = (...args: Parameters<typeof crypto.createPrivateKey>) => (parses.keys++, crypto.createPrivateKey(...args));
  return { ...crypto, X509Certificate: CountingX509, createPrivateKey };
});

// A worker shared with other files may hold this module already, bound to the real crypto: load it afresh.
vi.resetModules();
const { makeRecord, verifyRecord } = await import('../../../../src/adapters/fleet/record.js');

const key = randomBytes(32);

describe('verifyRecord', () => {
  it('parses the certificate once, matches a P-256 key without loading it, and still checks names, serial, key and expiry', () => {
    const now = Date.now();
    const { cert, key: privkey } = makeCertificate({ domains: ['a.example', 'b.example'], notBefore: new Date(now - 3600_000), notAfter: new Date(now + 86400_000) });
    const record = makeRecord(key, 'a.example', { fullchain: cert, privkey }, 4, 'n1', new Date());
    const wanted = { name: 'a.example', domains: ['b.example', 'a.example'] } as Certificate;
    parses.n = 0;
    parses.keys = 0;
    const v = verifyRecord(key, wanted, JSON.stringify(record), new Date());
    expect(v).toMatchObject({ ok: true, record: { version: 4, serial: record.serial }, fullchain: cert });
    expect(parses.n).toBe(1);
    expect(parses.keys).toBe(0);
    expect(verifyRecord(key, { ...wanted, domains: ['a.example'] }, JSON.stringify(record), new Date())).toMatchObject({ ok: false, reason: expect.stringContaining('are not the configured ones') });
    expect(verifyRecord(key, wanted, JSON.stringify({ ...record, serial: 'AB' }), new Date())).toMatchObject({ ok: false, reason: expect.stringContaining('is not the certificate') });
    expect(verifyRecord(key, wanted, JSON.stringify(record), new Date(now + 2 * 86400_000))).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
    const other = makeCertificate({ domains: ['a.example', 'b.example'], notBefore: new Date(now - 3600_000), notAfter: new Date(now + 86400_000) });
    const mismatched = { ...record, key: makeRecord(key, 'a.example', { fullchain: cert, privkey: other.key }, 4, 'n1', new Date()).key };
    expect(verifyRecord(key, wanted, JSON.stringify(mismatched), new Date())).toMatchObject({ ok: false, reason: 'the private key does not match the certificate' });
  });
});
