/**
 * The unit project is in-process only: any attempt to start a process fails
 * the test that made it, naming the program. Tests that need a real tool
 * belong to the cli, reliability or e2e projects.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const names = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
for (const name of names) {
  (childProcess as unknown as Record<string, unknown>)[name] = (file: unknown) => {
    throw new Error(`the unit project runs in-process: ${name}(${JSON.stringify(file)}) belongs in test/cli/, test/reliability/ or test/e2e/`);
  };
}
syncBuiltinESMExports();
