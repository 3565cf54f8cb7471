import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { bootstrap, opensslSelfSign } from '../../../src/adapters/store/bootstrap.js';
import { loadConfig } from '../../../src/model/load.js';
import { checkWithNginx } from '../../../src/adapters/nginx/check.js';
import { renderNginx } from '../../../src/adapters/nginx/render.js';
import { loadTemplates } from '../../../src/adapters/nginx/templates.js';
import { parseStatements } from '../../../src/leaves/nginx-tokenize.js';
import { bins, repoRoot, runBin, writeConfig } from '../../../lab/cli.js';
import { findTool, freePort, requireTools } from '../../../lab/tools.js';
import { duplicateDefaultServerHint } from '../../../src/adapters/nginx/default-server-hint.js';
import { NGINX_CHANGES, parseNginxVersion, versionAtLeast } from '../../../src/adapters/nginx/version.js';

const { ok } = requireTools(['nginx'], 'gen-nginx checks against the real nginx -t');

const nginx = findTool('nginx') ?? 'nginx';
const fixtures = join(repoRoot, 'fixtures');
const fixtureConfig = (dir: string) => join(fixtures, dir, readdirSync(join(fixtures, dir)).includes('config.yaml') ? 'config.yaml' : 'config.json');
/** What `nginx -v` says on this host. */
const hostVersion = ok ? (parseNginxVersion(execaSync(nginx, ['-v'], { reject: false }).stderr) ?? '0.0.0') : '0.0.0';

/**
 * The output as the host's nginx can test it: written for nginx 1.25.1 or later, `http2 on;`
 * (which older nginx does not know) is left out; everything else is tested as it is.
 */
function hostCanRead(text: string, version: string | null): string {
  if (version === null || !versionAtLeast(version, NGINX_CHANGES.http2Directive) || versionAtLeast(hostVersion, NGINX_CHANGES.http2Directive)) return text;
  return text.replace(/^ *http2 on;\n/gm, '');
}

describe.skipIf(!ok)('the real nginx -t', () => {
  it.each(readdirSync(fixtures))('accepts the output of fixture %s', async (dir) => {
    const files = readdirSync(join(fixtures, dir));
    let config = loadConfig(join(fixtures, dir, files.includes('config.yaml') ? 'config.yaml' : 'config.json'));
    if (config.certificates.some((c) => c.https)) {
      // nginx -t loads the certificates: give them their stable paths first, as `cert-wrap bootstrap` does.
      const certsDir = mkdtempSync(join(tmpdir(), 'cert-wrap-certs-'));
      onTestFinished(() => rmSync(certsDir, { recursive: true, force: true }));
      config = { ...config, certsDir, configDir: join(certsDir, 'no-letsencrypt') };
      await bootstrap(config, config.certificates, { selfSign: opensslSelfSign, now: () => new Date() });
    }
    const text = renderNginx(config, await loadTemplates(), config.nginx.version);
    const result = await checkWithNginx(nginx, hostCanRead(text, config.nginx.version), 'expected.conf');
    expect(result).toEqual({ ok: true });
  });

  it('a fixture for a newer nginx than the host\'s differs only in the lines the host\'s nginx does not know', async () => {
    const host = hostVersion;
    const newer = readdirSync(fixtures).filter((dir) => {
      const version = loadConfig(fixtureConfig(dir)).nginx.version;
      return version !== null && !versionAtLeast(host, version);
    });
    // Shown with nginx 1.22 (Debian 12): the 1.25.1 form of HTTP/2 is the one line it cannot read.
    if (!versionAtLeast(host, NGINX_CHANGES.http2Directive)) expect(newer).toContain('https-nginx-1.26');
    for (const dir of newer) {
      const config = loadConfig(fixtureConfig(dir));
      const text = renderNginx(config, await loadTemplates(), config.nginx.version);
      const removed = text.split('\n').filter((l) => !hostCanRead(text, config.nginx.version).split('\n').includes(l));
      expect(new Set(removed.map((l) => l.trim()))).toEqual(new Set(['http2 on;']));
    }
  });

  // The body checker and nginx must agree: what it accepts nginx accepts, and
  // what it refuses (as not one complete directive) nginx refuses too.
  const wrap = (directive: string) => `server {\n    listen 127.0.0.1:18081;\n    server_name t.example;\n    location / {\n        ${directive}\n    }\n}\n`;
  it.each([
    'return 200 a}b;',
    'return 200 a#b;',
    'set $x ${host}x;',
    'return 200 "a;b";',
    "add_header X 'a { b';",
    'deny all; # comment } {',
    'if ($request_method = POST) { return 405; }',
  ])('accepts what the checker accepts: %s', async (directive) => {
    expect(parseStatements(directive).ok).toBe(true);
    expect(await checkWithNginx(nginx, wrap(directive), 'test')).toEqual({ ok: true });
  });

  it.each(['deny all', 'return 200 "x;', 'return 200; }', 'if ($a) { return 200;', 'return "a"b;', 'return 200 }'])(
    'refuses what the checker refuses: %s',
    async (directive) => {
      expect(parseStatements(directive).ok).toBe(false);
      expect((await checkWithNginx(nginx, wrap(directive), 'test')).ok).toBe(false);
    },
  );

  it('gen-nginx --check reports nginx\'s own message, exits 1 and writes nothing', async () => {
    const long = `${'a'.repeat(43)}.org`; // needs server_names_hash_bucket_size 128
    const file = writeConfig(`certificates:\n  - domains: [${long}]\n  - domains: [b.org]\n`);
    const out = join(file, '..', 'acme.conf');
    const r = await runBin(bins.genNginx, [file, '--check', '--output', out]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('gen-nginx: nginx -t rejected the generated configuration:');
    expect(r.stderr).toContain('could not build server_names_hash, you should increase server_names_hash_bucket_size: 64');
    expect(readdirSync(join(file, '..'))).toEqual(['site.yaml']);
  });

  it('gen-nginx --check with certificate files missing (before bootstrap) says to run bootstrap, which makes it pass', async () => {
    const file = writeConfig('certificates:\n  - domains: [a.example.org]\n    https: true\n');
    const certsDir = join(file, '..', 'certs dir');
    const [http, https] = [await freePort(), await freePort()];
    const nginxKeys = `nginx:\n  listen: ["127.0.0.1:${http}"]\n  https-listen: ["127.0.0.1:${https}"]\n`;
    writeFileSync(file, `certs-dir: ${certsDir}\nconfig-dir: ${join(file, '..', 'le')}\n${nginxKeys}${readFileSync(file, 'utf8')}`);
    const r = await runBin(bins.genNginx, [file, '--check']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`cannot load certificate "${certsDir}/a.example.org/fullchain.pem"`);
    expect(r.stderr).toContain(`\nthe certificate files do not exist yet: run "cert-wrap bootstrap -c ${file}" first;`);
    const boot = await runBin(bins.certWrap, ['bootstrap', '-c', file]);
    expect(boot.exitCode, boot.stderr).toBe(0);
    const again = await runBin(bins.genNginx, [file, '--check']);
    expect([again.exitCode, again.stderr]).toEqual([0, '']);
  });

  it('gen-nginx --check passes a good config and prints it', async () => {
    const r = await runBin(bins.genNginx, [join(repoRoot, 'examples', 'site.yaml'), '--check']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('server_name bar.example.org;');
  });

  it('gen-nginx --check before bootstrap says which command makes the certificate files', async () => {
    const file = writeConfig('certificates:\n  - domains: [a.org]\n    https: true\n');
    const certsDir = join(file, '..', 'certs');
    writeFileSync(file, `certs-dir: ${certsDir}\ncertificates:\n  - domains: [a.org]\n    https: true\n`);
    const r = await runBin(bins.genNginx, [file, '--check']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`cannot load certificate "${certsDir}/a.org/fullchain.pem"`);
    expect(r.stderr).toContain(`run "cert-wrap bootstrap -c ${file}" first;`);
    expect(r.stderr).toContain(`(or "cert-wrap apply -c ${file}" for the whole first deploy)`);
  });

  it('nginx -t on the generated servers beside a default server of the user\'s own on 443: the message names nginx.https-default-server', async () => {
    const port = await freePort();
    const file = writeConfig(`certs-dir: CERTS\nnginx:\n  version: 1.22.1\n  https-listen: ["127.0.0.1:${port}"]\ncertificates:\n  - domains: [a.example.org]\n    https: true\n`);
    const certsDir = join(file, '..', 'certs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('CERTS', `${certsDir}\nconfig-dir: ${join(file, '..', 'le')}`));
    expect((await runBin(bins.certWrap, ['bootstrap', '-c', file])).exitCode).toBe(0);
    const config = loadConfig(file);
    const own = `server {\n    listen 127.0.0.1:${port} ssl default_server;\n    ssl_reject_handshake on;\n}\n`;
    const text = `${own}${renderNginx(config, await loadTemplates(), '1.22.1')}`;
    const result = await checkWithNginx(nginx, text, 'cert-wrap.conf', file, (said) => duplicateDefaultServerHint(config, said));
    expect(result.ok).toBe(false);
    expect(result.ok || result.message).toContain(`a duplicate default server for 127.0.0.1:${port} in cert-wrap.conf:`);
    expect(result.ok || result.message).toContain('to keep your own default server there instead, set "nginx.https-default-server: false" in site.yaml');
    const off = loadConfig(file);
    off.nginx.httpsDefaultServer = false;
    expect(await checkWithNginx(nginx, `${own}${renderNginx(off, await loadTemplates(), '1.22.1')}`, 'cert-wrap.conf')).toEqual({ ok: true });
  });

  it('a missing nginx binary is a clear error', async () => {
    const file = writeConfig('certificates:\n  - domains: [a.org]\nnginx:\n  binary: /nonexistent/nginx\n');
    const r = await runBin(bins.genNginx, [file, '--check']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('gen-nginx: cannot run nginx: "/nonexistent/nginx" was not found (install nginx, or set nginx.binary in the config)\n');
  });
});
