/**
 * The one mechanism that keeps secrets and terminal control sequences out of
 * every message cert-wrap prints: config errors, progress, certbot's streamed
 * lines, failure reasons and summaries.
 *
 * Secrets are remembered as the config is read, before it is known to be
 * valid: every value of a key named like a secret, wherever it sits (a list
 * item under `nginx:`, a key indented under `certificates:`, a JSON file whose
 * top level is an array, an ini-style `eab-hmac-key=...` line). `redact`
 * replaces each remembered value in any text; `cleanText` also escapes
 * control characters, so that no value can move the cursor, rewrite a line
 * (CR) or forge a message line of its own (LF).
 */

/** Keys whose values are secrets: EAB values, and anything named like a password, token or key material. */
const SECRET_KEY = /(^|[-_.\s])(eab|hmac|secret|password|passwd|passphrase|token|api-?key)([-_.\s]|$)/i;

const SECRET_WORD = /eab|hmac|secret|passw|passphrase|token|api-?key/i;

/** The text that stands for a secret. */
export const HIDDEN_TEXT = '***';

/** Shorter values would shred unrelated text; a path rule hides them where they stand. */
const MIN_LENGTH = 4;

const remembered = new Set<string>();

export function isSecretKey(key: string | number): boolean {
  return typeof key === 'string' && SECRET_KEY.test(key);
}

/** Remember one secret value (and its trimmed form) for every later message. */
export function rememberSecret(value: string): void {
  for (const v of [value, value.trim()]) if (v.length >= MIN_LENGTH) remembered.add(v);
}

/**
 * Every value of a secret-named key in parsed data, at any depth, in maps and
 * lists (also a string that holds `key=value` or `key: value`, as when a line
 * in the wrong syntax became a plain string).
 */
export function rememberSecretsIn(data: unknown): void {
  const visit = (node: unknown, secretParent: boolean): void => {
    if (typeof node === 'string') {
      if (secretParent) rememberSecret(node);
      else rememberSecretsInText(node);
    } else if (typeof node === 'number' || typeof node === 'boolean') {
      if (secretParent) rememberSecret(String(node));
    } else if (Array.isArray(node)) {
      for (const item of node) visit(item, secretParent);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) visit(value, secretParent || isSecretKey(key));
    }
  };
  visit(data, false);
}

/**
 * `KEY = VALUE`, `KEY: VALUE`, `"KEY": "VALUE"` anywhere in raw text, for a
 * secret-named KEY: found before any parser runs, so that a syntax error
 * or a value in the wrong place still cannot show it. True when one was found.
 */
export function rememberSecretsInText(text: string): boolean {
  if (!SECRET_WORD.test(text)) return false; // the common case, at the cost of one scan
  let found = false;
  const assignment = /([A-Za-z0-9_.-]+)["']?[ \t]*[:=][ \t]*(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'|([^\s,#}\]]+))/g;
  for (const m of text.matchAll(assignment)) {
    if (!isSecretKey(m[1]!)) continue;
    found = true;
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    rememberSecret(value);
    if (m[2] !== undefined) {
      try {
        rememberSecret(JSON.parse(`"${m[2]}"`) as string);
      } catch {
        // not a JSON string: the raw form is remembered
      }
    }
  }
  return found;
}

/** Replace every remembered secret in `text`. */
export function redact(text: string): string {
  if (remembered.size === 0) return text;
  // Longest first, so that a secret containing another is hidden whole.
  const secrets = [...remembered].sort((a, b) => b.length - a.length);
  return secrets.reduce((t, s) => (t.includes(s) ? t.split(s).join(HIDDEN_TEXT) : t), text);
}

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeControl(ch: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };
  return named[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Text safe to print: secrets replaced, control characters shown as escapes.
 * `lines: true` keeps line feeds (for a message made of several lines that
 * cert-wrap itself put together); every other control character is escaped.
 */
export function cleanText(text: string, opts: { lines?: boolean } = {}): string {
  return redact(text).replace(opts.lines ? CONTROL_BUT_NEWLINE : CONTROL, escapeControl);
}

/** For tests: forget what was remembered. */
export function forgetSecrets(): void {
  remembered.clear();
}
