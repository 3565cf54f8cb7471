/**
 * The one top-level error handler every command goes through: a message on
 * stderr, the documented exit code, a stack trace only with --debug.
 */
import { ConfigError } from '../lib/errors.js';
import { cleanText } from '../lib/secrets.js';
import { exitCodeOf, isExpected } from './exit-codes.js';
import { readerGone } from './output/stdio.js';

export async function runMain(program: string, main: (argv: string[]) => Promise<number>): Promise<void> {
  const argv = process.argv.slice(2);
  const debug = argv.includes('--debug');
  whenStdoutCreated((stdout) =>
    stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') readerGone();
      throw err;
    }),
  );
  try {
    process.exitCode = await main(argv);
  } catch (err) {
    process.stderr.write(formatError(program, err, debug));
    process.exitCode = exitCodeOf(err);
  }
}

/**
 * Run `then` on process.stdout when something first uses it, not before:
 * creating the stream loads Node's stream modules, which a run that prints
 * nothing, or prints through output/stdio.ts, does not need.
 */
function whenStdoutCreated(then: (stream: NodeJS.WriteStream) => void): void {
  const lazy = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (lazy?.get === undefined || !lazy.configurable) {
    then(process.stdout);
    return;
  }
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: lazy.enumerable,
    get() {
      const stream = lazy.get!.call(process) as NodeJS.WriteStream;
      Object.defineProperty(process, 'stdout', lazy);
      then(stream);
      return stream;
    },
  });
}

/**
 * Every message, whatever raised it, leaves here: secrets replaced and control
 * characters escaped (a config problem is one line each, so even a line feed
 * in a key cannot forge another; other messages keep the lines cert-wrap made).
 */
export function formatError(program: string, err: unknown, debug: boolean): string {
  const stack = debug && err instanceof Error && err.stack ? `${cleanText(stackFrames(err), { lines: true })}\n` : '';
  if (err instanceof ConfigError) {
    const lines = err.lines.map((l) => cleanText(l));
    const head = lines.length > 1 ? `${program}: ${cleanText(err.file ?? 'config')} is not valid (${lines.length} problems):\n` : `${program}: `;
    const body = lines.length > 1 ? lines.map((l) => `  ${l}`).join('\n') : lines.join('');
    return `${head}${body}\n${stack}`;
  }
  const message = cleanText(err instanceof Error ? err.message : String(err), { lines: true });
  const known = isExpected(err);
  const hint = !known && !debug ? ' (run again with --debug for details)' : '';
  return `${program}: ${known ? '' : 'unexpected error: '}${message}${hint}\n${stack}`;
}

/** The stack without the message it starts with (printed above, one problem per line): the error's name, then the frames. */
function stackFrames(err: Error): string {
  const head = `${err.name}: ${err.message}`;
  return err.stack!.startsWith(head) ? `${err.name}${err.stack!.slice(head.length)}` : err.stack!;
}
