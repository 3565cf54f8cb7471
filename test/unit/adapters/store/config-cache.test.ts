import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigCached } from '../../../../src/adapters/store/config-cache.js';
import { loadConfig } from '../../../../src/model/load.js';
import { ConfigError } from '../../../../src/lib/errors.js';

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
/** Replace the data of the one entry, keeping the version, path and text it stands for (what a valid entry of this text holds). */
const plant = (data: unknown) => {
  const file = join(dir, 'cache', entries()[0]!);
  const entry = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...entry, data }), { mode: 0o600 });
};

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

  it('a second load is served by the entry, not by the file: an entry planted in the private cache is what it returns', async () => {
    const file = write('certificates:\n  - domains: [a.example]\n');
    await loadConfigCached(file);
    plant({ certificates: [{ domains: ['from-the-cache.example'] }] });
    expect((await loadConfigCached(file)).certificates[0]!.domains).toEqual(['from-the-cache.example']);
  });

  it('the file name is only a hint: an entry is used only for exactly its version, path and text', async () => {
    const file = write('certificates:\n  - domains: [a.example]\n');
    await loadConfigCached(file);
    const [name] = entries();
    const path = join(dir, 'cache', name!);
    const entry = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    for (const [key, other] of [['text', `${entry.text}# other\n`], ['path', `${entry.path}.old`], ['version', '0.0.0']] as const) {
      writeFileSync(path, JSON.stringify({ ...entry, [key]: other, data: { certificates: [{ domains: ['other.example'] }] } }), { mode: 0o600 });
      expect((await loadConfigCached(file)).certificates[0]!.domains, key).toEqual(['a.example']);
    }
  });

  it('tampered cache data is validated like parsed data: a bad entry falls back to the file', async () => {
    const file = write('certificates:\n  - domains: [a.example]\n');
    await loadConfigCached(file);
    plant({ certificates: [{ domains: ['evil; include /etc/passwd'] }] });
    expect((await loadConfigCached(file)).certificates[0]!.domains).toEqual(['a.example']);
  });

  it('a cache directory others can write is not trusted', async () => {
    const file = write('certificates:\n  - domains: [a.example]\n');
    await loadConfigCached(file);
    chmodSync(join(dir, 'cache'), 0o777);
    plant({ certificates: [{ domains: ['other.example'] }] });
    expect((await loadConfigCached(file)).certificates[0]!.domains).toEqual(['a.example']);
  });

  it('an entry others can write is not trusted, in a private directory', async () => {
    const file = write('certificates:\n  - domains: [a.example]\n');
    await loadConfigCached(file);
    plant({ certificates: [{ domains: ['other.example'] }] });
    chmodSync(join(dir, 'cache', entries()[0]!), 0o666);
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
