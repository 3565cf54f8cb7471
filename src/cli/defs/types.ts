import type { Argv } from 'yargs';

/**
 * One cert-wrap command: its name, help and options (cheap to load), and the
 * module that does the work, imported only when the command runs.
 */
export interface CommandDef {
  name: string;
  describe: string;
  builder(y: Argv): Argv;
  run(args: Record<string, unknown>): Promise<number>;
}

export const configOption = {
  alias: 'c',
  type: 'string',
  demandOption: 'give the config file with -c FILE',
  describe: 'config file (YAML or JSON), the same one gen-nginx reads',
} as const;

export const jsonOption = { type: 'boolean', default: false, describe: 'print the result as JSON on stdout' } as const;
