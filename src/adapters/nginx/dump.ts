/**
 * `nginx -T` on the configuration the running master reads (the same -p, -c,
 * -e, -g that the reload's `nginx -t` uses): nginx's own list of the files it
 * reads, with their text.
 */
import { runProcess } from '../../lib/process.js';
import type { NginxSettings } from '../../model/types.js';
import type { MasterArgs } from './master.js';
import { testArgs } from './reload.js';

export interface DumpResult {
  ok: boolean;
  /** The arguments nginx ran with, for messages. */
  args: string[];
  stdout: string;
  /** nginx's own message when it failed. */
  stderr: string;
  notFound: boolean;
}

/** -T instead of -t -q, with the running configuration's flags. */
export function dumpArgs(settings: NginxSettings, master: MasterArgs): string[] {
  return ['-T', ...testArgs(settings, master).filter((a, i) => i > 1 || (a !== '-t' && a !== '-q'))];
}

export async function dumpConfiguration(binary: string, args: string[]): Promise<DumpResult> {
  const r = await runProcess(binary, args, { maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.exitCode === 0, args, stdout: r.stdout, stderr: r.stderr.trim(), notFound: r.notFound };
}
