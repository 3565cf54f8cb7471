// A throwaway ACME CA on loopback (pebble + pebble-challtestsrv as DNS, every
// name -> 127.0.0.1) and a private nginx serving the webroot on 127.0.0.1:80,
// where pebble's validator connects. Same setup as the project's e2e tests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { childPids, findTool, hasExited, isAlive, startLogged, stopChild, waitFor, waitForPorts } from './procs.mjs';

export const ACME_PORTS = [
  { port: 80 }, // pebble's validator connects here: our nginx
  { port: 14000 }, // pebble ACME API
  { port: 15000 }, // pebble management
  { port: 8053, udp: true }, // challtestsrv DNS
  { port: 8055 }, // challtestsrv management
];

export const DIRECTORY_URL = 'https://127.0.0.1:14000/dir';

/** nginx.conf quoting */
const q = (v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Throwaway CA and a server certificate for 127.0.0.1 (pebble's own HTTPS). */
function makePki(dir) {
  mkdirSync(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=cert-wrap bench throwaway CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', ...ec, '-keyout', 'key.pem', '-out', 'req.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(path.join(dir, 'ext.cnf'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' +
    'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n');
  openssl(['x509', '-req', '-in', 'req.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem',
    '-days', '2', '-extfile', 'ext.cnf'], dir);
  return { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
}

function tcpReachable(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(1_000);
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('timeout', () => done(false));
    s.once('error', () => done(false));
  });
}

function httpsGet(url, ca) {
  return new Promise((resolve) => {
    const req = https.get(url, { ca, agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

function tail(file, n = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

/** nginx main config: its own pid, logs and temp paths; serves webroot on 127.0.0.1:80 for any name. */
function nginxConf(dir, webroot) {
  const tmp = path.join(dir, 'tmp');
  return [
    'worker_processes 1;',
    `pid ${q(path.join(dir, 'nginx.pid'))};`,
    `error_log ${q(path.join(dir, 'error.log'))} notice;`,
    'events { worker_connections 256; }',
    'http {',
    `    access_log ${q(path.join(dir, 'access.log'))};`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${q(path.join(tmp, t))};`),
    '    server {',
    '        listen 127.0.0.1:80 default_server;',
    '        server_name _;',
    `        location ^~ /.well-known/ { root ${q(webroot)}; }`,
    '        location / { return 301 https://$host$request_uri; }',
    '    }',
    '}',
    '',
  ].join('\n');
}

/**
 * Wait (up to waitMs) for the ports, then start challtestsrv, pebble and
 * nginx. Returns null (with the reason logged) when the ports stay busy or a
 * tool is missing; throws when something fails to start. If another run
 * takes a port between the check and the start, waits again. track(stop) is
 * called as soon as there is something to stop.
 * @returns {Promise<null | { directoryUrl: string, caBundle: string, webroot: string, nginxPid: string, stop(): Promise<void> }>}
 */
export async function startAcme(dir, { waitMs, log, track }) {
  for (const tool of ['pebble', 'pebble-challtestsrv', 'nginx', 'openssl']) {
    if (findTool(tool) === null) {
      log(`${tool} not found (apt-get install -y nginx pebble openssl): the ACME parts are not measured`);
      return null;
    }
  }
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    const busy = await waitForPorts(ACME_PORTS, Math.max(0, deadline - Date.now()), log);
    if (busy.length > 0) {
      log(`port(s) ${busy.join(', ')} still in use after ${Math.round(waitMs / 1000)} s: the parts that need Pebble are not measured`);
      return null;
    }
    try {
      return await startAll(path.join(dir, `acme-${attempt}`), track);
    } catch (err) {
      if (!(err instanceof PortTaken) || Date.now() >= deadline) throw err;
      log(`${err.message}; waiting again`);
    }
  }
}

class PortTaken extends Error {}

async function startAll(dir, track) {
  const logs = path.join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const pki = makePki(path.join(dir, 'pki'));
  const caPem = readFileSync(pki.ca, 'utf8');
  const children = [];
  const ngx = { dir: path.join(dir, 'nginx'), pid: null, workers: [] };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopNginx(ngx);
    for (const c of [...children].reverse()) await stopChild(c);
  };
  // Registered before anything starts, so that a signal at any point stops what did.
  track?.(stop);
  const fail = async (what, child) => {
    const text = `${what}\n--- ${child?.logFile ?? ''}\n${child ? tail(child.logFile) : ''}`;
    const taken = child && /address already in use/i.test(tail(child.logFile, 50));
    await stop();
    throw taken ? new PortTaken(`${child.name}: a port was taken meanwhile`) : new Error(text);
  };
  try {
    const chall = startLogged(findTool('pebble-challtestsrv'), ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', '127.0.0.1:8053',
      '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', '127.0.0.1:8055'], path.join(logs, 'challtestsrv.log'));
    children.push(chall);
    if (!(await waitFor(async () => hasExited(chall) || (await tcpReachable(8055)), 15_000)) || hasExited(chall)) {
      await fail('pebble-challtestsrv did not come up', chall);
    }
    const config = {
      pebble: {
        listenAddress: '127.0.0.1:14000', managementListenAddress: '127.0.0.1:15000', certificate: pki.cert, privateKey: pki.key,
        httpPort: 80, tlsPort: 5001, ocspResponderURL: '', externalAccountBindingRequired: false,
      },
    };
    const configPath = path.join(dir, 'pebble-config.json');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const peb = startLogged(findTool('pebble'), ['-config', configPath, '-dnsserver', '127.0.0.1:8053'], path.join(logs, 'pebble.log'),
      { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' });
    children.push(peb);
    const up = await waitFor(async () => {
      if (hasExited(peb)) return true;
      const res = await httpsGet(DIRECTORY_URL, caPem);
      return res.status === 200 && res.body.includes('newNonce');
    }, 15_000, 100);
    if (!up || hasExited(peb)) await fail('pebble did not come up', peb);

    // nginx, daemonized: its master pid comes from the pid file.
    const webroot = path.join(dir, 'webroot');
    mkdirSync(webroot, { recursive: true });
    mkdirSync(path.join(ngx.dir, 'tmp'), { recursive: true });
    const conf = path.join(ngx.dir, 'nginx.conf');
    writeFileSync(conf, nginxConf(ngx.dir, webroot));
    const errLog = path.join(ngx.dir, 'error.log');
    const nginx = findTool('nginx');
    try {
      execFileSync(nginx, ['-c', conf, '-p', `${ngx.dir}/`, '-e', errLog], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const msg = String(err.stderr ?? err.message);
      await stop();
      if (/Address already in use/i.test(msg)) throw new PortTaken('nginx: port 80 was taken meanwhile');
      throw new Error(`nginx did not start: ${msg}`);
    }
    const pidFile = path.join(ngx.dir, 'nginx.pid');
    if (!(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5_000))) {
      await stop();
      throw new Error(`nginx wrote no pid file:\n${tail(errLog)}`);
    }
    ngx.pid = Number(readFileSync(pidFile, 'utf8').trim());
    return { directoryUrl: DIRECTORY_URL, caBundle: pki.ca, webroot, nginxPid: pidFile, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** SIGQUIT (graceful) to our nginx master; SIGKILL to it and its workers after 5 s. */
async function stopNginx(ngx) {
  if (ngx.pid === null || !isAlive(ngx.pid)) return;
  const workers = childPids(ngx.pid);
  process.kill(ngx.pid, 'SIGQUIT');
  if (await waitFor(() => !isAlive(ngx.pid), 5_000)) return;
  for (const pid of [ngx.pid, ...workers, ...childPids(ngx.pid)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await sleep(100);
}
