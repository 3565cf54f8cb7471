/**
 * Progress of a run, on stderr. On a terminal: certbot's lines scroll above a
 * live status line (certificate, step, elapsed time). In CI or a pipe: plain
 * prefixed lines only, nothing rewritten.
 */
import { cleanText } from '../../lib/secrets.js';
import type { Progress } from '../../run/io.js';
import { painter, useColor } from './color.js';
import { isTerminal, lazyStderr } from './stdio.js';

export type { Progress };

/** The progress of a command on stderr: live on a terminal, plain lines in CI and pipes. */
export function newProgress(): Progress {
  const live = !process.env.CI && isTerminal(2);
  return createProgress(lazyStderr, { live, color: useColor(2) });
}

const STEPS: [RegExp, string][] = [
  [/Account registered|Saving debug log/, 'contacting the CA'],
  [/Requesting a certificate|Renewing an existing certificate|Simulating a certificate request|Simulating renewal/, 'answering challenges'],
  [/Successfully received certificate|The dry run was successful/, 'deploying'],
  [/not yet due for renewal/, 'nothing to do'],
];

export function createProgress(stream: Pick<NodeJS.WriteStream, 'write' | 'columns'>, opts: { live: boolean; color: boolean }): Progress {
  const c = painter(opts.color);
  let current: { name: string; index: number; total: number; step: string; stepIndex: number; since: number } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let shown = false;

  const clear = () => {
    if (shown) stream.write('\r\u001b[K');
    shown = false;
  };
  const draw = () => {
    if (!opts.live || !current) return;
    const elapsed = ((performance.now() - current.since) / 1000).toFixed(1);
    const text = `[${current.index + 1}/${current.total}] ${current.name}: ${current.step} (${elapsed}s)`; // names are validated
    stream.write(`\r\u001b[K${c.bold(text.slice(0, Math.max(20, (stream.columns || 80) - 1)))}`);
    shown = true;
  };
  // Each print is one line: secrets replaced, control characters (from certbot's output, a reason) escaped.
  const print = (text: string, painted = (s: string) => s) => {
    clear();
    stream.write(`${painted(cleanText(text))}\n`);
    draw();
  };

  return {
    start(name, index, total) {
      current = { name, index, total, step: 'starting certbot', stepIndex: -1, since: performance.now() };
      if (opts.live) {
        timer ??= setInterval(draw, 200);
        timer.unref();
        draw();
      } else {
        print(`${name}: running certbot (${index + 1}/${total})`);
      }
    },
    line(name, text) {
      // Steps only move forward, whatever order certbot's stdout and stderr arrive in.
      const i = STEPS.findIndex(([re]) => re.test(text));
      if (current && i > current.stepIndex) {
        current.step = STEPS[i]![1];
        current.stepIndex = i;
      }
      print(text, (clean) => `${c.dim(`${name} |`)} ${clean}`);
    },
    done(name, summary) {
      current = null;
      print(`${name}: ${summary}`);
    },
    note(text) {
      print(text);
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
      current = null;
      clear();
    },
  };
}
