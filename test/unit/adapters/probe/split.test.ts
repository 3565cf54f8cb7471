import { describe, expect, it } from 'vitest';
import { formatPreflightTable } from '../../../../src/cli/output/preflight-format.js';
import type { ProbeReport } from '../../../../src/adapters/probe/http01.js';
import { parseResolve } from '../../../../src/adapters/probe/resolve.js';
import { splitByPreflight } from '../../../../src/adapters/probe/split.js';
import { UsageError } from '../../../../src/lib/errors.js';

const reports: ProbeReport[] = [
  {
    name: 'good',
    skipped: null,
    results: [
      { domain: 'a.test', ok: true, kind: 'ok', seen: 'served the probe' },
      { domain: 'www.a.test', ok: true, kind: 'ok', seen: 'served the probe (redirects: http://www.a.test -> http://a.test)' },
    ],
  },
  {
    name: 'half',
    skipped: null,
    results: [
      { domain: 'b.test', ok: true, kind: 'ok', seen: 'served the probe' },
      { domain: 'c.test', ok: false, kind: 'status', seen: '404 Not Found from http://c.test/.well-known/acme-challenge/x' },
      { domain: 'd.invalid', ok: false, kind: 'dns', seen: 'no DNS answer for d.invalid' },
    ],
  },
  { name: 'manual', skipped: 'challenge: dns, validated through its authentication-hook, not the webroot', results: [] },
];

describe('splitByPreflight', () => {
  it('passes certificates whose every name served the probe, and the skipped ones; lists the problems of the others', () => {
    expect(splitByPreflight(reports)).toEqual({
      pass: ['good', 'manual'],
      fail: [
        {
          name: 'half',
          problems: ['c.test: 404 Not Found from http://c.test/.well-known/acme-challenge/x', 'd.invalid: no DNS answer for d.invalid'],
        },
      ],
    });
  });

  it('nothing in, nothing out', () => {
    expect(splitByPreflight([])).toEqual({ pass: [], fail: [] });
  });
});

describe('formatPreflightTable', () => {
  it('one row per name, then what the CA would fail', () => {
    expect(formatPreflightTable(reports, false)).toBe(
      [
        'CERTIFICATE  NAME        RESULT           SEEN',
        'good         a.test      ok               served the probe',
        'good         www.a.test  ok               served the probe (redirects: http://www.a.test -> http://a.test)',
        'half         b.test      ok               served the probe',
        'half         c.test      failed (status)  404 Not Found from http://c.test/.well-known/acme-challenge/x',
        'half         d.invalid   failed (dns)     no DNS answer for d.invalid',
        'manual       (all)       skipped          challenge: dns, validated through its authentication-hook, not the webroot',
        '',
        '2 of 5 names failed; the CA would fail to validate certificate half.',
        '',
      ].join('\n'),
    );
  });

  it('a closing line for all passed, and for nothing to check; colors only when asked', () => {
    expect(formatPreflightTable(reports.slice(0, 1), false)).toMatch(/\nAll 2 names serve the probe from the webroot\.\n$/);
    expect(formatPreflightTable(reports.slice(2), false)).toMatch(/\nNo certificate is validated through the webroot: nothing to check\.\n$/);
    expect(formatPreflightTable(reports, false)).not.toContain('\u001b[');
    expect(formatPreflightTable(reports, true)).toContain('\u001b[31mfailed (status)\u001b[39m');
  });
});

describe('parseResolve', () => {
  it('NAME:IP, IPv6 in brackets, several addresses with commas; names lowercased', () => {
    expect(parseResolve(['a.test:127.0.0.1', 'B.Test:[::1]', 'c.test:[2001:db8::1],192.0.2.1', 'a.test:127.0.0.1'])).toEqual(
      new Map([
        ['a.test', '127.0.0.1'],
        ['b.test', '::1'],
        ['c.test', '2001:db8::1,192.0.2.1'],
      ]),
    );
  });

  it.each([
    ['a.test', /expected NAME:IP/],
    [':127.0.0.1', /expected NAME:IP/],
    ['a.test:', /"" is not an IP address/],
    ['a.test:localhost', /"localhost" is not an IP address/],
    ['a.test:80:127.0.0.1', /give no port/],
    ['a.test:::1', /write the IPv6 address in brackets, "a\.test:\[::1\]"/],
    ['a b:127.0.0.1', /"a b" is not a host name/],
    ['a.test:[127.0.0.1', /is not an IP address/],
  ])('%s is a usage error', (value, message) => {
    expect(() => parseResolve([value])).toThrow(UsageError);
    expect(() => parseResolve([value])).toThrow(message);
  });

  it('one name with two different addresses is a usage error', () => {
    expect(() => parseResolve(['a.test:127.0.0.1', 'a.test:127.0.0.2'])).toThrow('--resolve: a.test is given twice with different addresses (127.0.0.1 and 127.0.0.2)');
  });
});
