/**
 * The lines of a user's directive entries as the output holds them: split at
 * newlines, each without the trailing blanks nginx skips.
 */

/** Directive entries as lines; a multi-line directive keeps its own relative indentation. */
export function bodyLines(entries: string[]): string[] {
  return entries.flatMap((d) => d.split(/\r?\n/).map(trimLineEnd));
}

/**
 * A line without its trailing blanks, as nginx sees blanks: spaces and tabs
 * only (U+00A0 and other Unicode spaces are part of a word to nginx), and not
 * one escaped by a backslash (in "a\ " the space is part of the word; cut, the backslash
 * would escape the newline instead).
 * So the output holds the very words that were validated.
 */
export function trimLineEnd(line: string): string {
  const blanks = /[ \t]+$/.exec(line);
  if (!blanks) return line;
  const kept = line.slice(0, blanks.index);
  const backslashes = /\\*$/.exec(kept)![0].length;
  return backslashes % 2 === 1 ? kept + blanks[0][0] : kept;
}
