import { describe, expect, it } from 'vitest';
import { type ApplySteps, executeApply } from '../../../src/run/apply.js';
import type { CertReport } from '../../../src/adapters/certbot/obtain.js';
import type { ReloadResult } from '../../../src/adapters/nginx/reload.js';

const PATH = '/etc/nginx/conf.d/cert-wrap.conf';
const issued: CertReport = { name: 'a', domains: ['a.test'], outcome: 'issued', class: null, reason: null, seconds: 1 };
const notDue: CertReport = { ...issued, outcome: 'unchanged', reason: 'not due' };

/** Steps that record what ran, in order; each answer chosen by the test. */
function steps(o: { servers?: 'created' | 'updated' | 'unchanged'; placed?: boolean; pending?: boolean; reload?: ReloadResult; issue?: boolean }) {
  const log: string[] = [];
  const s: ApplySteps = {
    bootstrap: async () => {
      log.push('bootstrap');
      return [{ name: 'a', action: o.placed ? 'placeholder' : 'unchanged', target: '/x' }];
    },
    writeServers: () => {
      log.push('write');
      return o.servers ?? 'unchanged';
    },
    restoreServers: () => void log.push('restore'),
    reloadPending: () => o.pending ?? false,
    reload: async () => {
      log.push('reload');
      return o.reload ?? { ok: true, pid: 7, message: 'nginx (pid 7) reloaded' };
    },
    obtain: async () => {
      log.push('obtain');
      const reload = { attempted: o.issue === true, ok: true, message: o.issue ? 'reloaded' : 'nothing issued' };
      return { certificates: [o.issue ? issued : notDue], ran: o.issue ? [issued] : [], reload, interruptedExit: null };
    },
  };
  return { s, log };
}

describe('executeApply', () => {
  it('first deploy: placeholders, then the servers, then a reload, then certbot', async () => {
    const { s, log } = steps({ servers: 'created', placed: true, issue: true });
    const report = await executeApply(PATH, s);
    expect(log).toEqual(['bootstrap', 'write', 'reload', 'obtain']);
    expect(report).toMatchObject({ ok: true, changed: true, serversFile: { action: 'created' }, reload: { attempted: true, ok: true } });
  });

  it('everything in place: no reload, changed false', async () => {
    const { s, log } = steps({});
    const report = await executeApply(PATH, s);
    expect(log).toEqual(['bootstrap', 'write', 'obtain']);
    expect(report).toMatchObject({ ok: true, changed: false, reload: { attempted: false } });
  });

  it('a reload left pending by a killed run is done even when nothing else changed', async () => {
    const { s, log } = steps({ pending: true });
    expect((await executeApply(PATH, s)).changed).toBe(true);
    expect(log).toContain('reload');
  });

  it('nginx -t rejects the new servers: the old file is put back and nothing is ordered', async () => {
    const reload: ReloadResult = { ok: false, reason: 'config-invalid', message: 'not reloading nginx: [emerg] ...' };
    const { s, log } = steps({ servers: 'updated', reload });
    const report = await executeApply(PATH, s);
    expect(log).toEqual(['bootstrap', 'write', 'reload', 'restore']);
    expect(report.ok).toBe(false);
    expect(report.serversFile.action).toBe('restored');
    expect(report.reload.message).toContain(`${PATH} was put back`);
  });

  it('a reload failing for another reason keeps the (valid) file and orders nothing', async () => {
    const reload: ReloadResult = { ok: false, reason: 'signal-failed', message: 'cannot signal nginx' };
    const { s, log } = steps({ servers: 'created', reload });
    const report = await executeApply(PATH, s);
    expect(log).toEqual(['bootstrap', 'write', 'reload']);
    expect(report).toMatchObject({ ok: false, serversFile: { action: 'created' } });
  });
});
