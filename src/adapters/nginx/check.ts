/**
 * `nginx -t` on generated server blocks: inside a throwaway main config of its
 * own (pid, logs and temp paths in a temp dir), so nothing of the host's nginx
 * is read or touched.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellJoin } from '../../leaves/shell-quote.js';
import { howItEnded, runProcess } from '../../lib/process.js';
import { findNginxBinary } from './binary.js';
import { nginxQuote } from '../../leaves/nginx-quote.js';

export type CheckResult = { ok: true } | { ok: false; message: string };

export function testHarnessConfig(dir: string, include: string): string {
  const q = (name: string) => nginxQuote(join(dir, name));
  return [
    `pid ${q('nginx.pid')};`,
    `error_log ${q('error.log')};`,
    'events {}',
    'http {',
    '    access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${q(t)};`),
    `    include ${nginxQuote(include)};`,
    '}',
    '',
  ].join('\n');
}

/** nginx's words when an ssl_certificate(_key) file does not exist. */
const MISSING_CERTIFICATE = /cannot load certificate(?: key)? "[^"]*": BIO_new_file\(\) failed[^\n]*No such file or directory/;

/** What to do when the HTTPS servers name certificate files that do not exist yet. */
export function missingCertificateHint(configFile: string): string {
  return (
    `the certificate files do not exist yet: run "${shellJoin(['cert-wrap', 'bootstrap', '-c', configFile])}" first; it creates them at their ` +
    `stable paths, with self-signed placeholders until certbot issues the real ones (or "${shellJoin(['cert-wrap', 'apply', '-c', configFile])}" for the whole first deploy)`
  );
}

/**
 * Run the real `nginx -t` on `servers` (text of server blocks); `label` names it in messages,
 * `configFile` the config in the hint for missing certificate files; `hint` may add a line about what nginx said.
 */
export async function checkWithNginx(
  command: string,
  servers: string,
  label: string,
  configFile = 'CONFIG',
  hint: (nginxSaid: string) => string | null = () => null,
): Promise<CheckResult> {
  const found = findNginxBinary(command);
  if (!found.ok) return { ok: false, message: `cannot run nginx: ${found.message}` };
  const binary = found.path;
  const dir = mkdtempSync(join(tmpdir(), 'gen-nginx-check-'));
  try {
    const include = join(dir, 'servers.conf');
    const conf = join(dir, 'nginx.conf');
    writeFileSync(include, servers);
    writeFileSync(conf, testHarnessConfig(dir, include));
    const result = await runProcess(binary, ['-t', '-q', '-e', join(dir, 'error.log'), '-c', conf, '-p', `${dir}/`]);
    if (result.notFound) {
      return { ok: false, message: `cannot run nginx: "${binary}" was not found (install nginx, or set nginx.binary in the config)` };
    }
    if (result.exitCode === 0) return { ok: true };
    const text = result.stderr.split(include).join(label).split(`${dir}/`).join('').trim();
    const hints = [MISSING_CERTIFICATE.test(text) ? missingCertificateHint(configFile) : null, hint(text)].filter((h) => h !== null);
    return { ok: false, message: `nginx -t rejected the generated configuration:\n${[text || howItEnded(result), ...hints].join('\n')}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
