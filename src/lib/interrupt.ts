/**
 * Ctrl-C or SIGTERM during a long step: abort what is in flight, let the step
 * clean up after itself, and tell the caller which signal it was.
 */
export interface Interruptible {
  signal: AbortSignal;
  /** The signal received so far, or null. */
  interrupted(): NodeJS.Signals | null;
}

export async function whileInterruptible<T>(work: (it: Interruptible) => Promise<T>): Promise<{ value: T; interrupted: NodeJS.Signals | null }> {
  const abort = new AbortController();
  let received: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    received = sig;
    abort.abort();
  };
  // `on`, not `once`: the lock's exit handler (proper-lockfile's signal-exit) re-raises the signal when it finds no other listener.
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    const value = await work({ signal: abort.signal, interrupted: () => received });
    return { value, interrupted: received };
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/** The conventional exit code after a signal: 128 + its number. */
export function signalExitCode(sig: NodeJS.Signals): number {
  return sig === 'SIGINT' ? 130 : 143;
}
