// A throwaway ACME CA on loopback (pebble + pebble-challtestsrv as DNS, every
// name -> 127.0.0.1) and a private nginx serving the webroot on 127.0.0.1:80,
// where pebble's validator connects: the project's lab (lab/acme.ts), as the
// e2e tests use it. Here only the waiting for ports other runs may hold.
import path from 'node:path';
import { lab } from './lab.mjs';
import { findTool, waitForPorts } from './procs.mjs';

export const ACME_PORTS = [
  { port: 80 }, // pebble's validator connects here: our nginx
  { port: 14000 }, // pebble ACME API
  { port: 15000 }, // pebble management
  { port: 8053, udp: true }, // challtestsrv DNS
  { port: 8055 }, // challtestsrv management
];

/**
 * Wait (up to waitMs) for the ports, then start the lab's Pebble and nginx.
 * Returns null (with the reason logged) when the ports stay busy or a tool is
 * missing; throws when something fails to start. If another run takes a port
 * between the check and the start, waits again. track(stop) is called as soon
 * as there is something to stop.
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
      const acme = await lab.startAcme(path.join(dir, `acme-${attempt}`));
      track?.(acme.stop);
      return acme;
    } catch (err) {
      if (!/already in use|is in use|port \d+ .*(busy|taken)/i.test(String(err?.message)) || Date.now() >= deadline) throw err;
      log(`a port was taken meanwhile (${String(err.message).split('\n')[0]}); waiting again`);
    }
  }
}
