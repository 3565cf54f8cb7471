import { describe, expect, it } from 'vitest';
import { parseMasterTitle } from '../../../src/leaves/nginx-options.js';

const title = (args: string) => `nginx: master process ${args}`;
const none = { confFile: null, prefix: null, errorLog: null, globals: null };

describe('the master\'s arguments, read from its title as ngx_get_options reads argv', () => {
  it.each([
    ['no options', '/usr/sbin/nginx', {}],
    ['-c FILE', '/usr/sbin/nginx -c /etc/nginx/nginx.conf', { confFile: '/etc/nginx/nginx.conf' }],
    ['-cFILE (attached)', '/usr/sbin/nginx -c/etc/nginx/nginx.conf', { confFile: '/etc/nginx/nginx.conf' }],
    ['-pDIR -cFILE -eLOG (all attached)', 'nginx -p/srv/n/ -cconf/n.conf -e/var/log/e.log', { prefix: '/srv/n/', confFile: 'conf/n.conf', errorLog: '/var/log/e.log' }],
    ['-qc FILE (bundled, value next)', 'nginx -qc /x/n.conf', { confFile: '/x/n.conf' }],
    ['-qcFILE (bundled, value attached)', 'nginx -qc/x/n.conf', { confFile: '/x/n.conf' }],
    ['-g with spaces', 'nginx -g daemon off; -c /x.conf', { globals: 'daemon off;', confFile: '/x.conf' }],
    ['-gDIRECTIVES attached, with spaces', 'nginx -gpid /run/a.pid; worker_processes 2;', { globals: 'pid /run/a.pid; worker_processes 2;' }],
    ['the last -c wins', 'nginx -c /a.conf -c/b.conf', { confFile: '/b.conf' }],
    ['a value that starts with "-" after a bare -c', 'nginx -c -odd.conf', { confFile: '-odd.conf' }],
    ['a path with a space', 'nginx -c /etc/my nginx/nginx.conf -p /x/', { confFile: '/etc/my nginx/nginx.conf', prefix: '/x/' }],
    ['-e stderr', 'nginx -e stderr', { errorLog: 'stderr' }],
    ['a lone "-" (nginx skips it)', 'nginx - -c /a.conf', { confFile: '/a.conf' }],
  ])('%s', (_what, args, expected) => {
    expect(parseMasterTitle(title(args))).toEqual({ ok: true, args: { ...none, ...expected } });
  });

  it.each([
    ['an option nginx does not have', 'nginx -x', /no option "-x"/],
    ['-c without a value', 'nginx -c', /"-c" has no value/],
    ['-p without a value, bundled', 'nginx -qp', /"-p" has no value/],
    ['a word after a flag that takes no value', 'nginx -q conf', /"conf" is not an option/],
    ['a program path with a space', '/opt/my nginx/sbin/nginx -c /a.conf', /"nginx\/sbin\/nginx" is not an option/],
  ])('cannot be read: %s', (_what, args, reason) => {
    const r = parseMasterTitle(title(args));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('is not a master title', () => {
    expect(parseMasterTitle('nginx: worker process').ok).toBe(false);
  });
});
