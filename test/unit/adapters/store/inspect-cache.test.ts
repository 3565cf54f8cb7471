import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InspectionCache } from '../../../../src/adapters/store/inspect-cache.js';
import { inspectLineage } from '../../../../src/leaves/certbot-layout.js';
import { makeLineage } from '../../../../lab/lineage.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));
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
    expect(() => readFileSync(join(cache, 'certificates.json'))).toThrow();
    const c1 = InspectionCache.open(cache);
    inspectLineage(le, 'site', c1);
    c1.save();
    expect(inspectLineage(le, 'site', InspectionCache.open(cache))).toEqual(first);
    makeLineage(le, { name: 'site', domains: ['a.test', 'b.test'], notBefore: new Date(now), notAfter: new Date(now + 90 * DAY), version: 2 });
    const renewed = inspectLineage(le, 'site', InspectionCache.open(cache));
    expect(renewed?.names).toEqual(['a.test', 'b.test']);
    expect(renewed).toEqual(inspectLineage(le, 'site'));
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

  it('an unchanged file is answered by its entry, not read again: an entry planted in the private cache is what it returns', () => {
    const { le, cache } = cached();
    plantNames(cache, ['from-the-cache.test']);
    expect(inspectLineage(le, 'site', InspectionCache.open(cache))?.names).toEqual(['from-the-cache.test']);
  });

  it('a cache directory others can write is not trusted', () => {
    const { le, cache } = cached();
    plantNames(cache, ['other.test']);
    chmodSync(cache, 0o777);
    expect(inspectLineage(le, 'site', InspectionCache.open(cache))?.names).toEqual(['a.test']);
  });

  it('an entry file others can write is not trusted, in a private directory', () => {
    const { le, cache } = cached();
    plantNames(cache, ['other.test']);
    chmodSync(join(cache, 'certificates.json'), 0o666);
    expect(inspectLineage(le, 'site', InspectionCache.open(cache))?.names).toEqual(['a.test']);
  });
});

/** A lineage (a.test) whose certificate is in a saved cache. */
function cached(): { le: string; cache: string } {
  dir = mkdtempSync(join(tmpdir(), 'cert-wrap-inspect-cache-'));
  const le = join(dir, 'le');
  const now = Date.now();
  makeLineage(le, { name: 'site', domains: ['a.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) });
  const cache = join(dir, 'cache');
  const c = InspectionCache.open(cache);
  inspectLineage(le, 'site', c);
  c.save();
  return { le, cache };
}

/** Rewrite the names of every entry (size and mtime kept: the entries still match their files). */
function plantNames(cache: string, names: string[]): void {
  const file = join(cache, 'certificates.json');
  const entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { names: string[] }>;
  expect(Object.keys(entries).length).toBeGreaterThan(0);
  for (const e of Object.values(entries)) e.names = names;
  writeFileSync(file, JSON.stringify(entries), { mode: 0o600 });
}
