/**
 * The session's order and decisions, in-process, through fakes of its I/O.
 * The real certbot, Pebble and nginx prove the same steps end to end in
 * test/e2e/ (lifecycle, deploy-retry, renewal-storm, sandbox).
 */
import { describe, expect, it } from 'vitest';
import type { PlannedRun } from '../../../src/adapters/certbot/obtain.js';
import type { CertbotResult } from '../../../src/adapters/certbot/run.js';
import type { CertStatus } from '../../../src/adapters/renewal/status.js';
import type { Action } from '../../../src/adapters/renewal/decide.js';
import { PreflightError } from '../../../src/lib/errors.js';
import { parseConfig } from '../../../src/model/load.js';
import type { CertReport } from '../../../src/model/report.js';
import type { Certificate } from '../../../src/model/types.js';
import type { ReloadReport } from '../../../src/run/io.js';
import { runSession, type SessionIO, type SessionOptions } from '../../../src/run/session.js';

const config = parseConfig(
  ['certs-dir: /nonexistent/certs', 'config-dir: /nonexistent/le', 'certificates:', '  - domains: [a.test]', '  - domains: [b.test]', '  - domains: [c.test]'].join('\n'),
  'site.yaml',
  '/nonexistent/site.yaml',
);
const [A, B, C] = config.certificates as [Certificate, Certificate, Certificate];
const OPTS: SessionOptions = { deployHook: 'cert-wrap deploy-hook', dryRun: false, force: false, reload: true, reloadChecked: false };
const result = (exitCode: number, output: string): CertbotResult => ({
  exitCode,
  signal: null,
  notFound: false,
  startError: null,
  timedOut: false,
  canceled: false,
  stdout: '',
  stderr: '',
  output,
  durationMs: 1000,
});
const ok = (output = 'Successfully received certificate.'): CertbotResult => result(0, output);

function status(cert: Certificate, action: Action): CertStatus {
  return { cert, found: null, error: null, decision: { action, reason: `${action} (test)`, dueAt: null }, ari: null };
}

/** A recording fake of the session's I/O; each answer chosen by the test. */
function fakeIO(o: {
  decisions: CertStatus[];
  certbot?: (run: PlannedRun) => CertbotResult;
  heldBack?: string[];
  redeployFails?: string[];
  refuse?: string[];
  interruptAfter?: number;
  pending?: boolean;
  checkFails?: boolean;
}) {
  const log: string[] = [];
  const argv: string[][] = [];
  const recorded: CertReport[][] = [];
  let pending = o.pending ?? false;
  let started = 0;
  let stop = false;
  const io: SessionIO = {
    now: () => new Date('2026-12-01T00:00:00Z'),
    progress: { start: () => {}, line: () => {}, done: () => {}, note: (t) => void log.push(`note ${t}`), close: () => {} },
    lock: async (work) => {
      log.push('lock');
      try {
        return await work();
      } finally {
        log.push('unlock');
      }
    },
    decide: async () => (log.push('decide'), o.decisions),
    check: (certs) => {
      log.push(`check ${certs.map((c) => c.name).join(',')}`);
      if (o.checkFails) throw new PreflightError('cannot start: certbot not found');
    },
    checkReload: async () => void log.push('check-reload'),
    redoDeploys: async (certs) => {
      log.push(`redeploy ${certs.map((c) => c.name).join(',')}`);
      return certs.filter((c) => o.redeployFails?.includes(c.name)).map((c) => ({ name: c.name, domains: c.domains, outcome: 'failed', class: 'deploy', reason: 'copy failed again', seconds: 0 }) as CertReport);
    },
    bootstrap: async (certs) => void log.push(`bootstrap ${certs.map((c) => c.name).join(',')}`),
    holdBack: async (plan) => {
      log.push('probe');
      const held = plan.filter((p) => o.heldBack?.includes(p.cert.name));
      return {
        plan: plan.filter((p) => !held.includes(p)),
        heldBack: held.map((p) => ({ name: p.cert.name, domains: p.cert.domains, outcome: 'failed', class: 'preflight', reason: 'preflight: 404', seconds: 0 }) as CertReport),
      };
    },
    refuse: (run) => (o.refuse?.includes(run.cert.name) ? `${run.cert.name} is damaged` : null),
    interruptible: async (work) => {
      const value = await work({ signal: new AbortController().signal, stopped: () => stop });
      return { value, interrupted: stop ? 'SIGTERM' : null };
    },
    certbot: async (run, { deferReload }) => {
      started++;
      log.push(`certbot ${run.cert.name}${deferReload ? '' : ' (no reload)'}`);
      argv.push(run.args);
      if (o.interruptAfter !== undefined && started >= o.interruptAfter) stop = true;
      const result = (o.certbot ?? (() => ok()))(run);
      if (result.exitCode === 0) pending = true;
      return result;
    },
    logTail: () => '',
    reloadIfPending: async (earlier): Promise<ReloadReport> => {
      log.push(`reload${earlier ? ' (earlier)' : ''}${pending ? '' : ' (nothing pending)'}`);
      const attempted = pending;
      pending = false;
      return attempted ? { attempted: true, ok: true, message: 'nginx reloaded' } : { attempted: false, ok: true, message: 'nginx not reloaded: nothing was issued' };
    },
    record: (reports) => void recorded.push(reports),
    warn: (t) => void log.push(`warn ${t}`),
  };
  return { io, log, argv, recorded };
}

describe('the session', () => {
  it('nothing due: no certbot, no bootstrap, no probe, no reload attempted; every certificate reported unchanged and recorded', async () => {
    const f = fakeIO({ decisions: [status(A, 'none'), status(B, 'none'), status(C, 'none')] });
    const out = await runSession(config, config.certificates, OPTS, f.io);
    expect(f.log).toEqual(['lock', 'decide', 'redeploy a.test,b.test,c.test', 'reload (earlier) (nothing pending)', 'unlock']);
    expect(f.argv).toEqual([]);
    expect(out.certificates.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(out.reload.attempted).toBe(false);
    expect(f.recorded).toEqual([out.certificates]);
  });

  it('one due: decided under the lock, checked, bootstrapped, probed, one certbot run with --force-renewal, one reload at the end', async () => {
    const f = fakeIO({ decisions: [status(A, 'none'), status(B, 'renew'), status(C, 'obtain')] });
    const out = await runSession(config, config.certificates, OPTS, f.io);
    expect(f.log).toEqual([
      'lock',
      'decide',
      'check b.test,c.test',
      'redeploy a.test',
      'check-reload',
      'bootstrap b.test,c.test',
      'probe',
      'certbot b.test',
      'certbot c.test',
      'reload',
      'unlock',
    ]);
    expect(f.argv[0]).toContain('--force-renewal');
    expect(f.argv[1]).not.toContain('--force-renewal');
    expect(out.certificates.map((r) => [r.name, r.outcome])).toEqual([
      ['a.test', 'unchanged'],
      ['b.test', 'issued'],
      ['c.test', 'issued'],
    ]);
    expect(out.ran.map((r) => r.name)).toEqual(['b.test', 'c.test']);
  });

  it('the caller checked the reload before the lock: not checked again', async () => {
    const f = fakeIO({ decisions: [status(A, 'obtain')] });
    await runSession(config, [A], { ...OPTS, reloadChecked: true }, f.io);
    expect(f.log).not.toContain('check-reload');
  });

  it('--no-reload: the hook is told so, no reload is attempted and the report says who reloads', async () => {
    const f = fakeIO({ decisions: [status(A, 'obtain')] });
    const out = await runSession(config, [A], { ...OPTS, reload: false }, f.io);
    expect(f.log).toContain('certbot a.test (no reload)');
    expect(f.log.some((l) => l.startsWith('reload'))).toBe(false);
    expect(f.log).not.toContain('check-reload');
    expect(out.reload).toMatchObject({ attempted: false, skipped: true });
  });

  it('--force renews what is not due; a certificate that cannot be read (unknown) is never run', async () => {
    const f = fakeIO({ decisions: [status(A, 'none'), status(B, 'unknown')] });
    const out = await runSession(config, [A, B], { ...OPTS, force: true }, f.io);
    expect(f.log.filter((l) => l.startsWith('certbot'))).toEqual(['certbot a.test']);
    expect(out.certificates.map((r) => r.outcome)).toEqual(['issued', 'failed']);
  });

  it('--dry-run: no bootstrap, no redeploy, nothing recorded', async () => {
    const f = fakeIO({ decisions: [status(A, 'obtain'), status(B, 'none')] });
    await runSession(config, [A, B], { ...OPTS, dryRun: true }, f.io);
    expect(f.log.some((l) => l.startsWith('bootstrap') || l.startsWith('redeploy'))).toBe(false);
    expect(f.argv[0]).toContain('--dry-run');
    expect(f.recorded).toEqual([]);
  });

  it('a certificate held back by the probe is never sent to the CA and is reported as a preflight failure, in config order', async () => {
    const f = fakeIO({ decisions: [status(A, 'obtain'), status(B, 'obtain')], heldBack: ['a.test'] });
    const out = await runSession(config, [A, B], OPTS, f.io);
    expect(f.log.filter((l) => l.startsWith('certbot'))).toEqual(['certbot b.test']);
    expect(out.certificates.map((r) => [r.name, r.outcome, r.class])).toEqual([
      ['a.test', 'failed', 'preflight'],
      ['b.test', 'issued', null],
    ]);
  });

  it('a failing check stops everything before any change, and the lock is released', async () => {
    const f = fakeIO({ decisions: [status(A, 'obtain')], checkFails: true });
    await expect(runSession(config, [A], OPTS, f.io)).rejects.toThrow('certbot not found');
    expect(f.log).toEqual(['lock', 'decide', 'check a.test', 'unlock']);
  });

  it('a damaged lineage is refused without running certbot; the others run', async () => {
    const f = fakeIO({ decisions: [status(A, 'renew'), status(B, 'renew')], refuse: ['a.test'] });
    const out = await runSession(config, [A, B], OPTS, f.io);
    expect(f.log.filter((l) => l.startsWith('certbot'))).toEqual(['certbot b.test']);
    expect(out.certificates[0]).toMatchObject({ outcome: 'failed', reason: 'a.test is damaged' });
  });

  it('a deploy that failed before is redone for a certificate not due, and its failure reported', async () => {
    const f = fakeIO({ decisions: [status(A, 'none'), status(B, 'none')], redeployFails: ['b.test'] });
    const out = await runSession(config, [A, B], OPTS, f.io);
    expect(out.certificates.map((r) => [r.name, r.outcome, r.class])).toEqual([
      ['a.test', 'unchanged', null],
      ['b.test', 'failed', 'deploy'],
    ]);
  });

  it('a reload left pending by a killed run is done even when nothing is due', async () => {
    const f = fakeIO({ decisions: [status(A, 'none')], pending: true });
    const out = await runSession(config, [A], OPTS, f.io);
    expect(f.log).toContain('reload (earlier)');
    expect(out.reload.attempted).toBe(true);
  });

  it('interrupted after the first run: no other certbot starts, the reload for what was deployed still happens, exit 143, nothing recorded', async () => {
    const f = fakeIO({ decisions: [status(A, 'obtain'), status(B, 'obtain'), status(C, 'obtain')], interruptAfter: 1 });
    const out = await runSession(config, config.certificates, OPTS, f.io);
    expect(f.log.filter((l) => l.startsWith('certbot'))).toEqual(['certbot a.test']);
    expect(f.log).toContain('reload');
    expect(f.log).toContain('warn interrupted by SIGTERM; 1 of 3 certificates were attempted');
    expect(out.interruptedExit).toBe(143);
    expect(f.recorded).toEqual([]);
  });

  it('a failed certbot run is classified from its output', async () => {
    const f = fakeIO({ decisions: [status(A, 'obtain')], certbot: () => result(1, 'Detail: 127.0.0.1: Invalid response from http://a.test/.well-known/acme-challenge/x: 404') });
    const out = await runSession(config, [A], OPTS, f.io);
    expect(out.certificates[0]).toMatchObject({ outcome: 'failed', class: 'validation' });
    expect(out.reload.attempted).toBe(false);
  });
});
