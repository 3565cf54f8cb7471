import { createPrivateKey as realCreatePrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { makeCertificate } from '../../../lab/certificates.js';

// Count the private keys OpenSSL loads (the slow part the check avoids for canonical P-256 keys).
const loads = vi.hoisted(() => ({ n: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return { ...crypto, createPrivateKey: (...args: Parameters<typeof crypto.createPrivateKey>) => (loads.n++, crypto.createPrivateKey(...args)) };
});

// A worker shared with other files may hold this module already, bound to the real crypto: load it afresh.
vi.resetModules();
const { keyMatchesCertificate, p256Key } = await import('../../../src/leaves/key-match.js');

const now = Date.now();
function issued() {
  const { cert, key } = makeCertificate({ domains: ['a.example'], notBefore: new Date(now - 3600_000), notAfter: new Date(now + 86400_000) });
  return { x509: new X509Certificate(cert), pkcs8: key, sec1: realCreatePrivateKey(key).export({ type: 'sec1', format: 'pem' }) as string };
}
const openssl = (x509: X509Certificate, pem: string) => x509.checkPrivateKey(realCreatePrivateKey(pem));
/** The same key with another public point stored in it (the scalar unchanged). */
function withPoint(pem: string, point: Buffer): string {
  const label = /BEGIN ([A-Z ]+)-----/.exec(pem)![1]!;
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\n/g, ''), 'base64');
  point.copy(der, der.length - 65);
  return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;
}

describe('keyMatchesCertificate', () => {
  it('P-256 keys as PKCS#8 and as SEC1: matched without loading them, same answer as OpenSSL', () => {
    const a = issued();
    const b = issued();
    loads.n = 0;
    expect(keyMatchesCertificate(a.x509, a.pkcs8)).toBe(true);
    expect(keyMatchesCertificate(a.x509, Buffer.from(a.sec1))).toBe(true);
    expect(keyMatchesCertificate(a.x509, b.pkcs8)).toBe(false);
    expect(keyMatchesCertificate(a.x509, b.sec1)).toBe(false);
    expect(loads.n).toBe(0);
    expect([openssl(a.x509, a.pkcs8), openssl(a.x509, a.sec1), openssl(a.x509, b.pkcs8), openssl(a.x509, b.sec1)]).toEqual([true, true, false, false]);
  });

  it("refuses a key whose stored public point is the certificate's but whose scalar is another key's (OpenSSL compares only the stored point)", () => {
    const a = issued();
    const b = issued();
    const point = p256Key(a.pkcs8)!.point;
    const forged = withPoint(b.pkcs8, point);
    expect(p256Key(forged)).not.toBeNull();
    expect(openssl(a.x509, forged)).toBe(true);
    expect(keyMatchesCertificate(a.x509, forged)).toBe(false);
    expect(keyMatchesCertificate(a.x509, withPoint(b.sec1, point))).toBe(false);
  });

  it("refuses the certificate's scalar with another stored point (nginx would refuse that key)", () => {
    const a = issued();
    const b = issued();
    expect(keyMatchesCertificate(a.x509, withPoint(a.pkcs8, p256Key(b.pkcs8)!.point))).toBe(false);
  });

  it('any other key or form is loaded and checked by OpenSSL', () => {
    const a = issued();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const crlf = a.pkcs8.replace(/\n/g, '\r\n');
    const oneLine = `-----BEGIN PRIVATE KEY-----\n${a.pkcs8.replace(/-----[^-]+-----|\n/g, '')}\n-----END PRIVATE KEY-----\n`;
    for (const pem of [rsa, crlf, oneLine]) expect(p256Key(pem)).toBeNull();
    loads.n = 0;
    expect(keyMatchesCertificate(a.x509, rsa)).toBe(false);
    expect(keyMatchesCertificate(a.x509, crlf)).toBe(true);
    expect(keyMatchesCertificate(a.x509, oneLine)).toBe(true);
    expect(loads.n).toBe(3);
    expect(() => keyMatchesCertificate(a.x509, 'not a key')).toThrow();
  });
});
