import { describe, expect, it } from 'vitest';
import { notIncludedMessage } from '../../../../src/adapters/nginx/include-check.js';
import { fileFor, includeMatches, includeSites, parseDump, segmentMatches, whereIncluded } from '../../../../src/adapters/nginx/includes.js';

/** The shape of Debian 12's `nginx -T` (stock nginx.conf, trimmed). */
const DEBIAN = [
  '# configuration file /etc/nginx/nginx.conf:',
  'user www-data;',
  'pid /run/nginx.pid;',
  'include /etc/nginx/modules-enabled/*.conf;',
  'events { worker_connections 768; }',
  'http {',
  '\tinclude /etc/nginx/mime.types;',
  '\tinclude /etc/nginx/conf.d/*.conf;',
  '\tinclude /etc/nginx/sites-enabled/*;',
  '}',
  '',
  '# configuration file /etc/nginx/mime.types:',
  'types { text/html html; }',
  '',
  '# configuration file /etc/nginx/sites-enabled/default:',
  'server { listen 80 default_server; root /var/www/html; }',
  '',
  '',
].join('\n');

describe('nginx -T dump', () => {
  it('splits into files, the main one first, each with its own text', () => {
    const files = parseDump(DEBIAN);
    expect(files.map((f) => f.path)).toEqual(['/etc/nginx/nginx.conf', '/etc/nginx/mime.types', '/etc/nginx/sites-enabled/default']);
    expect(files[1]!.text).toBe('types { text/html html; }');
  });

  it('finds every include with the blocks around it, following included files', () => {
    const text = `${DEBIAN}# configuration file /etc/nginx/conf.d/x.conf:\nserver { include snippets/*.conf; }\n\n`;
    const sites = includeSites(parseDump(text));
    expect(sites.map((s) => [s.pattern, s.context.join('>')])).toEqual([
      ['/etc/nginx/modules-enabled/*.conf', ''],
      ['/etc/nginx/mime.types', 'http'],
      ['/etc/nginx/conf.d/*.conf', 'http'],
      // relative to the main file's directory, inside the server block of the included file
      ['/etc/nginx/snippets/*.conf', 'http>server'],
      ['/etc/nginx/sites-enabled/*', 'http'],
    ]);
  });
});

describe('whereIncluded', () => {
  const files = parseDump(DEBIAN);

  it('a file that does not exist yet is included when an http include pattern matches it', () => {
    const v = whereIncluded(files, '/etc/nginx/conf.d/cert-wrap.conf');
    expect(v).toMatchObject({ included: true, site: { pattern: '/etc/nginx/conf.d/*.conf', file: '/etc/nginx/nginx.conf' } });
    expect(whereIncluded(files, '/etc/nginx/sites-enabled/cert-wrap').included).toBe(true);
  });

  it.each([
    ['/etc/nginx/cert-wrap.conf', 'no include reads it'],
    ['/etc/nginx/conf.d/cert-wrap', 'conf.d/*.conf needs the suffix'],
    ['/etc/nginx/conf.d/.cert-wrap.conf', 'glob never matches a leading dot'],
    ['/etc/nginx/conf.d/sub/cert-wrap.conf', '* does not cross /'],
    ['/etc/nginx/modules-enabled/cert-wrap.conf', 'included, but outside http'],
  ])('%s is not part of it (%s)', (path) => {
    expect(whereIncluded(files, path).included).toBe(false);
  });

  it('names the include outside http, and what to add', () => {
    const v = whereIncluded(files, '/etc/nginx/modules-enabled/cert-wrap.conf');
    if (v.included) throw new Error('expected not included');
    expect(v.wrongBlock?.file).toBe('/etc/nginx/nginx.conf');
    const message = notIncludedMessage('/etc/nginx/modules-enabled/cert-wrap.conf', files, v);
    expect(message).toContain('at the top level');
    expect(message).toContain('inside the http { ... } block of /etc/nginx/nginx.conf');
    expect(message).toContain('    include "/etc/nginx/modules-enabled/cert-wrap.conf";');
    expect(message).toContain('--nginx-conf /etc/nginx/conf.d/cert-wrap.conf');
  });

  it('a config without any http include gets only the line to add', () => {
    const bare = parseDump('# configuration file /opt/nginx.conf:\nevents {}\nhttp { server { listen 80; } }\n\n');
    const v = whereIncluded(bare, '/etc/nginx/conf.d/cert-wrap.conf');
    if (v.included) throw new Error('expected not included');
    const message = notIncludedMessage('/etc/nginx/conf.d/cert-wrap.conf', bare, v);
    expect(message).toContain('of /opt/nginx.conf');
    expect(message).not.toContain('--nginx-conf');
  });

  it('a plain include (no glob) matches only its own path', () => {
    const plain = parseDump('# configuration file /etc/nginx/nginx.conf:\nhttp { include cert-wrap.conf; }\n\n');
    expect(whereIncluded(plain, '/etc/nginx/cert-wrap.conf').included).toBe(true);
    expect(whereIncluded(plain, '/etc/nginx/conf.d/cert-wrap.conf').included).toBe(false);
  });
});

describe('glob rules', () => {
  it.each([
    ['*.conf', 'a.conf', true],
    ['*.conf', '.a.conf', false],
    ['.*', '.a', true],
    ['?.conf', 'ab.conf', false],
    ['[ab].conf', 'b.conf', true],
    ['[!ab].conf', 'b.conf', false],
    ['[a-c]*', 'cert-wrap', true],
    ['\\*', '*', true],
    ['[abc', '[abc', true],
  ])('%s vs %s: %s', (pattern, name, result) => {
    expect(segmentMatches(pattern, name)).toBe(result);
  });

  it('compares whole paths, segment by segment', () => {
    expect(includeMatches('/etc/nginx/*/x.conf', '/etc/nginx/conf.d/x.conf')).toBe(true);
    expect(includeMatches('/etc/nginx/*.conf', '/etc/nginx/conf.d/x.conf')).toBe(false);
  });

  it('suggests a file for plain DIR/*SUFFIX patterns only', () => {
    expect(fileFor('/etc/nginx/conf.d/*.conf', 'cert-wrap')).toBe('/etc/nginx/conf.d/cert-wrap.conf');
    expect(fileFor('/etc/nginx/sites-enabled/*', 'cert-wrap')).toBe('/etc/nginx/sites-enabled/cert-wrap');
    expect(fileFor('/etc/nginx/*/x.conf', 'cert-wrap')).toBeNull();
    expect(fileFor('/etc/nginx/conf.d/a*.conf', 'cert-wrap')).toBeNull();
  });
});
