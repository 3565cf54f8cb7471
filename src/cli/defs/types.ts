/**
 * One cert-wrap command as data: its name, help, options and examples (cheap
 * to load), and the module that does the work, imported only when it runs.
 * The same data feeds the argument parser (node:util parseArgs) and the --help
 * screens (help.ts).
 */
export interface OptionSpec {
  type: 'string' | 'boolean' | 'number';
  describe: string;
  /** The value's name in help, e.g. FILE (default: N for numbers, VALUE for strings). */
  arg?: string;
  /** A one-letter alias, e.g. "c" for -c. */
  alias?: string;
  default?: string | boolean | number;
  /** Repeatable: the values are collected into a list. */
  array?: boolean;
  /** When missing: this message, exit 2. */
  required?: string;
}

export interface CommandDef {
  name: string;
  describe: string;
  options: Record<string, OptionSpec>;
  /** The usage line's arguments after the command name, when more than its required options and [options]. */
  usage?: string;
  examples?: [command: string, description: string][];
  /** Checks across options (throws UsageError). */
  check?(args: Record<string, unknown>): void;
  run(args: Record<string, unknown>): Promise<number>;
}

export const configOption: OptionSpec = {
  alias: 'c',
  type: 'string',
  arg: 'CONFIG',
  required: 'give the config file with -c FILE',
  describe: 'config file (YAML or JSON), the same one gen-nginx reads',
};

export const jsonOption: OptionSpec = { type: 'boolean', default: false, describe: 'print the result as JSON on stdout' };

export const certOption: OptionSpec = { type: 'string', arg: 'NAME', array: true, describe: 'only this certificate (by name); repeatable' };

export const lockTimeoutOption: OptionSpec = {
  type: 'number',
  arg: 'SECONDS',
  default: 60,
  describe: 'seconds to wait for another cert-wrap run on the same certbot directories',
};

export const reloadOption: OptionSpec = {
  type: 'boolean',
  default: true,
  describe: 'check before ordering that nginx can be reloaded, and reload it at the end (--no-reload when something else reloads nginx)',
};

export const preflightOptions: Record<string, OptionSpec> = {
  preflight: { type: 'boolean', default: true, describe: 'first check that each webroot name serves a probe file over http (--no-preflight to skip)' },
  resolve: { type: 'string', arg: 'NAME:IP', array: true, describe: 'like curl --resolve: where the preflight connects for NAME (repeatable)' },
};
