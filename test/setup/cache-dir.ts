import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Projects of one run share one directory; the last to finish removes it. */
let users = 0;
let dir = '';

/** The commands' caches (parsed configs, certificate dates) go to a temp dir of the test run, removed afterwards. */
export default function setup(): () => void {
  if (users++ === 0) {
    dir = mkdtempSync(join(tmpdir(), 'cert-wrap-test-cache-'));
    process.env.CERT_WRAP_CACHE_DIR = join(dir, 'cache');
  }
  return () => {
    if (--users === 0) rmSync(dir, { recursive: true, force: true });
  };
}
