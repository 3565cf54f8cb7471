/**
 * How bin/ starts a command: dist/NAME.cjs is one script, compiled with V8's
 * code cache from dist/NAME.cjs.cache when that cache was made for exactly
 * this script, so a short run does not spend most of its time parsing and
 * compiling JavaScript. Node 20 has no compile cache of its own
 * (module.enableCompileCache is Node 22), hence vm.Script and cachedData.
 *
 * The cache is made by the build (scripts/code-cache.mjs) and ships with the
 * script: it is no more and no less trusted than the script itself. V8 checks
 * that it fits this V8, its flags and the script's length; the key line ties
 * it to the script's exact text, so a build that replaces the script while a
 * command starts can only cost the cache, never run other code. Anything
 * unexpected: the script is compiled without the cache.
 *
 * The libraries most runs never call are scripts of their own beside the
 * command's (dist/NAME-HASH.cjs, see scripts/build.mjs): the command requires
 * them when it calls them, and they are compiled the same way, each with its
 * own cache.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The last line of a bundle, and the first line of its cache: the hash of the bundle above it. */
export const KEY_PREFIX = '//# cert-wrap-cache-key=';

/** The bundle as one function of CommonJS's arguments: the text V8 compiles and caches. */
const wrap = (source: string): string => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

/** The key a bundle ends with, or null. */
export function keyOf(source: string): string | null {
  const at = source.lastIndexOf(KEY_PREFIX);
  if (at < 0) return null;
  const key = source.slice(at + KEY_PREFIX.length).trim();
  return /^[0-9a-f]{16,64}$/.test(key) ? key : null;
}

/** The cache's code for this bundle: only when its first line is the bundle's key. */
export function cachedDataFor(source: string, cache: Buffer | null): Buffer | undefined {
  const key = keyOf(source);
  if (key === null || cache === null) return undefined;
  const head = `${key}\n`;
  return cache.length > head.length && cache.toString('latin1', 0, head.length) === head ? cache.subarray(head.length) : undefined;
}

/** The cache file of a bundle, with its key line. */
export function cacheFileContent(source: string, script: Script): Buffer {
  const key = keyOf(source);
  if (key === null) throw new Error('the bundle has no cache key line');
  return Buffer.concat([Buffer.from(`${key}\n`, 'latin1'), script.createCachedData()]);
}

export function compileBundle(file: string, opts: { cache: boolean }): { script: Script; source: string } {
  // The build writes ASCII only (esbuild escapes the rest), which latin1 reads as UTF-8 would, with no decoding.
  const source = readFileSync(file, 'latin1');
  const cachedData = opts.cache ? cachedDataFor(source, readOrNull(`${file}.cache`)) : undefined;
  return { script: new Script(wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) }), source };
}

/** How a command's script names a library script of its own: "./NAME-HASH.cjs". */
const CHUNK = /^\.\/[a-z0-9-]+-[0-9a-f]{12}\.cjs$/;

/** The library scripts this process has loaded, by path: what scripts/code-cache.mjs makes caches of. */
export const loadedChunks = new Map<string, { script: Script; source: string; exports: Record<string, unknown> }>();

/** Run a compiled bundle as a CommonJS module; its exports. */
export function runBundle(script: Script, file: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  const plain = createRequire(file);
  const require = Object.assign((id: string): unknown => (CHUNK.test(id) ? loadChunk(join(dirname(file), id)) : plain(id)), plain);
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, file, dirname(file));
  return module.exports;
}

function loadChunk(file: string): Record<string, unknown> {
  const loaded = loadedChunks.get(file);
  if (loaded) return loaded.exports;
  const { script, source } = compileBundle(file, { cache: true });
  const chunk = { script, source, exports: {} as Record<string, unknown> };
  loadedChunks.set(file, chunk);
  chunk.exports = runBundle(script, file);
  return chunk.exports;
}

export function launch(file: string): void {
  runBundle(compileBundle(file, { cache: true }).script, file);
}

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}
