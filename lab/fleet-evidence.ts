/** What the fleet tests read as evidence: nginx logs, the certificate each node serves, Pebble's log, the account thumbprint. */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

const read = (file: string): Promise<string> => readFile(file, 'utf8').catch(() => '');

/** Access-log lines of HTTP-01 validation-path requests (any token) with their status. */
export async function challengeRequests(accessLog: string): Promise<{ token: string; status: number; agent: string }[]> {
  const out: { token: string; status: number; agent: string }[] = [];
  const re = /"GET \/\.well-known\/acme-challenge\/([^ ]*) HTTP\/[\d.]+" (\d{3}) \d+ "[^"]*" "([^"]*)"/;
  for (const line of (await read(accessLog)).split('\n')) {
    const m = re.exec(line);
    if (m !== null) out.push({ token: m[1] ?? '', status: Number(m[2]), agent: m[3] ?? '' });
  }
  return out;
}

/** Validation requests made by Pebble's validator (its User-Agent), answered 200. */
export async function pebbleValidations(accessLog: string): Promise<number> {
  return (await challengeRequests(accessLog)).filter((r) => r.status === 200 && /pebble/i.test(r.agent)).length;
}

/** How many times the nginx master was told to reload (its error log at level notice). */
export async function reloadCount(errorLog: string): Promise<number> {
  return ((await read(errorLog)).match(/signal 1 \(SIGHUP\) received/g) ?? []).length;
}

/** Serial (upper-case hex, as openssl prints it) of the certificate `ip:443` presents for `servername`. */
export async function servedSerial(ip: string, servername: string, port = 443): Promise<string> {
  const hs = await execa('openssl', ['s_client', '-connect', `${ip}:${port}`, '-servername', servername], {
    input: '',
    reject: false,
    timeout: 10_000,
  });
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(String(hs.stdout));
  if (pem === null) throw new Error(`openssl s_client ${ip}:${port} -servername ${servername}: no certificate\n${String(hs.stderr)}`);
  const x = await execa('openssl', ['x509', '-noout', '-serial'], { input: pem[0] });
  return x.stdout.trim().replace(/^serial=/, '');
}

/** Serials Pebble logged as issued ("Issued certificate serial X for order Y"). */
export async function pebbleIssued(pebbleLog: string): Promise<string[]> {
  return [...(await read(pebbleLog)).matchAll(/Issued certificate serial ([0-9a-f]+)/gi)].map((m) => m[1] ?? '');
}

/** RFC 7638 thumbprint (base64url SHA-256) of an RSA or EC JWK. */
export function jwkThumbprint(jwk: Record<string, string>): string {
  const members = jwk.kty === 'RSA' ? { e: jwk.e, kty: 'RSA', n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** The thumbprint of the one account certbot keeps under configDir (accounts/SERVER/ID/private_key.json). */
export async function certbotAccountThumbprint(configDir: string): Promise<string> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name === 'private_key.json') found.push(p);
    }
  };
  await walk(path.join(configDir, 'accounts'));
  const [file] = found;
  if (file === undefined || found.length !== 1) throw new Error(`expected one certbot account under ${configDir}, found ${found.length}`);
  return jwkThumbprint(JSON.parse(await readFile(file, 'utf8')) as Record<string, string>);
}

/** Lines of an agent log that match `re`. */
export function logLines(text: string, re: RegExp): string[] {
  return text.split('\n').filter((l) => re.test(l));
}
