import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InspectionCache } from '../../../../src/adapters/store/inspect-cache.js';
import { inspectLineage } from '../../../../src/leaves/certbot-layout.js';
import { makeLineage } from '../../../support/lineage.js';

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
});
