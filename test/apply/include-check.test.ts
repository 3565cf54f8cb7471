import { describe, expect, it } from 'vitest';
import { checkRunningNginx, type IncludeCheckDeps } from '../../src/adapters/nginx/include-check.js';
import { loadConfig } from '../../src/model/load.js';
import type { DumpResult } from '../../src/adapters/nginx/dump.js';
import { writeConfig } from '../support/cli.js';
import { exitCodeOf } from '../../src/cli/exit-codes.js';

const DUMP = '# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n\n';
const master = { ok: true as const, pid: 42, uid: 0, cwd: '/', unreadable: null, args: { confFile: null, prefix: null, errorLog: null, globals: 'daemon on; master_process on;' } };
const host = { binary: '/usr/sbin/nginx', pidFile: '/run/nginx.pid', confFile: '/etc/nginx/nginx.conf', pidSource: 'pid directive in /etc/nginx/nginx.conf', confSource: 'nginx -V --conf-path' };

function deps(over: Partial<DumpResult> = {}, lookup: ReturnType<IncludeCheckDeps['findMaster']> = master) {
  const calls: string[][] = [];
  const d: IncludeCheckDeps = {
    findHost: async () => host,
    findMaster: () => lookup,
    dump: async (_binary, args) => {
      calls.push(args);
      return { ok: true, args, stdout: DUMP, stderr: '', notFound: false, ...over };
    },
  };
  return { d, calls };
}

const config = () => loadConfig(writeConfig('certificates:\n  - domains: [a.test]\n'));

describe('checkRunningNginx', () => {
  it('dumps the configuration the master runs (its -g too) and finds the include inside http', async () => {
    const { d, calls } = deps();
    const running = await checkRunningNginx(config(), '/etc/nginx/conf.d/cert-wrap.conf', d);
    expect(running).toMatchObject({ pid: 42, mainConf: '/etc/nginx/nginx.conf', site: { pattern: '/etc/nginx/conf.d/*.conf' } });
    expect(calls).toEqual([['-T', '-g', 'daemon on; master_process on;']]);
  });

  it('no running master: exit 2 naming the pid file problem', async () => {
    const { d, calls } = deps({}, { ok: false, reason: 'pid-file-missing', message: 'pid file /run/nginx.pid does not exist' });
    const err = await checkRunningNginx(config(), '/etc/nginx/conf.d/x.conf', d).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).toContain('pid file /run/nginx.pid does not exist (the pid file was found from pid directive in /etc/nginx/nginx.conf)');
    expect(calls).toEqual([]);
  });

  it('a configuration failing nginx -T: exit 2 with nginx\'s message and the bootstrap hint', async () => {
    const { d } = deps({ ok: false, stdout: '', stderr: 'nginx: [emerg] cannot load certificate "/etc/cert-wrap/certs/a.test/fullchain.pem"' });
    const err = await checkRunningNginx(config(), '/etc/nginx/conf.d/x.conf', d).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).toContain('cannot load certificate');
    expect((err as Error).message).toContain('cert-wrap bootstrap -c site.yaml');
  });

  it('a file outside every http include: exit 2 with the line to add', async () => {
    const { d } = deps();
    const err = await checkRunningNginx(config(), '/srv/cert-wrap.conf', d).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).toContain('include "/srv/cert-wrap.conf";');
  });
});
