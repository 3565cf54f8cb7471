/**
 * cert-wrap COMMAND: the operator's side. The arguments are read with
 * node:util parseArgs from the definitions in defs/; each command's code is
 * loaded only when that command runs, and yargs only to render --help.
 */
import { UsageError } from '../lib/errors.js';
import { VERSION } from '../lib/version.js';
import { parseCommandArgs } from './args.js';
import { applyDef } from './defs/apply.js';
import { deployHookDef } from './defs/deploy-hook.js';
import { bootstrapDef, planDef, renewDef, statusDef } from './defs/lifecycle.js';
import { obtainDef } from './defs/obtain.js';
import { preflightDef } from './defs/preflight.js';
import { reloadDef } from './defs/reload.js';
import { scheduleDef } from './defs/schedule.js';
import type { CommandDef } from './defs/types.js';
import { runMain } from './run.js';

/** In the order --help lists them. */
export const COMMANDS: CommandDef[] = [applyDef, obtainDef, preflightDef, renewDef, scheduleDef, statusDef, planDef, bootstrapDef, reloadDef, deployHookDef];

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (first === undefined || isHelp(first) || (first === '--debug' && rest.length === 0)) {
    await (await import('./help.js')).showHelp(COMMANDS, null);
    if (first === undefined) throw new UsageError(`give a command: ${COMMANDS.map((c) => c.name).join(', ')}`);
    return 0;
  }
  const def = COMMANDS.find((c) => c.name === first);
  if (!def) {
    throw new UsageError(`unknown command ${JSON.stringify(first)}; the commands are ${COMMANDS.map((c) => c.name).join(', ')}\nRun "cert-wrap --help" for usage.`);
  }
  if (rest.some(isHelp)) {
    await (await import('./help.js')).showHelp(COMMANDS, def);
    return 0;
  }
  return def.run(parseCommandArgs(def, rest));
}

await runMain('cert-wrap', main);
