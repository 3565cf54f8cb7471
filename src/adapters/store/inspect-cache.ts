/**
 * Parsing an X.509 certificate costs about 0.25 ms; a no-op renewal of
 * hundreds of lineages would spend most of its time there. certbot never
 * rewrites a file in archive/ (a renewal adds certN+1.pem), so what was read
 * from a file is kept, keyed by the file itself (device and inode, found with
 * one stat through live/'s link: no path walk), with its size and mtime, in
 * the user's private cache directory (the same one, and the same checks, as
 * the config cache: see private-dir.ts), and reused while those match.
 *
 * Each entry remembers the day it was last used; entries unused for
 * FORGET_DAYS (older archive files, removed lineages) are dropped when the
 * cache is written, so it holds about what the host's configs still read.
 * A run reads the file once (shared()), however many steps look.
 */
import { closeSync, fstatSync, openSync, readFileSync, rmSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache-dir.js';
import { PrivateDir } from '../../lib/private-dir.js';
import { type Inspection, inspectPem } from '../../leaves/x509.js';

const FILE = 'certificate-files.json';
/** The same cache keyed by real path, before: removed when the new one is written. */
const OLD_FILE = 'certificates.json';

/** An entry not used for this many days is dropped at the next write. */
export const FORGET_DAYS = 60;
const DAY_MS = 86_400_000;

interface Entry {
  /** The day (days since the epoch, UTC) the entry was last used. */
  used?: number;
  size: number;
  mtimeMs: number;
  notBefore: string;
  notAfter: string;
  names: string[];
  serial: string;
  issuer: string;
}

export class InspectionCache {
  private entries: Record<string, Entry>;
  private changed = false;
  private static readonly sharedByDir = new Map<string | null, InspectionCache>();

  private constructor(
    private readonly dir: string | null,
    entries: Record<string, Entry>,
  ) {
    this.entries = entries;
  }

  static open(dir: string | null = cacheDir()): InspectionCache {
    if (dir === null) return new InspectionCache(null, {});
    const handle = PrivateDir.open(dir);
    if (handle === null) return new InspectionCache(dir, {});
    try {
      return new InspectionCache(dir, JSON.parse(handle.read(FILE) ?? '{}') as Record<string, Entry>);
    } catch {
      return new InspectionCache(dir, {});
    } finally {
      handle.close();
    }
  }

  /** The cache of this run: opened (read from disk) once per directory and process, then shared by every step. */
  static shared(dir: string | null = cacheDir()): InspectionCache {
    let cache = InspectionCache.sharedByDir.get(dir);
    if (cache === undefined) {
      cache = InspectionCache.open(dir);
      InspectionCache.sharedByDir.set(dir, cache);
    }
    return cache;
  }

  /** Like inspectPem on the file, from the cache when the file is unchanged. Throws like readFileSync. */
  inspect(path: string): Inspection {
    const seen = statSync(path);
    const hit = this.entries[keyOf(seen)];
    const today = dayNumber();
    if (hit && hit.size === seen.size && hit.mtimeMs === seen.mtimeMs) {
      if (hit.used !== today) {
        hit.used = today;
        this.changed = true;
      }
      return { path, notBefore: new Date(hit.notBefore), notAfter: new Date(hit.notAfter), names: hit.names, serial: hit.serial, issuer: hit.issuer };
    }
    // Key and content from the same open file: live/'s link may be replaced meanwhile.
    const { st, pem } = readWithStat(path);
    const found = inspectPem(pem, path);
    this.entries[keyOf(st)] = {
      used: today,
      size: st.size,
      mtimeMs: st.mtimeMs,
      notBefore: found.notBefore.toISOString(),
      notAfter: found.notAfter.toISOString(),
      names: found.names,
      serial: found.serial,
      issuer: found.issuer,
    };
    this.changed = true;
    return found;
  }

  save(): void {
    if (!this.changed || this.dir === null) return;
    const handle = PrivateDir.open(this.dir, { create: true });
    if (handle === null) return; // not this user's, or open to others: not used
    try {
      // An entry written before entries had a day starts its count now.
      const today = dayNumber();
      const kept = Object.entries(this.entries).filter(([, e]) => (e.used ??= today) > today - FORGET_DAYS);
      handle.write(FILE, JSON.stringify(Object.fromEntries(kept)), { durable: false });
      rmSync(join(handle.path, OLD_FILE), { force: true });
      this.changed = false;
    } catch {
      // a cache that cannot be written only makes the next run slower
    } finally {
      handle.close();
    }
  }
}

const keyOf = (st: Stats): string => `${st.dev}:${st.ino}`;
const dayNumber = (): number => Math.floor(Date.now() / DAY_MS);

function readWithStat(path: string): { st: Stats; pem: Buffer } {
  const fd = openSync(path, 'r');
  try {
    return { st: fstatSync(fd), pem: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}
