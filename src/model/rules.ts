/**
 * Checks on single values that the JSON Schema cannot express. Each returns
 * null when the value is fine, or the message that follows its config path.
 */
import { parseStatements, type Statement } from '../leaves/nginx-tokenize.js';
import { unquotableReason } from '../leaves/nginx-quote.js';
import { showValue } from '../lib/errors.js';
import { OWN_CERTS_DIR_FILES } from './paths.js';
import { DEFAULTS } from './types.js';
import { isIPv4, isIPv6 } from '../leaves/ip.js';

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Longest path accepted where nginx reads it (its words stop at 4096 bytes). */
export const MAX_PATH_BYTES = 1024;

export function checkAbsolutePath(value: string): string | null {
  if (CONTROL.test(value)) return `${showValue(value)} contains a control character`;
  if (!value.startsWith('/')) return `${showValue(value)} must be an absolute path (start with "/")`;
  return null;
}

/** The webroot is written into nginx's root directive and passed to certbot. */
export function checkWebroot(value: string): string | null {
  const abs = checkAbsolutePath(value);
  if (abs) return abs;
  // nginx refuses a word of 4096 bytes; leave room for the names appended to it.
  if (Buffer.byteLength(value) > MAX_PATH_BYTES) return `is longer than ${MAX_PATH_BYTES} bytes`;
  const reason = unquotableReason(value);
  if (reason) return `${showValue(value)} ${reason}; nginx cannot be given this path safely`;
  return null;
}

/** A command or path run without a shell (certbot, nginx). */
export function checkCommand(value: string): string | null {
  if (CONTROL.test(value)) return `${showValue(value)} contains a control character`;
  if (/\s/.test(value)) return `${showValue(value)} must be a single command name or path, without arguments or spaces`;
  if (value.startsWith('-')) return `${showValue(value)} must not start with "-"`;
  return null;
}

/** A hook is run by a shell on purpose (certbot does the same); it must still be one line. */
export function checkHook(value: string): string | null {
  if (CONTROL.test(value)) return `${showValue(value)} contains a control character (a hook must be a single line)`;
  if (value.trim() === '') return 'must not be blank';
  return null;
}

/** A secret (EAB values): checked without ever echoing the value. */
export function checkSecret(value: string): string | null {
  if (CONTROL.test(value) || /\s/.test(value)) return 'must not contain spaces or control characters (value not shown: it is a secret)';
  // certbot's config-file parser (which receives the secrets) would read [a,b] as a list.
  if (value.startsWith('[') && value.endsWith(']')) return 'must not be enclosed in [ ] (value not shown: it is a secret)';
  return null;
}

const CERT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** certbot's lineage name becomes a directory name (live/NAME) and --cert-name. */
export function checkCertName(value: string): string | null {
  if (!CERT_NAME.test(value) || value.includes('..')) {
    return `${showValue(value)} is not a valid certificate name (letters, digits, ".", "_", "-"; not starting with "." or "-")`;
  }
  return null;
}

/** CERTS-DIR holds a directory per certificate beside cert-wrap's own files: a certificate cannot take their names. */
export function checkOwnFileName(name: string): string | null {
  if (!OWN_CERTS_DIR_FILES.includes(name)) return null;
  return `certificate name ${showValue(name)} is the name of a file cert-wrap keeps in certs-dir (${OWN_CERTS_DIR_FILES.join(', ')}); choose another name`;
}

export function checkEmail(value: string): string | null {
  if (CONTROL.test(value) || !/^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/.test(value)) {
    return `${showValue(value)} is not a valid e-mail address`;
  }
  return null;
}

export function checkServerUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${showValue(value)} is not a URL (expected the ACME directory, e.g. "https://acme-v02.api.letsencrypt.org/directory")`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${showValue(value)} must be an http(s) URL`;
  if (CONTROL.test(value) || /\s/.test(value)) return `${showValue(value)} must not contain spaces or control characters`;
  return null;
}

const LISTEN_PARAMS = /^(default_server|reuseport|deferred|bind|ipv6only=(on|off)|backlog=[1-9]\d{0,5}|fastopen=\d{1,6}|so_keepalive=(on|off))$/;

/** A listen line's arguments: an address and a few known parameters, nothing else. */
/** An IPv6 listen address in the canonical form nginx reads (it refuses e.g. a "::" that stands for one group). */
export function canonicalListen(value: string): string {
  const m = /^\[([^\]]+)\]:(\d+)(.*)$/.exec(value.trim());
  if (!m) return value.trim();
  return `${new URL(`http://[${m[1]}]/`).hostname}:${m[2]}${m[3]}`;
}

export function checkListen(value: string): string | null {
  const bad = `${showValue(value)} is not a valid listen address (e.g. "80", "127.0.0.1:8080", "[::]:80", "80 default_server")`;
  if (CONTROL.test(value)) return bad;
  const [address, ...params] = value.trim().split(/ +/);
  if (!address || !isListenAddress(address)) return bad;
  for (const param of params) {
    if (!LISTEN_PARAMS.test(param)) return `${showValue(value)}: unknown or unsupported listen parameter ${showValue(param)}`;
  }
  const mapped = mappedIPv4(address);
  if (mapped && !params.includes('ipv6only=off')) {
    return `${showValue(value)} is an IPv4-mapped IPv6 address, which nginx cannot bind (its listen sockets are ipv6only=on): write ${showValue(mapped)}`;
  }
  return null;
}

/** "[::ffff:127.0.0.1]:80" (::ffff:0:0/96, in any spelling) -> "127.0.0.1:80"; null for any other address. */
function mappedIPv4(address: string): string | null {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(address);
  if (!v6) return null;
  const m = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(new URL(`http://[${v6[1]}]/`).hostname);
  if (!m) return null;
  const [hi, lo] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}:${v6[2]}`;
}

function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

function isListenAddress(address: string): boolean {
  if (isPort(address)) return true;
  const v6 = /^\[([^\]%]+)\]:(\d+)$/.exec(address);
  if (v6) return isIPv6(v6[1]!) && isPort(v6[2]!);
  const v4 = /^([^:]+):(\d+)$/.exec(address);
  if (v4) return (v4[1] === '*' || isIPv4(v4[1]!)) && isPort(v4[2]!);
  return false;
}

/** HTTPS listen lines: like the port-80 ones, plus http2; "ssl" is added by the renderer. */
export function checkHttpsListen(value: string): string | null {
  const params = value.trim().split(/ +/).slice(1).filter((p) => p !== 'http2' && p !== 'ssl');
  return checkListen([value.trim().split(/ +/)[0] ?? '', ...params].join(' '));
}

/** The browsers' preload list takes only names bound with their subdomains, for at least a year. */
export function checkHstsPreload(hsts: { maxAge: number; includeSubdomains: boolean; preload: boolean }): string | null {
  if (!hsts.preload) return null;
  const missing = [
    ...(hsts.includeSubdomains ? [] : ['include-subdomains: true']),
    ...(hsts.maxAge >= DEFAULTS.hstsPreloadMinAge ? [] : [`a max-age of at least ${DEFAULTS.hstsPreloadMinAge} (it is ${hsts.maxAge})`]),
  ];
  return missing.length === 0 ? null : `is true, but the browsers' preload list also needs ${missing.join(' and ')}`;
}

/** A user or group: a name as useradd accepts it, or a numeric id. */
export function checkAccountName(value: string): string | null {
  if (!/^([a-z_][a-z0-9_-]{0,31}\$?|[0-9]{1,10})$/i.test(value)) return `${showValue(value)} is not a valid user or group name`;
  return null;
}

const MODIFIERS = new Set(['=', '~', '~*', '^~']);

/** The location's match: read it as nginx would read `location URI {`. */
export function checkLocationUri(value: string): string | null {
  if (CONTROL.test(value)) return `${showValue(value)} contains a control character`;
  const parsed = parseStatements(`location ${value} {}`);
  const bad = `${showValue(value)} is not a valid location (e.g. "/", "= /exact", "~ \\.php$", "^~ /static/", "@name")`;
  if (!parsed.ok || parsed.statements.length !== 1) return bad;
  const block = parsed.statements[0]!;
  if (block.kind !== 'block' || block.body.length !== 0) return bad;
  const args = block.args.slice(1);
  if (args.length === 2 && !MODIFIERS.has(args[0]!)) return bad;
  if (args.length < 1 || args.length > 2) return bad;
  const match = args[args.length - 1]!;
  if (args.length === 1 && !match.startsWith('/') && !match.startsWith('@')) return bad;
  if (args.length === 2 && args[0] !== '~' && args[0] !== '~*' && !match.startsWith('/')) return bad;
  if (/^\/\.well-known\/?$/.test(match)) {
    return `${showValue(value)} would take the place of the ACME challenge location "/.well-known/"`;
  }
  return null;
}

/** One entry of a location body: exactly one complete directive, as nginx reads it. */
export function checkDirective(value: string): string | null {
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(value)) return `${showValue(value)} contains a control character`;
  const parsed = parseStatements(value);
  if (!parsed.ok) return `${showValue(value)} is not a complete nginx directive: it ${parsed.reason}`;
  if (parsed.statements.length !== 1) {
    return `${showValue(value)} must hold exactly one directive (it holds ${parsed.statements.length}); use one list entry per directive`;
  }
  // Lines are re-indented in the output, which would change a quoted string spanning lines.
  if (hasMultilineWord(parsed.statements)) return `${showValue(value)} has a quoted string spanning lines; use \\n escapes instead`;
  return null;
}

function hasMultilineWord(statements: Statement[]): boolean {
  return statements.some((s) => s.args.some((a) => /[\r\n]/.test(a)) || (s.kind === 'block' && hasMultilineWord(s.body)));
}
