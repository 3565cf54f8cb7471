/** The options every ordering command shares (--lock-timeout, --no-preflight, --resolve), checked before anything is locked or written (exit 2). */
import { parseResolve } from '../../adapters/probe/resolve.js';
import { UsageError } from '../../lib/errors.js';
import type { RealSessionOptions } from '../../run/session-io.js';

export interface SessionArgs {
  lockTimeout: number;
  preflight: boolean;
  resolve?: string[];
}

export function checkSessionArgs(args: SessionArgs): Omit<RealSessionOptions, 'progress'> {
  if (!(args.lockTimeout >= 0 && args.lockTimeout <= 86_400)) {
    throw new UsageError(`--lock-timeout ${String(args.lockTimeout)}: give the seconds to wait for another run, from 0 to 86400`);
  }
  return { lockTimeout: args.lockTimeout, preflight: args.preflight, resolve: parseResolve(args.resolve ?? []) };
}
