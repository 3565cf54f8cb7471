/**
 * Listen lines as the real nginx reads them: the socket options reach nginx
 * even when the first certificate has no port-80 server, and an IPv4-mapped
 * IPv6 address is refused exactly when nginx cannot bind it.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/model/load.js';
import { checkListen } from '../../../src/model/rules.js';
import { checkWithNginx } from '../../../src/adapters/nginx/check.js';
import { renderNginx } from '../../../src/adapters/nginx/render.js';
import { loadTemplates } from '../../../src/adapters/nginx/templates.js';
import { findTool, freePort, requireTools } from '../../../lab/tools.js';

const { ok } = requireTools(['nginx'], 'listen lines against the real nginx -t');
const nginx = findTool('nginx') ?? 'nginx';

const server = (listen: string) => `server {\n    listen ${listen};\n    server_name t.example;\n    return 204;\n}\n`;

describe.skipIf(!ok)('listen lines and the real nginx -t', () => {
  it('a dns certificate first, with no port-80 server: the next server carries default_server, and nginx sees it', async () => {
    const port = await freePort();
    const yaml = [
      'default-location: false',
      'nginx:',
      `  listen: ["127.0.0.1:${port} default_server backlog=511"]`,
      'certificates:',
      '  - name: wildcard',
      '    domains: ["*.example.org"]',
      '    challenge: dns',
      '    authentication-hook: /usr/bin/true',
      '  - domains: [example.org]',
      '  - domains: [www.example.org]',
      '',
    ].join('\n');
    const text = renderNginx(parseConfig(yaml, 'site.yaml'), await loadTemplates(), null);
    expect(text.match(/listen .*;/g)).toEqual([`listen 127.0.0.1:${port} default_server backlog=511;`, `listen 127.0.0.1:${port};`]);
    expect(await checkWithNginx(nginx, text, 'site.conf')).toEqual({ ok: true });
    // nginx reads the option from the generated file: a second default server on that address is an error.
    const other = server(`127.0.0.1:${port} default_server`);
    const both = await checkWithNginx(nginx, `${text}${other}`, 'site.conf');
    expect(both.ok).toBe(false);
    expect(both.ok || both.message).toContain(`a duplicate default server for 127.0.0.1:${port}`);
  });

  it('an IPv4-mapped address: nginx refuses to bind it unless ipv6only=off, and so does the check', async () => {
    const port = await freePort();
    const cases = [
      [`[::ffff:127.0.0.1]:${port}`, false],
      [`[::ffff:7f00:1]:${port}`, false],
      [`[::ffff:127.0.0.1]:${port} ipv6only=on`, false],
      [`[::ffff:127.0.0.1]:${port} ipv6only=off`, true],
      [`127.0.0.1:${port}`, true],
    ] as const;
    for (const [listen, accepted] of cases) {
      const result = await checkWithNginx(nginx, server(listen), 'test');
      expect(result.ok, `nginx -t on listen ${listen}: ${result.ok || result.message}`).toBe(accepted);
      if (!result.ok) expect(result.message).toContain('failed (22: Invalid argument)');
      expect(checkListen(listen) === null, `checkListen(${listen})`).toBe(accepted);
    }
  });

  it('an accepted IPv4-mapped listen line renders to output nginx accepts, on every server', async () => {
    const port = await freePort();
    const yaml = `nginx:\n  listen: ["[::ffff:127.0.0.1]:${port} ipv6only=off"]\ncertificates:\n  - domains: [a.example.org]\n  - domains: [b.example.org]\n`;
    const text = renderNginx(parseConfig(yaml, 'site.yaml'), await loadTemplates(), null);
    expect(text.match(/listen .*;/g)).toEqual([`listen [::ffff:7f00:1]:${port} ipv6only=off;`, `listen [::ffff:7f00:1]:${port};`]);
    expect(await checkWithNginx(nginx, text, 'site.conf')).toEqual({ ok: true });
  });
});
