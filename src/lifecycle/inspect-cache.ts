/**
 * Parsing an X.509 certificate costs about 0.25 ms; a no-op renewal of
 * hundreds of lineages would spend most of its time there. certbot never
 * rewrites a file in archive/ (a renewal adds certN+1.pem), so what was read
 * from a file is kept, keyed by its real path, size and mtime, in the user's
 * private cache directory (the same one, and the same checks, as the config
 * cache: see private-dir.ts), and reused while those match.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { cacheDir } from '../config/cached.js';
import { PrivateDir } from '../lib/private-dir.js';
import { type Inspection, inspectPem } from './inspect.js';

const FILE = 'certificates.json';

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
    const real = realpathSync.native(path);
    const st = statSync(real);
    const hit = this.entries[real];
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
      return { path, notBefore: new Date(hit.notBefore), notAfter: new Date(hit.notAfter), names: hit.names, serial: hit.serial, issuer: hit.issuer };
    }
    const found = inspectPem(readFileSync(real), path);
    this.entries[real] = {
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
      handle.write(FILE, JSON.stringify(this.entries));
      this.changed = false;
    } catch {
      // a cache that cannot be written only makes the next run slower
    } finally {
      handle.close();
    }
  }
}
