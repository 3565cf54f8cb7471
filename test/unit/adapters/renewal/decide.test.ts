import { describe, expect, it } from 'vitest';
import type { Certificate } from '../../../../src/model/types.js';
import { decide, renewalWindowMs } from '../../../../src/adapters/renewal/decide.js';
import type { Inspection } from '../../../../src/leaves/x509.js';

const DAY = 86_400_000;
const cert: Certificate = {
  index: 0,
  name: 'site',
  domains: ['a.test', 'b.test'],
  challenge: null,
  authenticationHook: null,
  cleanupHook: null,
  deployHook: null,
    onFailure: null,
  https: null,
  deploy: [],
};
const issued = new Date('2026-01-01T00:00:00Z');
const found = (lifetimeDays: number, names = ['a.test', 'b.test']): Inspection => ({
  path: '/x/cert.pem',
  notBefore: issued,
  notAfter: new Date(issued.getTime() + lifetimeDays * DAY),
  names,
  serial: '01',
  issuer: 'CN=test',
});
const at = (days: number) => new Date(issued.getTime() + days * DAY);

describe('renewal decisions', () => {
  it('no lineage: obtain', () => {
    expect(decide(cert, null, at(0), null)).toEqual({ action: 'obtain', reason: 'no certificate yet', dueAt: null });
  });

  it('names in the config differ from the SAN: reissue, saying which', () => {
    const d = decide(cert, found(90, ['a.test', 'c.test']), at(1), null);
    expect(d.action).toBe('reissue');
    expect(d.reason).toBe('names changed: add b.test; drop c.test');
  });

  it('same names in another order are not a change', () => {
    expect(decide(cert, found(90, ['b.test', 'a.test']), at(1), null).action).toBe('none');
  });

  it.each([
    // lifetime, day of the check, action: 1/3 of the lifetime (1/2 under 10 days)
    [90, 59.9, 'none'],
    [90, 60.1, 'renew'],
    [45, 29.9, 'none'],
    [45, 30.1, 'renew'],
    [6, 2.9, 'none'], // 6-day certificates: renew at half
    [6, 3.1, 'renew'],
    [10, 6.6, 'none'], // 10 days is not "under 10 days": 1/3
    [10, 6.7, 'renew'],
    [90, 91, 'renew'], // expired
  ] as const)('%i-day certificate on day %f: %s', (lifetime, day, action) => {
    expect(decide(cert, found(lifetime), at(day), null).action).toBe(action);
  });

  it('renew-before overrides the rule: days or a share of the lifetime', () => {
    expect(decide(cert, found(90), at(55), { days: 30 }).action).toBe('none');
    expect(decide(cert, found(90), at(61), { days: 30 }).action).toBe('renew');
    expect(decide(cert, found(90), at(44), { fraction: 0.5 }).action).toBe('none');
    expect(decide(cert, found(90), at(46), { fraction: 0.5 }).action).toBe('renew');
    expect(renewalWindowMs(90 * DAY, { fraction: 1 / 3 })).toBeCloseTo(30 * DAY);
  });

  it('no rule makes a certificate due before half its lifetime has passed, and the reason says it was capped', () => {
    // renew-before: 30 (days) with a 6-day certificate: due from issuance without the cap.
    const d = decide(cert, found(6), at(0.5), { days: 30 });
    expect(d.action).toBe('none');
    expect(d.dueAt?.toISOString()).toBe('2026-01-04T00:00:00.000Z');
    expect(d.reason).toBe('5.5 days left; due 2026-01-04T00:00:00Z (renew-before 30 days is more than half the lifetime of 6.0 days: capped at 3.0 days)');
    expect(decide(cert, found(6), at(3.1), { days: 30 }).action).toBe('renew');
    expect(decide(cert, found(90), at(40), { fraction: 0.9 }).reason).toBe(
      '50 days left; due 2026-02-15T00:00:00Z (renew-before 90% of the lifetime is more than half the lifetime of 90 days: capped at 45 days)',
    );
    expect(renewalWindowMs(6 * DAY, { days: 365 })).toBe(3 * DAY);
    // Within half the lifetime: not capped, no note.
    expect(decide(cert, found(90), at(10), { days: 30 }).reason).toBe('80 days left; due 2026-03-02T00:00:00Z');
    expect(decide(cert, found(6), at(1), null).reason).toBe('5.0 days left; due 2026-01-04T00:00:00Z');
  });

  it('says when renewal is due and how much is left', () => {
    const d = decide(cert, found(90), at(10), null);
    expect(d.dueAt?.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(d.reason).toBe('80 days left; due 2026-03-02T00:00:00Z');
    expect(decide(cert, found(90), at(95), null).reason).toBe('expired 5.0 days ago');
  });
});
