/**
 * The output holds the very words that were validated: a body line ending in
 * an escaped space or in a Unicode space (part of a word to nginx) keeps it.
 * Read back with the reference reader (a port of nginx 1.22's tokenizer) and
 * checked by the real nginx -t.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/model/load.js';
import { checkWithNginx } from '../../../src/adapters/nginx/check.js';
import { renderNginx } from '../../../src/adapters/nginx/render.js';
import { loadTemplates } from '../../../src/adapters/nginx/templates.js';
import { type NgxStatement, ngxRead } from '../../../lab/nginx-batch.js';
import { findTool, freePort, requireTools } from '../../../lab/tools.js';

const { ok } = requireTools(['nginx'], 'body lines against the real nginx -t');
const nginx = findTool('nginx') ?? 'nginx';

/** Each entry a location whose add_header value ends a line; the ";" is on the next line. */
const ENTRIES: [string, string][] = [
  ['an escaped space', 'location /a {\n    add_header X-A a\\ \n    ;\n    return 204;\n}'],
  ['an escaped tab', 'location /b {\n    add_header X-B b\\\t\n    ;\n    return 204;\n}'],
  ['U+00A0', 'location /c {\n    add_header X-C c\u00a0\n    ;\n    return 204;\n}'],
  ['U+3000', 'location /d {\n    add_header X-D d\u3000 \n    ;\n    return 204;\n}'],
  ['U+2028', 'location /e {\n    add_header X-E e\u2028\n    ;\n    return 204;\n}'],
  ['an escaped backslash, then spaces', 'location /f {\n    add_header X-F f\\\\  \n    ;\n    return 204;\n}'],
  ['plain trailing blanks', 'location /g {  \t\n    add_header X-G g \t\n    ;\n    return 204;\n}'],
];

type Shape = { kind: string; args: string[]; body?: Shape[] };
const shape = (s: NgxStatement): Shape => ({ kind: s.kind, args: s.args, ...(s.body ? { body: s.body.map(shape) } : {}) });

function read(text: string): Shape[] {
  const result = ngxRead(text);
  if (!result.ok) throw new Error(`the reference reader refused the text: ${result.error} (line ${result.line})\n${text}`);
  return result.statements.map(shape);
}

async function render(port: number): Promise<string> {
  const yaml = [
    'nginx:',
    `  listen: ["127.0.0.1:${port}"]`,
    'default-location:',
    '  uri: /',
    `  body: ${JSON.stringify(ENTRIES.map(([, entry]) => entry))}`,
    'certificates:',
    '  - domains: [a.example.org]',
    '',
  ].join('\n');
  return renderNginx(parseConfig(yaml, 'site.yaml'), await loadTemplates(), null);
}

describe('body lines keep the words nginx reads', () => {
  it.each(ENTRIES)('a line ending in %s: the output reads as the validated entry', async (_name, entry) => {
    const server = read(await render(8080))[0]!;
    const location = server.body!.find((s) => s.args[0] === 'location' && s.args[1] === '/')!;
    const index = ENTRIES.findIndex(([, e]) => e === entry);
    expect(location.body![index]).toEqual(read(entry)[0]);
  });

  it.skipIf(!ok)('the real nginx -t accepts the output', async () => {
    expect(await checkWithNginx(nginx, await render(await freePort()), 'site.conf')).toEqual({ ok: true });
  });
});
