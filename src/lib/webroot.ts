import { CHALLENGE_DIR } from '../leaves/acme-http01.js';
import { accessSync, constants, statSync } from 'node:fs';
import { fsReason } from './fs-reason.js';

/** Why certbot (or the preflight's probe) could not write its challenge files under `webroot`, or null. */
export function webrootProblem(webroot: string): string | null {
  try {
    if (!statSync(webroot).isDirectory()) return `webroot ${webroot} is not a directory`;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? `webroot ${webroot} does not exist: create it (mkdir -p ${webroot}) and serve it with the gen-nginx output`
      : `webroot ${webroot} cannot be read: ${fsReason(err)}`;
  }
  try {
    accessSync(webroot, constants.W_OK);
  } catch (err) {
    return `webroot ${webroot} is not writable (${fsReason(err)}): certbot must create ${CHALLENGE_DIR}/ in it`;
  }
  return null;
}
