/**
 * Private keys at rest in etcd: AES-256-GCM with the fleet key. Each value is
 * bound to what it is for (the additional data, e.g. "certs/NAME"), so a value
 * copied to another key does not decrypt there. Pure apart from the random IV.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Sealed {
  /** base64: 12-byte IV, 16-byte tag, the ciphertext. */
  iv: string;
  tag: string;
  data: string;
}

export const FLEET_KEY_BYTES = 32;

export function seal(key: Buffer, plaintext: Buffer | string, aad: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** The plaintext; throws a plain Error (no key material in it) when the value was altered or sealed with another key. */
export function open(key: Buffer, sealed: Sealed, aad: string): Buffer {
  if (!isSealed(sealed)) throw new Error('the encrypted value is malformed');
  const iv = Buffer.from(sealed.iv, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  if (iv.length !== 12 || tag.length !== 16) throw new Error('the encrypted value is malformed');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  } catch {
    throw new Error('it does not decrypt with the fleet key (altered, or sealed with another key)');
  }
}

function isSealed(v: unknown): v is Sealed {
  const o = v as Record<string, unknown> | null;
  return o !== null && typeof o === 'object' && typeof o.iv === 'string' && typeof o.tag === 'string' && typeof o.data === 'string';
}
