import { readdirSync } from 'node:fs';
import { makeLineage } from '../../../../lab/lineage.js';
import type { Certificate, DeployCopy } from '../../../../src/model/types.js';

export const FULLCHAIN = '-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nintermediate\n-----END CERTIFICATE-----\n';
export const PRIVKEY = '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n';

/** A lineage whose fullchain.pem and privkey.pem hold exactly `files` (FULLCHAIN and PRIVKEY by default). Returns the live directory. */
export function fakeLineage(root: string, name = 'example.com', version = 1, files = { fullchain: FULLCHAIN, privkey: PRIVKEY }): string {
  return makeLineage(root, { name, version, files });
}

export function copy(directory: string, extra: Partial<Omit<DeployCopy, 'directory'>> = {}): DeployCopy {
  return { directory, owner: null, group: null, mode: 0o600, ...extra };
}

export function certWith(deploy: DeployCopy[], index = 0): Certificate {
  return {
    index,
    name: 'example.com',
    domains: ['example.com'],
    challenge: null,
    authenticationHook: null,
    cleanupHook: null,
    deployHook: null,
    onFailure: null,
    https: null,
    deploy,
  };
}

/** The directory's entries, sorted: shows any temporary file left behind. */
export function entries(dir: string): string[] {
  return readdirSync(dir).sort();
}
