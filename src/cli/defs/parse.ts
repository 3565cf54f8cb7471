/**
 * Reads a command's arguments with node:util's parseArgs, from the same
 * option specs that help.ts renders for --help.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../lib/errors.js';
import { suggest } from '../lib/suggest.js';
import type { CommandDef, OptionSpec } from './defs/types.js';

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  debug: { type: 'boolean', default: false, describe: 'show stack traces of unexpected errors' },
};

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function parseCommandArgs(def: CommandDef, argv: string[]): Record<string, unknown> {
  const specs = { ...def.options, ...COMMON_OPTIONS };
  const usage = (message: string) => new UsageError(`${message}\nRun "cert-wrap ${def.name} --help" for usage.`);
  // parseArgs on Node 20 has no --no-NAME: take those out first, for boolean options only.
  const negated = new Set<string>();
  const rest = argv.filter((arg) => {
    const m = /^--no-(.+)$/.exec(arg);
    if (m && specs[m[1]!]?.type === 'boolean') {
      negated.add(m[1]!);
      return false;
    }
    return true;
  });
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(
        Object.entries(specs).map(([name, s]) => [
          name,
          { type: s.type === 'boolean' ? ('boolean' as const) : ('string' as const), multiple: s.array === true, ...(s.alias ? { short: s.alias } : {}) },
        ]),
      ),
    });
  } catch (err) {
    throw usage(parseArgsMessage((err as Error).message, Object.keys(specs)));
  }
  const args: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    let value: unknown = negated.has(name) ? false : (parsed.values as Record<string, unknown>)[name];
    if (value === undefined) value = spec.default;
    if (value === undefined && spec.required) throw usage(`missing --${name}: ${spec.required}`);
    if (spec.type === 'number' && typeof value === 'string') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw usage(`--${name} ${JSON.stringify(value)}: give a number`);
      value = n;
    }
    args[name] = value;
    args[camel(name)] = value;
  }
  def.check?.(args);
  return args;
}

/** parseArgs' message, shorter, with "did you mean" for a mistyped option. */
export function parseArgsMessage(message: string, names: readonly string[]): string {
  const text = message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unexpected argument/, 'unexpected argument');
  const unknown = /^Unknown option '--([^'=]+)'/.exec(text)?.[1];
  const hint = unknown === undefined ? null : suggest(unknown, names);
  return hint === null ? text : `${text} (did you mean "--${hint}"?)`;
}
