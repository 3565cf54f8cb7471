/** The ARI identifier of certificates made by the real openssl (the RFC example's identifier from its parts: test/unit/adapters/renewal/ari-certid.test.ts). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certId } from '../../src/adapters/renewal/ari-certid.js';

const RFC_AKI = '69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4';
const RFC_ID = 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE';

/** A CA whose subjectKeyIdentifier is the RFC's keyIdentifier, and a leaf with the RFC's serial, made by openssl. */
function rfcCertificate(dir: string): Buffer {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=RFC 9773 example CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', `subjectKeyIdentifier=${RFC_AKI}`]);
  run(['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=example.test']);
  execFileSync('sh', ['-c', 'printf "authorityKeyIdentifier=keyid:always\\nsubjectAltName=DNS:example.test\\n" > ext.cnf'], { cwd: dir });
  run(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '0x87654321', '-days', '1', '-extfile', 'ext.cnf', '-out', 'leaf.pem']);
  return readFileSync(join(dir, 'leaf.pem'));
}

describe('ARI certificate identifier of real certificates (RFC 9773 §4.1)', () => {
  it("reads the AKI and the serial's DER bytes (leading 0x00 kept) from a real certificate: the RFC's identifier", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cert-wrap-certid-'));
    try {
      const pem = rfcCertificate(dir);
      const text = execFileSync('openssl', ['x509', '-noout', '-serial', '-ext', 'authorityKeyIdentifier'], { input: pem, encoding: 'utf8' });
      expect(text).toContain('serial=87654321');
      expect(text.replace(/\s/g, '')).toContain(RFC_AKI.replace(/\s/g, ''));
      expect(certId(pem)).toBe(RFC_ID);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a certificate without an Authority Key Identifier has no identifier: a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cert-wrap-certid-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'k', '-out', 'c.pem', '-days', '1', '-subj', '/CN=x',
        '-addext', 'authorityKeyIdentifier=none', '-addext', 'subjectKeyIdentifier=none'], { cwd: dir, stdio: 'ignore' });
      expect(() => certId(readFileSync(join(dir, 'c.pem')))).toThrow(/Authority Key Identifier/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
