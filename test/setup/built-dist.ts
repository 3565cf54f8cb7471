import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
/** What the bundles in dist/ are built from. */
const SOURCES = ['src', 'templates', 'scripts/build.mjs', 'scripts/code-cache.mjs'];
const BUNDLES = ['dist/cert-wrap.cjs', 'dist/gen-nginx.cjs'];

function newestSource(path: string): { file: string; mtimeMs: number } {
  const st = statSync(path);
  if (!st.isDirectory()) return { file: path, mtimeMs: st.mtimeMs };
  let newest = { file: path, mtimeMs: 0 };
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.name === 'generated') continue; // written by the build itself
    const n = newestSource(join(path, e.name));
    if (n.mtimeMs > newest.mtimeMs) newest = n;
  }
  return newest;
}

function oldestBundle(): number {
  try {
    return Math.min(...BUNDLES.map((b) => statSync(join(root, b)).mtimeMs));
  } catch {
    return -1;
  }
}

/** The reason dist/ is stale, or null when every bundle is newer than every source. */
export function staleReason(): string | null {
  const built = oldestBundle();
  if (built < 0) return 'dist/ has not been built';
  const newest = SOURCES.map((s) => newestSource(join(root, s))).reduce((a, b) => (b.mtimeMs > a.mtimeMs ? b : a));
  return newest.mtimeMs > built ? `${newest.file.slice(root.length + 1)} changed after dist/ was built` : null;
}

/**
 * The tests of this project run the built commands: never against a stale dist/.
 * Rebuild when a source is newer than the bundles, and refuse to start when dist/ is still stale afterwards.
 */
export default function setup(): void {
  const reason = staleReason();
  if (reason === null) return;
  process.stderr.write(`dist/ is stale (${reason}): running node scripts/build.mjs\n`);
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const still = staleReason();
  if (still !== null) throw new Error(`dist/ is stale after node scripts/build.mjs (${still}): the cli, reliability and e2e tests run the built commands`);
}
