import { describe, expect, it } from 'vitest';
import { chooseTime, parseRenewalInfo, retrySeconds, withAri } from '../../../../src/adapters/renewal/ari-window.js';
import { decide } from '../../../../src/adapters/renewal/decide.js';
import type { Inspection } from '../../../../src/leaves/x509.js';
import type { AriState } from '../../../../src/adapters/store/state.js';

const DAY = 86_400_000;
const NOW = new Date('2026-12-01T12:00:00Z');
const at = (days: number) => new Date(NOW.getTime() + days * DAY);
const cert = { name: 'site', domains: ['a.test'] } as never;

/** A 90-day certificate issued `age` days ago (lifetime rule: due 30 days before expiry). */
function found(age: number, serial = 'AB01'): Inspection {
  return { path: '/x', notBefore: at(-age), notAfter: at(90 - age), names: ['a.test'], serial, issuer: 'CA' };
}

function ari(startDays: number, endDays: number, chosenDays: number, extra: Partial<AriState> = {}): AriState {
  return { serial: 'AB01', retryAt: at(0.25).toISOString(), window: { start: at(startDays).toISOString(), end: at(endDays).toISOString() }, chosen: at(chosenDays).toISOString(), ...extra };
}

describe('ARI window in the renewal decision', () => {
  it.each<[string, Inspection, AriState | undefined, string, Date | null]>([
    ['no answer: the lifetime rule', found(10), undefined, 'none', at(50)],
    ['chosen time earlier than the lifetime rule: it becomes the due time', found(10), ari(20, 22, 21), 'none', at(21)],
    ['chosen time later than the lifetime rule: the lifetime rule stays', found(10), ari(55, 58, 56), 'none', at(50)],
    ['window already started (the CA\'s "renew now"): due at once', found(10), ari(-1, 1, 0.5), 'renew', at(-1)],
    ['window starting right now: due', found(10), ari(0, 2, 1), 'renew', at(0)],
    ['an answer about another certificate (replaced): ignored', found(10, 'CD02'), ari(-1, 1, 0.5), 'none', at(50)],
    ['an error with no window: the lifetime rule, never later', found(70), { serial: 'AB01', retryAt: at(1).toISOString(), error: 'cannot reach' }, 'renew', at(-10)],
    ['a window after a lifetime rule that is already due: still due', found(70), ari(5, 6, 5.5), 'renew', at(-10)],
  ])('%s', (_what, f, a, action, dueAt) => {
    const d = withAri(decide(cert, f, NOW, null), f, a, NOW);
    expect(d.action).toBe(action);
    expect(d.dueAt?.toISOString() ?? null).toBe(dueAt?.toISOString() ?? null);
  });

  it('an expired certificate: the answer no longer counts', () => {
    const f: Inspection = { path: '/x', notBefore: at(-91), notAfter: at(-1), names: ['a.test'], serial: 'AB01', issuer: 'CA' };
    const d = withAri(decide(cert, f, NOW, null), f, ari(-30, -29, -29.5), NOW);
    expect(d.reason).toMatch(/^expired/);
  });

  it('says why, with the explanation URL, when the window has started', () => {
    const d = withAri(decide(cert, found(10), NOW, null), found(10), ari(-1, 1, 0, { explanationURL: 'https://ca.test/incident' }), NOW);
    expect(d.reason).toBe("80 days left; the CA's renewal window (ARI) started 2026-11-30T12:00:00Z (https://ca.test/incident)");
  });
});

describe('Retry-After, clamped to between one minute and one day', () => {
  it.each<[string | null, number]>([
    ['21600', 21600],
    ['0', 60],
    ['5', 60],
    ['999999', 86400],
    [null, 21600],
    ['soon', 21600],
    ['Tue, 01 Dec 2026 14:00:00 GMT', 7200],
    ['Tue, 01 Dec 2026 11:00:00 GMT', 60],
  ])('%s -> %i s', (header, seconds) => {
    expect(retrySeconds(header, NOW)).toBe(seconds);
  });
});

describe('renewal information body (RFC 9773 §4.2)', () => {
  it('reads the window and the explanation URL', () => {
    const info = parseRenewalInfo({ suggestedWindow: { start: '2025-01-02T04:00:00Z', end: '2025-01-03T04:00:00Z' }, explanationURL: 'https://acme.example.com/docs/ari' });
    expect(info.start.toISOString()).toBe('2025-01-02T04:00:00.000Z');
    expect(info.end.toISOString()).toBe('2025-01-03T04:00:00.000Z');
    expect(info.explanationURL).toBe('https://acme.example.com/docs/ari');
  });

  it.each<[string, unknown, RegExp]>([
    ['no window', {}, /no suggestedWindow/],
    ['not an object', 'x', /no suggestedWindow/],
    ['a start that is no RFC 3339 time', { suggestedWindow: { start: 'tomorrow', end: '2025-01-03T04:00:00Z' } }, /start is not an RFC 3339 time/],
    ['a missing end', { suggestedWindow: { start: '2025-01-02T04:00:00Z' } }, /end is not an RFC 3339 time/],
    ['an end before the start', { suggestedWindow: { start: '2025-01-03T04:00:00Z', end: '2025-01-02T04:00:00Z' } }, /ends .* before it starts/],
  ])('refuses %s', (_what, body, message) => {
    expect(() => parseRenewalInfo(body)).toThrow(message);
  });
});

describe('the time chosen in the window', () => {
  const info = { start: new Date('2026-12-10T00:00:00Z'), end: new Date('2026-12-12T00:00:00Z'), explanationURL: null };
  it.each<[number, string]>([
    [0, '2026-12-10T00:00:00.000Z'],
    [0.5, '2026-12-11T00:00:00.000Z'],
    [0.999999, '2026-12-11T23:59:59.827Z'],
  ])('random %f -> %s', (r, expected) => {
    expect(chooseTime(info, undefined, () => r)).toBe(expected);
  });

  it('is kept while the window stays the same, and chosen again when it changes', () => {
    const prior: AriState = { serial: 'AB01', retryAt: '', window: { start: info.start.toISOString(), end: info.end.toISOString() }, chosen: '2026-12-11T06:00:00.000Z' };
    expect(chooseTime(info, prior, () => 0)).toBe('2026-12-11T06:00:00.000Z');
    const moved = { ...info, start: new Date('2026-12-09T00:00:00Z') };
    expect(chooseTime(moved, prior, () => 0)).toBe('2026-12-09T00:00:00.000Z');
  });
});
