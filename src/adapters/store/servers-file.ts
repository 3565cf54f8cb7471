/**
 * The servers file apply owns: replaced atomically, only when its text
 * differs, and put back exactly as it was (or removed, if apply created it)
 * when nginx rejects the new one.
 */
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { fsReason } from '../../lib/fs-reason.js';
import { RuntimeError } from '../../lib/errors.js';

export type ServersFileAction = 'created' | 'updated' | 'unchanged' | 'restored';

export interface ServersFile {
  path: string;
  /** The text before apply; null when there was no file. */
  before: string | null;
  after: string;
}

export function readServersFile(path: string, after: string): ServersFile {
  try {
    return { path, before: readFileSync(path, 'utf8'), after };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path, before: null, after };
    throw new RuntimeError(`cannot read ${path}: ${fsReason(err)}`);
  }
}

export function plannedAction(file: ServersFile): Exclude<ServersFileAction, 'restored'> {
  if (file.before === null) return 'created';
  return file.before === file.after ? 'unchanged' : 'updated';
}

/** Write the new text when it differs; returns what was done. */
export function writeServersFile(file: ServersFile): Exclude<ServersFileAction, 'restored'> {
  const action = plannedAction(file);
  if (action === 'unchanged') return action;
  try {
    writeFileAtomic(file.path, file.after);
  } catch (err) {
    throw new RuntimeError(`cannot write ${file.path}: ${fsReason(err)}`);
  }
  return action;
}

/** Back to the state before apply: the old text, or no file. */
export function restoreServersFile(file: ServersFile): void {
  if (file.before === null) rmSync(file.path, { force: true });
  else writeFileAtomic(file.path, file.before);
}
