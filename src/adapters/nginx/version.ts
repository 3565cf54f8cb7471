/**
 * nginx versions: read from what `nginx -v` prints, compared part by part.
 * The directives that differ between versions are decided from these
 * (src/adapters/nginx/tls-profile.ts, src/adapters/nginx/view-model.ts).
 */

/** "1.22.1" from "nginx version: nginx/1.22.1" (or "openresty/1.21.4.1", "nginx/1.22.1 (Ubuntu)"); null when it says no version. */
export function parseNginxVersion(text: string): string | null {
  const m = /nginx version: [^/\s]+\/(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? `${Number(m[1])}.${Number(m[2])}.${Number(m[3])}` : null;
}

/** True when `version` is `least` or later ("1.25.1" >= "1.25.1"; "1.9.0" < "1.19.4"). */
export function versionAtLeast(version: string, least: string): boolean {
  const a = version.split('.').map(Number);
  const b = least.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** The versions where what the generated servers need changes (from nginx's CHANGES). */
export const NGINX_CHANGES = {
  /** ssl_reject_handshake. */
  rejectHandshake: '1.19.4',
  /** Session tickets are rotated by nginx itself from here on; before, they are turned off (Mozilla's guideline). */
  ticketKeysRotated: '1.23.2',
  /** `http2 on;` in the server; before, the `http2` parameter of listen (deprecated from here on). */
  http2Directive: '1.25.1',
} as const;
