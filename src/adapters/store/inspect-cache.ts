/**
 * Parsing an X.509 certificate costs about 0.25 ms; a no-op renewal of
 * hundreds of lineages would spend most of its time there. certbot never
 * rewrites a file in archive/ (a renewal adds certN+1.pem), so what was read
 * from a file is kept, keyed by the file itself (device and inode, found with
 * one stat through live/'s link: no path walk), with its size and mtime, in
 * the user's private cache directory (the same one, and the same checks, as
 * the config cache: see private-dir.ts), and reused while those match.
 */
import { closeSync, fstatSync, openSync, readFileSync, rmSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache-dir.js';
import { PrivateDir } from '../../lib/private-dir.js';
import { type Inspection, inspectPem } from '../../leaves/x509.js';

const FILE = 'certificate-files.json';
/** The same cache keyed by real path, before: removed when the new one is written. */
const OLD_FILE = 'certificates.json';

interface Entry {
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

  /** Like inspectPem on the file, from the cache when the file is unchanged. Throws like readFileSync. */
  inspect(path: string): Inspection {
    const seen = statSync(path);
    const hit = this.entries[keyOf(seen)];
    if (hit && hit.size === seen.size && hit.mtimeMs === seen.mtimeMs) {
      return { path, notBefore: new Date(hit.notBefore), notAfter: new Date(hit.notAfter), names: hit.names, serial: hit.serial, issuer: hit.issuer };
    }
    // Key and content from the same open file: live/'s link may be replaced meanwhile.
    const { st, pem } = readWithStat(path);
    const found = inspectPem(pem, path);
    this.entries[keyOf(st)] = {
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
      handle.write(FILE, JSON.stringify(this.entries), { durable: false });
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

function readWithStat(path: string): { st: Stats; pem: Buffer } {
  const fd = openSync(path, 'r');
  try {
    return { st: fstatSync(fd), pem: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}
