import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheFileContent, cachedDataFor, compileBundle, KEY_PREFIX, keyOf, loadedChunks, runBundle } from '../../src/cli/launch.js';
import { repoRoot } from '../../lab/cli.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** A bundle as the build writes it: a CommonJS script ending with its key line. */
function writeBundle(body: string, key: string): string {
  dir ||= mkdtempSync(join(tmpdir(), 'cert-wrap-launch-'));
  const file = join(dir, `b-${key}.cjs`);
  writeFileSync(file, `${body}\n${KEY_PREFIX}${key}\n`);
  return file;
}

/** The cache the build would make for this bundle, after running it once. */
function makeCache(file: string): void {
  const { script, source } = compileBundle(file, { cache: false });
  (runBundle(script, file).f as () => number)();
  writeFileSync(`${file}.cache`, cacheFileContent(source, script));
}

/** The cache of a library script: its exports are an object, not run as a command. */
function makeChunkCache(file: string): void {
  const { script, source } = compileBundle(file, { cache: false });
  (runBundle(script, file).g as () => number)();
  writeFileSync(`${file}.cache`, cacheFileContent(source, script));
}

describe('the code cache of a command script', () => {
  it('is used for the script it was made for', () => {
    const file = writeBundle('exports.f = () => 6 * 7;', 'a'.repeat(32));
    makeCache(file);
    const { script } = compileBundle(file, { cache: true });
    expect(script.cachedDataRejected).toBe(false);
    expect((runBundle(script, file).f as () => number)()).toBe(42);
  });

  it('is not used for another script, even one of the same length (V8 would only compare lengths)', () => {
    const file = writeBundle('exports.f = () => 6 * 7;', 'a'.repeat(32));
    makeCache(file);
    const other = writeBundle('exports.f = () => 6 * 8;', 'b'.repeat(32));
    writeFileSync(`${other}.cache`, readFileSync(`${file}.cache`));
    const { script } = compileBundle(other, { cache: true });
    expect(script.cachedDataRejected).toBeUndefined(); // no cachedData was given at all
    expect((runBundle(script, other).f as () => number)()).toBe(48);
  });

  it('is not used when missing, empty, or when the script has no key line', () => {
    const source = `exports.f = 1;\n${KEY_PREFIX}${'c'.repeat(32)}\n`;
    expect(cachedDataFor(source, null)).toBeUndefined();
    expect(cachedDataFor(source, Buffer.from(`${'c'.repeat(32)}\n`))).toBeUndefined();
    expect(cachedDataFor('exports.f = 1;\n', Buffer.from(`${'c'.repeat(32)}\nxyz`))).toBeUndefined();
    expect(cachedDataFor(source, Buffer.from(`${'c'.repeat(32)}\nxyz`))?.toString()).toBe('xyz');
    expect(keyOf(`x\n${KEY_PREFIX}not hex\n`)).toBeNull();
  });

  it('a script requires a library script of its own ("./NAME-HASH.cjs") through the launcher: compiled once, with its cache', () => {
    const lib = writeBundle('exports.g = () => 5;', 'd'.repeat(32));
    const chunkName = 'lib-0123456789ab.cjs';
    writeFileSync(join(dir, chunkName), readFileSync(lib));
    const chunk = join(dir, chunkName);
    makeChunkCache(chunk);
    const file = writeBundle(`exports.f = () => require('./${chunkName}').g() + require('./${chunkName}').g();`, 'e'.repeat(32));
    const { script } = compileBundle(file, { cache: false });
    expect((runBundle(script, file).f as () => number)()).toBe(10);
    expect(loadedChunks.get(chunk)?.script.cachedDataRejected).toBe(false);
  });

  it('the built scripts hold no import(), which a script compiled by the launcher cannot run', () => {
    const scripts = readdirSync(join(repoRoot, 'dist')).filter((f) => f.endsWith('.cjs') && f !== 'launch.cjs');
    expect(scripts.length).toBeGreaterThan(4);
    for (const f of scripts) expect(readFileSync(join(repoRoot, 'dist', f), 'latin1'), f).not.toMatch(/[^\w$.]import\(/);
  });

  it('the built commands ship a cache that this Node accepts', () => {
    const libraries = readdirSync(join(repoRoot, 'dist')).filter((f) => /^yaml-[0-9a-f]{12}\.cjs$/.test(f));
    expect(libraries).toHaveLength(1);
    for (const name of ['gen-nginx.cjs', 'cert-wrap.cjs', ...libraries]) {
      const { script } = compileBundle(join(repoRoot, 'dist', name), { cache: true });
      expect(script.cachedDataRejected, name).toBe(false);
    }
  });
});
