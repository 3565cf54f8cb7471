/**
 * The packed package, installed the way the README's Install section says
 * (`npm install -g` of `npm pack`'s tarball) into a throwaway prefix: what it
 * ships, that installing warns about nothing and adds no dependency, and that
 * both commands run from there, --templates included (it compiles at run time).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { bins, repoRoot, runBin, shellEnv } from '../../lab/cli.js';

const SHIPPED = [/^LICENSE$/, /^README\.md$/, /^package\.json$/, /^bin\//, /^dist\//, /^templates\/[^/]+\.hbs$/, /^examples\//, /^src\/config\/config\.schema\.json$/];

let dir: string;
let packed: { files: { path: string }[]; filename: string };
let install: { stdout: string; stderr: string };
let prefix: string;

const npm = (args: string[], cwd: string) => execa('npm', args, { cwd, env: shellEnv(), extendEnv: false });

beforeAll(async () => {
  dir = await makeTempDir('cert-wrap-pack-');
  const pack = await npm(['pack', '--json', '--pack-destination', dir], repoRoot);
  packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0]!;
  prefix = join(dir, 'prefix');
  const result = await npm(['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(dir, packed.filename)], dir);
  install = { stdout: result.stdout, stderr: result.stderr };
}, 180_000);

afterAll(() => removeTempDir(dir));

describe('npm pack and npm install -g', () => {
  it('ships what a server needs and nothing else', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files.filter((f) => !SHIPPED.some((re) => re.test(f)))).toEqual([]);
    for (const f of ['LICENSE', 'README.md', 'examples/site.yaml', 'bin/cert-wrap.js', 'bin/gen-nginx.js', 'bin/package.json', 'dist/launch.cjs', 'dist/cert-wrap.cjs', 'dist/cert-wrap.cjs.cache', 'dist/gen-nginx.cjs', 'dist/gen-nginx.cjs.cache', 'src/config/config.schema.json', 'templates/server.hbs']) {
      expect(files).toContain(f);
    }
    expect(readFileSync(join(repoRoot, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('declares no runtime dependency and no install script; installing prints no warning and adds one package', () => {
    const pkg = JSON.parse(readFileSync(join(prefix, 'lib', 'node_modules', 'cert-wrap', 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
    expect(Object.keys(pkg.scripts ?? {}).filter((s) => /^(pre|post)?(install|prepare)$/.test(s))).toEqual([]);
    expect(install.stderr).not.toMatch(/warn/i);
    expect(install.stdout).toMatch(/added 1 package\b/);
    expect(existsSync(join(prefix, 'lib', 'node_modules', 'cert-wrap', 'node_modules'))).toBe(false);
  });

  it('both commands run from the install, on the example config where the README says it lands', async () => {
    const example = join(prefix, 'lib', 'node_modules', 'cert-wrap', 'examples', 'site.yaml');
    const gen = await execa(join(prefix, 'bin', 'gen-nginx'), [example], { reject: false });
    expect(gen.exitCode).toBe(0);
    expect(gen.stdout).toBe((await runBin(bins.genNginx, [join(repoRoot, 'examples', 'site.yaml')])).stdout.trimEnd());
    const help = await execa(join(prefix, 'bin', 'cert-wrap'), ['--help'], { reject: false });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cert-wrap COMMAND/);
    const plan = await execa(join(prefix, 'bin', 'cert-wrap'), ['plan', '-c', example], { reject: false });
    expect(plan.stderr).not.toMatch(/Cannot find (module|package)/);
  });

  it('gen-nginx --templates DIR compiles your own templates with the installed package alone', async () => {
    const templates = join(dir, 'my-templates');
    mkdirSync(templates);
    const server = readFileSync(join(repoRoot, 'templates', 'server.hbs'), 'utf8');
    writeFileSync(join(templates, 'server.hbs'), `# my own server template\n${server}`);
    const example = join(prefix, 'lib', 'node_modules', 'cert-wrap', 'examples', 'site.yaml');
    const gen = await execa(join(prefix, 'bin', 'gen-nginx'), [example, '--templates', templates], { reject: false });
    expect(gen.stderr).toBe('');
    expect(gen.exitCode).toBe(0);
    expect(gen.stdout.match(/# my own server template/g)).toHaveLength(2);
    expect(readdirSync(templates)).toEqual(['server.hbs']);
  });
});
