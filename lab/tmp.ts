import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Create a fresh directory under os.tmpdir() (mkdtemp) and make it 0755:
 * nginx workers run as `nobody` and must be able to traverse it to reach a
 * webroot inside. Returns the absolute path.
 */
export async function makeTempDir(prefix = 'cert-wrap-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

/** Remove a directory made by makeTempDir (recursive; no error if already gone). */
export async function removeTempDir(dir: string | undefined): Promise<void> {
  if (dir === undefined || dir === '') return;
  const resolved = path.resolve(dir);
  if (resolved === '/' || resolved === path.resolve(os.tmpdir())) {
    throw new Error(`refusing to remove ${resolved}`);
  }
  await rm(resolved, { recursive: true, force: true, maxRetries: 3 });
}
