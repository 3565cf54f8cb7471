/**
 * `nginx -t` on generated server blocks: inside a throwaway main config of its
 * own (pid, logs and temp paths in a temp dir), so nothing of the host's nginx
 * is read or touched.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNginxBinary } from './binary.js';
import { nginxQuote } from './quote.js';

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

/** Run the real `nginx -t` on `servers` (text of server blocks); `label` names it in messages. */
export async function checkWithNginx(command: string, servers: string, label: string): Promise<CheckResult> {
  const found = findNginxBinary(command);
  if (!found.ok) return { ok: false, message: `cannot run nginx: ${found.message}` };
  const binary = found.path;
  const dir = mkdtempSync(join(tmpdir(), 'gen-nginx-check-'));
  try {
    const include = join(dir, 'servers.conf');
    const conf = join(dir, 'nginx.conf');
    writeFileSync(include, servers);
    writeFileSync(conf, testHarnessConfig(dir, include));
    const { execa } = await import('execa');
    const result = await execa(binary, ['-t', '-q', '-e', join(dir, 'error.log'), '-c', conf, '-p', `${dir}/`], {
      reject: false,
      stdin: 'ignore',
    });
    if (result.failed && (result as { code?: string }).code === 'ENOENT') {
      return { ok: false, message: `cannot run nginx: "${binary}" was not found (install nginx, or set nginx.binary in the config)` };
    }
    if (result.exitCode === 0) return { ok: true };
    const text = `${result.stderr}`.split(include).join(label).split(`${dir}/`).join('').trim();
    return { ok: false, message: `nginx -t rejected the generated configuration:\n${text || `exit code ${result.exitCode}`}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * nginx's "cannot load certificate" for a stable path of certs-dir means the
 * paths were never made: say which command makes them, not only what failed.
 */
export function missingCertificateHint(message: string, certsDir: string, configFile: string): string {
  const m = /cannot load certificate(?: key)? "([^"]+)"/.exec(message);
  if (!m || !m[1]!.startsWith(`${certsDir.replace(/\/$/, '')}/`)) return '';
  return (
    `\n${m[1]} does not exist yet: the HTTPS servers need their stable certificate paths first.` +
    ` Run "cert-wrap bootstrap -c ${configFile}" (placeholders until the first issuance), or "cert-wrap apply -c ${configFile}" for the whole first deploy.`
  );
}
