import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, seal } from '../../../src/lib/seal.js';

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
