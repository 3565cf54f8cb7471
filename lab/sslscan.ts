/**
 * The real TLS scanner (Debian's `sslscan`), run against a server on loopback,
 * and its XML report read into the protocols it found enabled and the ciphers
 * it saw accepted.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface ScanCipher {
  /** "TLSv1.2", "TLSv1.3". */
  protocol: string;
  name: string;
  bits: number;
  /** The key exchange curve ("25519", "P-256"), absent for a non-ECDHE cipher. */
  curve: string | null;
}

export interface ScanReport {
  /** "SSLv2", "SSLv3", "TLSv1.0" ... -> enabled. */
  protocols: Record<string, boolean>;
  ciphers: ScanCipher[];
  /** The scanner's own text output, for failure messages and the record. */
  text: string;
}

export async function sslscan(binary: string, host: string, port: number, sniName: string): Promise<ScanReport> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cert-wrap-sslscan-'));
  try {
    const xmlFile = path.join(dir, 'scan.xml');
    const run = await execa(binary, ['--no-colour', `--sni-name=${sniName}`, `--xml=${xmlFile}`, `${host}:${port}`], { reject: false, stdin: 'ignore', timeout: 60_000 });
    if (run.exitCode !== 0) throw new Error(`sslscan exited ${run.exitCode}:\n${String(run.stdout)}\n${String(run.stderr)}`);
    return { ...parseScanXml(await readFile(xmlFile, 'utf8')), text: String(run.stdout) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function parseScanXml(xml: string): Omit<ScanReport, 'text'> {
  const attrs = (tag: string) => Object.fromEntries([...tag.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  const protocols: Record<string, boolean> = {};
  for (const m of xml.matchAll(/<protocol [^>]*\/>/g)) {
    const a = attrs(m[0]);
    protocols[`${a.type === 'ssl' ? 'SSLv' : 'TLSv'}${a.version}`] = a.enabled === '1';
  }
  const ciphers = [...xml.matchAll(/<cipher [^>]*\/>/g)]
    .map((m) => attrs(m[0]))
    .filter((a) => a.status === 'accepted' || a.status === 'preferred')
    .map((a) => ({ protocol: a.sslversion!, name: a.cipher!, bits: Number(a.bits), curve: a.curve ?? null }));
  return { protocols, ciphers };
}
