import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/model/load.js';
import { compiledPaths } from '../../../../src/adapters/nginx/compiled.js';
import { findNginxHost, type HostDeps, NginxHostError } from '../../../../src/adapters/nginx/host.js';
import { pidFromDump } from '../../../../src/adapters/nginx/pid-directive.js';

const DEBIAN_V = [
  'nginx version: nginx/1.22.1',
  "configure arguments: --with-cc-opt='-g -O2 -fPIC' --prefix=/usr/share/nginx --conf-path=/etc/nginx/nginx.conf --pid-path=/run/nginx.pid --with-debug",
].join('\n');

const config = (nginx = '') => parseConfig(`certificates:\n  - domains: [a.test]\n${nginx ? `nginx:\n${nginx}` : ''}`, '/etc/cert-wrap/site.yaml');

/** nginx as a table of answers; every call is recorded. */
function fakeNginx(answers: { V?: string; T?: { exitCode: number; stdout: string }; files?: Record<string, string> }, calls: string[][] = []): HostDeps {
  return {
    async run(binary, args) {
      calls.push([binary, ...args]);
      if (args[0] === '-V') return { exitCode: 0, stdout: '', stderr: answers.V ?? DEBIAN_V };
      const t = answers.T ?? { exitCode: 0, stdout: '' };
      return { exitCode: t.exitCode, stdout: t.stdout, stderr: t.exitCode === 0 ? '' : 'nginx: [emerg] something' };
    },
    readFile: (file) => answers.files?.[file] ?? null,
    path: '/usr/bin:/bin',
  };
}

const dump = (files: Record<string, string>) => Object.entries(files).map(([f, t]) => `# configuration file ${f}:\n${t}\n`).join('\n');

describe('compiled-in paths (nginx -V)', () => {
  it("reads Debian's", () => {
    expect(compiledPaths(DEBIAN_V)).toEqual({ prefix: '/usr/share/nginx/', confPath: '/etc/nginx/nginx.conf', pidPath: '/run/nginx.pid' });
  });
  it("uses nginx's own defaults under the prefix when configure was given none", () => {
    expect(compiledPaths('configure arguments: --with-debug')).toEqual({ prefix: '/usr/local/nginx/', confPath: '/usr/local/nginx/conf/nginx.conf', pidPath: '/usr/local/nginx/logs/nginx.pid' });
    expect(compiledPaths('configure arguments: --prefix=/opt/n --pid-path=run/n.pid')).toMatchObject({ pidPath: '/opt/n/run/n.pid' });
  });
});

describe('the pid directive of an nginx -T dump', () => {
  it('is found at the top level of any file, never inside a block or a comment', () => {
    const text = dump({
      '/etc/nginx/nginx.conf': 'user www-data;\n# pid /wrong.pid;\ninclude /etc/nginx/modules-enabled/*.conf;\nhttp { server { set $pid 1; } }',
      '/etc/nginx/modules-enabled/x.conf': 'pid "/run/alpine nginx.pid";',
    });
    expect(pidFromDump(text)).toEqual({ value: '/run/alpine nginx.pid', file: '/etc/nginx/modules-enabled/x.conf' });
    expect(pidFromDump(dump({ '/a.conf': 'events {}' }))).toBeNull();
  });
});

describe('findNginxHost with nginx answering from a table', () => {
  it('Debian, nothing set: the pid directive nginx -T shows, the conf-path nginx -V shows', async () => {
    const calls: string[][] = [];
    const host = await findNginxHost(config(), fakeNginx({ T: { exitCode: 0, stdout: dump({ '/etc/nginx/nginx.conf': 'pid /run/nginx.pid;\nevents {}' }) } }, calls));
    expect(host).toEqual({
      binary: '/usr/sbin/nginx',
      pidFile: '/run/nginx.pid',
      pidSource: 'pid directive in /etc/nginx/nginx.conf',
      confFile: '/etc/nginx/nginx.conf',
      confSource: 'nginx -V --conf-path',
    });
    expect(calls).toEqual([['/usr/sbin/nginx', '-V'], ['/usr/sbin/nginx', '-T', '-q', '-c', '/etc/nginx/nginx.conf']]);
  });

  it('no pid directive: the compiled-in --pid-path', async () => {
    const host = await findNginxHost(config(), fakeNginx({ V: 'configure arguments: --prefix=/usr/share/nginx --pid-path=/var/run/nginx/pid', T: { exitCode: 0, stdout: dump({ '/c': 'events {}' }) } }));
    expect(host).toMatchObject({ pidFile: '/var/run/nginx/pid', pidSource: 'nginx -V --pid-path', confFile: '/usr/share/nginx/conf/nginx.conf' });
  });

  it('a relative pid directive is under the prefix, as nginx reads it (nginx.prefix when set)', async () => {
    const T = { exitCode: 0, stdout: dump({ '/c': 'pid run/n.pid;' }) };
    expect((await findNginxHost(config(), fakeNginx({ T }))).pidFile).toBe('/usr/share/nginx/run/n.pid');
    const calls: string[][] = [];
    const host = await findNginxHost(config('  prefix: /srv/ngx\n  conf-file: /srv/ngx/main.conf\n'), fakeNginx({ T }, calls));
    expect(host).toMatchObject({ pidFile: '/srv/ngx/run/n.pid', prefix: '/srv/ngx', confFile: '/srv/ngx/main.conf', confSource: 'nginx.conf-file' });
    expect(calls[1]).toEqual(['/usr/sbin/nginx', '-T', '-q', '-c', '/srv/ngx/main.conf', '-p', '/srv/ngx']);
  });

  it('nginx -T fails (a broken configuration, or not root): the main file is read directly', async () => {
    const deps = fakeNginx({ T: { exitCode: 1, stdout: '' }, files: { '/etc/nginx/nginx.conf': 'pid /run/from-file.pid;\nevents {}\n' } });
    expect(await findNginxHost(config(), deps)).toMatchObject({ pidFile: '/run/from-file.pid', pidSource: 'pid directive in /etc/nginx/nginx.conf' });
    const unreadable = fakeNginx({ T: { exitCode: 1, stdout: '' } });
    expect(await findNginxHost(config(), unreadable)).toMatchObject({ pidFile: '/run/nginx.pid', pidSource: 'nginx -V --pid-path' });
  });

  it('an explicit nginx.pid-file wins, and nginx -T is not run', async () => {
    const calls: string[][] = [];
    const host = await findNginxHost(config('  pid-file: /x/n.pid\n'), fakeNginx({}, calls));
    expect(host).toMatchObject({ pidFile: '/x/n.pid', pidSource: 'nginx.pid-file' });
    expect(calls.map((c) => c[1])).toEqual(['-V']);
  });

  it('not on PATH nor in the sbin directories: says where it looked', async () => {
    const err = await findNginxHost(config('  binary: no-such-nginx-here\n'), fakeNginx({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NginxHostError);
    expect((err as Error).message).toBe('cannot find "no-such-nginx-here" in PATH (/usr/bin:/bin), /usr/sbin, /usr/local/sbin, /usr/local/nginx/sbin: install nginx, or set nginx.binary to its path');
  });
});
