import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, EXIT_CODE_TABLE, exitCodeOf, isExpected } from '../../../src/cli/exit-codes.js';
import { formatError } from '../../../src/cli/run.js';
import * as errors from '../../../src/lib/errors.js';
import { signalExitCode } from '../../../src/lib/interrupt.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

/** Classes that are caught and worded by their callers, never an exit code of their own. */
const INTERNAL = ['NetworkError', 'NotRegularFileError', 'OutputRefusedError', 'LostLeadershipError'];

describe('the error class → exit code table', () => {
  it.each([
    [new errors.ConfigError([{ path: ['webroot'], message: 'bad' }]), 2],
    [new errors.UsageError('bad flag'), 2],
    [new errors.TemplateError('template x.hbs:1: bad'), 2],
    [new errors.PreflightError('cannot start'), 2],
    [new errors.ProbeSetupError('webroot missing'), 2],
    [new errors.NginxHostError('no nginx'), 2],
    [new errors.CannotReloadError('no master'), 2],
    [new errors.LockSetupError('config-dir not writable'), 2],
    [new errors.LockTimeoutError('held by pid 1'), 3],
    [new errors.StoreUnavailableError('etcd unavailable'), 4],
    [new errors.RuntimeError('nginx -t failed'), 1],
    [new Error('a bug'), 1],
    ['a thrown string', 1],
    [{ exitCode: 2 }, 1],
  ])('%s exits %i', (err, code) => {
    expect(exitCodeOf(err)).toBe(code);
  });

  it('an object with an exitCode field is not read by duck typing: it is an unexpected error', () => {
    const err = Object.assign(new Error('from a subprocess library'), { exitCode: 2 });
    expect(isExpected(err)).toBe(false);
    expect(formatError('cert-wrap', err, false)).toBe('cert-wrap: unexpected error: from a subprocess library (run again with --debug for details)\n');
  });

  it('every class of src/lib/errors.ts is in the table or known to be caught before the CLI', () => {
    const classes = Object.entries(errors)
      .filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error)
      .map(([name]) => name);
    const tabled = EXIT_CODE_TABLE.map(([cls]) => cls.name);
    const subclasses = classes.filter((n) => !tabled.includes(n) && !INTERNAL.includes(n) && isExpected(new (errors as unknown as Record<string, new (m: string) => Error>)[n]!('x')));
    expect(classes.filter((n) => !tabled.includes(n) && !INTERNAL.includes(n) && !subclasses.includes(n))).toEqual([]);
    for (const name of INTERNAL) expect(isExpected(new (errors as unknown as Record<string, new (m: string, r?: string) => Error>)[name]!('x', 'y')), name).toBe(false);
  });

  it('every exit code of the table is a row of the README', () => {
    const section = README.slice(README.indexOf('## Exit codes'), README.indexOf('## Development'));
    for (const code of Object.values(EXIT)) expect(section, String(code)).toMatch(new RegExp(`\\|\\s*(?:${code}|[0-9]+, ${code}|${code}, [0-9]+)\\s*\\|`));
    expect(EXIT).toEqual({ ok: 0, failed: 1, usage: 2, locked: 3, storeUnavailable: 4, sigint: 130, sigterm: 143 });
    expect([signalExitCode('SIGINT'), signalExitCode('SIGTERM')]).toEqual([EXIT.sigint, EXIT.sigterm]);
  });

  it('an expected error is said as it is, an unexpected one with the hint', () => {
    expect(formatError('cert-wrap', new errors.LockTimeoutError('another run holds the lock'), false)).toBe('cert-wrap: another run holds the lock\n');
    expect(formatError('cert-wrap', new TypeError('x is undefined'), false)).toBe('cert-wrap: unexpected error: x is undefined (run again with --debug for details)\n');
  });
});
