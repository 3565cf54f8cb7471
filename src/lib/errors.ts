/**
 * The few error classes the commands raise, and the one place that maps them
 * to exit codes. Exit codes (documented in the README):
 *   0 success, 1 runtime failure, 2 invalid config or usage.
 */
import { redact } from './secrets.js';

export type PathPart = string | number;

/** One problem in the config file, at a path inside it. */
export interface ConfigIssue {
  path: PathPart[];
  message: string;
}

export function formatPath(path: readonly PathPart[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Invalid config: every issue found, each with its path (and line, once located). */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly issues: ConfigIssue[],
    readonly file?: string,
    readonly lines: string[] = issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
  ) {
    super(lines.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Bad command line, unreadable config file and the like. */
export class UsageError extends Error {
  readonly exitCode = 2;
  override name = 'UsageError';
}

/** Something failed while doing the work (nginx -t, a write, a process). */
export class RuntimeError extends Error {
  readonly exitCode = 1;
  override name = 'RuntimeError';
}

export function exitCodeOf(err: unknown): number {
  if (err && typeof err === 'object' && 'exitCode' in err && typeof err.exitCode === 'number') {
    return err.exitCode;
  }
  return 1;
}

/** Show a value in a message: JSON-quoted strings, control characters escaped, secrets hidden, long values cut. */
export function showValue(value: unknown, max = 80): string {
  if (typeof value === 'symbol') return '(a secret, not shown)';
  // JSON has no Infinity or NaN (YAML's .inf, .nan): JSON.stringify would call them null.
  const plain = typeof value === 'number' && !Number.isFinite(value);
  // Secrets are replaced before the cut, which could otherwise leave part of one.
  let text = redact(plain ? String(value) : typeof value === 'string' ? JSON.stringify(redact(value)) : (JSON.stringify(value) ?? String(value)));
  if (text.length > max) text = `${text.slice(0, max - 5)}...${typeof value === 'string' ? '"' : ''} (${sizeOf(value, text)})`;
  return text;
}

/** How big a value cut short in a message is: its own length, not that of "[object Object]". */
function sizeOf(value: unknown, json: string): string {
  if (typeof value === 'string') return `${value.length} characters`;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (Array.isArray(value)) return `a list of ${count(value.length, 'item')}`;
  if (value !== null && typeof value === 'object') return `a mapping of ${count(Object.keys(value).length, 'key')}`;
  return `${json.length} characters`;
}
