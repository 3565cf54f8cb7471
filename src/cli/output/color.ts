import { isTerminal } from './stdio.js';

/** Colors only on a terminal, never with NO_COLOR (https://no-color.org) or TERM=dumb. */
export function useColor(fd: 1 | 2, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return env.TERM !== 'dumb' && isTerminal(fd);
}

export type Paint = (text: string) => string;

export function painter(enabled: boolean): { red: Paint; green: Paint; yellow: Paint; dim: Paint; bold: Paint } {
  const wrap = (open: number, close: number): Paint => (enabled ? (t) => `\u001b[${open}m${t}\u001b[${close}m` : (t) => t);
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}
