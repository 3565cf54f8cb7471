/**
 * The config cache as an attacker sees it: root runs `cert-wrap deploy-hook`
 * (which runs the config's deploy-hook as root) and reads a cached parse of
 * the config. A cached config must never supply a command that the config
 * file does not contain now, whatever another user does to the cache
 * directory: flip it to a symlink between the check and the read, plant
 * entries of their own, point root at their own cache through inherited
 * variables. Also: no secret is ever written to the cache.
 *
 * The race is made deterministic: node:fs is wrapped so that the attacker's
 * swap happens at the exact moment cert-wrap has finished inspecting the cache
 * directory (the first stat of it that says "directory"), before it reads an
 * entry. Everything else is the real file system.
 */
import * as realFs from 'node:fs';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeLineage } from '../../../../lab/lineage.js';
import { isCI, isRoot } from '../../../../lab/tools.js';

const trap = vi.hoisted(() => ({ dir: '', armed: false, fired: false, swap: () => {} }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fdPath = (fd: number): string => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return '';
    }
  };
  const after = <T>(st: T, target: boolean): T => {
    if (trap.armed && target && (st as { isDirectory?: () => boolean } | undefined)?.isDirectory?.()) {
      trap.armed = false;
      trap.fired = true;
      trap.swap();
    }
    return st;
  };
  const wrapped = {
    ...fs,
    statSync: ((p: realFs.PathLike, o?: realFs.StatSyncOptions) => after(fs.statSync(p, o), String(p) === trap.dir)) as typeof fs.statSync,
    lstatSync: ((p: realFs.PathLike, o?: realFs.StatSyncOptions) => after(fs.lstatSync(p, o), String(p) === trap.dir)) as typeof fs.lstatSync,
    fstatSync: ((fd: number, o?: realFs.StatOptions) => after(fs.fstatSync(fd, o), fdPath(fd) === trap.dir)) as typeof fs.fstatSync,
  };
  return { ...wrapped, default: wrapped };
});

// A worker shared with other files may hold these modules already, bound to the real fs: load them afresh.
vi.resetModules();
const { cacheDir, loadConfigCached } = await import('../../../../src/adapters/store/config-cache.js');
const { InspectionCache } = await import('../../../../src/adapters/store/inspect-cache.js');
const { inspectLineage } = await import('../../../../src/leaves/certbot-layout.js');

const NOBODY = 65534;
const GENUINE = '/usr/local/bin/genuine-hook';
const EVIL = '/tmp/evil-hook';
let dir = '';
let cache = '';
let saved: string | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cert-wrap-cache-trust-'));
  chmodSync(dir, 0o755);
  cache = join(dir, 'cache');
  saved = process.env.CERT_WRAP_CACHE_DIR;
  process.env.CERT_WRAP_CACHE_DIR = cache;
  trap.armed = false;
  trap.fired = false;
});
afterEach(() => {
  process.env.CERT_WRAP_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

const site = (domains = 'a.example', extra = '') => {
  const file = join(dir, 'site.yaml');
  writeFileSync(file, `${extra}certificates:\n  - domains: [${domains}]\n    deploy-hook: ${GENUINE}\n`);
  return file;
};
const hookOf = async (file: string) => (await loadConfigCached(file)).certificates[0]!.deployHook;

/** A directory of another user holding the given entries (names and text). */
function attackerDir(name: string, entries: [string, string][]): string {
  const evil = join(dir, name);
  mkdirSync(evil);
  for (const [entry, text] of entries) {
    writeFileSync(join(evil, entry), text);
    chownSync(join(evil, entry), NOBODY, NOBODY);
  }
  chownSync(evil, NOBODY, NOBODY);
  return evil;
}

/** The genuine entries, with the deploy hook replaced by the attacker's. */
const forged = (from: string): [string, string][] => readdirSync(from).map((e) => [e, readFileSync(join(from, e), 'utf8').split(GENUINE).join(EVIL)]);

if (!isRoot()) {
  if (isCI()) throw new Error('test/unit/adapters/store/cache-trust.test.ts runs its root cases as root: CI runs as root');
  process.stderr.write('\n!!! SKIPPING the root cases of test/unit/adapters/store/cache-trust.test.ts: run as root\n\n');
}

describe.skipIf(!isRoot())('a cached config never supplies a command the config file does not contain now (as root)', () => {
  it('the cache directory flipped to a symlink between its check and the read of an entry', async () => {
    const file = site();
    expect(await hookOf(file)).toBe(GENUINE); // the genuine entry is written
    expect(readdirSync(cache).length).toBeGreaterThan(0);
    trap.dir = cache;
    trap.swap = () => {
      renameSync(cache, `${cache}.real`);
      symlinkSync(attackerDir('evil', forged(`${cache}.real`)), cache);
    };
    trap.armed = true;
    expect(await hookOf(file)).toBe(GENUINE);
    expect(trap.fired).toBe(true); // the swap really happened in the middle of the load
  });

  it('the cache directory is a symlink to a private directory of root holding a forged entry', async () => {
    const file = site();
    await hookOf(file);
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    for (const [entry, text] of forged(cache)) writeFileSync(join(elsewhere, entry), text, { mode: 0o600 });
    rmSync(cache, { recursive: true });
    symlinkSync(elsewhere, cache);
    expect(await hookOf(file)).toBe(GENUINE);
  });

  it("an entry of another user in root's private cache directory", async () => {
    const file = site();
    await hookOf(file);
    for (const [entry, text] of forged(cache)) {
      writeFileSync(join(cache, entry), text);
      chownSync(join(cache, entry), NOBODY, NOBODY);
    }
    expect(await hookOf(file)).toBe(GENUINE);
  });

  it('an entry that is a symlink to a file of root with a forged parse', async () => {
    const file = site();
    await hookOf(file);
    for (const [entry, text] of forged(cache)) {
      const target = join(dir, `target-${entry}`);
      writeFileSync(target, text, { mode: 0o600 });
      rmSync(join(cache, entry));
      symlinkSync(target, join(cache, entry));
    }
    expect(await hookOf(file)).toBe(GENUINE);
  });

  it('a CERT_WRAP_CACHE_DIR in /tmp that another user created first (with a forged entry) is not used, not even written', async () => {
    const file = site();
    await hookOf(file); // the genuine entries, to copy names from
    const genuine = forged(cache);
    rmSync(cache, { recursive: true });
    const claimed = attackerDir('claimed', genuine);
    chmodSync(claimed, 0o777);
    process.env.CERT_WRAP_CACHE_DIR = claimed;
    expect(await hookOf(file)).toBe(GENUINE);
    expect(readdirSync(claimed).sort()).toEqual(genuine.map(([e]) => e).sort());
  });

  it("the certificate-dates cache: another user's certificate-files.json in root's cache directory is not believed", () => {
    const le = join(dir, 'le');
    const now = Date.now();
    makeLineage(le, { name: 'site', domains: ['a.test'], notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 30 * 86_400_000) });
    const real = inspectLineage(le, 'site');
    const c = InspectionCache.open(cache);
    inspectLineage(le, 'site', c);
    c.save();
    const entries = JSON.parse(readFileSync(join(cache, 'certificate-files.json'), 'utf8')) as Record<string, { notAfter: string }>;
    for (const e of Object.values(entries)) e.notAfter = new Date(now + 999 * 86_400_000).toISOString();
    writeFileSync(join(cache, 'certificate-files.json'), JSON.stringify(entries));
    chownSync(join(cache, 'certificate-files.json'), NOBODY, NOBODY);
    expect(inspectLineage(le, 'site', InspectionCache.open(cache))).toEqual(real);
  });
});

describe('where the cache lives', () => {
  it("root ignores XDG_CACHE_HOME and HOME inherited from a user (sudo -E, su without -)", () => {
    expect(cacheDir({ XDG_CACHE_HOME: '/home/u/.cache', HOME: '/home/u' }, 0)).toBe('/var/cache/cert-wrap');
    expect(cacheDir({ HOME: '/home/u' }, 0)).toBe('/var/cache/cert-wrap');
  });

  it('others use XDG_CACHE_HOME, then ~/.cache; CERT_WRAP_CACHE_DIR chooses for everyone', () => {
    expect(cacheDir({ XDG_CACHE_HOME: '/home/u/.cache' }, 1000)).toBe('/home/u/.cache/cert-wrap');
    expect(cacheDir({ CERT_WRAP_CACHE_DIR: '/srv/c' }, 0)).toBe('/srv/c');
    expect(cacheDir({ CERT_WRAP_CACHE_DIR: '/srv/c' }, 1000)).toBe('/srv/c');
  });
});

describe('no secret in the cache', () => {
  const everything = () => (existsSync(cache) ? readdirSync(cache).map((e) => readFileSync(join(cache, e), 'utf8')).join('\n') : '');

  it('a config with EAB values is never cached, and a rotated secret leaves no copy', async () => {
    const file = site('a.example', 'eab-kid: kid-OLD-1234\neab-hmac-key: hmac-OLD-5678\n');
    await loadConfigCached(file);
    expect((await loadConfigCached(file)).eab).toEqual({ kid: 'kid-OLD-1234', hmacKey: 'hmac-OLD-5678' });
    site('a.example', 'eab-kid: kid-NEW-1234\neab-hmac-key: hmac-NEW-5678\n');
    expect((await loadConfigCached(file)).eab).toEqual({ kid: 'kid-NEW-1234', hmacKey: 'hmac-NEW-5678' });
    expect(everything()).not.toMatch(/OLD|NEW|eab/);
  });

  it("entries of earlier versions (which could hold secrets) are removed by the next run", async () => {
    mkdirSync(cache, { mode: 0o700 });
    const legacy = join(cache, `${'ab'.repeat(32)}.json`);
    writeFileSync(legacy, JSON.stringify({ 'eab-kid': 'kid-OLD-1234', 'eab-hmac-key': 'hmac-OLD-5678', certificates: [{ domains: ['a.example'] }] }), { mode: 0o600 });
    await loadConfigCached(site());
    expect(existsSync(legacy)).toBe(false);
    expect(everything()).not.toMatch(/OLD/);
  });
});

