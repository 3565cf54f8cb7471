import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, parseJsonStrict } from '../../../src/model/json.js';
import { decodeUtf8 } from '../../../src/model/utf8.js';

describe('the strict JSON reader agrees with JSON.parse, and refuses what JSON.parse lets through', () => {
  it('reads what JSON.parse reads, to the same value (200 generated documents of bounded depth)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        // JSON.parse keeps the last of repeated keys; generated objects have none.
        const result = parseJsonStrict(text);
        expect(result).toEqual({ ok: true, data: JSON.parse(text) });
      }),
      { numRuns: 200 },
    );
  });

  it.each(['', '{', '{"a":1,}', '[1,]', '{"a" 1}', "{'a':1}", '01', '1 2', 'nul', '"a\u0001"', '"\\x"', '{"a":1}}', '[', '{"a":[}'])(
    'refuses what JSON.parse refuses: %j',
    (text) => {
      expect(() => JSON.parse(text)).toThrow();
      expect(parseJsonStrict(text).ok).toBe(false);
    },
  );

  it('refuses a key repeated in one object, naming it; the same key in two objects is fine', () => {
    expect(parseJsonStrict('{"a": {"b": 1}, "c": {"b": 2}}').ok).toBe(true);
    expect(parseJsonStrict('{"a": 1, "b": {"x": 1, "x": 2}}')).toEqual({ ok: false, offset: 23, message: 'the key "x" appears twice in the same object' });
    // Keys compare after unescaping, as JSON.parse compares them.
    expect(parseJsonStrict('{"a": 1, "\\u0061": 2}')).toMatchObject({ ok: false, message: 'the key "a" appears twice in the same object' });
  });

  it(`stops at ${MAX_DEPTH} levels without recursion (5,000 and 1,000,000 deep)`, () => {
    for (const n of [MAX_DEPTH, 5_000, 1_000_000]) {
      const result = parseJsonStrict(`${'['.repeat(n)}${']'.repeat(n)}`);
      expect(result).toEqual(n <= MAX_DEPTH ? { ok: true, data: expect.anything() } : { ok: false, offset: MAX_DEPTH, message: `it is nested more than ${MAX_DEPTH} levels deep` });
    }
  });

  it('a "__proto__" key stays an own key (the schema then refuses it), as with JSON.parse', () => {
    const result = parseJsonStrict('{"__proto__": {"polluted": 1}}');
    expect(result.ok && Object.keys(result.data as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('ignores a leading byte order mark, as the YAML reader does', () => {
    expect(parseJsonStrict('\uFEFF{"a": 1}')).toEqual({ ok: true, data: { a: 1 } });
    expect(parseJsonStrict('\uFEFF{"a" 1}')).toMatchObject({ ok: false, offset: 6 });
  });
});

describe('config bytes are UTF-8 or an error', () => {
  it('decodes UTF-8, drops a byte order mark, and says where the first invalid sequence starts', () => {
    expect(decodeUtf8(Buffer.from('\uFEFFwebroot: /srv/bücher\n'))).toEqual({ ok: true, text: 'webroot: /srv/bücher\n' });
    const bad = Buffer.concat([Buffer.from('a: 1\n# \uFFFD is fine when written as EF BF BD\nwebroot: /srv/'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    expect(decodeUtf8(bad)).toEqual({ ok: false, offset: bad.indexOf(0xc3), line: 3 });
    expect(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xff]))).toEqual({ ok: false, offset: 4, line: 1 });
    expect(decodeUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toEqual({ ok: false, offset: 1, line: 1 }); // cut short at the end
  });
});
