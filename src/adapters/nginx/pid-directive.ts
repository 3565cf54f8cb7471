/**
 * The `pid` directive of nginx's main configuration: from the dump `nginx -T`
 * prints (every file, each after a "# configuration file PATH:" line), or from
 * the main file alone when `nginx -T` cannot run (a broken configuration, or a
 * user who may not open what it names). `pid` is allowed only in the main
 * context, so one at the top level of any file nginx accepted is the one.
 */
import { parseStatements, type Statement } from '../../leaves/nginx-tokenize.js';

const FILE_HEADER = /^# configuration file (.+):$/;

/** The files of an `nginx -T` dump, in order. */
export function splitDump(dump: string): { file: string; text: string }[] {
  const files: { file: string; text: string[] }[] = [];
  for (const line of dump.split('\n')) {
    const header = FILE_HEADER.exec(line);
    if (header) files.push({ file: header[1]!, text: [] });
    else files.at(-1)?.text.push(line);
  }
  return files.map((f) => ({ file: f.file, text: f.text.join('\n') }));
}

/** The value of the top-level `pid` directive of one file, or null. */
export function topLevelPid(text: string): string | null {
  const parsed = parseStatements(text);
  if (!parsed.ok) return null;
  const pid = parsed.statements.filter((s: Statement) => s.kind === 'directive' && s.args[0] === 'pid' && s.args.length === 2).at(-1);
  return pid ? pid.args[1]! : null;
}

/** The `pid` of a dump and the file that holds it, or null. */
export function pidFromDump(dump: string): { value: string; file: string } | null {
  let found: { value: string; file: string } | null = null;
  for (const { file, text } of splitDump(dump)) {
    const value = topLevelPid(text);
    if (value !== null) found = { value, file };
  }
  return found;
}
