/**
 * The option parser, in-process: every value read and checked by its spec
 * (numbers, ranges, choices, repeatable values) before a command runs, and
 * each command's argument type inferred from its specs (checked by tsc).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineCommand, readOptions } from '../../src/cli/args.js';
import { applyDef } from '../../src/cli/defs/apply.js';
import { COMMANDS } from '../../src/cli/defs/index.js';
import { bootstrapDef, planDef, renewDef, statusDef } from '../../src/cli/defs/lifecycle.js';
import { obtainDef } from '../../src/cli/defs/obtain.js';
import { preflightDef } from '../../src/cli/defs/preflight.js';
import { scheduleDef } from '../../src/cli/defs/schedule.js';
import type { ArgsOf, Camel } from '../../src/cli/defs/types.js';
import { GEN_NGINX_OPTIONS } from '../../src/cli/gen-nginx-args.js';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import { UsageError } from '../../src/lib/errors.js';

const usageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect(exitCodeOf(err)).toBe(2);
    return (err as Error).message.split('\n')[0]!;
  }
  throw new Error('no UsageError');
};

describe('types inferred from the option specs', () => {
  it('kebab-case names become camelCase keys', () => {
    expectTypeOf<Camel<'lock-timeout'>>().toEqualTypeOf<'lockTimeout'>();
    expectTypeOf<Camel<'a-b-c'>>().toEqualTypeOf<'aBC'>();
    expectTypeOf<Camel<'json'>>().toEqualTypeOf<'json'>();
  });

  it('each spec gives its value type: defaults and required are always there, repeatables are lists, choices a union', () => {
    const specs = {
      count: { type: 'number', default: 3, describe: '' },
      limit: { type: 'number', describe: '' },
      name: { type: 'string', required: 'give a name', describe: '' },
      tag: { type: 'string', array: true, describe: '' },
      mode: { type: 'string', choices: ['fast', 'safe'], default: 'safe', describe: '' },
      flag: { type: 'boolean', describe: '' },
      'dry-run': { type: 'boolean', default: false, describe: '' },
    } as const;
    expectTypeOf<ArgsOf<typeof specs>>().toEqualTypeOf<{
      count: number;
      limit: number | undefined;
      name: string;
      tag: string[] | undefined;
      mode: 'fast' | 'safe';
      flag: boolean | undefined;
      dryRun: boolean;
    }>();
  });

  it("the commands' arguments, as their run functions receive them", () => {
    expectTypeOf<ArgsOf<typeof obtainDef.options>>().toEqualTypeOf<{
      config: string;
      cert: string[] | undefined;
      print: boolean;
      dryRun: boolean;
      force: boolean;
      json: boolean;
      lockTimeout: number;
      reload: boolean;
      preflight: boolean;
      resolve: string[] | undefined;
    }>();
    expectTypeOf<ArgsOf<typeof applyDef.options>>().toEqualTypeOf<{
      config: string;
      nginxConf: string;
      templates: string | undefined;
      json: boolean;
      lockTimeout: number;
      preflight: boolean;
      resolve: string[] | undefined;
    }>();
    expectTypeOf<ArgsOf<typeof preflightDef.options>>().toMatchTypeOf<{ timeout: number; resolve: string[] | undefined }>();
    expectTypeOf<ArgsOf<typeof scheduleDef.options>>().toEqualTypeOf<{
      config: string;
      cron: boolean | undefined;
      systemd: boolean | undefined;
      write: string | undefined;
      seed: string | undefined;
      json: boolean;
    }>();
    expectTypeOf<ArgsOf<typeof statusDef.options>>().toMatchTypeOf<{ warning: string | undefined; check: boolean; metrics: string | undefined }>();
    expectTypeOf<ArgsOf<typeof renewDef.options>>().toMatchTypeOf<{ quiet: boolean; reload: boolean; dryRun: boolean }>();
    expectTypeOf<ArgsOf<typeof planDef.options>>().toEqualTypeOf<{ config: string; cert: string[] | undefined; json: boolean }>();
    expectTypeOf<ArgsOf<typeof bootstrapDef.options>>().toEqualTypeOf<{ config: string; cert: string[] | undefined; json: boolean }>();
    expectTypeOf<ArgsOf<typeof GEN_NGINX_OPTIONS>>().toMatchTypeOf<{ config: string | undefined; output: string | undefined; check: boolean | undefined }>();
  });

  it('a run function that wants an argument the specs do not give is a type error', () => {
    defineCommand({
      name: 'x',
      describe: '',
      options: { count: { type: 'number', describe: '' } },
      // @ts-expect-error: count may be undefined (no default), the function wants a number
      run: async (args: { count: number }) => args.count,
    });
    defineCommand({
      name: 'x',
      describe: '',
      options: { count: { type: 'number', default: 1, describe: '' } },
      run: async (args: { count: number }) => args.count,
    });
  });
});

describe('every value checked before the command runs (exit 2, the flag and value named)', () => {
  const obtain = (...argv: string[]) => obtainDef.parse(['-c', 'site.yaml', ...argv]);

  it('defaults, negations, repeatable values and camelCase keys', () => {
    expect(obtain('--cert', 'a', '--cert', 'b', '--no-reload', '--dry-run')).toEqual({
      config: 'site.yaml',
      cert: ['a', 'b'],
      print: false,
      dryRun: true,
      force: false,
      json: false,
      lockTimeout: 60,
      reload: false,
      preflight: true,
      resolve: undefined,
      debug: false,
    });
    expect(obtain('--lock-timeout', '0.5').lockTimeout).toBe(0.5);
  });

  it.each([
    [['--lock-timeout', 'soon'], '--lock-timeout "soon": give a number'],
    [['--lock-timeout', ''], '--lock-timeout "": give a number'],
    [['--lock-timeout', 'Infinity'], '--lock-timeout "Infinity": give a number'],
    [['--lock-timeout=-1'], '--lock-timeout -1: give the seconds to wait for another run, from 0 to 86400'],
    [['--lock-timeout', '86401'], '--lock-timeout 86401: give the seconds to wait for another run, from 0 to 86400'],
    [['--dryrun'], `Unknown option '--dryrun' (did you mean "--dry-run"?)`],
    [['--cert'], "Option '--cert <value>' argument missing"],
    [['extra'], "unexpected argument 'extra'. This command does not take positional arguments"],
  ])('obtain %j: %s', (argv, message) => {
    expect(usageOf(() => obtain(...argv))).toBe(message);
  });

  it('a required option missing', () => {
    expect(usageOf(() => obtainDef.parse([]))).toBe('missing --config: give the config file with -c FILE');
  });

  it.each([
    [['--timeout', '0'], '--timeout 0: give the seconds to wait for each request, more than 0 and at most 600'],
    [['--timeout', '601'], '--timeout 601: give the seconds to wait for each request, more than 0 and at most 600'],
    [['--timeout', 'x'], '--timeout "x": give a number'],
  ])('preflight %j: %s', (argv, message) => {
    expect(usageOf(() => preflightDef.parse(['-c', 's.yaml', ...argv]))).toBe(message);
  });

  it('choices, for every value of a repeatable option', () => {
    const specs = { mode: { type: 'string', array: true, choices: ['fast', 'safe'], describe: '' } } as const;
    const read = (...argv: string[]) => readOptions(specs, argv, { hint: 'see --help', negation: false }).args;
    expect(read('--mode', 'fast', '--mode', 'safe')).toEqual({ mode: ['fast', 'safe'] });
    expect(usageOf(() => read('--mode', 'fast', '--mode', 'sage'))).toBe('--mode "sage": give one of fast, safe (did you mean "safe"?)');
  });

  it('the cross-option check of a command runs with the parse', () => {
    expect(usageOf(() => scheduleDef.parse(['-c', 's.yaml']))).toBe('give exactly one of --cron or --systemd');
    expect(scheduleDef.parse(['-c', 's.yaml', '--cron'])).toMatchObject({ cron: true, systemd: undefined });
  });

  it('each message ends with where the usage is', () => {
    const err = (() => {
      try {
        renewDef.parse(['-c', 's.yaml', '--nope']);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err?.message.split('\n')[1]).toBe('Run "cert-wrap renew --help" for usage.');
  });

  it('every command is defined through the specs', () => {
    for (const c of COMMANDS) expect(typeof c.parse, c.name).toBe('function');
  });
});
