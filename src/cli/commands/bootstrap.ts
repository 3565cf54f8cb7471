/** cert-wrap bootstrap: stable certificate paths for every certificate, placeholders where none is issued yet. */
import { loadConfigCached } from '../../config/cached.js';
import type { Certificate, Config } from '../../config/types.js';
import { RuntimeError } from '../../lib/errors.js';
import { fsReason, whyNotWritable } from '../../lib/fs-reason.js';
import { type BootstrapResult, bootstrap as runBootstrap, opensslSelfSign } from '../../lifecycle/bootstrap.js';
import { formatColumns } from '../table.js';
import { selectCertificates } from './obtain.js';

export async function bootstrapCertificates(config: Config, certs: Certificate[]): Promise<BootstrapResult[]> {
  try {
    return await runBootstrap(config, certs, { selfSign: opensslSelfSign, now: () => new Date() });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { shortMessage?: string; stderr?: string };
    if (e.code === 'ENOENT' && e.shortMessage?.includes('openssl')) {
      throw new RuntimeError('cannot make placeholder certificates: openssl not found (apt-get install openssl)');
    }
    // A recursive mkdir on a read-only file system says ENOENT: name the real cause.
    const why = e.stderr?.trim() || (e.code ? (whyNotWritable(config.certsDir) ?? fsReason(e)) : e.message);
    throw new RuntimeError(`cannot prepare the certificate paths in certs-dir ${config.certsDir}: ${why}`);
  }
}

export async function bootstrap(args: { config: string; cert?: string[]; json: boolean }): Promise<number> {
  const config = await loadConfigCached(args.config);
  const results = await bootstrapCertificates(config, selectCertificates(config, args.cert ?? []));
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ certsDir: config.certsDir, certificates: results }, null, 2)}\n`);
    return 0;
  }
  const said = { 'linked-lineage': 'now the issued certificate', placeholder: 'self-signed placeholder', unchanged: 'unchanged' };
  process.stdout.write(formatColumns(['NAME', 'STABLE PATHS', 'POINT TO'], results.map((r) => [r.name, said[r.action], r.target])));
  return 0;
}
