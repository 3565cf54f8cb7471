// Make the V8 code cache of one command bundle (see src/cli/launch.ts):
//   node scripts/code-cache.mjs LAUNCH BUNDLE ARGV_JSON...
// compiles BUNDLE as bin/ does, runs the command once for each ARGV_JSON (a
// JSON array of arguments) in this one process, then writes BUNDLE.cache:
// the code of every function those runs compiled, so that the same paths in a
// user's run start compiled; and BUNDLE's library scripts those runs loaded,
// each with its cache. Run by scripts/build.mjs in a throwaway directory,
// stdout discarded; a run that fails still leaves what it compiled.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [launchFile, bundle, ...runs] = process.argv.slice(2);
const { compileBundle, runBundle, cacheFileContent, loadedChunks } = createRequire(import.meta.url)(launchFile);
const { script, source } = compileBundle(bundle, { cache: false });
// Loading the bundle runs the command of process.argv: make that a harmless one.
process.argv = [process.argv[0], bundle, '--version'];
const { main } = runBundle(script, bundle);
for (const run of runs) {
  try {
    await main(JSON.parse(run));
  } catch {
    // the error path is compiled too
  }
}
writeFileSync(`${bundle}.cache`, cacheFileContent(source, script));
// The library scripts those runs loaded (the YAML parser, execa), each with its own cache.
for (const [file, chunk] of loadedChunks) writeFileSync(`${file}.cache`, cacheFileContent(chunk.source, chunk.script));
// A run may leave a handle open (a timer, a child): the cache is written, stop here.
process.exit(0);
