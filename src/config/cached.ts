/**
 * cert-wrap reads the same config twice a day, every day, and parsing YAML
 * (loading the parser, then running it) is most of a no-op renewal's time. A
 * valid YAML config's parsed data is therefore kept, keyed by a hash of its
 * exact text, path and cert-wrap's version, in a cache directory of the
 * user's own (mode 0700): a changed file is a new key. The data is validated
 * and normalized again on every run, exactly as after a parse; anything
 * unexpected falls back to the full parse, which also gives the located error
 * messages. gen-nginx, which runs in fresh deploy containers, does not cache.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { validateConfig } from '../generated/validate-config.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { VERSION } from '../lib/version.js';
import { normalize } from './normalize.js';
import { readConfigText } from './read.js';
import type { Config, RawConfig } from './types.js';

/** The cache of a run as root, such as the scheduled one. */
export const ROOT_CACHE_DIR = '/var/cache/cert-wrap';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CERT_WRAP_CACHE_DIR) return env.CERT_WRAP_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'cert-wrap');
  return process.getuid?.() === 0 ? ROOT_CACHE_DIR : join(homedir(), '.cache', 'cert-wrap');
}

export async function loadConfigCached(file: string): Promise<Config> {
  const path = resolve(file);
  let text: string | null = null;
  try {
    text = readConfigText(file);
  } catch {
    // the full loader says why
  }
  if (text === null || /\.json$/i.test(file)) return (await import('./load.js')).loadConfig(file);
  const dir = cacheDir();
  const entry = join(dir, `${createHash('sha256').update(`${VERSION}\0${path}\0${text}`).digest('hex')}.json`);
  const cached = readEntry(dir, entry);
  if (cached !== undefined && validateConfig(cached)) {
    try {
      return normalize(cached as RawConfig, path);
    } catch {
      // fall back to the full parse, for its located messages
    }
  }
  const { checkConfig, parseData } = await import('./load.js');
  const { data, locate } = parseData(text, file);
  const config = checkConfig(data, file, path, locate);
  writeEntry(dir, entry, data);
  return config;
}

/** The cached data, if the entry exists in a directory that is the user's own and private. */
function readEntry(dir: string, entry: string): unknown {
  try {
    const st = statSync(dir);
    if (st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) return undefined;
    return JSON.parse(readFileSync(entry, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeEntry(dir: string, entry: string, data: unknown): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(entry, JSON.stringify(data), 0o600);
  } catch {
    // a cache that cannot be written only makes the next run slower
  }
}
