import { describe, expect, it } from 'vitest';
import { countStatements, parseStatements } from '../../../src/leaves/nginx-tokenize.js';

const args = (text: string) => {
  const r = parseStatements(text);
  if (!r.ok) throw new Error(r.reason);
  return r.statements.map((s) => s.args);
};

describe('parseStatements follows nginx tokenizing rules', () => {
  it.each([
    ['return 301 https://$host$request_uri;', [['return', '301', 'https://$host$request_uri']]],
    ['return 200 "a;b";', [['return', '200', 'a;b']]],
    ["add_header X 'a { b';", [['add_header', 'X', 'a { b']]],
    ['return 200 a}b;', [['return', '200', 'a}b']]], // '}' inside a word is part of the word
    ['return 200 a#b;', [['return', '200', 'a#b']]], // '#' inside a word is not a comment
    ['return 200 a\\;b;', [['return', '200', 'a\\;b']]], // escaped ';'
    ['set $x ${host}x;', [['set', '$x', '${host}x']]], // '{' after '$' is not a block
    ['deny all; # comment; with } and {', [['deny', 'all']]],
    ['# only a comment\nallow all;', [['allow', 'all']]],
    ['if ($a) { return 404; }', [['if', '($a)']]],
  ])('%s', (text, expected) => {
    expect(args(text)).toEqual(expected);
  });

  it('counts nested statements', () => {
    const r = parseStatements('if ($a) { return 404; set $b 1; }');
    expect(r.ok && countStatements(r.statements)).toBe(3);
  });

  it.each([
    ['deny all', 'does not end with ";"'],
    ['return 200 "x;', 'has an unterminated quoted string'],
    ['return 200; }', 'has a "}" that would close the enclosing block'],
    ['if ($a) { return 200;', 'has a "{" that is never closed'],
    ['return "a"b;', 'right after a closing quote'],
    [';', 'has an unexpected ";"'],
    ['return 200 }', 'has a "}" before the directive ends with ";"'],
    ['a\0b;', 'contains a NUL character'],
  ])('rejects %j', (text, reason) => {
    const r = parseStatements(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });
});
