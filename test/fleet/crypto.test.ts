import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { open, seal } from '../../src/fleet/crypto.js';
import { parseFleetKey, readFleetKey } from '../../src/fleet/key.js';
import { jwkThumbprint } from '../../src/fleet/thumbprint.js';
import type { Fleet } from '../../src/config/types.js';

describe('AES-256-GCM with the fleet key', () => {
  const key = randomBytes(32);
  it('round-trips and binds the value to its place', () => {
    const sealed = seal(key, 'private key', 'certs/a');
    expect(open(key, sealed, 'certs/a').toString()).toBe('private key');
    expect(() => open(key, sealed, 'certs/b')).toThrow('does not decrypt with the fleet key');
  });
  it('refuses an altered value and another key', () => {
    const sealed = seal(key, 'private key', 'certs/a');
    const data = Buffer.from(sealed.data, 'base64');
    data[0] = data[0]! ^ 1;
    expect(() => open(key, { ...sealed, data: data.toString('base64') }, 'certs/a')).toThrow('does not decrypt');
    expect(() => open(randomBytes(32), sealed, 'certs/a')).toThrow('does not decrypt');
    expect(() => open(key, { iv: 'x' } as never, 'certs/a')).toThrow('malformed');
  });
});

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

describe('the fleet key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-key-'));
  const fleet = (keyFile: string) => ({ keyFile }) as Fleet;
  it('reads 32 bytes of base64', () => {
    const k = randomBytes(32);
    writeFileSync(join(dir, 'ok'), `${k.toString('base64')}\n`);
    expect(readFleetKey(fleet(join(dir, 'ok')))).toEqual(k);
  });
  it('refuses a short key without showing it, a FIFO without blocking, a missing file', () => {
    writeFileSync(join(dir, 'short'), 'c2VjcmV0LXNob3J0\n');
    expect(() => readFleetKey(fleet(join(dir, 'short')))).toThrow(/fleet.key-file: ".*short": does not hold 32 bytes in base64 \(content not shown\)/);
    try {
      readFleetKey(fleet(join(dir, 'short')));
    } catch (err) {
      expect(String(err)).not.toContain('c2VjcmV0');
    }
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(() => readFleetKey(fleet(join(dir, 'fifo')))).toThrow('FIFO');
    expect(() => readFleetKey(fleet(join(dir, 'none')))).toThrow('no such file');
    expect(() => parseFleetKey('!!!', 'x')).toThrow('does not hold 32 bytes');
  });
});
