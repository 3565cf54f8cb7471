/** The alert check after obtain and renew reads the certificates through the certificate cache (it runs the on-failure command: a process). */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InspectionCache } from '../../src/adapters/store/inspect-cache.js';
import { inspectLineage } from '../../src/leaves/certbot-layout.js';
import { raiseAlerts } from '../../src/cli/commands/alerts.js';
import { parseConfig } from '../../src/model/load.js';
import { makeLineage } from '../../lab/lineage.js';

const DAY = 86_400_000;
let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('alerts and the certificate cache', () => {
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

  it('the alert check after obtain or renew reads the certificates through the cache', async () => {
    // The cache says the certificate expires in 2 days (the file: 60): only a read through the cache alerts.
    const { le, cache } = cachedThenReplaced(new Date(Date.now() + 2 * DAY));
    const saved = process.env.CERT_WRAP_CACHE_DIR;
    process.env.CERT_WRAP_CACHE_DIR = cache;
    try {
      const marker = join(dir, 'alerted');
      const script = join(dir, 'alert.sh');
      writeFileSync(script, `#!/bin/sh\ncat > ${marker}\n`, { mode: 0o755 });
      mkdirSync(join(dir, 'certs'));
      const config = parseConfig(`config-dir: ${le}\ncerts-dir: ${join(dir, 'certs')}\non-failure: ${script}\ncertificates:\n  - name: site\n    domains: [a.test]\n`, 'site.yaml');
      const summary = { ok: true, certificates: [{ name: 'site', domains: ['a.test'], outcome: 'unchanged' as const, seconds: 0 }], reload: { attempted: false, ok: true } };
      await raiseAlerts(config, config.certificates, 'renew', summary as never);
      expect(JSON.parse(readFileSync(marker, 'utf8')).certificate).toMatchObject({ name: 'site', class: 'expiring' });
    } finally {
      if (saved === undefined) delete process.env.CERT_WRAP_CACHE_DIR;
      else process.env.CERT_WRAP_CACHE_DIR = saved;
    }
  });
});
