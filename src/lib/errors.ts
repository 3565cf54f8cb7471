/**
 * Every error class of cert-wrap, in one module every layer may import. The
 * classes carry no exit codes: the CLI maps each class to its exit code in one
 * table (src/cli/exit-codes.ts), and the README's "Exit codes" table says the
 * same. Classes that never reach the CLI (read and write refusals, an
 * unreachable CA) are caught and worded by their callers.
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
  override name = 'ConfigError';
  constructor(
    readonly issues: ConfigIssue[],
    readonly file?: string,
    readonly lines: string[] = issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
  ) {
    super(lines.join('\n'));
  }
}

/** Bad command line, unreadable config file and the like. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A user's own template cannot be read or compiled: a usage problem. */
export class TemplateError extends UsageError {
  override name = 'TemplateError';
}

/** Something failed while doing the work (nginx -t, a write, a process). */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/** Problems found before anything ran (certbot missing, webroot, hooks, deploy copies). */
export class PreflightError extends Error {
  override name = 'PreflightError';
}

/** The webroot cannot take the HTTP-01 probe file: nothing was asked of the CA. */
export class ProbeSetupError extends Error {
  override name = 'ProbeSetupError';
}

/** nginx could not be found, or told us nothing usable. */
export class NginxHostError extends Error {
  override name = 'NginxHostError';
}

/** nginx could not be reloaded after issuing, so nothing is ordered. */
export class CannotReloadError extends Error {
  override name = 'CannotReloadError';
}

/** Another cert-wrap run holds the lock and did not finish in time. */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

/** The lock cannot be taken at all (config dir not writable). */
export class LockSetupError extends Error {
  override name = 'LockSetupError';
}

/** The CA could not be reached at all: the other certificates of the run do not ask again. */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

/** The path is not a regular file, or too large: `reason` is the words for a message ("it is a FIFO"). */
export class NotRegularFileError extends Error {
  override name = 'NotRegularFileError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** An output target cert-wrap does not write to; the message is the reason, for "cannot write FILE: ...". */
export class OutputRefusedError extends Error {
  override name = 'OutputRefusedError';
}

/** Fleet mode: etcd could not be reached or has no quorum. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** Fleet mode: this agent is no longer the leader (its lease ended): it orders and publishes nothing more. */
export class LostLeadershipError extends Error {
  override name = 'LostLeadershipError';
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
