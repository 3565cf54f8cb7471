/**
 * The JWK thumbprint of RFC 7638: base64url(SHA-256) of the key's required
 * public members, in lexicographic order, without whitespace. HTTP-01's key
 * authorization is TOKEN.THUMBPRINT (RFC 8555, section 8.1).
 */
import { createHash } from 'node:crypto';

export type Jwk = Record<string, unknown>;

const REQUIRED: Record<string, string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};

export function jwkThumbprint(jwk: Jwk): string {
  const kty = jwk.kty;
  const members = typeof kty === 'string' ? REQUIRED[kty] : undefined;
  if (!members) throw new Error(`unsupported key type ${JSON.stringify(kty)} (expected RSA or EC)`);
  const canonical: Record<string, string> = {};
  for (const m of members) {
    const v = jwk[m];
    if (typeof v !== 'string' || v === '') throw new Error(`the ${String(kty)} key has no "${m}" member`);
    canonical[m] = v;
  }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

/** HTTP-01's key authorization for a token. */
export function keyAuthorization(token: string, thumbprint: string): string {
  return `${token}.${thumbprint}`;
}
