/**
 * Hostile values for every string field of the config, and the one check each
 * value must pass: it is rejected with an issue at its own config path, or it
 * is accepted and then
 *   - the nginx output holds exactly the directives the templates produce
 *     (read three ways: nginx's own tokenizer rules, src/nginx/tokenize.ts,
 *     and the nginx-conf package), with each template-controlled word equal to
 *     the config's value;
 *   - certbot's argv is exactly the documented flags, each user value once, in
 *     its own element after its flag or after `--flag=`, none read as a flag.
 * Shared by the in-process property tests and the real `nginx -t` tests.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { certonlyArgs } from '../../src/adapters/certbot/args.js';
import { secretsIni } from '../../src/adapters/certbot/secrets-file.js';
import { parseConfig } from '../../src/model/load.js';
import type { Certificate, Config } from '../../src/model/types.js';
import { ConfigError, formatPath } from '../../src/lib/errors.js';
import { commentText, nginxQuote } from '../../src/leaves/nginx-quote.js';
import { renderNginx } from '../../src/adapters/nginx/render.js';
import type { Render } from '../../src/adapters/nginx/templates.js';
import { parseStatements, type Statement } from '../../src/leaves/nginx-tokenize.js';
import { type NgxStatement, countOf, nginxConfShape, ngxRead, shapeOf } from '../../lab/nginx-batch.js';
import { handshakeLines, tlsLines, widestProfile } from '../../src/adapters/nginx/tls-profile.js';
import { stressSize } from '../../lab/stress.js';

/** The nginx version the output is written for (the fields under test do not change with it). */
const TEST_NGINX_VERSION = '1.22.1';

// ---------------------------------------------------------------------------
// Hostile strings
// ---------------------------------------------------------------------------

/** Characters that mean something to nginx, YAML, a shell, argparse or a terminal, and unicode look-alikes. */
export const HOSTILE_UNITS = [
  '"', "'", '{', '}', ';', '#', '$', '\\', '\n', '\r', '\t', '\0', ' ', '(', ')', '[', ']', '-', '--', '=', '/', '.', ':', '@',
  '*', '%', '`', '|', '&', '<', '>', '!', '?', ',', '~', '^', '+',
  '\u0001', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f', '\u0085', '\u00a0', '\u00ad', '\u200b', '\u2028', '\u2029', '\ufeff',
  '\ufffd', 'ß', 'é', 'İ', 'ı', '中', '\u{1f600}', '\uff1b' /* fullwidth ; */, '\uff5b' /* fullwidth { */, '\u037e' /* greek question mark */,
  '\u2215' /* division slash */, '\uff0e' /* fullwidth . */, '\u3002' /* ideographic full stop */,
];

const PLAIN_UNITS = 'abcxyz019AZ_-./'.split('');

export const hostileChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_UNITS) },
  { weight: 4, arbitrary: fc.constantFrom(...PLAIN_UNITS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

/** Attempts to end a directive, open or close a block, add a flag or run a command. */
export const SMUGGLES = [
  'x; include /etc/passwd',
  'x; include /etc/passwd;',
  'x } server { listen 81; location / { return 200; }',
  '} server { listen 81; location / { return 200; } #',
  '/x"; root /etc; #',
  "/x'; root /etc; #",
  '/x\\"; root /etc; #',
  '/x\\\\"; root /etc; #',
  'x\nroot /etc;',
  'x\r\nroot /etc;',
  'x\u2028root /etc;',
  'x\0; root /etc;',
  '-d evil.test',
  '--server=https://evil',
  '--config-dir=/tmp/evil',
  '-w /etc',
  '$(touch /tmp/cert-wrap-pwned)',
  '`touch /tmp/cert-wrap-pwned`',
  '; touch /tmp/cert-wrap-pwned',
  '| touch /tmp/cert-wrap-pwned',
  "' ; touch /tmp/cert-wrap-pwned ; '",
  '${host}',
  '$host',
  '\\$host',
  '#',
  '{',
  '}',
  ';',
  '"',
  "'",
  '\\',
  ' ',
  '',
  'a"b',
  "a'b",
  '"a")# ; } location /evil { alias /etc/; } location /x {\nallow all;',
  "'a')# } location /evil { alias /etc/; } location /x {\n",
];

const short = (max: number) => fc.string({ unit: hostileChar, maxLength: max });

export const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: short(40) },
  { weight: 3, arbitrary: fc.constantFrom(...SMUGGLES) },
  { weight: 3, arbitrary: fc.tuple(short(8), fc.constantFrom(...SMUGGLES), short(8)).map(([a, b, c]) => a + b + c) },
  { weight: 1, arbitrary: fc.string({ unit: hostileChar, minLength: 1000, maxLength: 5000 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', '/', 'é', '中'), fc.integer({ min: 1000, max: 5000 })).map(([c, n]) => c.repeat(n)) },
);

/** A valid-looking value with something hostile before, after or inside it. */
function around(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    valid,
    fc.tuple(valid, hostile).map(([v, h]) => v + h),
    fc.tuple(hostile, valid).map(([h, v]) => h + v),
    fc.tuple(valid, short(6), valid).map(([a, h, b]) => a + h + b),
  );
}

// Characters nginx reads specially, as tokens for a lexer fuzzer: quotes, ")" after a quote, "#" at the start of a word, "${", escapes.
export const LEX_TOKENS = [
  '"', "'", ')', '(', '#', ';', '{', '}', '\n', ' ', '\t', '\\', '$', '${', 'x', 'y', 'return', '200', 'types', 'location', '/evil',
  'alias', '/etc/', 'allow', 'all', 'if', '($a', '=', 'a;b', 'é', '\\"', "\\'", '\\\\', '\\n', '")', "')", '#;', '}{', 'server', 'listen', '81',
];
const lexFuzz = fc.array(fc.constantFrom(...LEX_TOKENS), { minLength: 1, maxLength: 30 }).map((a) => a.join(''));

const dq = (s: string) => `"${s.replace(/[\\"]/g, '\\$&')}"`;
const sq = (s: string) => `'${s.replace(/[\\']/g, "\\$&")}'`;
const bare = (s: string) => (s === '' ? '""' : s.replace(/[\\"'{};#$\s()]/g, '\\$&'));
const nginxWord = fc.oneof(short(20).map(dq), short(20).map(sq), short(20).map(bare), short(10), fc.constantFrom('")', "')", '"a")', '"a")#'));

/** Directives a user might write in a location, with hostile words, plus lexer fuzz. */
const directiveArb = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('200', '204', '301', '404'), nginxWord).map(([c, w]) => `return ${c} ${w};`) },
  { weight: 2, arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), nginxWord).map(([n, w]) => `add_header ${n} ${w};`) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.array(nginxWord, { minLength: 1, maxLength: 3 }), { maxLength: 4 })
      .map((entries) => `types { ${entries.map((e) => `${e.join(' ')};`).join(' ')} }`),
  },
  { weight: 1, arbitrary: nginxWord.map((w) => `if ($request_method = ${w}) { return 405; }`) },
  { weight: 1, arbitrary: fc.tuple(nginxWord, nginxWord).map(([a, b]) => `location /x${bare(a)} { return 200 ${b}; }`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('deny all;', 'return 404;'), short(20)).map(([d, c]) => `${d} # ${c}`) },
  { weight: 2, arbitrary: lexFuzz },
  { weight: 2, arbitrary: lexFuzz.map((s) => `x ${s};`) },
  { weight: 2, arbitrary: hostile },
);

const segment = fc.string({ unit: hostileChar, minLength: 1, maxLength: 12 });
const absolutePath = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((segs) => `/${segs.join('/')}`),
  around(fc.constantFrom('/var/www', '/srv/acme', '/etc/letsencrypt', '/')),
  fc.integer({ min: 3900, max: 4200 }).map((n) => `/${'a'.repeat(n)}`),
);

const domainArb = fc.oneof(
  { weight: 3, arbitrary: fc.domain() },
  { weight: 2, arbitrary: fc.array(fc.string({ unit: fc.constantFrom(...'abcéüßx中-0'.split('')), minLength: 1, maxLength: 12 }), { minLength: 2, maxLength: 4 }).map((l) => l.join('.')) },
  { weight: 1, arbitrary: fc.domain().map((d) => d.toUpperCase()) },
  { weight: 1, arbitrary: fc.domain().map((d) => `*.${d}`) },
  { weight: 1, arbitrary: fc.domain().map((d) => `${d}.`) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 70 }).map((n) => `${'a'.repeat(n)}.example.org`) },
  { weight: 1, arbitrary: fc.integer({ min: 230, max: 260 }).map((n) => `${'abcdefghi.'.repeat(Math.floor(n / 10))}org`) },
  { weight: 4, arbitrary: around(fc.domain()) },
  { weight: 3, arbitrary: hostile },
);

const port = fc.oneof(
  fc.integer({ min: 1, max: 65535 }).map(String),
  fc.constantFrom('0', '65536', '99999', '080', '00080', ''),
);
const listenAddress = fc.oneof(
  port,
  fc.tuple(fc.oneof(fc.ipV4(), fc.constantFrom('127.0.0.1', '0.0.0.0', '*', 'localhost', '01.2.3.4', '1.2.3')), port).map(([a, p]) => `${a}:${p}`),
  fc.tuple(fc.oneof(fc.ipV6(), fc.constantFrom('::', '::1', 'fe80::1%eth0', 'fe80::1%1', '::ffff:127.0.0.1', '[::1]')), port).map(([a, p]) => `[${a}]:${p}`),
);
const listenParam = fc.oneof(
  fc.constantFrom('default_server', 'reuseport', 'deferred', 'bind', 'ipv6only=on', 'ipv6only=off', 'so_keepalive=on', 'so_keepalive=off', 'ssl', 'http2', 'proxy_protocol', 'backlog=0', 'fastopen=0'),
  fc.nat({ max: 999999 }).map((n) => `backlog=${n}`),
  fc.nat({ max: 999999 }).map((n) => `fastopen=${n}`),
  short(6),
);
const listenArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(listenAddress, fc.array(listenParam, { maxLength: 3 }), fc.constantFrom(' ', '  ', '\t', ' \u00a0'), fc.constantFrom('', ' ', '\u00a0', '\n')).map(([a, ps, sep, pad]) => pad + [a, ...ps].join(sep) + pad) },
  { weight: 2, arbitrary: around(fc.constantFrom('80', '127.0.0.1:8080', '[::]:80', '80 default_server')) },
  { weight: 2, arbitrary: hostile },
);

const uriArb = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('', '= ', '^~ ', '~ ', '~* '), segment).map(([m, s]) => `${m}/${s}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('~ ', '~* '), short(15)).map(([m, s]) => m + s) },
  { weight: 1, arbitrary: short(15).map((s) => `@${s}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/a', '= /a', '@n'), short(10)).map(([u, c]) => `${u} #${c}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('', '= ', '~ '), lexFuzz).map(([m, s]) => m + s) },
  { weight: 1, arbitrary: nginxWord.map((w) => `/${w}`) },
  { weight: 2, arbitrary: hostile },
);

const hookArb = fc.oneof(
  hostile,
  around(fc.constantFrom('/usr/local/bin/hook', 'systemctl reload postfix', '/bin/true')),
  fc.constantFrom('umask 022; /bin/true', 'echo "$CERTBOT_VALIDATION" > /tmp/x', "sh -c 'exit 0'", 'a && b || c', '$(id)', '`id`'),
);

const commandArb = fc.oneof(hostile, around(fc.constantFrom('certbot', '/usr/bin/certbot', 'nginx', '/usr/sbin/nginx')));

// ---------------------------------------------------------------------------
// The fields
// ---------------------------------------------------------------------------

/** Per-process directory for the certificate files nginx -t loads (certs-dir values may be placed under it). */
export const CERTS_ROOT = join(tmpdir(), `cert-wrap-injection-${process.pid}`);

export interface MemberCtx {
  index: number;
  /** Port of the member's own port-80 listen line. */
  port: number;
  httpsPort: number;
}

type Raw = Record<string, unknown> & { certificates: Record<string, unknown>[]; nginx: Record<string, unknown> };

function base(ctx: MemberCtx, opts: { twoCerts?: boolean; https?: boolean } = {}): Raw {
  const cert = (prefix: string): Record<string, unknown> => ({ domains: [`${prefix}${ctx.index}.example.org`], ...(opts.https ? { https: true } : {}) });
  return {
    certificates: opts.twoCerts ? [cert('m'), cert('n')] : [cert('m')],
    nginx: { listen: [`127.0.0.1:${ctx.port}`], 'https-listen': [`127.0.0.1:${ctx.httpsPort}`] },
    'certs-dir': join(CERTS_ROOT, 'certs'),
  };
}

const cert0 = (raw: Raw) => raw.certificates[0]!;

export interface FieldSpec {
  /** The config path an issue about this value must name. */
  path: string;
  /** Shown in test names when two specs share a path. */
  label: string;
  /** Values per run, fixed attempts included (INJECTION_RUNS_PERCENT of the field's full size; 100 for a soak). */
  runs: number;
  /** At most this many fixed attempts (a quarter of the field's full size), tried first whatever the percentage. */
  fixed: number;
  arb: fc.Arbitrary<string>;
  build: (value: string, ctx: MemberCtx) => Raw;
  /** Whether the value can appear in gen-nginx's output at all. */
  inOutput: boolean;
  /** Whether the value is a secret that no message may show. */
  secret?: boolean;
  /** The value is a default-location or https body entry, or a location uri: nginx syntax written by the user. */
  nginxSyntax?: 'body' | 'https-body' | 'uri';
}

/** npm test tries half of each field's full size by default; INJECTION_RUNS_PERCENT=100 (or more) for a soak. */
const RUNS_PERCENT = stressSize('INJECTION_RUNS_PERCENT', 50);

const field = (path: string, runs: number, arb: fc.Arbitrary<string>, build: FieldSpec['build'], more: Partial<FieldSpec> = {}): FieldSpec => ({
  path,
  label: path,
  fixed: Math.floor(runs / 4),
  runs: Math.max(Math.floor(runs / 4), Math.ceil((runs * RUNS_PERCENT) / 100)),
  arb,
  build,
  inOutput: true,
  ...more,
});

const set = (key: string) => (v: string, ctx: MemberCtx) => ({ ...base(ctx), [key]: v });
const setNginx = (key: string) => (v: string, ctx: MemberCtx) => {
  const raw = base(ctx);
  raw.nginx[key] = v;
  return raw;
};
const setCert = (key: string, extra: Record<string, unknown> = {}, opts: { https?: boolean } = {}) => (v: string, ctx: MemberCtx) => {
  const raw = base(ctx, opts);
  Object.assign(cert0(raw), extra, { [key]: v });
  return raw;
};
const setDeploy = (key: string) => (v: string, ctx: MemberCtx) => {
  const raw = base(ctx);
  cert0(raw).deploy = [{ directory: '/etc/postfix/tls', [key]: v }];
  return raw;
};

export const FIELDS: FieldSpec[] = [
  field('certificates[0].domains[0]', 400, domainArb, (v, ctx) => {
    const raw = base(ctx);
    cert0(raw).domains = [v];
    return raw;
  }),
  field(
    'certificates[0].domains[0]',
    200,
    domainArb,
    (v, ctx) => {
      const raw = base(ctx);
      Object.assign(cert0(raw), { domains: [v], challenge: 'dns', 'authentication-hook': '/usr/local/bin/dns-hook' });
      return raw;
    },
    { label: 'certificates[0].domains[0] (challenge: dns)' },
  ),
  field('certificates[0].name', 200, fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,60}$/), around(fc.constantFrom('bar', 'example.org')), hostile), setCert('name', {}, { https: true })),
  field('webroot', 400, absolutePath, set('webroot')),
  field('certs-dir', 250, fc.oneof(absolutePath, absolutePath.map((p) => join(CERTS_ROOT, 'hostile') + p)), (v, ctx) => {
    const raw = base(ctx, { https: true });
    raw['certs-dir'] = v;
    return raw;
  }),
  field('default-location.uri', 400, uriArb, (v, ctx) => ({ ...base(ctx), 'default-location': { uri: v, body: ['return 404;'] } }), { nginxSyntax: 'uri' }),
  field('default-location.body[0]', 600, directiveArb, (v, ctx) => ({ ...base(ctx), 'default-location': { uri: '/', body: [v] } }), { nginxSyntax: 'body' }),
  field('certificates[0].https.body[0]', 300, directiveArb, (v, ctx) => {
    const raw = base(ctx);
    cert0(raw).https = { body: [v] };
    return raw;
  }, { nginxSyntax: 'https-body' }),
  field('nginx.listen[0]', 400, listenArb, (v, ctx) => {
    const raw = base(ctx, { twoCerts: true });
    raw.nginx.listen = [v];
    return raw;
  }),
  field('nginx.https-listen[0]', 200, listenArb, (v, ctx) => {
    const raw = base(ctx, { twoCerts: true, https: true });
    raw.nginx['https-listen'] = [v];
    return raw;
  }),
  field('certificates[0].authentication-hook', 150, hookArb, setCert('authentication-hook', { challenge: 'http' })),
  field('certificates[0].cleanup-hook', 100, hookArb, setCert('cleanup-hook', { challenge: 'http', 'authentication-hook': '/usr/local/bin/auth' })),
  field('certificates[0].deploy-hook', 150, hookArb, setCert('deploy-hook'), { inOutput: false }),
  field('email', 200, fc.oneof(fc.emailAddress(), around(fc.emailAddress()), fc.tuple(hostile, fc.domain()).map(([h, d]) => `${h}@${d}`), hostile), set('email')),
  field('server', 200, fc.oneof(fc.webUrl(), around(fc.constantFrom('https://acme.example/directory', 'http://127.0.0.1:14000/dir')), short(30).map((h) => `https://${h}`), hostile), set('server')),
  field('eab-kid', 100, fc.oneof(fc.base64String({ minLength: 4, maxLength: 40 }), around(fc.base64String({ minLength: 4, maxLength: 20 })), hostile), (v, ctx) => ({ ...base(ctx), 'eab-kid': v, 'eab-hmac-key': 'aG1hYy1rZXk' }), { secret: true }),
  field('eab-hmac-key', 100, fc.oneof(fc.base64String({ minLength: 4, maxLength: 40 }), around(fc.base64String({ minLength: 4, maxLength: 20 })), hostile), (v, ctx) => ({ ...base(ctx), 'eab-kid': 'kid-1', 'eab-hmac-key': v }), { secret: true }),
  field('config-dir', 100, absolutePath, set('config-dir')),
  field('work-dir', 100, absolutePath, set('work-dir')),
  field('logs-dir', 100, absolutePath, set('logs-dir')),
  field('certbot', 100, commandArb, set('certbot'), { inOutput: false }),
  field('nginx.pid-file', 80, absolutePath, setNginx('pid-file'), { inOutput: false }),
  field('nginx.binary', 80, commandArb, setNginx('binary'), { inOutput: false }),
  field('nginx.conf-file', 80, absolutePath, setNginx('conf-file'), { inOutput: false }),
  field('nginx.prefix', 80, absolutePath, setNginx('prefix'), { inOutput: false }),
  field('certificates[0].deploy[0].directory', 80, absolutePath, setDeploy('directory'), { inOutput: false }),
  field('certificates[0].deploy[0].owner', 80, fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_-]{0,31}\$?$/), fc.nat().map(String), hostile), setDeploy('owner'), { inOutput: false }),
  field('certificates[0].deploy[0].group', 80, fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_-]{0,31}\$?$/), fc.nat().map(String), hostile), setDeploy('group'), { inOutput: false }),
  field('certificates[0].deploy[0].mode', 60, fc.oneof(fc.stringMatching(/^0?[0-7]{3}$/), around(fc.constantFrom('0640', '600')), hostile), setDeploy('mode'), { inOutput: false }),
  field('renew-before', 80, fc.oneof(fc.constantFrom('33%', '1/3', '25 %', '0%', '100%', '1/0', '0/3'), around(fc.constantFrom('33%', '1/3')), hostile), set('renew-before'), { inOutput: false }),
  field('certificates[0].challenge', 50, fc.oneof(fc.constantFrom('http', 'dns', 'HTTP', 'dns-01', 'tls-alpn-01'), around(fc.constantFrom('http', 'dns')), hostile), setCert('challenge', { 'authentication-hook': '/usr/local/bin/auth' })),
  field('key-type', 50, fc.oneof(fc.constantFrom('rsa', 'ecdsa', 'RSA', 'dsa'), around(fc.constantFrom('rsa', 'ecdsa')), hostile), set('key-type')),
  field('$schema', 50, fc.oneof(fc.webUrl(), hostile), set('$schema'), { inOutput: false }),
];

export const TOTAL_RUNS = FIELDS.reduce((n, f) => n + f.runs, 0);

/** The fixed attempts every run of a field tries first (they count in its runs): the field's own, then the common ones. */
export function examplesFor(spec: FieldSpec): string[] {
  const common = SMUGGLES.filter((s) => s !== '');
  const own: Record<string, string[]> = {
    'nginx.listen[0]': ['80 backlog=0', '[fe80::1%eth0]:80', '[1:2:3:4:5:6:7::]:80', '127.0.0.1:80 ipv6only=on', '80; include /etc/passwd', '80\ndefault_server'],
    'default-location.uri': ['/a # note\n', '"=")# { } location /evil { alias /etc/; } location =\n/z', `/${'a'.repeat(4095)}`],
    'default-location.body[0]': ['types { "a")# ; } location /evil { alias /etc/; } location /x {\n allow all; }', 'if ($request_method = "POST") { return 405; }', `return 200 "${'a'.repeat(4096)}";`],
    // The header comment repeats the webroot; nginx reads no comment of 4096 bytes or more.
    webroot: [`/${'a'.repeat(4023)}`],
    'certs-dir': [`/${'a'.repeat(4069)}`],
  };
  own['nginx.https-listen[0]'] = own['nginx.listen[0]']!;
  own['certificates[0].https.body[0]'] = own['default-location.body[0]']!;
  return [...(own[spec.path] ?? []), ...common];
}

// ---------------------------------------------------------------------------
// The check of one value
// ---------------------------------------------------------------------------

/** What nginx -t must say about an accepted member. */
export type NginxExpectation =
  | { kind: 'accept' }
  /** nginx reads a file the value names (ssl_certificate): it must fail on exactly that path. */
  | { kind: 'file-error'; message: string }
  /** User-written nginx directives nginx may refuse on their meaning, never on their structure. */
  | { kind: 'meaning'; firstLine: number; lastLine: number; names: string[] };

export type Outcome =
  | { kind: 'rejected'; lines: string[] }
  | {
      kind: 'accepted';
      config: Config;
      text: string;
      ports: number[];
      nginx: NginxExpectation;
      /** nginx-conf could not read one of the user's snippets by itself: its reading of the whole output proves nothing. */
      outsideNginxConfDialect: boolean;
    };

export const DEPLOY_HOOK_COMMAND = "/usr/bin/node /opt/cert-wrap/bin/cert-wrap.js deploy-hook -c '/etc/cert wrap/site.yaml'";

/** A value broke the rules above (as opposed to a failure of the test itself). */
export class Violation extends Error {
  override name = 'Violation';
}
function fail(message: string, value: string): never {
  throw new Violation(`${message}\n  value: ${showShort(value)}`);
}

/** A value for a message: JSON-quoted, long ones cut, with their length. */
export function showShort(value: string, max = 300): string {
  const text = JSON.stringify(value);
  return text.length <= max ? text : `${text.slice(0, max)}..." (${value.length} characters)`;
}

/** fast-check's report, with long counterexamples cut (the seed and path replay them in full). */
export function shortReport(details: fc.RunDetails<[string]>): void {
  if (!details.failed) return;
  const example = details.counterexample ? showShort(details.counterexample[0]) : '(none)';
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `Property failed after ${details.numRuns} tests\n{ seed: ${details.seed}, path: ${JSON.stringify(details.counterexamplePath)}, endOnFailure: true }\n` +
      `Counterexample: [${example}]\nShrunk ${details.numShrinks} time(s)\n${error}`,
  );
}

/** JSON text for the config, with everything outside printable ASCII escaped so that YAML reads it the same. */
export function configText(raw: Raw): string {
  return JSON.stringify(raw, null, 2).replace(/[^\x20-\x7e\n]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function parse(text: string, file: string): Config | ConfigError {
  try {
    return parseConfig(text, file, `/etc/cert-wrap/${file}`);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

const wellFormed = (s: string) => Buffer.from(s, 'utf8').toString('utf8');

/**
 * The checker (src/nginx/tokenize.ts) must read what nginx reads: whenever it
 * accepts text, nginx's rules give the same statements with the same words.
 */
export function checkerAgreesWithNginx(text: string): string | null {
  const ours = parseStatements(text);
  if (!ours.ok) return null;
  const theirs = ngxRead(text);
  if (!theirs.ok) return `the checker accepts it, nginx refuses it: ${theirs.error}`;
  const a = JSON.stringify(flatOurs(ours.statements));
  const b = JSON.stringify(flatTheirs(theirs.statements));
  return a === b ? null : `the checker reads ${a.slice(0, 300)}\n  nginx reads       ${b.slice(0, 300)}`;
}
const flatOurs = (ss: Statement[]): unknown[] => ss.map((s) => [s.kind, s.args.map(wellFormed), s.kind === 'block' ? flatOurs(s.body) : null]);
const flatTheirs = (ss: NgxStatement[]): unknown[] => ss.map((s) => [s.kind, s.raw, s.body ? flatTheirs(s.body) : null]);

// What the templates produce, as statements: exact words where the template writes them,
// the checker's reading (kind, name, nesting) where the user wrote the directive.
interface Expected {
  kind: 'directive' | 'block';
  name: string;
  /** Every word as nginx must use it (template-controlled statements only). */
  args?: string[];
  body?: Expected[];
}

function fromChecker(statements: Statement[]): Expected[] {
  return statements.map((s) => ({ kind: s.kind, name: s.args[0] ?? '', ...(s.kind === 'block' ? { body: fromChecker(s.body) } : {}) }));
}

function checkerRead(text: string, what: string, value: string): Statement[] {
  const parsed = parseStatements(text);
  if (!parsed.ok) fail(`accepted, but the checker cannot read its own ${what}: ${parsed.reason}`, value);
  return parsed.statements;
}

const directive = (...args: string[]): Expected => ({ kind: 'directive', name: args[0]!, args });
const block = (args: string[], body: Expected[]): Expected => ({ kind: 'block', name: args[0]!, args, body });
const words = (line: string) => line.split(' ');

function expectedStatements(config: Config, value: string): Expected[] {
  const out: Expected[] = [];
  const challenge = block(['location', '^~', '/.well-known/'], [directive('root', config.webroot)]);
  const location = config.defaultLocation && {
    kind: 'block' as const,
    name: 'location',
    body: config.defaultLocation.body.flatMap((entry) => fromChecker(checkerRead(entry, 'body entry', value))),
  };
  const http2 = ['http2'];
  const httpsParams = (l: string) => words(l).slice(1).filter((p) => p !== 'ssl' && p !== 'http2');
  const defaultServer = config.nginx.httpsDefaultServer && config.certificates.some((c) => c.https);
  let firstHttps = !defaultServer;
  const tls = (lines: string[]) => lines.map((l) => directive(...words(l.replace(/;$/, ''))));
  config.certificates.forEach((cert, i) => {
    const webroot = cert.challenge !== 'dns';
    if (webroot || location) {
      const listen = config.nginx.listen.map((l) => directive('listen', ...(i === 0 ? words(l) : [words(l)[0]!])));
      out.push(block(['server'], [...listen, directive('server_name', ...cert.domains), ...(webroot ? [challenge] : []), ...(location ? [location] : [])]));
    }
    if (cert.https) {
      const listen = config.nginx.httpsListen.map((l) => directive('listen', words(l)[0]!, 'ssl', ...http2, ...(firstHttps ? httpsParams(l) : [])));
      firstHttps = false;
      const dir = join(config.certsDir, cert.name);
      const notFound = cert.https.body.length === 0 ? [block(['location', '/'], [directive('return', '404')])] : [];
      out.push(
        block(['server'], [
          ...listen,
          directive('server_name', ...cert.domains),
          directive('ssl_certificate', join(dir, 'fullchain.pem')),
          directive('ssl_certificate_key', join(dir, 'privkey.pem')),
          ...tls(tlsLines(cert.https.tlsProfile, TEST_NGINX_VERSION)),
          ...(webroot ? [challenge] : []),
          ...cert.https.body.flatMap((entry) => fromChecker(checkerRead(entry, 'https body entry', value))),
          ...notFound,
        ]),
      );
    }
  });
  if (defaultServer) {
    const listen = config.nginx.httpsListen.map((l) => {
      const params = httpsParams(l);
      return directive('listen', words(l)[0]!, 'ssl', ...http2, ...params, ...(params.includes('default_server') ? [] : ['default_server']));
    });
    const profiles = config.certificates.flatMap((c) => (c.https ? [c.https.tlsProfile] : []));
    out.push(block(['server'], [...listen, directive('ssl_reject_handshake', 'on'), ...tls(handshakeLines(widestProfile(profiles)))]));
  }
  return out;
}

/** First difference between what a reader found and what was expected, or null. */
function difference(actual: readonly { kind: string; args: string[]; raw?: string[]; body?: unknown[] }[], expected: readonly Expected[], exactWords: boolean, at = ''): string | null {
  if (actual.length !== expected.length) {
    return `${at || 'top level'}: ${actual.length} statements instead of ${expected.length} (${actual.map((a) => a.args[0]).join(', ')})`;
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const where = `${at}/${e.name}[${i}]`;
    const name = a.raw ? a.raw[0] : a.args[0];
    if (a.kind !== e.kind || name !== e.name) return `${where}: found ${a.kind} ${JSON.stringify(name)}`;
    if (exactWords && e.args && JSON.stringify(a.args) !== JSON.stringify(e.args.map(wellFormed))) {
      return `${where}: words ${JSON.stringify(a.args).slice(0, 300)} instead of ${JSON.stringify(e.args).slice(0, 300)}`;
    }
    if (e.kind === 'block') {
      const d = difference((a.body ?? []) as never, e.body ?? [], exactWords, where);
      if (d) return d;
    }
  }
  return null;
}

/** Snippets holding the user's values as rendered: nginx-conf must read each alone the way nginx does before its reading of the whole output counts. */
function userSnippets(config: Config): string[] {
  const snippets = [`# under ${commentText(config.webroot)}/.well-known/acme-challenge/;\nroot ${nginxQuote(config.webroot)};\n`];
  if (config.defaultLocation) {
    snippets.push(`location ${config.defaultLocation.uri} {\n}\n`);
    for (const entry of config.defaultLocation.body) snippets.push(`location / {\n${entry}\n}\n`);
  }
  for (const cert of config.certificates) {
    if (cert.https) {
      snippets.push(`ssl_certificate ${nginxQuote(join(config.certsDir, cert.name, 'fullchain.pem'))};\n`);
      for (const entry of cert.https.body) snippets.push(`location / {\n${entry}\n}\n`);
    }
  }
  return snippets;
}

function inNginxConfDialect(snippet: string): boolean {
  const ref = ngxRead(snippet);
  return ref.ok && nginxConfShape(snippet) === shapeOf(ref.statements);
}

function portsOf(config: Config): number[] {
  const ports = new Set<number>();
  for (const l of [...config.nginx.listen, ...config.nginx.httpsListen]) {
    const address = words(l)[0]!;
    const m = /:(\d+)$/.exec(address);
    ports.add(Number(m ? m[1] : address));
  }
  return [...ports];
}

// --- certbot's argv, read the way argparse reads it

const VALUE_FLAGS = new Set(['--cert-name', '-d', '--config-dir', '--work-dir', '--logs-dir', '-w', '--preferred-challenges', '--key-type', '--rsa-key-size']);
const EQUALS_FLAGS = new Set(['--manual-auth-hook', '--manual-cleanup-hook', '--email', '--server', '--deploy-hook']);
const SWITCHES = new Set(['--non-interactive', '--agree-tos', '--webroot', '--manual', '--register-unsafely-without-email', '--dry-run', '--force-renewal']);

export type Option = [flag: string, value: string | null];

/** argv -> the options certbot would see, or why it would see something else. */
export function readCertbotArgv(argv: readonly string[]): { ok: true; options: Option[] } | { ok: false; reason: string } {
  if (argv[0] !== 'certonly') return { ok: false, reason: `subcommand ${JSON.stringify(argv[0])}` };
  const options: Option[] = [];
  for (let i = 1; i < argv.length; i++) {
    const el = argv[i]!;
    if (!el.startsWith('-')) return { ok: false, reason: `element ${i} ${JSON.stringify(el)} would be a second positional argument` };
    if (SWITCHES.has(el)) options.push([el, null]);
    else if (VALUE_FLAGS.has(el)) {
      const value = argv[++i];
      if (value === undefined) return { ok: false, reason: `${el} has no value` };
      if (value.startsWith('-')) return { ok: false, reason: `the value after ${el}, ${JSON.stringify(value)}, would be read as a flag` };
      options.push([el, value]);
    } else {
      const eq = el.indexOf('=');
      const flag = eq === -1 ? el : el.slice(0, eq);
      if (eq === -1 || !EQUALS_FLAGS.has(flag)) return { ok: false, reason: `element ${i} ${JSON.stringify(el).slice(0, 100)} is not one of the expected flags` };
      options.push([flag, el.slice(eq + 1)]);
    }
  }
  return { ok: true, options };
}

/** The documented argv (README, "What obtain runs"), as options. */
export function documentedOptions(config: Config, cert: Certificate, deployHook: string): Option[] {
  const o: Option[] = [['--non-interactive', null], ['--agree-tos', null], ['--cert-name', cert.name]];
  for (const d of cert.domains) o.push(['-d', d]);
  if (config.certbotDirsSet.config) o.push(['--config-dir', config.configDir]);
  if (config.certbotDirsSet.work) o.push(['--work-dir', config.workDir]);
  if (config.certbotDirsSet.logs) o.push(['--logs-dir', config.logsDir]);
  if (cert.challenge === null) o.push(['--webroot', null], ['-w', config.webroot]);
  else {
    o.push(['--manual', null], ['--preferred-challenges', cert.challenge]);
    if (cert.authenticationHook !== null) o.push(['--manual-auth-hook', cert.authenticationHook]);
    if (cert.cleanupHook !== null) o.push(['--manual-cleanup-hook', cert.cleanupHook]);
  }
  o.push(config.email !== null ? ['--email', config.email] : ['--register-unsafely-without-email', null]);
  if (config.server !== null) o.push(['--server', config.server]);
  if (config.rsaKeySize !== null) o.push(['--key-type', 'rsa'], ['--rsa-key-size', String(config.rsaKeySize)]);
  else if (config.keyType !== null) o.push(['--key-type', config.keyType]);
  o.push(['--deploy-hook', deployHook]);
  return o;
}

/**
 * The EAB values certbot reads from the --config file, parsed as certbot's
 * config-file parser (configargparse's DefaultConfigFileParser) parses it:
 * one pair of matching quotes stripped, `[a, b]` read as a list.
 */
export function readCertbotIni(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || '#;['.includes(line[0]!) || line.startsWith('---')) continue;
    const m = /^([^:=;#\s]+)\s*(?:([:=\s])\s*(['"]?)(.+?)?\3)?\s*(?:\s[;#]\s*(.*?)\s*)?$/.exec(line);
    if (m === null) throw new Error(`certbot refuses the line ${JSON.stringify(line)}`);
    let value: string | string[] = m[4] ?? (m[2] !== undefined && m[2] !== ' ' ? '' : 'true');
    if (typeof value === 'string' && value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1).split(',').map((e) => e.trim());
    out[m[1]!] = value;
  }
  return out;
}

function checkArgv(config: Config, value: string): void {
  for (const cert of config.certificates) {
    const argv = certonlyArgs(config, cert, { deployHook: DEPLOY_HOOK_COMMAND, dryRun: false, forceRenewal: false });
    const read = readCertbotArgv(argv);
    if (!read.ok) fail(`certbot argv: ${read.reason}`, value);
    const expected = documentedOptions(config, cert, DEPLOY_HOOK_COMMAND);
    const expectedLength = expected.reduce((n, [flag, v]) => n + (v === null || EQUALS_FLAGS.has(flag) ? 1 : 2), 1);
    if (argv.length !== expectedLength || JSON.stringify(read.options) !== JSON.stringify(expected)) {
      fail(`certbot argv differs from the documented one:\n  argv:     ${JSON.stringify(argv).slice(0, 600)}\n  expected: ${JSON.stringify(expected).slice(0, 600)}`, value);
    }
    // Hooks only as the value of their own flag; the user's deploy-hook never (our deploy-hook command runs it later).
    for (const [flag, v] of read.options) {
      if (cert.authenticationHook !== null && v === cert.authenticationHook && flag !== '--manual-auth-hook' && !expected.some(([f, x]) => f === flag && x === v)) fail(`the authentication hook appears as ${flag}`, value);
      if (cert.deployHook !== null && v === cert.deployHook && !expected.some(([f, x]) => f === flag && x === v)) fail(`the deploy-hook appears as ${flag}`, value);
    }
    if (cert.deployHook !== null && argv.includes(cert.deployHook) && !expected.some(([, x]) => x === cert.deployHook)) fail('the deploy-hook appears in argv', value);
  }
  // The secrets: never in argv; in the file certbot reads, exactly.
  const ini = secretsIni(config);
  const want = config.eab === null ? null : { 'eab-kid': config.eab.kid, 'eab-hmac-key': config.eab.hmacKey };
  if (JSON.stringify(ini === null ? null : readCertbotIni(ini)) !== JSON.stringify(want)) fail(`certbot would read other EAB values from ${JSON.stringify(ini)}`, value);
}

function nginxExpectation(spec: FieldSpec, config: Config, text: string, value: string): NginxExpectation {
  if (spec.path === 'certs-dir') {
    const path = join(config.certsDir, config.certificates[0]!.name, 'fullchain.pem');
    if (!path.startsWith(`${CERTS_ROOT}/`) || /(^|\/)\.\.(\/|$)/.test(path) || Buffer.byteLength(path) > 1000 || path.split('/').some((s) => Buffer.byteLength(s) > 255)) {
      return { kind: 'file-error', message: `cannot load certificate "${path}"` };
    }
    return { kind: 'accept' };
  }
  if (!spec.nginxSyntax) return { kind: 'accept' };
  const read = ngxRead(text);
  if (!read.ok) return { kind: 'accept' };
  // The user's location (default location) or HTTPS server (https body): where nginx may complain.
  const servers = read.statements.filter((s) => s.kind === 'block');
  const container =
    spec.nginxSyntax === 'https-body' ? servers[1] : servers[0]?.body?.filter((s) => s.kind === 'block' && s.args[0] === 'location').at(-1);
  if (!container) fail('no location or server to hold the value', value);
  const entries = spec.nginxSyntax === 'https-body' ? container.body!.slice(-1) : spec.nginxSyntax === 'uri' ? [container] : container.body!;
  if (entries.every(neutral)) return { kind: 'accept' };
  const names: string[] = [];
  const collect = (ss: NgxStatement[]) => ss.forEach((s) => (names.push(s.args[0] ?? ''), s.body && collect(s.body)));
  collect(entries);
  return { kind: 'meaning', firstLine: container.line, lastLine: container.endLine ?? container.line, names };
}

/** Directives whose meaning nginx accepts whatever their words (so only structure can make nginx -t fail). */
function neutral(s: NgxStatement): boolean {
  const [name, ...rest] = s.args;
  if (s.kind === 'block' && name === 'location') {
    // A location read from a uri: prefix, exact and named locations take any string.
    const mod = rest.length === 2 ? rest[0] : null;
    const match = rest[rest.length - 1] ?? '';
    const matches = (rest.length === 1 && (match.startsWith('/') || match.startsWith('@'))) || ((mod === '=' || mod === '^~') && rest.length === 2);
    return matches && (s.body ?? []).every(neutral);
  }
  if (s.kind === 'block') return name === 'types' && rest.length === 0 && (s.body ?? []).every((t) => t.kind === 'directive' && t.args[0] !== 'include');
  if (name === 'return') return ['200', '204', '301', '404'].includes(rest[0] ?? '') && rest.length <= 2 && !rest.some((w) => w.includes('$'));
  if (name === 'add_header') return rest.length === 2 && !rest.some((w) => w.includes('$'));
  return false;
}

/**
 * The whole check for one value of one field. Throws (with the value) on any
 * violation; returns what nginx -t must then say about the output.
 */
export function checkValue(spec: FieldSpec, value: string, ctx: MemberCtx, template: Render, baseline?: string): Outcome {
  const outcome = checkConfigAndOutput(spec, value, ctx, template, baseline);
  if (spec.nginxSyntax) {
    const text = spec.nginxSyntax === 'uri' ? `location ${value} {}` : value;
    const disagreement = checkerAgreesWithNginx(text);
    if (disagreement) fail(`src/nginx/tokenize.ts and nginx read this ${spec.nginxSyntax} differently: ${disagreement}`, value);
  }
  return outcome;
}

function checkConfigAndOutput(spec: FieldSpec, value: string, ctx: MemberCtx, template: Render, baseline?: string): Outcome {
  const raw = spec.build(value, ctx);
  const json = parse(JSON.stringify(raw), 'site.json');
  const yaml = parse(configText(raw), 'site.yaml');

  if (json instanceof ConfigError) {
    if (!(yaml instanceof ConfigError)) fail('rejected as JSON, accepted as YAML', value);
    if (json.issues.length === 0) fail(`rejected without an issue: ${json.lines.join(' | ')}`, value);
    for (const [i, issue] of json.issues.entries()) {
      if (formatPath(issue.path) !== spec.path) fail(`rejected, but issue ${i} names ${formatPath(issue.path)}, not ${spec.path}: ${issue.message}`, value);
    }
    const yamlPaths = yaml.issues.map((i) => formatPath(i.path));
    if (JSON.stringify(yamlPaths) !== JSON.stringify(json.issues.map((i) => formatPath(i.path)))) fail(`YAML issues ${yamlPaths.join(', ')} differ from JSON's`, value);
    for (const line of yaml.lines) {
      if (/[\r\n]/.test(line)) fail(`message spans lines (each problem is one line): ${showShort(line, 200)}`, value);
      if (!new RegExp(`^site\\.yaml:\\d+: ${escapeRegExp(spec.path)}: `).test(line)) fail(`message does not name the file, line and field: ${line.slice(0, 200)}`, value);
      if (spec.secret && !/\((value not shown: it is a secret|a secret, not shown)\)/.test(line)) fail(`a secret's message may show the value: ${line.slice(0, 200)}`, value);
    }
    return { kind: 'rejected', lines: yaml.lines };
  }

  if (yaml instanceof ConfigError) fail(`accepted as JSON, rejected as YAML: ${yaml.lines.join(' | ')}`, value);
  const config = json;
  if (JSON.stringify({ ...yaml, sourceName: '', sourcePath: '' }) !== JSON.stringify({ ...config, sourceName: '', sourcePath: '' })) fail('YAML and JSON give different configs', value);

  const text = renderNginx(config, template, TEST_NGINX_VERSION);
  if (!spec.inOutput && baseline !== undefined && text !== baseline) fail(`${spec.path} changed the nginx output, which must not depend on it`, value);

  const expected = expectedStatements(config, value);
  const expectedCount = countOf(expected as never);

  // 1. nginx's own rules (the reference port), with every template-controlled word exact.
  const reference = ngxRead(text);
  if (!reference.ok) fail(`nginx would refuse the output: ${reference.error} (line ${reference.line})`, value);
  const refDiff = difference(reference.statements, expected, true);
  if (refDiff) fail(`nginx reads the output differently from the templates (${countOf(reference.statements)} statements, ${expectedCount} expected): ${refDiff}`, value);

  // 2. The project's own reader.
  const ours = parseStatements(text);
  if (!ours.ok) fail(`src/nginx/tokenize.ts cannot read the output: ${ours.reason}`, value);
  const oursDiff = difference(ours.statements, expected, false);
  if (oursDiff) fail(`src/nginx/tokenize.ts reads the output differently: ${oursDiff}`, value);

  // 3. nginx-conf, where it can read the user's values at all.
  const outside = userSnippets(config).some((s) => !inNginxConfDialect(s));
  if (!outside) {
    const shape = nginxConfShape(text);
    if (shape !== shapeOf(expected as never)) fail(`nginx-conf reads the output as ${String(shape).slice(0, 300)}\n  expected ${shapeOf(expected as never).slice(0, 300)}`, value);
  }

  checkArgv(config, value);
  return { kind: 'accepted', config, text, ports: portsOf(config), nginx: nginxExpectation(spec, config, text, value), outsideNginxConfDialect: outside };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The output of a member's base config: fields that never reach nginx must leave it exactly so. */
export function baselineText(ctx: MemberCtx, template: Render): string {
  const config = parse(JSON.stringify(base(ctx)), 'site.json');
  if (config instanceof ConfigError) throw new Error(`the base config is not valid: ${config.lines.join(' | ')}`);
  return renderNginx(config, template, TEST_NGINX_VERSION);
}
