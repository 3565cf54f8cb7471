import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The commands' caches (parsed configs, certificate dates) go to a temp dir of the test run, removed afterwards. */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'cert-wrap-test-cache-'));
  process.env.CERT_WRAP_CACHE_DIR = join(dir, 'cache');
  return () => rmSync(dir, { recursive: true, force: true });
}
