import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigCached } from '../../src/config/cached.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/lib/errors.js';

let dir = '';
let saved: string | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cert-wrap-cache-test-'));
  saved = process.env.CERT_WRAP_CACHE_DIR;
  process.env.CERT_WRAP_CACHE_DIR = join(dir, 'cache');
});
afterEach(() => {
  process.env.CERT_WRAP_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

const write = (text: string) => {
  const file = join(dir, 'site.yaml');
  writeFileSync(file, text);
  return file;
};
const entries = () => readdirSync(join(dir, 'cache')).filter((f) => f.endsWith('.json'));

describe('the parsed-config cache of cert-wrap', () => {
  it('a second load comes from the cache and equals a fresh parse', async () => {
    const file = write('certificates:\n  - domains: [Bücher.example, b.example]\n');
    const first = await loadConfigCached(file);
    expect(entries()).toHaveLength(1);
    const second = await loadConfigCached(file);
    expect(second).toEqual(first);
    expect(second).toEqual(loadConfig(file));
    expect(second.certificates[0]!.domains).toEqual(['xn--bcher-kva.example', 'b.example']);
  });

  it('a changed file is parsed again (a new key), never served stale; its older entry is removed', async () => {
    const file = write('certificates:\n  - domains: [a.example]\n');
    await loadConfigCached(file);
    const [first] = entries();
    write('certificates:\n  - domains: [z.example]\n');
    expect((await loadConfigCached(file)).certificates[0]!.domains).toEqual(['z.example']);
    expect(entries()).toHaveLength(1);
    expect(entries()[0]).not.toBe(first);
  });

  it('an invalid config is never cached and keeps its located message', async () => {
    const file = write('certificates:\n  - domains: ["bad name"]\n');
    await expect(loadConfigCached(file)).rejects.toThrow(ConfigError);
    await expect(loadConfigCached(file)).rejects.toThrow('site.yaml:2: certificates[0].domains[0]: "bad name" is not a valid domain name');
    expect(() => entries()).toThrow(); // no cache directory was even made
  });

  /** Replace the data of the file's one entry, keeping the entry's key: what a hit would then serve. */
  const replaceCachedData = (data: unknown) => {
    const name = join(dir, 'cache', entries()[0]!);
    const entry = JSON.parse(readFileSync(name, 'utf8')) as { text: string };
    writeFileSync(name, JSON.stringify({ text: entry.text, data }), { mode: 0o600 });
  };

  it('a second load is served from the cache entry, without parsing the file again', async () => {
    const file = write('certificates:\n  - domains: [a.example]\n');
    await loadConfigCached(file);
    // Only a hit can see this: the file still says a.example.
    replaceCachedData({ certificates: [{ domains: ['cached.example'] }] });
    expect((await loadConfigCached(file)).certificates[0]!.domains).toEqual(['cached.example']);
  });

  it('tampered cache data is validated like parsed data: a bad entry falls back to the file', async () => {
    const file = write('certificates:\n  - domains: [a.example]\n');
    await loadConfigCached(file);
    writeFileSync(join(dir, 'cache', entries()[0]!), JSON.stringify({ certificates: [{ domains: ['evil; include /etc/passwd'] }] }));
    expect((await loadConfigCached(file)).certificates[0]!.domains).toEqual(['a.example']);
  });

  it('a cache directory others can write is not trusted', async () => {
    const file = write('certificates:\n  - domains: [a.example]\n');
    await loadConfigCached(file);
    // An entry for exactly this text (a hit, were the directory trusted: see the test above).
    replaceCachedData({ certificates: [{ domains: ['other.example'] }] });
    chmodSync(join(dir, 'cache'), 0o777);
    expect((await loadConfigCached(file)).certificates[0]!.domains).toEqual(['a.example']);
  });

  it('a cache that cannot be written only costs time', async () => {
    mkdirSync(join(dir, 'cache'));
    writeFileSync(join(dir, 'cache', 'x'), '');
    process.env.CERT_WRAP_CACHE_DIR = join(dir, 'cache', 'x', 'not-a-dir');
    const file = write('certificates:\n  - domains: [a.example]\n');
    expect((await loadConfigCached(file)).certificates[0]!.domains).toEqual(['a.example']);
  });
});
