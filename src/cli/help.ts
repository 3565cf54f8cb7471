/** --help screens, rendered by yargs from the same command definitions (loaded only for help). */
import type { Argv, Options } from 'yargs';
import { VERSION } from '../lib/version.js';
import { COMMON_OPTIONS } from './args.js';
import type { CommandDef, OptionSpec } from './defs/types.js';

export const EPILOG =
  'Exit codes: 0 success; 1 a certificate or the reload failed; 2 invalid config, usage or a failed check before running ' +
  '(certbot missing, webroot not writable); 3 another cert-wrap run holds the lock.';

function toYargs(spec: OptionSpec): Options {
  const { required: _required, ...rest } = spec;
  return { ...rest, ...(spec.required ? { demandOption: true } : {}) };
}

export async function showHelp(commands: CommandDef[], command: CommandDef | null): Promise<void> {
  const { default: yargs } = await import('yargs');
  let y: Argv = yargs([])
    .scriptName('cert-wrap')
    .usage('$0 COMMAND -c CONFIG [options]\n\nRun certbot for the certificates of a cert-wrap config and reload nginx safely.')
    .version(VERSION)
    .epilog(EPILOG)
    .wrap(Math.min(100, process.stdout.columns || 100));
  for (const def of commands) {
    y = y.command(def.name, def.describe, (c) => {
      for (const [name, spec] of Object.entries({ ...def.options, ...COMMON_OPTIONS })) c.option(name, toYargs(spec));
      for (const [cmd, text] of def.examples ?? []) c.example(cmd, text);
      return c;
    });
  }
  if (command === null) {
    for (const [name, spec] of Object.entries(COMMON_OPTIONS)) y.option(name, toYargs(spec));
    y.showHelp('log');
  } else {
    // yargs renders a command's help when it parses that command with --help.
    await y.exitProcess(false).parseAsync([command.name, '--help']);
  }
}
