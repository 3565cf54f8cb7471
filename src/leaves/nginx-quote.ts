/**
 * Quoting of values the templates interpolate. Every value that reaches the
 * output goes through one of these: the template never quotes by hand.
 */

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why a string cannot be put into an nginx double-quoted string, or null when it can. */
export function unquotableReason(value: string): string | null {
  if (CONTROL.test(value)) return 'contains a control character (newline, tab, NUL, ...)';
  // nginx expands variables inside quoted strings too, and has no escape for '$'.
  if (value.includes('$')) return 'contains "$", which nginx would read as a variable';
  return null;
}

/** A double-quoted nginx string. Callers validate with unquotableReason first. */
export function nginxQuote(value: string): string {
  const reason = unquotableReason(value);
  if (reason) throw new Error(`cannot quote value for nginx: ${reason}`);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A comment line's text: no newline can end the comment early. */
export function commentText(value: string, max = 200): string {
  const text = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  // nginx refuses a comment of 4096 bytes: a comment only needs to be recognisable.
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
