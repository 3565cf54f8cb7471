/**
 * The options every ordering command shares, as the session takes them: --lock-timeout
 * (its range checked by the option parser), --no-preflight, and --resolve, parsed here
 * before anything is locked or written (exit 2).
 */
import { parseResolve } from '../../adapters/probe/resolve.js';
import type { RealSessionOptions } from '../../run/session-io.js';

export interface SessionArgs {
  lockTimeout: number;
  preflight: boolean;
  resolve?: string[];
}

export function checkSessionArgs(args: SessionArgs): Omit<RealSessionOptions, 'progress'> {
  return { lockTimeout: args.lockTimeout, preflight: args.preflight, resolve: parseResolve(args.resolve ?? []) };
}
