/**
 * Single values found by the hostile-value properties (injection-config and
 * injection-nginx): each is accepted today, and then nginx reads the output
 * differently from the templates or refuses it. Each test states the
 * requirement itself (rejected naming the field, or rendered into output nginx
 * reads exactly as the templates meant and `nginx -t` accepts), so any correct
 * fix, rejecting or rendering, makes it pass.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTemplates, type Render } from '../../src/adapters/nginx/templates.js';
import { parseStatements } from '../../src/leaves/nginx-tokenize.js';
import { bins, runBin, writeConfig } from '../../lab/cli.js';
import { type NginxRunner, ngxRead, nginxRunner } from '../../lab/nginx-batch.js';
import { findTool, requireTools } from '../../lab/tools.js';
import { FIELDS, type MemberCtx, checkValue, configText } from './injection-fields.js';

const ctx: MemberCtx = { index: 0, port: 20000, httpsPort: 20001 };
let template: Render;
beforeAll(async () => {
  template = await loadTemplates();
});

const spec = (label: string) => FIELDS.find((f) => f.label === label)!;
const expectRejectedOrExact = (label: string, value: string) => expect(() => checkValue(spec(label), value, ctx, template)).not.toThrow();

// The checker (src/nginx/tokenize.ts) drops a ")" that follows a closing quote; nginx
// (ngx_conf_read_token) makes it the start of a new word. So `"a")#` is, for the checker,
// the word a and then a comment to the end of the line; for nginx, the words a and )#,
// and the line goes on. Whatever follows on that line is hidden from the checker only.
const SMUGGLE_BODY = 'types { "a")# ; } location /evil { alias /etc/; } location /x {\n allow all; }';
const SMUGGLE_URI = '"=")# { } location /evil { alias /etc/; } location =\n/z';

describe('a ")" right after a closing quote (src/nginx/tokenize.ts)', () => {
  it('is where nginx starts a new word: the checker reads `"x")` as nginx does', () => {
    const text = 'if ($request_method = "POST") { return 405; }';
    const nginx = ngxRead(text);
    expect(nginx.ok && nginx.statements[0]!.raw).toEqual(['if', '($request_method', '=', 'POST', ')']);
    const ours = parseStatements(text);
    expect(ours.ok && ours.statements[0]!.args).toEqual(['if', '($request_method', '=', 'POST', ')']);
  });

  it('default-location.body[0]: cannot hide a location serving /etc from the checker', () => {
    // The checker: one block `types { a allow all; }`. nginx: `types { a )#; }`, then
    // `location /evil { alias /etc/; }` and `location /x { allow all; }` inside the default location.
    expectRejectedOrExact('default-location.body[0]', SMUGGLE_BODY);
  });

  it('certificates[0].https.body[0]: cannot hide a location serving /etc from the checker', () => {
    expectRejectedOrExact('certificates[0].https.body[0]', SMUGGLE_BODY);
  });

  it('default-location.uri: cannot hide a location serving /etc from the checker', () => {
    // The checker: `location = /z`. nginx: `location = ")#" { }`, `location /evil { alias /etc/; }`, `location = /z { ... }`.
    expectRejectedOrExact('default-location.uri', SMUGGLE_URI);
  });
});

describe('the default location\'s uri is checked before it is trimmed (src/config/normalize.ts)', () => {
  it('a uri ending in a comment and a newline: the newline that ended the comment is trimmed away, the comment swallows "{"', () => {
    expectRejectedOrExact('default-location.uri', '/a # note\n');
  });
});

describe('nginx reads no word or comment of 4096 bytes or more (NGX_CONF_BUFFER)', () => {
  it('webroot of 4024 bytes: the header comment naming it reaches 4096 bytes', () => {
    expectRejectedOrExact('webroot', `/${'a'.repeat(4023)}`);
  });

  it('certs-dir of 4070 bytes: the quoted ssl_certificate path reaches 4096 bytes', () => {
    expectRejectedOrExact('certs-dir', `/${'a'.repeat(4069)}`);
  });

  it('default-location.body[0] with a 4096-byte word', () => {
    expectRejectedOrExact('default-location.body[0]', `return 200 "${'a'.repeat(4096)}";`);
  });

  it('default-location.uri with a 4096-byte match', () => {
    expectRejectedOrExact('default-location.uri', `/${'a'.repeat(4095)}`);
  });
});

describe('each problem is one message line (src/config/rules.ts)', () => {
  it('a quoted string spanning lines: "use \\n escapes instead" is written with a real newline, splitting the message', () => {
    expectRejectedOrExact('default-location.body[0]', 'return 200 "a\nb";');
  });
});

const { ok } = requireTools(['nginx'], 'injection findings against the real nginx -t');

describe.skipIf(!ok)('the real nginx', () => {
  let runner: NginxRunner;
  beforeAll(async () => {
    runner = await nginxRunner(findTool('nginx') ?? 'nginx');
  });

  /** Rejected naming the field (in-process), or nginx -t accepts the output. */
  async function expectRejectedOrAcceptedByNginx(label: string, value: string): Promise<void> {
    const outcome = checkValue(spec(label), value, ctx, template);
    if (outcome.kind === 'rejected') return;
    const verdict = await runner.check(outcome.text);
    // accepted: nginx read and checked everything (binding an address this host lacks may still fail,
    // and an HTTPS server's certificate files, loaded after all directives were read, do not exist here)
    const parsed = verdict.accepted || verdict.errors.every((e) => /\[emerg\] (bind\(\) to .* failed|cannot load certificate)/.test(e));
    expect(parsed, `gen-nginx accepted ${JSON.stringify(value)} at ${label}: ${verdict.errors.join(' / ')}`).toBe(true);
  }

  it.each([
    ['80 backlog=0', 'nginx: invalid backlog "backlog=0"'],
    ['[fe80::1%eth0]:80', 'nginx: invalid IPv6 address (no zone ids in listen)'],
    ['[1:2:3:4:5:6:7::]:80', 'nginx: invalid IPv6 address ("::" standing for the last group alone)'],
  ])('nginx.listen[0] %j: rejected, or nginx -t accepts it (%s)', async (value) => {
    await expectRejectedOrAcceptedByNginx('nginx.listen[0]', value);
    await expectRejectedOrAcceptedByNginx('nginx.https-listen[0]', value);
  });

  it('gen-nginx --check: nginx reads a directive the checker took for part of a comment', async () => {
    // With an unknown directive in the hidden part, nginx -t names it: proof that nginx reads it.
    const body = 'types { "a")# ; } location /evil { cert_wrap_smuggled; } location /x {\n allow all; }';
    const raw = FIELDS.find((f) => f.label === 'default-location.body[0]')!.build(body, ctx);
    const r = await runBin(bins.genNginx, [writeConfig(configText(raw)), '--check']);
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
      exitCode: 2,
      stderr: expect.stringMatching(/site\.yaml:\d+: default-location\.body\[0\]: /),
    });
  });

  it('gen-nginx --check: a 4024-byte webroot is either rejected as a config problem or accepted by nginx', async () => {
    const raw = FIELDS.find((f) => f.label === 'webroot')!.build(`/${'a'.repeat(4023)}`, ctx);
    const r = await runBin(bins.genNginx, [writeConfig(configText(raw)), '--check']);
    const verdict = r.exitCode === 0 ? 'accepted' : r.exitCode === 2 && /site\.yaml:\d+: webroot: /.test(r.stderr) ? 'rejected naming webroot' : r.stderr.slice(0, 300);
    expect(['accepted', 'rejected naming webroot']).toContain(verdict);
  });
});
