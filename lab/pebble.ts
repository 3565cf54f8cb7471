import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { curlIn, tcpOpenIn, type Netns } from './netns.js';
import { LAB_IP } from './loopback.js';
import { findTool, isProcessAlive } from './tools.js';

export interface StartPebbleOptions {
  /** State directory; files go to dir/pki, dir/pebble-config.json and dir/logs. */
  dir: string;
  /** Lifetime of issued certificates in seconds (pebble's certificateValidityPeriod). */
  validitySeconds?: number;
  /** External Account Binding required: key id -> base64url HMAC key (pebble's externalAccountMACKeys). */
  eabKeys?: Record<string, string>;
  /** Run both processes in this network namespace (and probe them there) instead of the host's loopback. */
  netns?: Netns;
}

export interface RunningPebble {
  /** ACME directory URL: https://PEBBLE_HOST:14000/dir */
  directoryUrl: string;
  /** Throwaway CA that signed pebble's HTTPS certificate (for REQUESTS_CA_BUNDLE). */
  caBundle: string;
  /** Log files of pebble and pebble-challtestsrv (stdout and stderr). */
  logs: { pebble: string; challtestsrv: string };
  /** Pids of the processes started: [challtestsrv, pebble]. */
  pids: number[];
  /** PEM of pebble's current issuing root (GET https://PEBBLE_HOST:15000/roots/0); random per pebble run. */
  rootPem(): Promise<string>;
  /** SIGTERM exactly the processes started, wait for them (5 s), then SIGKILL. Idempotent. */
  stop(): Promise<void>;
}

/** Pebble's and challtestsrv's address on the host (127.0.0.1 inside a network namespace of their own). */
export const PEBBLE_HOST = LAB_IP;
export const PEBBLE_ACME_PORT = 14000;
export const PEBBLE_MGMT_PORT = 15000;
export const CHALLTESTSRV_DNS_PORT = 8053;
export const CHALLTESTSRV_MGMT_PORT = 8055;
/** Port pebble's validator connects to for http-01: the nginx under test must listen here. */
export const HTTP01_PORT = 80;

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** Throws naming the port when something already listens on host:port (PEBBLE_HOST by default). */
export async function assertPortFree(port: number, host = PEBBLE_HOST): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${err.code ?? err.message})`;
      reject(
        new Error(
          `port ${port} on ${host} ${why}; stop whatever owns it (see \`ss -ltnp 'sport = :${port}'\`) before running the e2e tests`,
        ),
      );
    });
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve()));
  });
}

function tcpReachable(port: number, host = PEBBLE_HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    sock.setTimeout(1_000);
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('timeout', () => done(false));
    sock.once('error', () => done(false));
  });
}

/** GET over HTTPS trusting only `ca`. No keep-alive agent, bounded by a timeout. */
export function httpsGet(url: string, ca: string, timeoutMs = 3_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: GET ${url}`)));
    req.on('error', reject);
  });
}

async function tail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const res = await execa('openssl', args, { cwd, reject: false, stdin: 'ignore', all: true });
  if (res.exitCode !== 0 || res.failed) {
    throw new Error(`openssl ${args.join(' ')} failed:\n${String(res.all ?? '')}`);
  }
}

/** Throwaway CA + server certificate for localhost / 127.0.0.1 / `host` / ::1 (pebble's HTTPS listener). */
async function makePki(pkiDir: string, host: string): Promise<{ ca: string; cert: string; key: string }> {
  await mkdir(pkiDir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(
    ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=cert-wrap e2e throwaway CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    pkiDir,
  );
  await openssl(['req', ...ec, '-keyout', 'key.pem', '-out', 'req.csr', '-subj', '/CN=localhost'], pkiDir);
  await writeFile(
    path.join(pkiDir, 'ext.cnf'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=DNS:localhost,${[...new Set(['127.0.0.1', host])].map((ip) => `IP:${ip}`).join(',')},IP:::1`,
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid,issuer',
      '',
    ].join('\n'),
  );
  await openssl(
    ['x509', '-req', '-in', 'req.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem',
      '-days', '30', '-extfile', 'ext.cnf'],
    pkiDir,
  );
  return { ca: path.join(pkiDir, 'ca.pem'), cert: path.join(pkiDir, 'cert.pem'), key: path.join(pkiDir, 'key.pem') };
}

export interface Child {
  pid: number | undefined;
  proc: ChildProcess;
  /** Resolves once the process has exited and been reaped. */
  exited: Promise<void>;
}

/**
 * Start a long-running child with stdout+stderr appended to `logFile` (plain
 * file descriptors: no pipes through this process). Where util-linux
 * `setpriv` exists the child gets PDEATHSIG=KILL, so it dies with the test
 * worker even if that is killed before afterAll can run. The handle is
 * unref'd so it never keeps the worker alive by itself.
 */
export function spawnLogged(command: [string, string[]], logFile: string, env: NodeJS.ProcessEnv): Child {
  const [binary, args] = command;
  const setpriv = findTool('setpriv');
  const file = setpriv ?? binary;
  const argv = setpriv !== null ? ['--pdeathsig', 'KILL', '--', binary, ...args] : args;
  const fd = openSync(logFile, 'a');
  try {
    const proc = spawn(file, argv, { stdio: ['ignore', fd, fd], env });
    const exited = new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve();
      proc.once('exit', () => resolve());
      proc.once('error', () => resolve()); // spawn failure: there is nothing to wait for
    });
    proc.unref();
    return { pid: proc.pid, proc, exited };
  } finally {
    closeSync(fd);
  }
}

export function hasExited(c: Child): boolean {
  return c.pid === undefined || c.proc.exitCode !== null || c.proc.signalCode !== null;
}

export async function stopChild(child: Child): Promise<void> {
  if (hasExited(child)) {
    await child.exited;
    return;
  }
  child.proc.ref(); // keep the event loop alive while we wait for the exit
  child.proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS);
  });
  const exited = await Promise.race([child.exited.then(() => true), timedOut]);
  clearTimeout(timer);
  if (!exited) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
}

/**
 * Start pebble-challtestsrv (DNS: every name -> PEBBLE_HOST) and pebble on their
 * fixed ports on PEBBLE_HOST, with a fresh throwaway CA, and wait until the ACME
 * directory answers. On failure, stops whatever it had started before throwing.
 */
export async function startPebble(opts: StartPebbleOptions): Promise<RunningPebble> {
  const dir = path.resolve(opts.dir);
  const pebbleBin = findTool('pebble');
  const challBin = findTool('pebble-challtestsrv');
  if (pebbleBin === null || challBin === null) {
    throw new Error('pebble and pebble-challtestsrv must be installed (apt-get install -y pebble)');
  }
  const ns = opts.netns;
  const host = ns ? '127.0.0.1' : PEBBLE_HOST;
  // A namespace of its own is fresh: its ports are free by construction.
  if (!ns) {
    for (const port of [HTTP01_PORT, PEBBLE_ACME_PORT, PEBBLE_MGMT_PORT, CHALLTESTSRV_DNS_PORT, CHALLTESTSRV_MGMT_PORT]) {
      await assertPortFree(port);
    }
  }
  const command = (binary: string, args: string[]): [string, string[]] => (ns ? ns.wrap(binary, args) : [binary, args]);
  const reachable = (port: number) => (ns ? tcpOpenIn(ns, port) : tcpReachable(port));
  const get = async (url: string, timeoutMs: number): Promise<{ status: number; body: string }> =>
    ns ? curlIn(ns, url, { cacert: pki.ca }) : httpsGet(url, caPem, timeoutMs);

  const logsDir = path.join(dir, 'logs');
  await mkdir(logsDir, { recursive: true });
  const pki = await makePki(path.join(dir, 'pki'), host);
  const caPem = await readFile(pki.ca, 'utf8');

  const config = {
    pebble: {
      listenAddress: `${host}:${PEBBLE_ACME_PORT}`,
      managementListenAddress: `${host}:${PEBBLE_MGMT_PORT}`,
      certificate: pki.cert,
      privateKey: pki.key,
      httpPort: HTTP01_PORT,
      tlsPort: 5001,
      ocspResponderURL: '',
      externalAccountBindingRequired: opts.eabKeys !== undefined,
      ...(opts.eabKeys !== undefined ? { externalAccountMACKeys: opts.eabKeys } : {}),
      ...(opts.validitySeconds !== undefined ? { certificateValidityPeriod: opts.validitySeconds } : {}),
    },
  };
  const configPath = path.join(dir, 'pebble-config.json');
  await writeFile(configPath, JSON.stringify(config, null, 2) + '\n');

  const logs = { pebble: path.join(logsDir, 'pebble.log'), challtestsrv: path.join(logsDir, 'challtestsrv.log') };
  const baseEnv = process.env;
  const children: Child[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // pebble first (it depends on the DNS server), then challtestsrv
    for (const child of [...children].reverse()) await stopChild(child);
  };

  const exitedEarly = hasExited;
  const failure = async (what: string): Promise<never> => {
    await stop();
    throw new Error(
      `${what}\n--- ${logs.challtestsrv}:\n${await tail(logs.challtestsrv)}\n--- ${logs.pebble}:\n${await tail(logs.pebble)}`,
    );
  };

  try {
    const chall = spawnLogged(
      command(challBin, ['-defaultIPv4', host, '-defaultIPv6', '', '-dns01', `${host}:${CHALLTESTSRV_DNS_PORT}`,
        '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `${host}:${CHALLTESTSRV_MGMT_PORT}`]),
      logs.challtestsrv,
      baseEnv,
    );
    children.push(chall);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await reachable(CHALLTESTSRV_MGMT_PORT))) {
      if (exitedEarly(chall)) return await failure(`pebble-challtestsrv exited early (code ${String(chall.proc.exitCode)}, signal ${String(chall.proc.signalCode)})`);
      if (Date.now() > deadline) return await failure('pebble-challtestsrv did not come up');
      await sleep(50);
    }

    const peb = spawnLogged(
      command(pebbleBin, ['-config', configPath, '-dnsserver', `${host}:${CHALLTESTSRV_DNS_PORT}`]),
      logs.pebble,
      { ...baseEnv, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
    );
    children.push(peb);
    const directoryUrl = `https://${host}:${PEBBLE_ACME_PORT}/dir`;
    let lastErr = '';
    for (;;) {
      try {
        const res = await get(directoryUrl, 1_000);
        if (res.status === 200 && res.body.includes('newNonce')) break;
        lastErr = `HTTP ${res.status}`;
      } catch (err) {
        lastErr = (err as Error).message;
      }
      if (exitedEarly(peb)) return await failure(`pebble exited early (code ${String(peb.proc.exitCode)}, signal ${String(peb.proc.signalCode)})`);
      if (Date.now() > deadline) return await failure(`pebble directory ${directoryUrl} not ready: ${lastErr}`);
      await sleep(100);
    }

    const pids = children.map((c) => c.pid).filter((p): p is number => p !== undefined);
    return {
      directoryUrl,
      caBundle: pki.ca,
      logs,
      pids,
      rootPem: async () => {
        const res = await get(`https://${host}:${PEBBLE_MGMT_PORT}/roots/0`, 3_000);
        if (res.status !== 200) throw new Error(`GET /roots/0 -> HTTP ${res.status}: ${res.body}`);
        return res.body;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** True when none of `pids` is alive any more (zombies count as gone). */
export function allGone(pids: number[]): boolean {
  return pids.every((p) => !isProcessAlive(p));
}
