import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bins, runBin, writeConfig } from '../../lab/cli.js';
import { cases as table } from '../unit/model/invalid-config-cases.js';

/** A few rows of the table (test/unit/model/invalid-config.test.ts) through the built command: YAML and JSON, one problem and several. */
const THROUGH_THE_BINARY = ['malformed YAML', 'malformed JSON', 'unknown top-level key', 'space in a name', 'unbalanced brace in body', 'JSON nested 5,000 deep', 'empty YAML file'];
const cases = table.filter(([name]) => THROUGH_THE_BINARY.includes(name));
const several = 'certificates:\n  - domains: ["exa mple.org"]\nwebroot: var/www\n';

describe('gen-nginx rejects bad configs: exit 2, a message naming the path and value, no output', () => {
  it.each(cases)('%s', async (_name, text, fileName, message) => {
    const file = writeConfig(text, fileName);
    const { exitCode, stdout, stderr } = await runBin(bins.genNginx, [file]);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
    expect(exitCode).toBe(2);
  });

  it('several problems: a heading naming the file, then one line each', async () => {
    const file = writeConfig(several);
    const { exitCode, stdout, stderr } = await runBin(bins.genNginx, [file]);
    expect([exitCode, stdout]).toEqual([2, '']);
    expect(stderr).toBe(
      `gen-nginx: ${file} is not valid (2 problems):\n` +
        `  ${file}:2: certificates[0].domains[0]: "exa mple.org" is not a valid domain name\n` +
        `  ${file}:3: webroot: "var/www" must be an absolute path (start with "/")\n`,
    );
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
