/**
 * Time passing, for the cert-wrap processes a test starts: renewal is due only
 * once part of a certificate's lifetime has passed (never before half of it),
 * and no test can wait days. The environment below makes cert-wrap's node
 * processes (and the deploy hook certbot starts) see a clock that far ahead;
 * the real certbot, Pebble and nginx keep the real time and do the real work.
 */
import { join } from 'node:path';

const PRELOAD = join(import.meta.dirname, 'shifted-clock.cjs');

export function clockAheadEnv(days: number): Record<string, string> {
  return {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(PRELOAD)}`.trim(),
    CERT_WRAP_TEST_CLOCK_SHIFT_MS: String(Math.round(days * 86_400_000)),
  };
}
