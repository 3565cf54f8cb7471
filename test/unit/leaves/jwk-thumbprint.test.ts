import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwkThumbprint } from '../../../src/leaves/jwk-thumbprint.js';

describe('RFC 7638 thumbprint', () => {
  it('matches the RFC 7638 section 3.1 example (RSA)', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
  it('is what node computes for EC and RSA keys (certbot private_key.json members)', () => {
    for (const privateKey of [generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey]) {
      const jwk = privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
      expect(jwkThumbprint(jwk)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // the private members do not change it
      const pub = Object.fromEntries(Object.entries(jwk).filter(([k]) => ['kty', 'n', 'e', 'crv', 'x', 'y'].includes(k)));
      expect(jwkThumbprint(jwk)).toBe(jwkThumbprint(pub));
    }
  });
  it('refuses an unknown key type', () => {
    expect(() => jwkThumbprint({ kty: 'oct', k: 'x' })).toThrow('unsupported key type "oct"');
  });
});
