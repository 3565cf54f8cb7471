/**
 * cert-wrap deploy-hook trusts RENEWED_LINEAGE only when it is
 * CONFIG-DIR/live/NAME of a configured certificate: a lineage elsewhere (its
 * key would be copied and served) or a relative path (the stable paths would
 * dangle) is refused before anything is changed.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bins, runBin } from '../../lab/cli.js';
import { makeLineage } from '../../lab/lineage.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';

const DAY = 86_400_000;
let template: string;
let dir: string;
let site: string;
beforeAll(async () => {
  // One real lineage (python signs it), copied for each test.
  template = await makeTempDir('cert-wrap-deploy-hook-template-');
  const now = Date.now();
  makeLineage(template, { name: 'site', domains: ['site.example.org'], notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY) });
}, 60_000);
afterAll(async () => {
  await removeTempDir(template);
});
beforeEach(async () => {
  dir = await makeTempDir('cert-wrap-deploy-hook-');
  for (const copy of ['le', 'elsewhere']) cpSync(template, join(dir, copy), { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(dir, 'le', 'live', 'other'));
  site = join(dir, 'site.yaml');
  writeFileSync(
    site,
    [
      `config-dir: ${dir}/le`,
      `certs-dir: ${dir}/certs`,
      'nginx:',
      `  pid-file: ${dir}/nginx.pid`,
      'certificates:',
      '  - name: site',
      '    domains: [site.example.org]',
      '    deploy:',
      `      - directory: ${dir}/copies`,
      '',
    ].join('\n'),
  );
});
afterEach(async () => {
  await removeTempDir(dir);
});

const hook = (lineage: string, cwd?: string) => runBin(bins.certWrap, ['deploy-hook', '-c', site], { env: { RENEWED_LINEAGE: lineage, RENEWED_DOMAINS: 'site.example.org' }, cwd });
const nothingChanged = () => expect(readdirSync(dir).sort()).toEqual(['elsewhere', 'le', 'site.yaml']);

describe('cert-wrap deploy-hook: which RENEWED_LINEAGE it accepts', () => {
  it('refuses a lineage outside config-dir (exit 2), changing nothing', async () => {
    const r = await hook(join(dir, 'elsewhere', 'live', 'site'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`cert-wrap: RENEWED_LINEAGE "${dir}/elsewhere/live/site" is not in ${dir}/le/live, where certbot keeps the lineages of site.yaml; nothing was changed\n`);
    nothingChanged();
  });

  it('refuses a relative path, even one that leads to the right lineage from the working directory', async () => {
    const r = await hook('live/site', join(dir, 'le'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`cert-wrap: RENEWED_LINEAGE "live/site" is not an absolute path (certbot passes ${dir}/le/live/NAME); nothing was changed\n`);
    nothingChanged();
  });

  it('refuses a lineage of config-dir that is not a certificate of the config', async () => {
    const r = await hook(join(dir, 'le', 'live', 'other'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`RENEWED_LINEAGE "${dir}/le/live/other" names lineage "other", which is not a certificate of site.yaml; nothing was changed`);
    nothingChanged();
  });

  it('refuses a path that leaves config-dir through ".."', async () => {
    const r = await hook(`${dir}/le/live/../../elsewhere/live/site`);
    expect(r.exitCode).toBe(2);
    nothingChanged();
  });

  it.each([
    ['exactly CONFIG-DIR/live/NAME', (d: string) => join(d, 'le', 'live', 'site')],
    ['with a trailing slash', (d: string) => `${join(d, 'le', 'live', 'site')}/`],
    ['through a symlink to config-dir', (d: string) => join(d, 'le-link', 'live', 'site')],
  ])('accepts %s; the stable paths lead to CONFIG-DIR/live/NAME', async (_what, lineageOf) => {
    symlinkSync(join(dir, 'le'), join(dir, 'le-link'));
    const r = await hook(lineageOf(dir));
    // nginx is not running here: the reload is refused and reported, the rest was done
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/not reloading nginx/);
    expect(readlinkSync(join(dir, 'certs', 'site', 'current'))).toBe(join(dir, 'le', 'live', 'site'));
    expect(readdirSync(join(dir, 'copies')).sort()).toEqual(['fullchain.pem', 'privkey.pem']);
    expect(existsSync(join(dir, 'certs', 'reload-pending'))).toBe(true);
  });
});


