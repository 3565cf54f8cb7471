/** findNginxHost against the real nginx (the answers from a table: test/unit/adapters/nginx/host.test.ts). */
import { runProcess } from '../../../src/lib/process.js';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/model/load.js';
import { findNginxHost, type HostDeps } from '../../../src/adapters/nginx/host.js';
import { makeTempDir, removeTempDir } from '../../../lab/tmp.js';
import { findTool } from '../../../lab/tools.js';

const config = (nginx = '') => parseConfig(`certificates:\n  - domains: [a.test]\n${nginx ? `nginx:\n${nginx}` : ''}`, '/etc/cert-wrap/site.yaml');

const nginxBinary = findTool('nginx');

describe.skipIf(nginxBinary === null)('findNginxHost with the real nginx', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-host-');
  });
  afterAll(() => removeTempDir(dir));

  it("finds the pid directive of a main config through the real nginx -T, with cron's PATH", async () => {
    mkdirSync(join(dir, 'conf.d'));
    mkdirSync(join(dir, 'run')); // nginx -t opens the pid file's directory
    writeFileSync(join(dir, 'nginx.conf'), `error_log ${dir}/error.log;\ninclude ${dir}/conf.d/*.conf;\nevents {}\n`);
    writeFileSync(join(dir, 'conf.d', 'pid.conf'), 'pid run/here.pid;\n');
    const cfg = config(`  conf-file: ${dir}/nginx.conf\n  prefix: ${dir}/\n`);
    const host = await findNginxHost(cfg, { ...realDeps(), path: '/usr/bin:/bin' });
    expect(host).toEqual({
      binary: nginxBinary,
      pidFile: join(dir, 'run', 'here.pid'),
      pidSource: `pid directive in ${dir}/conf.d/pid.conf`,
      confFile: `${dir}/nginx.conf`,
      confSource: 'nginx.conf-file',
      prefix: `${dir}/`,
    });
  });
});

function realDeps(): HostDeps {
  return {
    run: (binary, args) => runProcess(binary, args),
    readFile: () => null,
    path: process.env.PATH ?? '',
  };
}

describe('nginx -V, asked once per binary and run', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeTempDir('cert-wrap-host-v-');
  });
  afterAll(() => removeTempDir(dir));

  it('a second findNginxHost does not run nginx -V again; a replaced binary is asked again', async () => {
    const fake = join(dir, 'nginx');
    const calls = join(dir, 'calls');
    const script = (version: string) =>
      `#!/bin/sh\necho "$*" >> ${calls}\necho "nginx version: nginx/${version}" >&2\necho "configure arguments: --conf-path=${dir}/nginx.conf --pid-path=${dir}/nginx.pid" >&2\n`;
    writeFileSync(fake, script('1.22.1'), { mode: 0o755 });
    const cfg = config(`  binary: ${fake}\n  pid-file: ${dir}/nginx.pid\n`);
    const count = () => readFileSync(calls, 'utf8').split('\n').filter((l) => l === '-V').length;
    expect((await findNginxHost(cfg)).confFile).toBe(`${dir}/nginx.conf`);
    await findNginxHost(cfg);
    expect(count()).toBe(1);
    // Replaced (a package upgrade): another file, asked again.
    writeFileSync(`${fake}.new`, script('1.26.0'), { mode: 0o755 });
    renameSync(`${fake}.new`, fake);
    await findNginxHost(cfg);
    expect(count()).toBe(2);
  });
});
