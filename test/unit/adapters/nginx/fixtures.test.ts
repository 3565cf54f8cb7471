import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/model/load.js';
import { renderNginx } from '../../../../src/adapters/nginx/render.js';
import { loadTemplates } from '../../../../src/adapters/nginx/templates.js';

const root = join(import.meta.dirname, '..', '..', '..', '..', 'fixtures');
export function fixtureConfig(dir: string): string {
  const yaml = join(root, dir, 'config.yaml');
  return existsSync(yaml) ? yaml : join(root, dir, 'config.json');
}

describe('fixtures: each config renders to its expected.conf', () => {
  it('has the scenarios the project promises', () => {
    expect(readdirSync(root).sort()).toEqual(
      expect.arrayContaining([
        'seed-example',
        'no-default-location',
        'custom-default-location',
        'one-domain',
        'many-domains',
        'idn-domains',
        'manual-http-hooks',
        'dns-wildcard',
        'ipv4-only',
        'json-config',
      ]),
    );
  });

  it.each(readdirSync(root))('%s', async (dir) => {
    const config = loadConfig(fixtureConfig(dir));
    const text = renderNginx(config, await loadTemplates(), config.nginx.version);
    await expect(text).toMatchFileSnapshot(join(root, dir, 'expected.conf'));
  });

  it('renders the same bytes twice (deterministic)', async () => {
    const template = await loadTemplates();
    for (const dir of readdirSync(root)) {
      const config = loadConfig(fixtureConfig(dir));
      expect(renderNginx(config, template, config.nginx.version)).toBe(renderNginx(loadConfig(fixtureConfig(dir)), await loadTemplates(), config.nginx.version));
    }
  });
});
