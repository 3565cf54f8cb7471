/**
 * Parsing an X.509 certificate costs about 0.25 ms; a no-op renewal of
 * hundreds of lineages would spend most of its time there. certbot never
 * rewrites a file in archive/ (a renewal adds certN+1.pem), so what was read
 * from a file is kept, keyed by its real path, size and mtime, in the user's
 * private cache directory, and reused while those match.
 */
import { mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../config/cached.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { type Inspection, inspectPem } from './inspect.js';

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
    private readonly file: string | null,
    entries: Record<string, Entry>,
  ) {
    this.entries = entries;
  }

  static open(dir: string | null = cacheDir()): InspectionCache {
    if (dir === null) return new InspectionCache(null, {});
    const file = join(dir, 'certificates.json');
    try {
      const st = statSync(dir);
      if (st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) return new InspectionCache(null, {});
      return new InspectionCache(file, JSON.parse(readFileSync(file, 'utf8')) as Record<string, Entry>);
    } catch {
      return new InspectionCache(file, {});
    }
  }

  /** Like inspectPem on the file, from the cache when the file is unchanged. Throws like readFileSync. */
  inspect(path: string): Inspection {
    const real = realpathSync(path);
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
    if (!this.changed || this.file === null) return;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
      writeFileAtomic(this.file, JSON.stringify(this.entries), 0o600);
      this.changed = false;
    } catch {
      // a cache that cannot be written only makes the next run slower
    }
  }
}
