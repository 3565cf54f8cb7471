/**
 * One cert-wrap command as data: its name, help, option specs and examples
 * (cheap to load), and the module that does the work, imported only when it
 * runs. The same specs feed the argument parser (args.ts), the --help screens
 * (help.ts) and the type of the arguments the command receives (ArgsOf): an
 * option added to a spec is an argument of the command, typed, with no cast.
 */
interface SpecBase {
  describe: string;
  /** The value's name in help, e.g. FILE (default: N for numbers, VALUE for strings). */
  arg?: string;
  /** A one-letter alias, e.g. "c" for -c. */
  alias?: string;
  /** When missing: this message, exit 2. */
  required?: string;
}

export interface BooleanSpec extends SpecBase {
  type: 'boolean';
  default?: boolean;
}

export interface StringSpec extends SpecBase {
  type: 'string';
  default?: string;
  /** Repeatable: the values are collected into a list. */
  array?: boolean;
  /** The only values accepted (each value, when repeatable). */
  choices?: readonly string[];
}

export interface NumberSpec extends SpecBase {
  type: 'number';
  default?: number;
  /** The accepted range; outside it: "--NAME VALUE: SAY", exit 2. */
  range?: { min?: number; above?: number; max?: number; say: string };
}

export type OptionSpec = BooleanSpec | StringSpec | NumberSpec;
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** "lock-timeout" → "lockTimeout". */
export type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;

type One<S> = S extends { type: 'boolean' } ? boolean : S extends { type: 'number' } ? number : S extends { choices: readonly (infer C)[] } ? C : string;
type ValueOf<S> = S extends { array: true } ? One<S>[] : One<S>;
/** Always there: a default or required. */
type Given<S> = S extends { default: unknown } ? true : S extends { required: string } ? true : false;

/** The arguments a command receives for its option specs: camelCase names, each value typed by its spec. */
export type ArgsOf<O> = {
  -readonly [K in keyof O & string as Camel<K>]: Given<O[K]> extends true ? ValueOf<O[K]> : ValueOf<O[K]> | undefined;
};

/** A command's definition: the specs, and `check` and `run` typed by them. */
export interface CommandSpec<O extends OptionSpecs> {
  name: string;
  describe: string;
  options: O;
  /** The usage line's arguments after the command name, when more than its required options and [options]. */
  usage?: string;
  examples?: [command: string, description: string][];
  /** Checks across options (throws UsageError). */
  check?: (args: ArgsOf<O>) => void;
  /** A property, not a method: its parameter is checked strictly against the specs' type. */
  run: (args: ArgsOf<O>) => Promise<number>;
}

/** A command as the dispatcher and help see it: the specs, and a parse-then-run entry. */
export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string;
  describe: string;
  options: O;
  usage?: string;
  examples?: [command: string, description: string][];
  /** Parse and check every option (UsageError, exit 2), running nothing: the arguments as the command would get them. */
  parse(argv: string[]): Readonly<Record<string, unknown>>;
  /** Parse and check every option before anything runs, then run. */
  main(argv: string[]): Promise<number>;
}

export const configOption = {
  alias: 'c',
  type: 'string',
  arg: 'CONFIG',
  required: 'give the config file with -c FILE',
  describe: 'config file (YAML or JSON), the same one gen-nginx reads',
} as const satisfies StringSpec;

export const jsonOption = { type: 'boolean', default: false, describe: 'print the result as JSON on stdout' } as const satisfies BooleanSpec;

export const certOption = { type: 'string', arg: 'NAME', array: true, describe: 'only this certificate (by name); repeatable' } as const satisfies StringSpec;

export const lockTimeoutOption = {
  type: 'number',
  arg: 'SECONDS',
  default: 60,
  range: { min: 0, max: 86_400, say: 'give the seconds to wait for another run, from 0 to 86400' },
  describe: 'seconds to wait for another cert-wrap run on the same certbot directories',
} as const satisfies NumberSpec;

export const reloadOption = {
  type: 'boolean',
  default: true,
  describe: 'check before ordering that nginx can be reloaded, and reload it at the end (--no-reload when something else reloads nginx)',
} as const satisfies BooleanSpec;

export const preflightOptions = {
  preflight: { type: 'boolean', default: true, describe: 'first check that each webroot name serves a probe file over http (--no-preflight to skip)' },
  resolve: { type: 'string', arg: 'NAME:IP', array: true, describe: 'like curl --resolve: where the preflight connects for NAME (repeatable)' },
} as const satisfies OptionSpecs;
