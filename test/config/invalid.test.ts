import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bins, runBin, writeConfig } from '../support/cli.js';

const certs = 'certificates:\n  - domains: [example.org]\n';
const withDomain = (d: string) => `certificates:\n  - domains: [${JSON.stringify(d)}]\n`;
const withBody = (...body: string[]) => `${certs}default-location:\n  uri: /\n  body: ${JSON.stringify(body)}\n`;

// [case, config text, file name, expected message fragment]
const cases: [string, string, string, string][] = [
  ['malformed YAML', 'certificates: [\n', 'site.yaml', 'site.yaml:2:1: not valid YAML'],
  ['malformed JSON', '{"certificates": [', 'site.json', 'site.json:1:19: not valid JSON: it ends too early'],
  ['duplicate YAML key', `${certs}webroot: /a\nwebroot: /b\n`, 'site.yaml', 'not valid YAML: Map keys must be unique'],
  ['unknown top-level key', `${certs}web-root: /srv\n`, 'site.yaml', 'site.yaml:3: web-root: is not a known key (did you mean "webroot"?)'],
  ['typo domain: for domains:', 'certificates:\n  - domain: [example.org]\n', 'site.yaml', 'certificates[0].domain: is not a known key (did you mean "domains"?)'],
  ['missing certificates', 'webroot: /srv\n', 'site.yaml', 'certificates: is required'],
  ['empty domains', 'certificates:\n  - domains: []\n', 'site.yaml', 'site.yaml:2: certificates[0].domains: must not be empty'],
  ['domains not a list', 'certificates:\n  - domains: example.org\n', 'site.yaml', 'certificates[0].domains: must be a list, not "example.org"'],
  ['space in a name', withDomain('exa mple.org'), 'site.yaml', 'certificates[0].domains[0]: "exa mple.org" is not a valid domain name'],
  ['semicolon in a name', withDomain('a.org;include /etc/passwd'), 'site.yaml', '"a.org;include /etc/passwd" is not a valid domain name'],
  ['brace in a name', withDomain('a.org{'), 'site.yaml', '"a.org{" is not a valid domain name'],
  ['closing brace in a name', withDomain('a.org}'), 'site.yaml', '"a.org}" is not a valid domain name'],
  ['quote in a name', withDomain('a"b.org'), 'site.yaml', 'is not a valid domain name'],
  ['hash in a name', withDomain('a#b.org'), 'site.yaml', '"a#b.org" is not a valid domain name'],
  ['dollar in a name', withDomain('$host.org'), 'site.yaml', '"$host.org" is not a valid domain name'],
  ['backslash in a name', withDomain('a\\b.org'), 'site.yaml', 'is not a valid domain name'],
  ['newline in a name', withDomain('a.org\nserver_name b.org'), 'site.yaml', '"a.org\\nserver_name b.org" is not a valid domain name'],
  ['control character in a name', withDomain('a\u0001.org'), 'site.yaml', 'is not a valid domain name'],
  ['label over 63', withDomain(`${'a'.repeat(64)}.org`), 'site.yaml', 'has a label longer than 63 characters'],
  ['name over 253', withDomain(`${'abcdefghi.'.repeat(26)}org`), 'site.yaml', 'is longer than 253 characters'],
  ['single label', withDomain('localhost'), 'site.yaml', 'needs at least two labels'],
  ['repeated within a certificate', 'certificates:\n  - domains: [a.org, A.org]\n', 'site.yaml', 'certificates[0].domains[1]: "A.org" is repeated at certificates[0].domains[0]'],
  ['same name in two certificates', 'certificates:\n  - domains: [a.org]\n  - domains: [b.org, a.org]\n', 'site.yaml', 'certificates[1].domains[1]: "a.org" is already used at certificates[0].domains[0]'],
  ['IDN and ASCII forms of one name', 'certificates:\n  - domains: [bücher.example]\n  - domains: [xn--bcher-kva.example]\n', 'site.yaml', 'is already used at certificates[0].domains[0]'],
  ['wildcard with HTTP-01', withDomain('*.example.org'), 'site.yaml', 'HTTP-01 cannot issue wildcard certificates'],
  ['wildcard with manual http', 'certificates:\n  - domains: ["*.a.org"]\n    challenge: http\n    authentication-hook: /bin/true\n', 'site.yaml', 'HTTP-01 cannot issue wildcard'],
  ['relative webroot', `${certs}webroot: var/www\n`, 'site.yaml', 'webroot: "var/www" must be an absolute path'],
  ['webroot with a variable', `${certs}webroot: /srv/$host\n`, 'site.yaml', 'webroot: "/srv/$host" contains "$"'],
  ['webroot with a newline', `${certs}webroot: "/srv/a\\n;root /etc"\n`, 'site.yaml', 'webroot: "/srv/a\\n;root /etc" contains a control character'],
  ['unbalanced brace in body', withBody('if ($x) { return 404;'), 'site.yaml', 'default-location.body[0]: "if ($x) { return 404;" is not a complete nginx directive: it has a "{" that is never closed'],
  ['closing brace in body', withBody('return 404; }'), 'site.yaml', 'it has a "}" that would close the enclosing block'],
  ['server-closing smuggle', withBody('return 404; } server { listen 81; location / { return 200;'), 'site.yaml', 'is not a complete nginx directive'],
  ['missing semicolon in body', withBody('proxy_pass http://127.0.0.1:8080'), 'site.yaml', 'does not end with ";"'],
  ['two directives in one entry', withBody('deny all; allow 127.0.0.1;'), 'site.yaml', 'must hold exactly one directive (it holds 2)'],
  ['unterminated quote in body', withBody('return 200 "ok;'), 'site.yaml', 'has an unterminated quoted string'],
  ['bad location uri', `${certs}default-location:\n  uri: "/ { }"\n  body: []\n`, 'site.yaml', 'default-location.uri: "/ { }" is not a valid location'],
  ['location uri taking /.well-known/', `${certs}default-location:\n  uri: "^~ /.well-known/"\n  body: []\n`, 'site.yaml', 'would take the place of the ACME challenge location'],
  ['default-location true', `${certs}default-location: true\n`, 'site.yaml', 'default-location: must be false or a location object'],
  ['listen smuggling a directive', `${certs}nginx:\n  listen: ["80; include /etc/passwd"]\n`, 'site.yaml', 'nginx.listen[0]: "80; include /etc/passwd" is not a valid listen address'],
  ['listen with unknown parameter', `${certs}nginx:\n  listen: ["80 ssl"]\n`, 'site.yaml', 'unknown or unsupported listen parameter "ssl"'],
  ['bad port', `${certs}nginx:\n  listen: ["70000"]\n`, 'site.yaml', 'is not a valid listen address'],
  ['bad key type', `${certs}key-type: dsa\n`, 'site.yaml', 'key-type: must be one of "rsa", "ecdsa", not "dsa"'],
  ['rsa size with ecdsa', `${certs}rsa-key-size: 4096\nkey-type: ecdsa\n`, 'site.yaml', 'rsa-key-size: is set, but key-type is "ecdsa"'],
  ['odd rsa size', `${certs}rsa-key-size: 1024\n`, 'site.yaml', 'rsa-key-size: must be one of 2048, 3072, 4096, not 1024'],
  ['bad email', `${certs}email: "admin at example.org"\n`, 'site.yaml', 'email: "admin at example.org" is not a valid e-mail address'],
  ['bad server', `${certs}server: not a url\n`, 'site.yaml', 'server: "not a url" is not a URL'],
  ['challenge without hook', 'certificates:\n  - domains: [a.org]\n    challenge: http\n', 'site.yaml', 'authentication-hook: is required with challenge: http'],
  ['hook without challenge', 'certificates:\n  - domains: [a.org]\n    authentication-hook: /bin/true\n', 'site.yaml', 'is only used with a challenge'],
  ['unknown challenge', 'certificates:\n  - domains: [a.org]\n    challenge: tls-alpn\n', 'site.yaml', 'challenge: must be one of "http", "dns"'],
  ['hook with a newline', 'certificates:\n  - domains: [a.org]\n    deploy-hook: "a\\nb"\n', 'site.yaml', 'a hook must be a single line'],
  ['bad certificate name', 'certificates:\n  - name: ../etc\n    domains: [a.org]\n', 'site.yaml', 'certificates[0].name: "../etc" is not a valid certificate name'],
  ['relative pid file', `${certs}nginx:\n  pid-file: run/nginx.pid\n`, 'site.yaml', 'nginx.pid-file: "run/nginx.pid" must be an absolute path'],
  ['certbot with arguments', `${certs}certbot: certbot --staging\n`, 'site.yaml', 'certbot: "certbot --staging" must be a single command name or path'],
  ['blank string', `${certs}email: "  "\n`, 'site.yaml', 'email: must not be empty or blank'],
  ['not a mapping', '- a\n- b\n', 'site.yaml', '(top level): must be a mapping'],
  // Security round 2 and the first-deploy review
  ['upper-case punycode that is not valid punycode', withDomain('XN--ZZ.example.org'), 'site.yaml', '"XN--ZZ.example.org" is not a valid domain name'],
  ['duplicate JSON key', '{"certificates": [{"domains": ["a.org"]}],\n "webroot": "/a",\n "webroot": "/b"}', 'site.json', 'site.json:3:2: not valid JSON: the key "webroot" appears twice in the same object'],
  ['duplicate JSON key in a list item', '{"certificates": [{"domains": ["a.org"], "name": "x", "name": "y"}]}', 'site.json', 'site.json:1:55: not valid JSON: the key "name" appears twice'],
  ['JSON nested 5,000 deep', `{"certificates": [{"domains": ["a.org"]}], "webroot": ${'['.repeat(5000)}${']'.repeat(5000)}}`, 'site.json', 'site.json:1:118: not valid JSON: it is nested more than 64 levels deep'],
  ['YAML nested 100 deep', `certificates: [{domains: [a.org]}]\nwebroot: ${'['.repeat(100)}${']'.repeat(100)}\n`, 'site.yaml', 'site.yaml: it is nested more than 64 levels deep'],
  ['JSON syntax error: line and column', '{\n  "certificates": [{"domains": ["a.org"]}]\n  "webroot": "/srv"\n}\n', 'site.json', 'site.json:3:3: not valid JSON: expected "," or "}"'],
  ['JSON trailing comma', '{"certificates": [{"domains": ["a.org"]},]}', 'site.json', 'site.json:1:42: not valid JSON: expected a value'],
  ['JSON schema error with its line', '{\n  "certificates": [{"domains": ["a.org"]}],\n  "webroot": 5\n}\n', 'site.json', 'site.json:3: webroot: must be a string, not 5'],
  ['empty YAML file', '', 'site.yaml', 'site.yaml: the file is empty (nothing but blank lines and comments); it needs at least a "certificates" list'],
  ['YAML file of comments only', '# certificates: to come\n\n', 'site.yaml', 'site.yaml: the file is empty'],
  ['empty JSON file', ' \n', 'site.json', 'site.json: the file is empty; it needs at least a "certificates" list'],
  ['renew-before 1e9 days', `${certs}renew-before: 1e9\n`, 'site.yaml', 'renew-before: 1000000000 days is too many: at most 365 (a year)'],
  ['renew-before infinite', `${certs}renew-before: .inf\n`, 'site.yaml', 'renew-before: must be a number of days or a share of the lifetime such as "33%" or "1/3", not Infinity'],
  ['mode with four digits', 'certificates:\n  - domains: [a.org]\n    deploy:\n      - directory: /x\n        mode: "7777"\n', 'site.yaml', 'mode: must be an octal file mode of three digits, optionally after a 0, such as "0640" (no setuid, setgid or sticky bits), not "7777"'],
  ['long mapping where a string belongs', `${certs}webroot: {a: ${'x'.repeat(100)}}\n`, 'site.yaml', `webroot: must be a string, not {"a":"${'x'.repeat(69)}... (a mapping of 1 key)`],
  ['long list where a string belongs', `${certs}email: [${'a,'.repeat(60)}b]\n`, 'site.yaml', '... (a list of 61 items)'],
  ['IPv4-mapped IPv6 listen address', `${certs}nginx:\n  listen: ["[::ffff:127.0.0.1]:8080"]\n`, 'site.yaml', 'nginx.listen[0]: "[::ffff:127.0.0.1]:8080" is an IPv4-mapped IPv6 address, which nginx cannot bind (its listen sockets are ipv6only=on): write "127.0.0.1:8080"'],
  // HTTPS servers: TLS profile, HSTS, the nginx version
  ['unknown tls-profile', `${certs}tls-profile: old\n`, 'site.yaml', 'tls-profile: must be one of "intermediate", "modern", "none", not "old"'],
  ['unknown tls-profile of a certificate', 'certificates:\n  - domains: [a.org]\n    https: {tls-profile: strict}\n', 'site.yaml', 'certificates[0].https.tls-profile: must be one of "intermediate", "modern", "none", not "strict"'],
  ['hsts preload without include-subdomains', 'certificates:\n  - domains: [a.org]\n    https:\n      hsts: {preload: true}\n', 'site.yaml', "site.yaml:4: certificates[0].https.hsts.preload: is true, but the browsers' preload list also needs include-subdomains: true"],
  ['hsts preload with a short max-age', 'certificates:\n  - domains: [a.org]\n    https:\n      hsts: {preload: true, include-subdomains: true, max-age: 600}\n', 'site.yaml', 'also needs a max-age of at least 31536000 (it is 600)'],
  ['hsts max-age negative', 'certificates:\n  - domains: [a.org]\n    https:\n      hsts: {max-age: -1}\n', 'site.yaml', 'certificates[0].https.hsts.max-age: must be'],
  ['hsts misspelled key', 'certificates:\n  - domains: [a.org]\n    https:\n      hsts: {include-subdomain: true}\n', 'site.yaml', 'certificates[0].https.hsts.include-subdomain: is not a known key (did you mean "include-subdomains"?)'],
  ['nginx.version not a version', `${certs}nginx:\n  version: "1.22"\n`, 'site.yaml', 'nginx.version: must be an nginx version of three numbers, such as "1.22.1" (what `nginx -v` says), not "1.22"'],
  ['nginx.https-default-server not a boolean', `${certs}nginx:\n  https-default-server: "no"\n`, 'site.yaml', 'nginx.https-default-server: must be a boolean, not "no"'],
  ['IPv4-mapped IPv6 https-listen address', `${certs}nginx:\n  https-listen: ["[0:0:0:0:0:ffff:7f00:1]:8443"]\n`, 'site.yaml', 'write "127.0.0.1:8443"'],
];

describe('gen-nginx rejects bad configs: exit 2, a message naming the path and value, no output', () => {
  it.each(cases)('%s', async (_name, text, fileName, message) => {
    const file = writeConfig(text, fileName);
    const { exitCode, stdout, stderr } = await runBin(bins.genNginx, [file]);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
    expect(exitCode).toBe(2);
  });
});

describe('the bytes of the config file', () => {
  it('invalid UTF-8 is refused with its line and byte offset, by gen-nginx and by cert-wrap (through its cache)', async () => {
    const file = writeConfig('', 'site.yaml');
    const bytes = Buffer.concat([Buffer.from('certificates:\n  - domains: [a.org]\nwebroot: "/srv/'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n')]);
    writeFileSync(file, bytes);
    const message = `site.yaml:3: not valid UTF-8 (at byte ${bytes.indexOf(0xff)}): save the file as UTF-8\n`;
    const gen = await runBin(bins.genNginx, [file]);
    expect([gen.exitCode, gen.stdout, gen.stderr]).toEqual([2, '', `gen-nginx: ${file.replace(/site\.yaml$/, '')}${message}`]);
    const cache = join(dirname(file), 'cache');
    const status = await runBin(bins.certWrap, ['status', '-c', file], { env: { CERT_WRAP_CACHE_DIR: cache } });
    expect([status.exitCode, status.stdout, status.stderr]).toEqual([2, '', `cert-wrap: ${file.replace(/site\.yaml$/, '')}${message}`]);
  });

  it('a JSON file with a byte order mark is read like one without (as YAML is)', async () => {
    const json = '{"certificates": [{"domains": ["a.org"]}]}';
    const plain = await runBin(bins.genNginx, [writeConfig(json, 'site.json')]);
    const bom = await runBin(bins.genNginx, [writeConfig(`\uFEFF${json}`, 'site.json')]);
    expect(bom).toEqual({ exitCode: 0, stdout: plain.stdout, stderr: '' });
  });
});
