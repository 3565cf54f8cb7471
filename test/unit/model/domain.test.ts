import { describe, expect, it } from 'vitest';
import { normalizeDomain } from '../../../src/model/domain.js';

describe('normalizeDomain', () => {
  it.each([
    ['Example.ORG', 'example.org'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['例え.jp', 'xn--r8jz45g.jp'],
    ['*.Example.org', '*.example.org'],
    ['a-b.c-d.org', 'a-b.c-d.org'],
    [`${'a'.repeat(63)}.org`, `${'a'.repeat(63)}.org`],
    ['XN--BCHER-KVA.example', 'xn--bcher-kva.example'], // upper-case punycode: checked, then lower-cased
  ])('%s -> %s', (input, ascii) => {
    expect(normalizeDomain(input)).toEqual({ ok: true, ascii, wildcard: input.startsWith('*.') });
  });

  it.each(['', 'a b.org', '-a.org', 'a-.org', 'a..b.org', 'a.org.', 'foo.*.org', '1.2.3.4', 'a_b.org', 'org', `${'a'.repeat(64)}.org`, 'a.org:80', 'a/b.org', 'xn--zz.example.org', 'XN--ZZ.example.org', 'Xn--zz.example.org'])(
    'rejects %j',
    (input) => {
      expect(normalizeDomain(input).ok).toBe(false);
    },
  );
});
