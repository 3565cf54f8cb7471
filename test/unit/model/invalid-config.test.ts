/**
 * The invalid-config table, in-process: each config text through parseConfig
 * (the loader every command uses) and the one error formatter of the commands.
 * test/cli/invalid-config.test.ts runs a few of them through the built gen-nginx.
 */
import { describe, expect, it } from 'vitest';
import { formatError } from '../../../src/cli/run.js';
import { ConfigError } from '../../../src/lib/errors.js';
import { exitCodeOf } from '../../../src/cli/exit-codes.js';
import { parseConfig } from '../../../src/model/load.js';
import { cases } from './invalid-config-cases.js';

/** What gen-nginx prints for the config text, and its exit code. */
function rejected(text: string, fileName: string): { stderr: string; exitCode: number } {
  try {
    parseConfig(text, `/srv/conf/${fileName}`);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return { stderr: formatError('gen-nginx', err, false), exitCode: exitCodeOf(err) };
  }
  throw new Error('accepted');
}

describe('bad configs are refused: exit code 2, a message naming the path and value, no stack trace', () => {
  it.each(cases)('%s', (_name, text, fileName, message) => {
    const { stderr, exitCode } = rejected(text, fileName);
    expect(stderr).toContain(message);
    expect(stderr).toMatch(/^gen-nginx: /);
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(exitCode).toBe(2);
  });
});
