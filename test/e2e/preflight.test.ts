import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bins, runBin } from '../../lab/cli.js';
import { startNginx, type RunningNginx } from '../../lab/nginx.js';
import { assertPortFree } from '../../lab/pebble.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { isCI, isRoot, requireTools } from '../../lab/tools.js';
import { LAB_IP, labIp } from '../../lab/loopback.js';

/** An address of this file's block where nothing listens. */
const NOTHING_THERE = labIp(9);

const WHAT = 'cert-wrap preflight against a real nginx on port 80';
const tools = requireTools(['nginx'], WHAT);
if (tools.ok && !isRoot()) {
  const why = `${WHAT} need root: the probe fetches http://NAME/ on port 80, as the CA does`;
  if (isCI()) throw new Error(`${why}; CI must run them as root instead of skipping them`);
  process.stderr.write(`\n!!! SKIPPING ${why} (with CI set, this is an error instead of a skip)\n\n`);
}
const ok = tools.ok && isRoot();

interface Report {
  ok: boolean;
  certificates: { name: string; skipped: string | null; results: { domain: string; ok: boolean; kind: string; seen: string }[] }[];
  pass: string[];
  fail: { name: string; problems: string[] }[];
}

const RESOLVE = ['a.test', 'www.a.test', 'b.test', 'c.test'].flatMap((n) => ['--resolve', `${n}:${LAB_IP}`]);

describe.skipIf(!ok)(WHAT, () => {
  let dir: string | undefined;
  let nginx: RunningNginx | undefined;
  let webroot = '';
  let site = '';

  beforeAll(async () => {
    await assertPortFree(80, LAB_IP);
    dir = await makeTempDir('cert-wrap-preflight-e2e-');
    webroot = path.join(dir, 'webroot');
    await mkdir(webroot);
    await chmod(webroot, 0o755);
    const head = `webroot: ${webroot}\nnginx:\n  listen: ["${LAB_IP}:80"]\ncertificates:\n  - domains: [a.test, www.a.test]\n  - name: b\n    domains: [b.test]\n`;
    // nginx serves the first two certificates; the config checked also holds c.test, which only the catch-all answers.
    const served = path.join(dir, 'served.yaml');
    site = path.join(dir, 'site.yaml');
    await writeFile(served, head);
    await writeFile(site, `${head}  - name: unserved\n    domains: [c.test]\n`);
    const acmeConf = path.join(dir, 'acme.conf');
    const gen = await runBin(bins.genNginx, [served, '--output', acmeConf]);
    expect(gen.stderr).toBe('');
    expect(gen.exitCode).toBe(0);
    const serversConf = path.join(dir, 'servers.conf');
    await writeFile(serversConf, `include "${acmeConf}";\nserver {\n    listen ${LAB_IP}:80 default_server;\n    return 404;\n}\n`);
    nginx = await startNginx({ dir, serversConf });
  });

  afterAll(async () => {
    try {
      await nginx?.stop();
    } finally {
      await removeTempDir(dir);
    }
  });

  it('served names pass, a name only the catch-all answers is a 404: exit 1, nothing left in the webroot', async () => {
    const r = await runBin(bins.certWrap, ['preflight', '-c', site, ...RESOLVE]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(1);
    const rows = r.stdout.split('\n');
    expect(rows[0]).toMatch(/^CERTIFICATE +NAME +RESULT +SEEN$/);
    expect(rows[1]).toMatch(/^a\.test +a\.test +ok +served the probe$/);
    expect(rows[2]).toMatch(/^a\.test +www\.a\.test +ok +served the probe$/);
    expect(rows[3]).toMatch(/^b +b\.test +ok +served the probe$/);
    expect(rows[4]).toMatch(/^unserved +c\.test +failed \(status\) +404 Not Found from http:\/\/c\.test\/\.well-known\/acme-challenge\/cert-wrap-preflight-[0-9a-f]{24}$/);
    expect(r.stdout).toContain('\n1 of 4 names failed; the CA would fail to validate certificate unserved.\n');
    expect(await readdir(webroot)).toEqual([]);

    // nginx really answered each name (a worker running as nobody read the file)
    const log = await readFile(nginx!.accessLog, 'utf8');
    const probes = log.split('\n').filter((l) => l.includes('GET /.well-known/acme-challenge/cert-wrap-preflight-'));
    expect(probes.map((l) => / (\d{3}) /.exec(l)?.[1]).sort()).toEqual(['200', '200', '200', '404']);
  });

  it('--json, and under umask 077 the names still pass (file 0644, directories 0755)', async () => {
    const old = process.umask(0o077);
    let r;
    try {
      r = await runBin(bins.certWrap, ['preflight', '-c', site, ...RESOLVE, '--json']);
    } finally {
      process.umask(old);
    }
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.ok).toBe(false);
    expect(report.pass).toEqual(['a.test', 'b']);
    expect(report.fail).toHaveLength(1);
    expect(report.fail[0]!.name).toBe('unserved');
    expect(report.fail[0]!.problems[0]).toMatch(/^c\.test: 404 Not Found from http:\/\/c\.test\//);
    expect(report.certificates.flatMap((c) => c.results.map((x) => [x.domain, x.kind]))).toEqual([
      ['a.test', 'ok'],
      ['www.a.test', 'ok'],
      ['b.test', 'ok'],
      ['c.test', 'status'],
    ]);
    expect(await readdir(webroot)).toEqual([]);
  });

  it('--cert the served certificates: exit 0', async () => {
    const r = await runBin(bins.certWrap, ['preflight', '-c', site, ...RESOLVE, '--cert', 'a.test', '--cert', 'b']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/\nAll 3 names serve the probe from the webroot\.\n$/);
  });

  it('a name resolved to an address where nothing listens is "connection refused"', async () => {
    const r = await runBin(bins.certWrap, ['preflight', '-c', site, '--cert', 'b', '--resolve', `b.test:${NOTHING_THERE}`, '--json']);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.certificates[0]!.results[0]).toEqual({ domain: 'b.test', ok: false, kind: 'refused', seen: `connection refused (${NOTHING_THERE}:80)` });
  });
});
