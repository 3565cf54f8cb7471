/**
 * Reads a command's arguments with node:util's parseArgs, from the same
 * option specs that help.ts renders for --help, and checks every value
 * against its spec (numbers, ranges, choices, each value of a repeatable
 * option) before the command runs: a bad one is a UsageError naming the flag
 * and the value (exit 2, nothing started). The result is typed by the specs.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../lib/errors.js';
import { suggest } from '../../lib/suggest.js';
import type { ArgsOf, Command, CommandSpec, NumberSpec, OptionSpec, OptionSpecs, StringSpec } from './types.js';

/** Options every command takes. */
export const COMMON_OPTIONS = {
  debug: { type: 'boolean', default: false, describe: 'show stack traces of unexpected errors' },
} as const satisfies OptionSpecs;

/** A command definition, its argument type inferred from its option specs; parsed and checked before it runs. */
export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): Command<O> {
  const { name, describe, options, usage, examples } = spec;
  return {
    name,
    describe,
    options,
    ...(usage !== undefined ? { usage } : {}),
    ...(examples !== undefined ? { examples } : {}),
    parse: (argv) => parseCommandArgs(spec, argv),
    main: (argv) => spec.run(parseCommandArgs(spec, argv)),
  };
}

/** A command's arguments, read and checked (its cross-option check included). */
export function parseCommandArgs<O extends OptionSpecs>(spec: Pick<CommandSpec<O>, 'name' | 'options' | 'check'>, argv: string[]): ArgsOf<O> {
  const { args } = readOptions(spec.options, argv, { hint: `Run "cert-wrap ${spec.name} --help" for usage.`, negation: true, common: COMMON_OPTIONS });
  spec.check?.(args);
  return args;
}

export interface ReadSettings {
  /** The line after every message, e.g. Run "gen-nginx --help" for usage. */
  hint: string;
  /** --no-NAME sets a boolean option to false. */
  negation: boolean;
  /** Also accepted, not part of the result's type (e.g. --debug). */
  common?: OptionSpecs;
  /** Positional arguments accepted (default: none). */
  positionals?: boolean;
}

/** The options of `argv` by their specs, typed; the positionals when allowed. */
export function readOptions<O extends OptionSpecs>(options: O, argv: string[], settings: ReadSettings): { args: ArgsOf<O>; positionals: string[] } {
  const specs: OptionSpecs = { ...options, ...settings.common };
  const usage = (message: string) => new UsageError(`${message}\n${settings.hint}`);
  // parseArgs on Node 20 has no --no-NAME: take those out first, for boolean options only.
  const negated = new Set<string>();
  const rest = argv.filter((arg) => {
    const m = /^--no-(.+)$/.exec(arg);
    if (!settings.negation || !m || specs[m[1]!]?.type !== 'boolean') return true;
    negated.add(m[1]!);
    return false;
  });
  let parsed;
  try {
    parsed = parseArgs({ args: rest, strict: true, allowPositionals: settings.positionals === true, options: parseArgsOptions(specs) });
  } catch (err) {
    throw usage(parseArgsMessage((err as Error).message, Object.keys(specs)));
  }
  const values: Record<string, unknown> = parsed.values;
  const args: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const given = negated.has(name) ? false : values[name];
    if (given === undefined && spec.default === undefined && spec.required) throw usage(`missing --${name}: ${spec.required}`);
    args[camel(name)] = given === undefined ? spec.default : checkValue(name, spec, given, usage);
  }
  // The one place the specs' values meet their type: each was read and checked by its spec above.
  return { args: args as ArgsOf<O>, positionals: parsed.positionals };
}

function parseArgsOptions(specs: OptionSpecs) {
  return Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [
      name,
      { type: s.type === 'boolean' ? ('boolean' as const) : ('string' as const), multiple: s.type === 'string' && s.array === true, ...(s.alias ? { short: s.alias } : {}) },
    ]),
  );
}

/** A value as given on the command line, checked and converted by its spec. */
function checkValue(name: string, spec: OptionSpec, given: unknown, usage: (message: string) => UsageError): unknown {
  if (spec.type === 'number') return checkNumber(name, spec, String(given), usage);
  if (spec.type === 'string' && Array.isArray(given)) return given.map((v: string) => checkChoice(name, spec, v, usage));
  if (spec.type === 'string') return checkChoice(name, spec, String(given), usage);
  return given;
}

function checkNumber(name: string, spec: NumberSpec, value: string, usage: (message: string) => UsageError): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw usage(`--${name} ${JSON.stringify(value)}: give a number`);
  const r = spec.range;
  if (r && ((r.min !== undefined && n < r.min) || (r.above !== undefined && n <= r.above) || (r.max !== undefined && n > r.max))) {
    throw usage(`--${name} ${String(n)}: ${r.say}`);
  }
  return n;
}

function checkChoice(name: string, spec: StringSpec, value: string, usage: (message: string) => UsageError): string {
  if (spec.choices === undefined || spec.choices.includes(value)) return value;
  const hint = suggest(value, spec.choices);
  throw usage(`--${name} ${JSON.stringify(value)}: give one of ${spec.choices.join(', ')}${hint === null ? '' : ` (did you mean "${hint}"?)`}`);
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** parseArgs' message, shorter, with "did you mean" for a mistyped option. */
export function parseArgsMessage(message: string, names: readonly string[]): string {
  const text = message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unexpected argument/, 'unexpected argument');
  const unknown = /^Unknown option '--([^'=]+)'/.exec(text)?.[1];
  const hint = unknown === undefined ? null : suggest(unknown, names);
  return hint === null ? text : `${text} (did you mean "--${hint}"?)`;
}
