/**
 * JSON config text, read strictly and without recursion: a key repeated in one
 * object (JSON.parse would keep the last one silently, where YAML refuses it),
 * nesting deeper than MAX_DEPTH and syntax errors are reported with their
 * offset. The values themselves come from JSON.parse, once the text passed.
 * Messages never quote the text (it may hold a secret); keys are named.
 */
import { showValue, type PathPart } from '../lib/errors.js';

/** Deeper than any config needs (about 6 levels), far below what a recursive reader survives. */
export const MAX_DEPTH = 64;

export type JsonResult = { ok: true; data: unknown } | { ok: false; offset: number; message: string };

interface Frame {
  kind: 'object' | 'array';
  keys: Set<string>;
  /** The key or index of the value being read inside this container. */
  at: PathPart;
}

const WHITESPACE = /[ \t\n\r]*/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const SCALAR = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/** Parse `text` (a leading byte order mark is ignored); `onValue` sees where each value starts. */
export function parseJsonStrict(text: string, onValue?: (path: PathPart[], offset: number) => void): JsonResult {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const shift = text.length - body.length;
  const scanned = scan(body, onValue && ((path, offset) => onValue(path, offset + shift)));
  if (scanned) return { ok: false, offset: scanned.offset + shift, message: scanned.message };
  return { ok: true, data: JSON.parse(body) };
}

function scan(text: string, onValue?: (path: PathPart[], offset: number) => void): { offset: number; message: string } | null {
  const stack: Frame[] = [];
  let i = 0;
  const skip = () => {
    WHITESPACE.lastIndex = i;
    WHITESPACE.exec(text);
    i = WHITESPACE.lastIndex;
  };
  const token = (re: RegExp): string | null => {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return null;
    i = re.lastIndex;
    return m[0];
  };
  const fail = (message: string) => ({ offset: i, message: i >= text.length ? 'it ends too early' : message });
  let want: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    skip();
    if (want === 'value') {
      onValue?.(stack.map((f) => f.at), i);
      const ch = text[i];
      if (ch === '{' || ch === '[') {
        if (stack.length >= MAX_DEPTH) return fail(`it is nested more than ${MAX_DEPTH} levels deep`);
        stack.push({ kind: ch === '{' ? 'object' : 'array', keys: new Set(), at: 0 });
        i++;
        skip();
        if (text[i] === (ch === '{' ? '}' : ']')) {
          i++;
          stack.pop();
          want = 'after';
        } else want = ch === '{' ? 'key' : 'value';
        continue;
      }
      if (token(STRING) === null && token(SCALAR) === null) return fail('expected a value (a string in double quotes, a number, true, false, null, {...} or [...])');
      want = 'after';
      continue;
    }
    const top = stack[stack.length - 1];
    if (want === 'key') {
      const start = i;
      const quoted = token(STRING);
      if (quoted === null) return fail('expected a key in double quotes');
      const key = JSON.parse(quoted) as string;
      if (top!.keys.has(key)) return { offset: start, message: `the key ${showValue(key)} appears twice in the same object` };
      top!.keys.add(key);
      top!.at = key;
      skip();
      if (text[i] !== ':') return fail('expected ":" after a key');
      i++;
      want = 'value';
      continue;
    }
    if (top === undefined) return i < text.length ? fail('unexpected text after the end of the document') : null;
    const close = top.kind === 'object' ? '}' : ']';
    if (text[i] === ',') {
      i++;
      if (top.kind === 'array') top.at = (top.at as number) + 1;
      want = top.kind === 'object' ? 'key' : 'value';
    } else if (text[i] === close) {
      i++;
      stack.pop();
    } else return fail(`expected "," or "${close}"`);
  }
}
