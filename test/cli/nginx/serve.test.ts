import { request } from 'node:http';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bins, runBin } from '../../../lab/cli.js';
import { startNginx, type RunningNginx } from '../../../lab/nginx.js';
import { makeTempDir, removeTempDir } from '../../../lab/tmp.js';
import { requireTools } from '../../../lab/tools.js';

const { ok } = requireTools(['nginx'], 'gen-nginx output served by a real nginx');

// Three generated configs served by one real nginx on loopback, one port each.
const PORTS = { redirect: 18180, denyDotfiles: 18181, noDefault: 18182 };

function get(port: number, host: string, path: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!ok)('gen-nginx output served by a real nginx', () => {
  let dir: string | undefined;
  let nginx: RunningNginx | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-serve-');
    const webroot = join(dir, 'webroot');
    mkdirSync(join(webroot, '.well-known', 'acme-challenge'), { recursive: true });
    chmodSync(webroot, 0o755);
    writeFileSync(join(webroot, '.well-known', 'acme-challenge', 'token-x'), 'token-x.key-authorization');
    const configs = {
      redirect: `webroot: ${webroot}\nnginx:\n  listen: ["127.0.0.1:${PORTS.redirect}"]\ncertificates:\n  - domains: [a.test, www.a.test]\n`,
      denyDotfiles: `webroot: ${webroot}\nnginx:\n  listen: ["127.0.0.1:${PORTS.denyDotfiles}"]\ndefault-location:\n  uri: "~ /\\\\."\n  body: ["deny all;"]\ncertificates:\n  - domains: [b.test]\n`,
      noDefault: `webroot: ${webroot}\nnginx:\n  listen: ["127.0.0.1:${PORTS.noDefault}"]\ndefault-location: false\ncertificates:\n  - domains: [c.test]\n`,
    };
    const includes: string[] = [];
    for (const [name, text] of Object.entries(configs)) {
      writeFileSync(join(dir, `${name}.yaml`), text);
      const out = join(dir, `${name}.conf`);
      const r = await runBin(bins.genNginx, [join(dir, `${name}.yaml`), '--output', out]);
      expect(r.stderr).toBe('');
      includes.push(`include ${out};`);
    }
    writeFileSync(join(dir, 'servers.conf'), `${includes.join('\n')}\n`);
    nginx = await startNginx({ dir, serversConf: join(dir, 'servers.conf') });
  });

  afterAll(async () => {
    await nginx?.stop();
    await removeTempDir(dir);
  });

  it('serves the challenge file from the webroot', async () => {
    const r = await get(PORTS.redirect, 'a.test', '/.well-known/acme-challenge/token-x');
    expect(r).toMatchObject({ status: 200, body: 'token-x.key-authorization' });
    const www = await get(PORTS.redirect, 'www.a.test', '/.well-known/acme-challenge/token-x');
    expect(www.status).toBe(200);
  });

  it('redirects everything else to https on the same host and path', async () => {
    const r = await get(PORTS.redirect, 'a.test', '/other?q=1');
    expect(r.status).toBe(301);
    expect(r.location).toBe('https://a.test/other?q=1');
  });

  it('keeps serving the challenge when a regex location denies dotfiles', async () => {
    const challenge = await get(PORTS.denyDotfiles, 'b.test', '/.well-known/acme-challenge/token-x');
    expect(challenge).toMatchObject({ status: 200, body: 'token-x.key-authorization' });
    const dotfile = await get(PORTS.denyDotfiles, 'b.test', '/.git/config');
    expect(dotfile.status).toBe(403); // the deny rule itself is in force
  });

  it('has no redirect with default-location: false', async () => {
    const challenge = await get(PORTS.noDefault, 'c.test', '/.well-known/acme-challenge/token-x');
    expect(challenge.status).toBe(200);
    const other = await get(PORTS.noDefault, 'c.test', '/other');
    expect(other.status).not.toBe(301);
    expect(other.location).toBeUndefined();
  });

  it('a missing challenge file is a 404, not a redirect', async () => {
    const r = await get(PORTS.redirect, 'a.test', '/.well-known/acme-challenge/missing');
    expect(r.status).toBe(404);
  });
});
