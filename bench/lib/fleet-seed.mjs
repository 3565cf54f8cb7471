// The fleet rows' data: N real certificates (one python3 process signs them,
// as for the renewal rows), published into etcd in the project's own record
// format (bundled from src/adapters/fleet with esbuild), plus a fleet account record,
// so that an agent started on them finds exactly what a leader publishes.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { namesOf } from './configs.mjs';
import { makeLineages } from './lineages.mjs';
import { findTool } from './procs.mjs';

const DAY = 86_400_000;
export const FLEET_PREFIX = '/cert-wrap/bench';

/** Import the project's fleet record functions (bundled once into dir). */
export async function fleetFormats(root, dir) {
  const out = path.join(dir, 'fleet-records.mjs');
  await build({ entryPoints: [path.join(root, 'bench/lib/fleet-records.mjs')], outfile: out, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });
  return import(pathToFileURL(out).href);
}

/** N certificates (3 names each), as { name, domains, fullchain, privkey }. */
export function makeCertificates(dir, n, prefix = 'f') {
  const list = Array.from({ length: n }, (_, i) => ({ name: namesOf(prefix, i)[0], domains: namesOf(prefix, i) }));
  const now = Date.now();
  makeLineages(dir, list, { notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY), webroot: '/var/www', server: 'https://127.0.0.1:14000/dir' });
  return list.map((l) => {
    const archive = path.join(dir, 'archive', l.name);
    return { ...l, fullchain: readFileSync(path.join(archive, 'fullchain1.pem'), 'utf8'), privkey: readFileSync(path.join(archive, 'privkey1.pem'), 'utf8') };
  });
}

/** A fleet key file (32 random bytes, base64, mode 0600) and its bytes. */
export function makeFleetKey(file) {
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  return key;
}

/** An account record for a throwaway key (nothing is ordered by the benchmark's agents): its thumbprint. */
export async function putAccount(client, fmt, key) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const id = 'b'.repeat(32);
  const files = { [`127.0.0.1:14000/dir/${id}/private_key.json`]: JSON.stringify(jwk), [`127.0.0.1:14000/dir/${id}/regr.json`]: '{}', [`127.0.0.1:14000/dir/${id}/meta.json`]: '{}' };
  const thumbprint = fmt.jwkThumbprint(jwk);
  const record = fmt.makeAccountRecord(key, { id, thumbprint, files }, 'https://127.0.0.1:14000/dir', 'bench', new Date());
  await client.put(fmt.accountKey(FLEET_PREFIX)).value(JSON.stringify(record)).exec();
  return thumbprint;
}

/** Publish every certificate (version `version`), 64 puts in flight; returns the bytes of keys + values written. */
export async function publishAll(client, fmt, key, certs, version = 1) {
  let bytes = 0;
  for (let i = 0; i < certs.length; i += 64) {
    await Promise.all(certs.slice(i, i + 64).map((c) => {
      const k = fmt.certKey(FLEET_PREFIX, c.name);
      const v = JSON.stringify(fmt.makeRecord(key, c.name, c, version, 'bench', new Date()));
      bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
      return client.put(k).value(v).exec();
    }));
  }
  return bytes;
}
