import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FORGET_DAYS, InspectionCache } from '../../../../src/adapters/store/inspect-cache.js';
import { inspectLineage } from '../../../../src/leaves/certbot-layout.js';
import { makeLineage } from '../../../../lab/lineage.js';

let dir = '';
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});
const DAY = 86_400_000;

describe('the certificate-dates cache', () => {
  it('gives what parsing gives, and after a renewal (a new archive file) the new certificate', () => {
    dir = mkdtempSync(join(tmpdir(), 'cert-wrap-inspect-cache-'));
    const le = join(dir, 'le');
    const now = Date.now();
    makeLineage(le, { name: 'site', domains: ['a.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) });
    const cache = join(dir, 'cache');
    const first = inspectLineage(le, 'site', InspectionCache.open(cache));
    expect(first).toEqual(inspectLineage(le, 'site'));
    // kept on disk only by save()
    expect(() => readFileSync(join(cache, 'certificate-files.json'))).toThrow();
    const c1 = InspectionCache.open(cache);
    inspectLineage(le, 'site', c1);
    c1.save();
    expect(inspectLineage(le, 'site', InspectionCache.open(cache))).toEqual(first);
    makeLineage(le, { name: 'site', domains: ['a.test', 'b.test'], notBefore: new Date(now), notAfter: new Date(now + 90 * DAY), version: 2 });
    const renewed = inspectLineage(le, 'site', InspectionCache.open(cache));
    expect(renewed?.names).toEqual(['a.test', 'b.test']);
    expect(renewed).toEqual(inspectLineage(le, 'site'));
  });

  it('forgets the files no run has read for FORGET_DAYS days (older archive files, removed lineages), and keeps the others', () => {
    dir = mkdtempSync(join(tmpdir(), 'cert-wrap-inspect-cache-'));
    const le = join(dir, 'le');
    const now = Date.now();
    makeLineage(le, { name: 'site', domains: ['a.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) });
    makeLineage(le, { name: 'gone', domains: ['g.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) });
    const cache = join(dir, 'cache');
    const count = () => Object.keys(JSON.parse(readFileSync(join(cache, 'certificate-files.json'), 'utf8'))).length;
    const run = (names: string[], at: number) => {
      vi.useFakeTimers({ now: at, toFake: ['Date'] });
      const c = InspectionCache.open(cache);
      for (const name of names) inspectLineage(le, name, c);
      c.save();
      vi.useRealTimers();
    };
    run(['site', 'gone'], now);
    expect(count()).toBe(2);
    // 'site' is read every day; 'gone' no more.
    for (let day = 1; day <= FORGET_DAYS; day++) run(['site'], now + day * DAY);
    expect(count()).toBe(1);
    expect(inspectLineage(le, 'site', InspectionCache.open(cache))?.names).toEqual(['a.test']);
  });

  it('shared(): one read of the file per directory for the whole run', () => {
    dir = mkdtempSync(join(tmpdir(), 'cert-wrap-inspect-cache-'));
    const cache = join(dir, 'cache');
    expect(InspectionCache.shared(cache)).toBe(InspectionCache.shared(cache));
    expect(InspectionCache.shared(cache)).not.toBe(InspectionCache.shared(join(dir, 'other')));
    expect(InspectionCache.open(cache)).not.toBe(InspectionCache.shared(cache));
  });

  it('an entry whose file changed in place is read again', () => {
    dir = mkdtempSync(join(tmpdir(), 'cert-wrap-inspect-cache-'));
    const le = join(dir, 'le');
    const now = Date.now();
    makeLineage(le, { name: 'site', domains: ['a.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) });
    const cache = join(dir, 'cache');
    const c = InspectionCache.open(cache);
    inspectLineage(le, 'site', c);
    c.save();
    const other = join(dir, 'other');
    makeLineage(other, { name: 'site', domains: ['z.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + 60 * DAY) });
    writeFileSync(join(le, 'archive', 'site', 'cert1.pem'), readFileSync(join(other, 'archive', 'site', 'cert1.pem')));
    expect(inspectLineage(le, 'site', InspectionCache.open(cache))?.names).toEqual(['z.test']);
  });

  /** A lineage whose dates are cached, then the cached names and expiry replaced: what only a hit can return. */
  function cachedThenReplaced(notAfterInCache: Date) {
    dir = mkdtempSync(join(tmpdir(), 'cert-wrap-inspect-cache-'));
    const le = join(dir, 'le');
    const now = Date.now();
    makeLineage(le, { name: 'site', domains: ['a.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + 60 * DAY) });
    const cache = join(dir, 'cache');
    const c = InspectionCache.open(cache);
    inspectLineage(le, 'site', c);
    c.save();
    const file = join(cache, 'certificate-files.json');
    const entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { names: string[]; notAfter: string }>;
    for (const e of Object.values(entries)) Object.assign(e, { names: ['cached.test'], notAfter: notAfterInCache.toISOString() });
    writeFileSync(file, JSON.stringify(entries), { mode: 0o600 });
    return { le, cache };
  }

  it('an unchanged file is served from the cache, without parsing it again', () => {
    const { le, cache } = cachedThenReplaced(new Date(Date.now() + 60 * DAY));
    expect(inspectLineage(le, 'site', InspectionCache.open(cache))?.names).toEqual(['cached.test']);
  });

  it('a cache directory others can write is not trusted', () => {
    const { le, cache } = cachedThenReplaced(new Date(Date.now() + 60 * DAY));
    chmodSync(cache, 0o777);
    expect(inspectLineage(le, 'site', InspectionCache.open(cache))?.names).toEqual(['a.test']);
  });

  it('an entry file others can write is not trusted, in a private directory', () => {
    const { le, cache } = cachedThenReplaced(new Date(Date.now() + 60 * DAY));
    chmodSync(join(cache, 'certificate-files.json'), 0o666);
    expect(inspectLineage(le, 'site', InspectionCache.open(cache))?.names).toEqual(['a.test']);
  });
});

