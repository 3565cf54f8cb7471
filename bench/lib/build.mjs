// Build the commands (node scripts/build.mjs), then copy what they need into
// a private directory and run them from there: other people rebuild dist/ in
// the same checkout while the benchmark runs, and a half-rewritten dist/ must
// not turn into a failed or skewed measurement.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const COPY = ['bin', 'dist', 'templates', 'package.json', 'src/config/config.schema.json', 'examples/site.yaml'];

/**
 * @returns {{ dir: string, genNginx: string, certWrap: string, example: string }}
 */
export function buildAndSnapshot(root, into, log) {
  let lastError = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
    if (build.status !== 0) {
      lastError = `node scripts/build.mjs failed (exit ${build.status ?? build.signal}):\n${build.stderr}`;
      log(`build attempt ${attempt} failed; retrying`);
      continue;
    }
    rmSync(into, { recursive: true, force: true });
    try {
      for (const rel of COPY) {
        mkdirSync(path.dirname(path.join(into, rel)), { recursive: true });
        cpSync(path.join(root, rel), path.join(into, rel), { recursive: true });
      }
      const app = {
        dir: into,
        genNginx: path.join(into, 'bin', 'gen-nginx.js'),
        certWrap: path.join(into, 'bin', 'cert-wrap.js'),
        example: path.join(into, 'examples', 'site.yaml'),
      };
      // The copy must be complete and working: every relative import of the
      // bundle resolves, and the commands start.
      const missing = missingImports(path.join(into, 'dist'));
      if (missing.length > 0) throw new Error(`missing in dist/: ${missing.join(', ')}`);
      const ok = (args) => execFileSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
      ok([app.genNginx, app.example]);
      ok([app.certWrap, '--help']);
      ok([app.certWrap, 'status', '-c', app.example]);
      ok([app.certWrap, 'obtain', '--print', '-c', app.example]);
      return app;
    } catch (err) {
      lastError = `the built commands do not run (was dist/ rebuilt meanwhile?): ${String(err.stderr ?? err.message).trim()}`;
      log(`${lastError}; retrying`);
    }
  }
  throw new Error(lastError);
}

/** Relative imports ("./x.js", import("./chunks/y.js")) of the bundle's files that do not exist. */
function missingImports(dist) {
  const missing = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) walk(file);
      else if (e.name.endsWith('.js')) {
        for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*["'](\.\.?\/[^"']+)["']/g)) {
          if (!existsSync(path.resolve(dir, m[1]))) missing.push(`${path.relative(dist, file)} -> ${m[1]}`);
        }
      }
    }
  };
  walk(dist);
  return missing;
}
