/**
 * cert-wrap reads the same config twice a day, every day, and parsing YAML
 * (loading the parser, then running it) is most of a no-op renewal's time. A
 * valid YAML config's parsed data is therefore kept in a private cache
 * directory (see private-dir.ts: opened once, checked through its handle,
 * entries of this user only, mode 0600) under a name made of a hash of the
 * config's path and a hash of cert-wrap's version, the path and the exact
 * text; the entry repeats that hash, so it can only ever stand for exactly the
 * current text. The data is validated and normalized again on every run,
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
import { createHash } from 'node:crypto';
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

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Entry {
  /** Hash of VERSION, path and the exact text this data was parsed from. */
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
  const fileKey = sha256(path).slice(0, 16);
  const textKey = sha256(`${VERSION}\0${path}\0${text}`);
  const name = `${fileKey}-${textKey}.json`;
  if (!hasSecret) {
    const cached = readEntry(name, textKey);
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
  writeEntry(fileKey, hasSecret || config.eab !== null ? null : { name, entry: { text: textKey, data } });
  return config;
}

/** The cached data for exactly this text, if a trusted entry holds it. */
function readEntry(name: string, textKey: string): unknown {
  const dir = PrivateDir.open(cacheDir());
  if (dir === null) return undefined;
  try {
    const entry = JSON.parse(dir.read(name) ?? 'null') as Entry | null;
    return entry?.text === textKey ? entry.data : undefined;
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
      if (stale || /^[0-9a-f]{64}\.json$/.test(old)) rmSync(join(dir.path, old), { force: true });
    }
  } catch {
    // a cache that cannot be written only makes the next run slower
  } finally {
    dir.close();
  }
}
