/**
 * The fleet's one ACME account: registered once by `cert-wrap fleet init`
 * (certbot register in a private directory), stored in etcd with every file
 * certbot keeps for it sealed with the fleet key, and written into the
 * leader's certbot config directory before it orders.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { DEFAULT_CONFIG_DIR } from '../../leaves/certbot-layout.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { open, type Sealed, seal } from '../../lib/seal.js';
import { ACCOUNT_AAD } from './layout.js';
import { jwkThumbprint } from '../../leaves/jwk-thumbprint.js';

export interface AccountRecord {
  thumbprint: string;
  /** certbot's account id (the directory name under accounts/SERVER/). */
  id: string;
  server: string | null;
  /** Every file under certbot's accounts/ for it, by relative path, sealed as one JSON object. */
  files: Sealed;
  createdBy: string;
  createdAt: string;
}

/** The account certbot registered in `configDir`: its files under accounts/, its id and thumbprint. */
export function readRegisteredAccount(configDir: string): { id: string; thumbprint: string; files: Record<string, string> } {
  const root = join(configDir, 'accounts');
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) files[relative(root, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  const keys = Object.keys(files).filter((f) => f.endsWith(`${sep}private_key.json`));
  if (keys.length !== 1) throw new Error(`certbot left ${keys.length} accounts in ${root}, expected one`);
  const jwk = JSON.parse(files[keys[0]!]!) as Record<string, unknown>;
  return { id: dirname(keys[0]!).split(sep).pop()!, thumbprint: jwkThumbprint(jwk), files };
}

export function makeAccountRecord(fleetKey: Buffer, account: { id: string; thumbprint: string; files: Record<string, string> }, server: string | null, node: string, now: Date): AccountRecord {
  return {
    thumbprint: account.thumbprint,
    id: account.id,
    server,
    files: seal(fleetKey, JSON.stringify(account.files), ACCOUNT_AAD),
    createdBy: node,
    createdAt: now.toISOString(),
  };
}

export function parseAccountRecord(text: string): AccountRecord {
  const r = JSON.parse(text) as AccountRecord;
  if (typeof r?.thumbprint !== 'string' || typeof r.id !== 'string' || typeof r.files !== 'object') throw new Error('the stored account is not an account record');
  return r;
}

/**
 * Write the account's files into certbot's config directory (only those that
 * differ), private to their owner. Checks that the key's thumbprint is the
 * record's before anything is written.
 */
export function materializeAccount(fleetKey: Buffer, record: AccountRecord, configDir: string | null): void {
  const files = JSON.parse(open(fleetKey, record.files, ACCOUNT_AAD).toString('utf8')) as Record<string, string>;
  const key = Object.entries(files).find(([p]) => p.endsWith(`${sep}private_key.json`));
  if (!key || jwkThumbprint(JSON.parse(key[1]) as Record<string, unknown>) !== record.thumbprint) throw new Error("the stored account's key is not the one of its thumbprint");
  const root = join(configDir ?? DEFAULT_CONFIG_DIR, 'accounts');
  for (const [rel, content] of Object.entries(files)) {
    if (rel.split(sep).includes('..') || rel.startsWith(sep)) throw new Error(`the stored account has a file outside accounts/: ${JSON.stringify(rel)}`);
    const file = join(root, rel);
    if (existsSync(file) && readFileSync(file, 'utf8') === content) continue;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    chmodSync(dirname(file), 0o700);
    writeFileAtomic(file, content, rel.endsWith('private_key.json') ? 0o400 : 0o444);
  }
}
