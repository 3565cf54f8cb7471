import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Certificate, DeployCopy } from '../../../../src/model/types.js';

export const FULLCHAIN = '-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nintermediate\n-----END CERTIFICATE-----\n';
export const PRIVKEY = '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n';

/**
 * A certbot-like layout under `root`: live/NAME/{fullchain,privkey}.pem are
 * relative symlinks to ../../archive/NAME/{fullchain,privkey}N.pem. Returns the
 * live directory (what certbot passes as RENEWED_LINEAGE).
 */
export function makeLineage(root: string, name = 'example.com', version = 1, content = { fullchain: FULLCHAIN, privkey: PRIVKEY }): string {
  const archive = join(root, 'archive', name);
  const live = join(root, 'live', name);
  mkdirSync(archive, { recursive: true });
  mkdirSync(live, { recursive: true });
  writeFileSync(join(archive, `fullchain${version}.pem`), content.fullchain, { mode: 0o644 });
  writeFileSync(join(archive, `privkey${version}.pem`), content.privkey, { mode: 0o600 });
  for (const file of ['fullchain', 'privkey']) {
    symlinkSync(`../../archive/${name}/${file}${version}.pem`, join(live, `${file}.pem`));
  }
  return live;
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
