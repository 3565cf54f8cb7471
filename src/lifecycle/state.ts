/**
 * What cert-wrap remembers between runs: when each certificate was last
 * handled successfully (for the metrics). One small JSON file in certs-dir,
 * replaced atomically (a link planted at its name is replaced, never followed).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { readRegularFile } from '../lib/read-regular.js';
import { MAX_OWN_FILE_BYTES, STATE_FILE } from './paths.js';

export interface State {
  certificates: Record<string, { lastSuccess: string }>;
}

export function statePath(certsDir: string): string {
  return join(certsDir, STATE_FILE);
}

export function readState(certsDir: string): State {
  try {
    // Not through a link, nor from a FIFO or device another user put there.
    const data = JSON.parse(readRegularFile(statePath(certsDir), { maxBytes: MAX_OWN_FILE_BYTES, noFollow: true }).toString('utf8')) as Partial<State>;
    return { certificates: data.certificates && typeof data.certificates === 'object' ? data.certificates : {} };
  } catch {
    return { certificates: {} };
  }
}

export function recordSuccess(certsDir: string, names: string[], when: Date): void {
  if (names.length === 0) return;
  const state = readState(certsDir);
  for (const name of names) state.certificates[name] = { lastSuccess: when.toISOString() };
  mkdirSync(certsDir, { recursive: true, mode: 0o755 });
  writeFileAtomic(statePath(certsDir), `${JSON.stringify(state, null, 2)}\n`);
}
