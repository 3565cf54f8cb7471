import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bins, runBin } from '../../../lab/cli.js';
import { startNginx, type RunningNginx } from '../../../lab/nginx.js';
import { makeTempDir, removeTempDir } from '../../../lab/tmp.js';
import { freePort, requireTools } from '../../../lab/tools.js';

const { ok } = requireTools(['nginx'], 'the fleet challenge location served by a real nginx');
const THUMB = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

function get(port: number, path: string): Promise<{ status: number; body: string; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: 'a.test' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!ok)('fleet mode: nginx answers HTTP-01 itself', () => {
  let dir: string | undefined;
  let nginx: RunningNginx | undefined;
  let port = 0;

  beforeAll(async () => {
    dir = await makeTempDir('cw-fleet-nginx-');
    port = await freePort();
    // A user regex location that would take every dotted path, challenge included, without the "^~".
    const yaml = `nginx:\n  listen: ["127.0.0.1:${port}"]\ndefault-location:\n  uri: "~ /\\\\."\n  body: ["return 418;"]\ncertificates:\n  - domains: [a.test]\nfleet:\n  etcd:\n    endpoints: [http://127.0.0.1:2379]\n  prefix: /p\n  key-file: /k\n  account-thumbprint: ${THUMB}\n`;
    writeFileSync(join(dir, 'site.yaml'), yaml);
    const r = await runBin(bins.genNginx, [join(dir, 'site.yaml'), '--output', join(dir, 'servers.conf')]);
    expect(r.stderr).toBe('');
    nginx = await startNginx({ dir, serversConf: join(dir, 'servers.conf') });
  });

  afterAll(async () => {
    await nginx?.stop();
    await removeTempDir(dir);
  });

  it('answers TOKEN.THUMBPRINT for a well-formed token, as text/plain', async () => {
    expect(await get(port, '/.well-known/acme-challenge/Ab-_09xYz')).toEqual({ status: 200, body: `Ab-_09xYz.${THUMB}`, type: 'text/plain' });
  });

  it('answers 404 for anything else under the challenge path', async () => {
    for (const path of ['/.well-known/acme-challenge/', '/.well-known/acme-challenge/a.b', '/.well-known/acme-challenge/a%20b', '/.well-known/acme-challenge/a/b', '/.well-known/acme-challenge/a%2eb']) {
      expect((await get(port, path)).status, path).toBe(404);
    }
  });

  it('still wins over the user regex location, which takes other dotted paths', async () => {
    expect((await get(port, '/.git/config')).status).toBe(418);
  });

  it('the HTTP-01 preflight asks for a random token and expects TOKEN.THUMBPRINT back, writing nothing', async () => {
    const { parseConfig } = await import('../../../src/model/load.js');
    const { probeCertificates } = await import('../../../src/adapters/probe/http01.js');
    const text = `webroot: ${dir}/no-such-webroot\ncertificates:\n  - domains: [a.test]\nfleet:\n  etcd:\n    endpoints: [http://127.0.0.1:2379]\n  prefix: /p\n  key-file: /k\n  account-thumbprint: ${THUMB}\n`;
    const config = parseConfig(text, join(dir!, 'p.yaml'));
    const opts = { port, resolve: new Map([['a.test', '127.0.0.1']]) };
    const [good] = await probeCertificates(config, config.certificates, opts);
    expect(good!.results[0]).toMatchObject({ ok: true, kind: 'ok' });
    // Another account's thumbprint: nginx answers something else, and the preflight says so.
    const other = parseConfig(text.replace(THUMB, 'A'.repeat(43)), join(dir!, 'p.yaml'));
    const [bad] = await probeCertificates(other, other.certificates, opts);
    expect(bad!.results[0]).toMatchObject({ ok: false, kind: 'wrong-body' });
  });

  it('refuses to render a fleet config without the thumbprint', async () => {
    writeFileSync(join(dir!, 'none.yaml'), `certificates:\n  - domains: [a.test]\nfleet:\n  etcd:\n    endpoints: [http://127.0.0.1:2379]\n  prefix: /p\n  key-file: /k\n`);
    const r = await runBin(bins.genNginx, [join(dir!, 'none.yaml')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('fleet.account-thumbprint is not set');
  });
});
