/**
 * The probe file of the HTTP-01 preflight: written where certbot's webroot
 * plugin writes its tokens, readable by nginx's workers whatever the umask,
 * and removed afterwards with only the directories this run created.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { ProbeSetupError } from '../../lib/errors.js';
import { fsReason } from '../../lib/fs-reason.js';
import { webrootProblem } from '../../lib/webroot.js';

export { ProbeSetupError };

import { CHALLENGE_DIR as CHALLENGE_PATH, CHALLENGE_SEGMENTS } from '../../leaves/acme-http01.js';

export interface PlacedProbe {
  /** File name under .well-known/acme-challenge/. */
  name: string;
  body: string;
  file: string;
  /** Directories this run created, outermost first: the only ones it removes. */
  created: string[];
}

/**
 * Write a fresh probe file, mode 0644 whatever the umask (nginx's workers
 * read it as another user); create .well-known/acme-challenge (0755) only
 * where missing, and remember which directories that was.
 */
export async function placeProbe(webroot: string): Promise<PlacedProbe> {
  const problem = webrootProblem(webroot);
  if (problem) throw new ProbeSetupError(problem);
  const probe: PlacedProbe = {
    name: `cert-wrap-preflight-${randomBytes(12).toString('hex')}`,
    body: randomBytes(32).toString('base64url'),
    file: '',
    created: [],
  };
  try {
    let dir = webroot;
    for (const part of CHALLENGE_SEGMENTS) {
      dir = path.join(dir, part);
      try {
        await mkdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      probe.created.push(dir);
      await chmod(dir, 0o755);
    }
    probe.file = path.join(dir, probe.name);
    const handle = await open(probe.file, 'wx', 0o644);
    try {
      await handle.chmod(0o644);
      await handle.writeFile(probe.body);
    } finally {
      await handle.close();
    }
    return probe;
  } catch (err) {
    await removeProbe(probe);
    const where = probe.file || path.join(webroot, ...CHALLENGE_SEGMENTS);
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `webroot ${webroot} is not writable` : `cannot write the probe file ${where}`;
    throw new ProbeSetupError(`${hint} (${fsReason(err)}): certbot must create ${CHALLENGE_PATH}/ in it`);
  }
}

/** Remove the probe file, then the directories this run created if they are empty (never anything else). */
export async function removeProbe(probe: PlacedProbe): Promise<void> {
  if (probe.file !== '') await rm(probe.file, { force: true });
  for (const dir of [...probe.created].reverse()) {
    try {
      await rmdir(dir);
    } catch {
      // not empty (certbot or someone else uses it meanwhile) or already gone: leave it
    }
  }
}
