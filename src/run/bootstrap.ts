/** Stable certificate paths for every certificate, placeholders where none is issued yet, with the failure explained. */
import type { Certificate, Config } from '../model/types.js';
import { RuntimeError } from '../lib/errors.js';
import { fsReason, whyNotWritable } from '../lib/fs-reason.js';
import { type BootstrapResult, bootstrap as runBootstrap, opensslSelfSign } from '../adapters/store/bootstrap.js';

export async function bootstrapCertificates(config: Config, certs: Certificate[]): Promise<BootstrapResult[]> {
  try {
    return await runBootstrap(config, certs, { selfSign: opensslSelfSign, now: () => new Date() });
  } catch (err) {
    // openssl missing: said as it is.
    if (err instanceof RuntimeError) throw err;
    const e = err as NodeJS.ErrnoException;
    // A recursive mkdir on a read-only file system says ENOENT: name the real cause.
    const why = e.code ? (whyNotWritable(config.certsDir) ?? fsReason(e)) : e.message;
    throw new RuntimeError(`cannot prepare the certificate paths in certs-dir ${config.certsDir}: ${why}`);
  }
}
