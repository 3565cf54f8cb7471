import { describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../../src/run/apply.js';
import { formatApply } from '../../../src/cli/output/apply-summary.js';

const base: ApplyReport = {
  ok: true,
  changed: true,
  serversFile: { path: '/etc/nginx/conf.d/cert-wrap.conf', action: 'created' },
  bootstrap: [{ name: 'a.test', action: 'placeholder', target: '/etc/cert-wrap/certs/a.test/self-signed' }],
  reload: { attempted: true, ok: true, message: 'nginx (pid 7) reloaded' },
  certificates: [{ name: 'a.test', domains: ['a.test', 'www.a.test'], outcome: 'issued', class: null, reason: null, seconds: 2.5 }],
  certificatesReload: { attempted: true, ok: true, message: 'nginx (pid 7) reloaded' },
  interruptedExit: null,
};

describe('formatApply', () => {
  it('a first deploy: each step, then the certificates', () => {
    const text = formatApply(base, false);
    expect(text.split('\n').slice(0, 4)).toEqual([
      'nginx servers: /etc/nginx/conf.d/cert-wrap.conf created',
      'stable paths of a.test: self-signed placeholder',
      'nginx (pid 7) reloaded',
      '',
    ]);
    expect(text).toMatch(/^a\.test\s+a\.test, www\.a\.test\s+issued/m);
    expect(text).toContain('All certificates OK.');
  });

  it('nothing to do: the table and one sentence', () => {
    const report: ApplyReport = {
      ...base,
      changed: false,
      serversFile: { ...base.serversFile, action: 'unchanged' },
      bootstrap: [{ ...base.bootstrap[0]!, action: 'unchanged' }],
      reload: { attempted: false, ok: true, message: '' },
      certificates: [{ ...base.certificates[0]!, outcome: 'unchanged', reason: 'not due: 60 days left' }],
      certificatesReload: { attempted: false, ok: true, message: '' },
    };
    const text = formatApply(report, false);
    expect(text).toContain('unchanged  not due: 60 days left');
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      "Nothing to do: /etc/nginx/conf.d/cert-wrap.conf is up to date, every certificate's paths are in place and none is due.",
    );
  });

  it('servers rejected by nginx -t: says the file was put back and that nothing was ordered', () => {
    const report: ApplyReport = {
      ...base,
      ok: false,
      serversFile: { ...base.serversFile, action: 'restored' },
      reload: { attempted: true, ok: false, message: 'not reloading nginx (pid 7): ... was put back' },
      certificates: [],
    };
    const text = formatApply(report, false);
    expect(text).toContain('nginx servers: /etc/nginx/conf.d/cert-wrap.conf rejected by nginx -t and put back');
    expect(text).toContain('Stopped before ordering any certificate.');
  });
});
