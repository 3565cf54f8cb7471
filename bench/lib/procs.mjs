// The loopback ports the ACME lab needs (other runs may hold them), and short
// commands. Tools are found, and processes started and stopped, by the
// project's lab (lab/tools.ts, lab/pebble.ts, lab/nginx.ts).
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { lab } from './lab.mjs';

/** Absolute path of an executable on PATH, /usr/sbin or /sbin; null when absent. */
export const findTool = lab.findTool;

/** stdout and stderr of a short command ('' when it cannot run): `nginx -v` answers on stderr. */
export function capture(cmd, args) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  return `${res.stdout ?? ''}${res.stderr ?? ''}`.trim();
}

/** Resolves true when host:port can be bound right now (TCP, and UDP too when udp is set). */
export async function portFree(port, { host = '127.0.0.1', udp = false } = {}) {
  const tcp = await new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
  if (!tcp || !udp) return tcp;
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    sock.unref();
    sock.once('error', () => resolve(false));
    sock.bind({ address: host, port, exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

/**
 * Poll until every port is free, up to timeoutMs. Returns the ports still
 * busy at the end ([] when all are free).
 * @param {{ port: number, udp?: boolean }[]} ports
 */
export async function waitForPorts(ports, timeoutMs, log) {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    const busy = [];
    for (const p of ports) if (!(await portFree(p.port, { udp: p.udp }))) busy.push(p.port);
    if (busy.length === 0) return [];
    if (Date.now() >= deadline) return busy;
    if (!said) {
      const which = busy.length === 1 ? `port ${busy[0]} on 127.0.0.1 is` : `ports ${busy.join(', ')} on 127.0.0.1 are`;
      log(`${which} in use (another e2e run?): waiting up to ${Math.round((deadline - Date.now()) / 1000)} s for it to end`);
      said = true;
    }
    await sleep(2_000);
  }
}
