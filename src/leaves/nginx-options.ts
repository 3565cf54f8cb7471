/**
 * The options a running nginx master was started with, read back from its
 * process title. nginx sets the title to "nginx: master process " followed by
 * its argv joined with single spaces, so the title is read the way nginx's
 * ngx_get_options reads argv: flags may be bundled (`-qc FILE`), a value is
 * attached (`-c/etc/nginx/nginx.conf`) or the next word, and the last one
 * given wins. A word that does not start with "-" can only be the rest of a
 * value that held a space (nginx refuses it otherwise, so no master would
 * run). Anything else nginx would refuse means the title cannot be read: the
 * caller must then not guess.
 */

/** The -c/-p/-e/-g of the master (null: not given). */
export interface MasterArgs {
  confFile: string | null;
  prefix: string | null;
  errorLog: string | null;
  globals: string | null;
}

export type MasterArgsResult = { ok: true; args: MasterArgs } | { ok: false; reason: string };

export const MASTER_TITLE = 'nginx: master process ';

const VALUE_OPTIONS: Record<string, keyof MasterArgs> = { c: 'confFile', p: 'prefix', e: 'errorLog', g: 'globals' };
/** Options that take no value (ngx_get_options: ?, h, v, V, t, T, q). */
const FLAGS = new Set(['?', 'h', 'v', 'V', 't', 'T', 'q']);

export function parseMasterTitle(title: string): MasterArgsResult {
  if (!title.startsWith(MASTER_TITLE)) return { ok: false, reason: `the title ${JSON.stringify(title.slice(0, 80))} is not an nginx master's` };
  // words[0] is argv[0], the command as it was started.
  const words = title.slice(MASTER_TITLE.length).split(' ');
  const args: MasterArgs = { confFile: null, prefix: null, errorLog: null, globals: null };
  let last: keyof MasterArgs | null = null;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-')) {
      if (last === null) return { ok: false, reason: `${JSON.stringify(word)} is not an option and follows no option value` };
      args[last] = `${args[last]} ${word}`;
      continue;
    }
    last = null;
    for (let j = 1; j < word.length; j++) {
      const ch = word[j]!;
      if (FLAGS.has(ch)) continue;
      const key = VALUE_OPTIONS[ch];
      if (key === undefined) return { ok: false, reason: `nginx has no option "-${ch}" (in ${JSON.stringify(word)})` };
      const attached = word.slice(j + 1);
      if (attached !== '') args[key] = attached;
      else if (i + 1 < words.length) args[key] = words[++i]!;
      else return { ok: false, reason: `option "-${ch}" has no value` };
      last = key;
      break;
    }
  }
  return { ok: true, args };
}
