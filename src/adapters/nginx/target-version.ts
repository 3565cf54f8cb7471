/**
 * The nginx version the HTTPS servers are written for: nginx.version from the
 * config, else what `nginx -v` on this host says. Only asked when a
 * certificate has https (the port-80 servers are the same for every version),
 * so a pipeline that sets nginx.version gets the same bytes on any host.
 */
import type { Config } from '../../model/types.js';
import { UsageError } from '../../lib/errors.js';
import { runProcess } from '../../lib/process.js';
import { findNginxBinary } from './binary.js';
import { NGINX_CHANGES, parseNginxVersion, versionAtLeast } from './version.js';

export type RunNginx = (binary: string, args: string[]) => Promise<{ exitCode: number | undefined; stdout: string; stderr: string; notFound: boolean }>;

export async function targetNginxVersion(config: Config, run: RunNginx = runNginx): Promise<string | null> {
  if (!config.certificates.some((c) => c.https !== null)) return null;
  const version = config.nginx.version ?? (await hostVersion(config, run));
  checkVersion(config, version);
  return version;
}

async function hostVersion(config: Config, run: RunNginx): Promise<string> {
  const unknown = (why: string) =>
    new UsageError(`cannot tell which nginx version to write the HTTPS servers for: ${why}; set nginx.version in ${config.sourceName} (e.g. "1.22.1")`);
  const found = findNginxBinary(config.nginx.binary);
  if (!found.ok) throw unknown(found.message);
  const r = await run(found.path, ['-v']);
  if (r.notFound) throw unknown(`"${found.path}" cannot be run`);
  // nginx prints its version on stderr.
  const version = parseNginxVersion(`${r.stderr}\n${r.stdout}`);
  if (r.exitCode !== 0 || version === null) throw unknown(`"${found.path} -v" said ${JSON.stringify((r.stderr || r.stdout).trim().split('\n')[0] ?? '')} (exit code ${r.exitCode})`);
  return version;
}

/** A version that cannot carry what the config asks for. */
function checkVersion(config: Config, version: string): void {
  if (config.nginx.httpsDefaultServer && !versionAtLeast(version, NGINX_CHANGES.rejectHandshake)) {
    throw new UsageError(
      `nginx ${version} has no ssl_reject_handshake (nginx ${NGINX_CHANGES.rejectHandshake} and later), which the default HTTPS server needs: ` +
        `upgrade nginx, or set nginx.https-default-server: false in ${config.sourceName} and give each HTTPS listen address a default server of your own`,
    );
  }
}

const runNginx: RunNginx = async (binary, args) => {
  const r = await runProcess(binary, args);
  return { exitCode: r.exitCode ?? undefined, stdout: r.stdout, stderr: r.stderr, notFound: r.notFound };
};
