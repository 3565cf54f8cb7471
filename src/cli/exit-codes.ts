/**
 * The one table from error class to exit code, as the README's "Exit codes"
 * section documents them:
 *   0 success; 1 a failure while working; 2 invalid config, usage or a check
 *   before running failed (nothing started, locked or written); 3 another run
 *   holds the lock; 4 fleet mode: etcd unavailable; 130, 143 interrupted by SIGINT, SIGTERM (128 + the signal's
 *   number, which the run layer returns through lib/interrupt.ts's signalExitCode).
 * An error of a class not in the table is unexpected: exit 1.
 */
import {
  CannotReloadError,
  ConfigError,
  LockSetupError,
  LockTimeoutError,
  NginxHostError,
  PreflightError,
  ProbeSetupError,
  RuntimeError,
  StoreUnavailableError,
  UsageError,
} from '../lib/errors.js';

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  locked: 3,
  /** Fleet mode: the fleet store (etcd) is unavailable (`status`, `fleet init`, the fleet hooks). */
  storeUnavailable: 4,
  sigint: 130,
  sigterm: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

type ErrorClass = abstract new (...args: never[]) => Error;

/** Checked in order: a subclass (TemplateError of UsageError) is covered by its parent's row. */
export const EXIT_CODE_TABLE: readonly (readonly [ErrorClass, ExitCode])[] = [
  [ConfigError, EXIT.usage],
  [UsageError, EXIT.usage],
  [PreflightError, EXIT.usage],
  [ProbeSetupError, EXIT.usage],
  [NginxHostError, EXIT.usage],
  [CannotReloadError, EXIT.usage],
  [LockSetupError, EXIT.usage],
  [LockTimeoutError, EXIT.locked],
  [StoreUnavailableError, EXIT.storeUnavailable],
  [RuntimeError, EXIT.failed],
];

/** The table's row for `err`, or undefined for an unexpected error. */
function rowOf(err: unknown): ExitCode | undefined {
  return EXIT_CODE_TABLE.find(([cls]) => err instanceof cls)?.[1];
}

/** The exit code of an error that ends a command: from the table, else 1. */
export function exitCodeOf(err: unknown): ExitCode {
  return rowOf(err) ?? EXIT.failed;
}

/** An error cert-wrap raised on purpose (its message is said as it is), not an unexpected one. */
export function isExpected(err: unknown): boolean {
  return rowOf(err) !== undefined;
}
