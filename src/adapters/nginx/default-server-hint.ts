/**
 * When nginx refuses a configuration with "a duplicate default server for
 * ADDRESS" on an HTTPS listen address, the other default server is most likely
 * the user's own: say which setting turns cert-wrap's off.
 */
import type { Config } from '../../model/types.js';

const DUPLICATE = /a duplicate default server for (\S+?:(\d+))\b/;

export function duplicateDefaultServerHint(config: Config, nginxSaid: string): string | null {
  const m = DUPLICATE.exec(nginxSaid);
  if (!m || !config.nginx.httpsDefaultServer || !config.certificates.some((c) => c.https !== null)) return null;
  const port = m[2]!;
  if (!config.nginx.httpsListen.some((l) => listenPort(l) === port)) return null;
  return (
    `two default servers for ${m[1]}: the generated servers have one that refuses the handshake for names without an HTTPS server; ` +
    `to keep your own default server there instead, set "nginx.https-default-server: false" in ${config.sourceName}`
  );
}

/** "443", "127.0.0.1:443", "[::1]:443 ssl" -> "443". */
function listenPort(listen: string): string {
  const address = listen.split(' ')[0]!;
  return /(?:^|:)(\d+)$/.exec(address)?.[1] ?? '';
}
