/**
 * The deploy copies of a certificate, checked before anything is ordered: an
 * owner or group that does not resolve, or a directory that would be refused
 * after the issuance (see safe-dir.ts), stops the run while nothing has
 * happened yet. A directory that does not exist yet is fine: it is created.
 */
import type { Certificate } from '../../model/types.js';
import { ConfigError, formatPath, type PathPart } from '../../lib/errors.js';
import { type AccountDb, resolveIds } from './accounts.js';
import { closeDirectory, openDeployDirectory } from './safe-dir.js';

/** One line per problem, each starting with the config path of the offending key. */
export function deployProblems(cert: Certificate, accounts: AccountDb): string[] {
  const problems: string[] = [];
  for (const [j, copy] of cert.deploy.entries()) {
    const at: PathPart[] = ['certificates', cert.index, 'deploy', j];
    try {
      resolveIds(copy, at, accounts);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
    }
    try {
      closeDirectory(openDeployDirectory(copy.directory, { accounts }));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`${formatPath([...at, 'directory'])}: ${(err as Error).message}`);
    }
  }
  return problems;
}
