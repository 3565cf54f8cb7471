/**
 * cert-wrap COMMAND: the operator's side. Each command's code is loaded only
 * when that command runs; its definition (name, help, options) is in defs/.
 */
import yargs, { type Argv } from 'yargs';
import { VERSION } from '../lib/version.js';
import { UsageError } from '../lib/errors.js';
import { deployHookDef } from './defs/deploy-hook.js';
import { bootstrapDef, planDef, renewDef, statusDef } from './defs/lifecycle.js';
import { obtainDef } from './defs/obtain.js';
import { preflightDef } from './defs/preflight.js';
import { reloadDef } from './defs/reload.js';
import { scheduleDef } from './defs/schedule.js';
import type { CommandDef } from './defs/types.js';
import { runMain } from './run.js';

/** In the order --help lists them. */
export const COMMANDS: CommandDef[] = [obtainDef, preflightDef, renewDef, scheduleDef, statusDef, planDef, bootstrapDef, reloadDef, deployHookDef];

export function parser(argv: string[], onRun: (code: number) => void): Argv {
  let y = yargs(argv)
    .scriptName('cert-wrap')
    .usage('$0 COMMAND -c CONFIG [options]\n\nRun certbot for the certificates of a cert-wrap config and reload nginx safely.');
  for (const def of COMMANDS) {
    y = y.command(def.name, def.describe, def.builder, async (args) => {
      onRun(await def.run(args));
    });
  }
  return y
    .option('debug', { type: 'boolean', default: false, describe: 'show stack traces of unexpected errors' })
    .demandCommand(1, `give a command: ${COMMANDS.map((c) => c.name).join(', ')}`)
    .epilog(
      'Exit codes: 0 success; 1 a certificate or the reload failed; 2 invalid config, usage or a failed check before running (certbot missing, webroot not writable); 3 another cert-wrap run holds the lock.',
    )
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .strict()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((message, err) => {
      throw err ?? new UsageError(`${message}\nRun "cert-wrap --help" for usage.`);
    });
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  await parser(argv, (c) => (code = c)).parseAsync();
  return code;
}

await runMain('cert-wrap', main);
