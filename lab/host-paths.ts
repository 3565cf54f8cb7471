/**
 * A test that runs cert-wrap with its real defaults on this host touches
 * system paths (/etc/nginx, /etc/letsencrypt, ...). Each is moved aside and a
 * copy put in its place, so the test sees the host as it was; at the end the
 * copy is removed and the original moved back (same inodes, nothing merged).
 * A path that did not exist is simply removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';

const SUFFIX = '.cert-wrap-e2e-backup';

export class HostPaths {
  private readonly saved: { path: string; existed: boolean }[] = [];

  /** Throws, touching nothing, when a backup of an earlier run is still there. */
  constructor(readonly paths: string[]) {
    const left = paths.map((p) => p + SUFFIX).filter((b) => existsSync(b));
    if (left.length > 0) {
      throw new Error(`an earlier run left ${left.join(', ')}: move each back over its original (without the suffix) before running this test`);
    }
  }

  save(): void {
    for (const path of this.paths) {
      const existed = existsSync(path);
      if (existed) {
        renameSync(path, path + SUFFIX);
        execFileSync('cp', ['-a', path + SUFFIX, path]);
      }
      this.saved.push({ path, existed });
    }
  }

  restore(): void {
    for (const { path, existed } of this.saved.splice(0).reverse()) {
      rmSync(path, { recursive: true, force: true });
      if (existed) renameSync(path + SUFFIX, path);
    }
  }
}
