/**
 * What cert-wrap remembers between runs, per certificate: when it was last
 * handled successfully (for the metrics), and deploy steps that failed after
 * an issuance (so that the next run does them again, without ordering). One
 * small JSON file in certs-dir, replaced atomically (a link planted at its name is replaced, never followed).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { readRegularFile } from '../../lib/read-regular.js';
import { MAX_OWN_FILE_BYTES, STATE_FILE } from '../../model/paths.js';

export type { AlertMark, AriState, CertState, DeployFailure, LastFailure, State } from '../../model/state.js';
import type { AlertMark, AriState, DeployFailure, State } from '../../model/state.js';

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
  update(certsDir, (state) => {
    for (const name of names) state.certificates[name] = { ...state.certificates[name], lastSuccess: when.toISOString() };
  });
}

/** These certificates failed in this run (name and class), for the metrics and status --check. */
export function recordFailures(certsDir: string, failures: { name: string; class: string }[], when: Date): void {
  if (failures.length === 0) return;
  update(certsDir, (state) => {
    for (const f of failures) state.certificates[f.name] = { ...state.certificates[f.name], lastFailure: { at: when.toISOString(), class: f.class } };
  });
}

/** Remember the alert condition reported for each name (null: the condition is over). Writes nothing when nothing changes. */
export function recordAlerts(certsDir: string, marks: Map<string, AlertMark | null>): void {
  if (marks.size === 0) return;
  update(certsDir, (state) => {
    for (const [name, mark] of marks) {
      const { alert: _, ...rest } = state.certificates[name] ?? {};
      state.certificates[name] = mark === null ? rest : { ...rest, alert: mark };
    }
  });
}

/** The deploy steps of `name` failed: the next obtain or renew does them again. */
export function recordDeployFailure(certsDir: string, name: string, reason: string, when: Date): void {
  update(certsDir, (state) => {
    state.certificates[name] = { ...state.certificates[name], deployFailed: { at: when.toISOString(), reason } };
  });
}

/** The deploy steps of `name` succeeded: nothing left to redo. Writes nothing when nothing was recorded. */
export function clearDeployFailure(certsDir: string, name: string): void {
  if (!readState(certsDir).certificates[name]?.deployFailed) return;
  update(certsDir, (state) => {
    const { deployFailed: _, ...rest } = state.certificates[name] ?? {};
    state.certificates[name] = rest;
  });
}

/** The certificates whose deploy steps are still to be done again. */
export function failedDeploys(certsDir: string): Map<string, DeployFailure> {
  const out = new Map<string, DeployFailure>();
  for (const [name, cert] of Object.entries(readState(certsDir).certificates)) {
    const f = cert?.deployFailed;
    if (f && typeof f.at === 'string' && typeof f.reason === 'string') out.set(name, f);
  }
  return out;
}

function update(certsDir: string, change: (state: State) => void): void {
  const state = readState(certsDir);
  change(state);
  mkdirSync(certsDir, { recursive: true, mode: 0o755 });
  writeFileAtomic(statePath(certsDir), `${JSON.stringify(state, null, 2)}\n`);
}

/** Stores the ARI answers of a run, one write for all. */
export function recordAri(certsDir: string, answers: Map<string, AriState>): void {
  if (answers.size === 0) return;
  update(certsDir, (state) => {
    for (const [name, ari] of answers) state.certificates[name] = { ...state.certificates[name], ari };
  });
}
