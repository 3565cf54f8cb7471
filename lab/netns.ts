/**
 * A named network namespace with nothing but its own loopback interface, for
 * scenarios that must run software as it ships (Debian's nginx listens on
 * 0.0.0.0:80 and [::]:80): there, 0.0.0.0 means only that namespace's lo, so
 * nothing started in it can be reached from the host's network or beyond.
 * Every process of such a scenario runs through `wrap` (`ip netns exec`);
 * the test process itself stays outside and looks in with `run`.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { execa } from 'execa';
import { findTool, isRoot } from './tools.js';

export interface Netns {
  readonly name: string;
  /** [file, args] that run `binary args` inside the namespace (same pid: ip execs it). */
  wrap(binary: string, args: string[]): [string, string[]];
  /** Run a short command inside the namespace; never rejects. */
  run(binary: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Delete the namespace (idempotent); true when `ip netns list` no longer names it. */
  remove(): Promise<boolean>;
}

/** Whether this host can make a network namespace (root, iproute2, CAP_SYS_ADMIN). */
export function canMakeNetns(): boolean {
  if (!isRoot() || findTool('ip') === null || findTool('unshare') === null) return false;
  return spawnSync('unshare', ['--net', '--', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' }).status === 0;
}

async function listed(ip: string, name: string): Promise<boolean> {
  const r = await execa(ip, ['netns', 'list'], { reject: false, stdin: 'ignore' });
  return String(r.stdout).split('\n').some((l) => l.split(' ')[0] === name);
}

/** `ip netns add NAME` and bring its lo up; throws naming the command that failed. */
export async function createNetns(name: string): Promise<Netns> {
  const ip = findTool('ip');
  if (ip === null) throw new Error('ip (iproute2) is not installed');
  const wrap = (binary: string, args: string[]): [string, string[]] => [ip, ['netns', 'exec', name, binary, ...args]];
  const run: Netns['run'] = async (binary, args) => {
    const [file, argv] = wrap(binary, args);
    const r = await execa(file, argv, { reject: false, stdin: 'ignore', timeout: 30_000 });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const add = await execa(ip, ['netns', 'add', name], { reject: false, stdin: 'ignore' });
  if (add.exitCode !== 0) throw new Error(`ip netns add ${name} failed: ${String(add.stderr)}`);
  let removed = false;
  const remove = async (): Promise<boolean> => {
    if (!removed) await execa(ip, ['netns', 'delete', name], { reject: false, stdin: 'ignore' });
    removed = true;
    return !(await listed(ip, name));
  };
  const up = await run('ip', ['link', 'set', 'lo', 'up']);
  if (up.exitCode !== 0) {
    await remove();
    throw new Error(`ip netns exec ${name} ip link set lo up failed: ${up.stderr}`);
  }
  return { name, wrap, run, remove };
}

/** GET through curl inside the namespace: the status code, the headers (lower-case names) and the body. */
export async function curlIn(ns: Netns, url: string, opts: { host?: string; cacert?: string } = {}): Promise<{ status: number; headers: Map<string, string>; body: string }> {
  const args = ['-sS', '-i', '--max-time', '3', ...(opts.host ? ['-H', `Host: ${opts.host}`] : []), ...(opts.cacert ? ['--cacert', opts.cacert] : []), url];
  const r = await ns.run('curl', args);
  if (r.exitCode !== 0) throw new Error(`curl ${url} in ${ns.name}: exit ${r.exitCode}: ${r.stderr.trim()}`);
  const end = r.stdout.search(/\r?\n\r?\n/);
  const head = (end < 0 ? r.stdout : r.stdout.slice(0, end)).split(/\r?\n/);
  const body = end < 0 ? '' : r.stdout.slice(end).replace(/^\r?\n\r?\n/, '');
  const status = Number(/^HTTP\/\S+ (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
  const headers = new Map<string, string>();
  for (const l of head.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { status, headers, body };
}

/** True when something inside the namespace accepts TCP connections on 127.0.0.1:port. */
export async function tcpOpenIn(ns: Netns, port: number): Promise<boolean> {
  return (await ns.run('curl', ['-s', '-o', '/dev/null', '--max-time', '1', `telnet://127.0.0.1:${port}`])).exitCode !== 7;
}

/** The leaf certificate a TLS server inside the namespace presents for `servername`. */
export async function peerCertificateIn(ns: Netns, port: number, servername: string): Promise<X509Certificate> {
  const r = await ns.run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', servername]);
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(r.stdout)?.[0];
  if (pem === undefined) throw new Error(`no certificate from 127.0.0.1:${port} (${servername}) in ${ns.name}: ${r.stderr.trim()}`);
  return new X509Certificate(pem);
}
