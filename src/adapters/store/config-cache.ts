/**
 * cert-wrap reads the same config twice a day, every day, and parsing YAML
 * (loading the parser, then running it) is most of a no-op renewal's time. A
 * valid YAML config's parsed data is therefore kept in a private cache
 * directory (see private-dir.ts: opened once, checked through its handle,
 * entries of this user only, mode 0600) under a name made of a hash of the
 * config's path and a hash of cert-wrap's version, the path and the exact
 * text; the entry repeats the version, the path and the whole text, and is
 * used only when all three are exactly the current ones, so the names need
 * no cryptographic hash (and the run does not load node:crypto). The data is validated and normalized again on every run,
 * exactly as after a parse; anything unexpected falls back to the full parse,
 * which also gives the located error messages. gen-nginx, which runs in fresh
 * deploy containers, does not cache.
 *
 * A config that holds a secret (EAB values, or any key named like one) is
 * never cached: secrets stay in the config file alone, and a rotated secret
 * leaves no copy behind. Writing an entry removes the older entries of the
 * same config file (and the entries of earlier versions, which could hold
 * secrets).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateConfig } from '../../generated/validate-config.js';
import { PrivateDir } from '../../lib/private-dir.js';
import { cacheDir, ROOT_CACHE_DIR } from './cache-dir.js';
import { rememberSecretsInText } from '../../lib/secrets.js';
import { VERSION } from '../../lib/version.js';
import { normalize } from '../../model/normalize.js';
import { readConfigBytes } from '../../model/read.js';
import type { Config, RawConfig } from '../../model/types.js';
import { decodeUtf8 } from '../../model/utf8.js';

export { cacheDir, ROOT_CACHE_DIR };

/**
 * 64 bits of two FNV-1a-style lanes over the UTF-16 code units, in hex: it
 * only names the file, the entry itself is compared in full.
 */
function nameHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

interface Entry {
  /** cert-wrap's version, the config's absolute path and its exact text, as read when the data was parsed. */
  version: string;
  path: string;
  text: string;
  data: unknown;
}

export async function loadConfigCached(file: string): Promise<Config> {
  const path = resolve(file);
  let text: string | null = null; // null: the full loader says why (unreadable, not UTF-8)
  try {
    const decoded = decodeUtf8(readConfigBytes(file));
    if (decoded.ok) text = decoded.text;
  } catch {
    // the full loader says why
  }
  if (text === null || /\.json$/i.test(file)) return (await import('../../model/load.js')).loadConfig(file);
  const hasSecret = rememberSecretsInText(text);
  const fileKey = nameHash(path);
  const name = `${fileKey}-${nameHash(`${VERSION}\0${path}\0${text}`)}.json`;
  const exact = { version: VERSION, path, text };
  if (!hasSecret) {
    const cached = readEntry(name, exact);
    if (cached !== undefined && validateConfig(cached)) {
      try {
        return normalize(cached as RawConfig, path);
      } catch {
        // fall back to the full parse, for its located messages
      }
    }
  }
  const { checkConfig, parseData } = await import('../../model/load.js');
  const { data, locate } = parseData(text, file);
  const config = checkConfig(data, file, path, locate);
  writeEntry(fileKey, hasSecret || config.eab !== null ? null : { name, entry: { ...exact, data } });
  return config;
}

/** The cached data for exactly this version, path and text, if a trusted entry holds it. */
function readEntry(name: string, exact: Omit<Entry, 'data'>): unknown {
  const dir = PrivateDir.open(cacheDir());
  if (dir === null) return undefined;
  try {
    const entry = JSON.parse(dir.read(name) ?? 'null') as Entry | null;
    return entry?.version === exact.version && entry.path === exact.path && entry.text === exact.text ? entry.data : undefined;
  } catch {
    return undefined;
  } finally {
    dir.close();
  }
}

/** Store the new entry (none for a config with secrets); remove the file's older entries and those of earlier versions. */
function writeEntry(fileKey: string, fresh: { name: string; entry: Entry } | null): void {
  const dir = PrivateDir.open(cacheDir(), { create: fresh !== null });
  if (dir === null) return;
  try {
    if (fresh !== null) dir.write(fresh.name, JSON.stringify(fresh.entry), { durable: false });
    for (const old of readdirSync(dir.path)) {
      const stale = old.startsWith(`${fileKey}-`) && old !== fresh?.name;
      if (stale || /^[0-9a-f]{64}\.json$/.test(old) || /^[0-9a-f]{16}-[0-9a-f]{64}\.json$/.test(old)) rmSync(join(dir.path, old), { force: true });
    }
  } catch {
    // a cache that cannot be written only makes the next run slower
  } finally {
    dir.close();
  }
}
