// The project's test lab (lab/, TypeScript), bundled once per benchmark run
// into .tmp/ and loaded from there: the benchmarks start Pebble and nginx and
// make certificates exactly as the tests do.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const outfile = path.join(root, '.tmp', `lab-bench-${process.pid}.mjs`);
await build({
  entryPoints: [path.join(root, 'lab', 'bench.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});

/** @type {typeof import('../../lab/bench.ts')} */
export const lab = await import(pathToFileURL(outfile).href);
rmSync(outfile, { force: true });
