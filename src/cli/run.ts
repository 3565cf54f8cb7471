/**
 * The one top-level error handler every command goes through: a message on
 * stderr, the documented exit code, a stack trace only with --debug.
 */
import { ConfigError, exitCodeOf } from '../lib/errors.js';

export async function runMain(program: string, main: (argv: string[]) => Promise<number>): Promise<void> {
  const argv = process.argv.slice(2);
  const debug = argv.includes('--debug');
  // `gen-nginx x | head -1`: the reader went away; end quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  try {
    process.exitCode = await main(argv);
  } catch (err) {
    process.stderr.write(formatError(program, err, debug));
    process.exitCode = exitCodeOf(err);
  }
}

export function formatError(program: string, err: unknown, debug: boolean): string {
  if (err instanceof ConfigError) {
    const head = err.lines.length > 1 ? `${program}: ${err.file ?? 'config'} is not valid (${err.lines.length} problems):\n` : `${program}: `;
    const body = err.lines.length > 1 ? err.lines.map((l) => `  ${l}`).join('\n') : err.lines.join('');
    return `${head}${body}\n${debug && err.stack ? `${err.stack}\n` : ''}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  const known = err instanceof Error && 'exitCode' in err;
  const stack = debug && err instanceof Error && err.stack ? `${err.stack}\n` : '';
  const hint = !known && !debug ? ' (run again with --debug for details)' : '';
  return `${program}: ${known ? '' : 'unexpected error: '}${message}${hint}\n${stack}`;
}
