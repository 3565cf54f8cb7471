import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { brokenLineage } from '../../../../src/adapters/certbot/lineage-check.js';
import { savedLineage } from '../../../../src/adapters/certbot/obtain.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const renewal = (text: string | null) => {
  dir = mkdtempSync(join(tmpdir(), 'cert-wrap-lineage-'));
  mkdirSync(join(dir, 'renewal'));
  if (text !== null) writeFileSync(join(dir, 'renewal', 'site.conf'), text);
  return dir;
};

describe('lineages an interrupted certbot left broken', () => {
  it('no renewal config yet: fine (a first issuance)', () => {
    expect(brokenLineage(renewal(null), 'site')).toBeNull();
  });

  it('a complete renewal config: fine', () => {
    const conf = 'version = 2.1.0\narchive_dir = /x/archive/site\ncert = /x/live/site/cert.pem\nfullchain = /x/live/site/fullchain.pem\n';
    expect(brokenLineage(renewal(conf), 'site')).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['incomplete', 'version = 2.1.0\n'],
  ])('an %s renewal config: refused, saying what to move aside', (what, text) => {
    const d = renewal(text);
    expect(brokenLineage(d, 'site')).toBe(
      `${d}/renewal/site.conf is ${what} (certbot was interrupted while saving site); certbot would issue into site-0001 instead. ` +
        `Move these aside, then run again: ${d}/renewal/site.conf ${d}/live/site ${d}/archive/site`,
    );
  });

  it('reads the lineage certbot saved to from its output', () => {
    expect(savedLineage('Successfully received certificate.\nCertificate is saved at: /etc/letsencrypt/live/site-0001/fullchain.pem\n')).toBe('site-0001');
    expect(savedLineage('Certificate not yet due for renewal')).toBeNull();
  });
});
