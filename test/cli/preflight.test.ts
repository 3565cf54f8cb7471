import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bins, runBin, writeConfig } from '../../lab/cli.js';

/** A config with its own webroot (created unless `webroot: false`). */
function setup(certs: string, opts: { webroot?: boolean } = {}) {
  const file = writeConfig('placeholder');
  const dir = dirname(file);
  const webroot = join(dir, 'webroot');
  if (opts.webroot !== false) mkdirSync(webroot);
  writeFileSync(file, `webroot: ${webroot}\ncertificates:\n${certs}`);
  return { file, webroot };
}

// Names under .invalid never resolve, so these runs need no server and no network.
describe('cert-wrap preflight (no server needed)', () => {
  it('a name without a DNS answer fails: a table, exit 1, the webroot left as it was', async () => {
    const s = setup('  - name: one\n    domains: [a.invalid, www.a.invalid]\n  - name: manual\n    domains: ["*.b.invalid"]\n    challenge: dns\n    authentication-hook: /bin/true\n');
    const r = await runBin(bins.certWrap, ['preflight', '-c', s.file]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe(
      [
        'CERTIFICATE  NAME           RESULT        SEEN',
        'one          a.invalid      failed (dns)  no DNS answer for a.invalid',
        'one          www.a.invalid  failed (dns)  no DNS answer for www.a.invalid',
        'manual       (all)          skipped       challenge: dns, validated through its authentication-hook, not the webroot',
        '',
        '2 of 2 names failed; the CA would fail to validate certificate one.',
        '',
      ].join('\n'),
    );
    expect(readdirSync(s.webroot)).toEqual([]);
  });

  it('--json and --cert', async () => {
    const s = setup('  - name: one\n    domains: [a.invalid]\n  - name: two\n    domains: [c.invalid]\n');
    const r = await runBin(bins.certWrap, ['preflight', '-c', s.file, '--cert', 'two', '--json']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      webroot: s.webroot,
      certificates: [{ name: 'two', skipped: null, results: [{ domain: 'c.invalid', ok: false, kind: 'dns', seen: 'no DNS answer for c.invalid' }] }],
      pass: [],
      fail: [{ name: 'two', problems: ['c.invalid: no DNS answer for c.invalid'] }],
    });
  });

  it('nothing validated through the webroot: exit 0 and the webroot is not needed', async () => {
    const s = setup('  - name: manual\n    domains: [b.invalid]\n    challenge: http\n    authentication-hook: /bin/true\n', { webroot: false });
    const r = await runBin(bins.certWrap, ['preflight', '-c', s.file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('No certificate is validated through the webroot: nothing to check.');
    expect(existsSync(s.webroot)).toBe(false);
  });

  it.each([
    ['a missing webroot', [], false, /^cert-wrap: webroot \S+ does not exist: create it \(mkdir -p \S+\) and serve it with the gen-nginx output\n$/],
    ['a bad --resolve', ['--resolve', 'a.invalid:not-an-ip'], true, /^cert-wrap: --resolve "a\.invalid:not-an-ip": "not-an-ip" is not an IP address; expected NAME:IP/],
    ['an IPv6 --resolve without brackets', ['--resolve', 'a.invalid:::1'], true, /write the IPv6 address in brackets, "a\.invalid:\[::1\]"\n$/],
    ['a bad --timeout', ['--timeout', '0'], true, /^cert-wrap: --timeout 0: give the seconds to wait for each request/],
    ['an unknown --cert', ['--cert', 'nope'], true, /^cert-wrap: --cert "nope": no such certificate in site\.yaml \(known: one\)\n$/],
  ])('%s is exit 2, nothing fetched', async (_what, extra, webroot, message) => {
    const s = setup('  - name: one\n    domains: [a.invalid]\n', { webroot });
    const r = await runBin(bins.certWrap, ['preflight', '-c', s.file, ...extra]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.exitCode).toBe(2);
  });
});
