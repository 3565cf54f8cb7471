/**
 * A lexer that follows nginx's own (ngx_conf_read_token) rules, used to decide
 * whether a user's text is exactly one complete directive before it goes into
 * the output: words end at whitespace, ';' or '{'; '}' ends a block only at the
 * start of a word; '#' starts a comment only at the start of a word; quotes and
 * backslashes escape. Anything nginx would read differently is rejected.
 */

export type Statement =
  | { kind: 'directive'; args: string[] }
  | { kind: 'block'; args: string[]; body: Statement[] };

export type ParseResult = { ok: true; statements: Statement[] } | { ok: false; reason: string };

type Event = { kind: 'end'; args: string[] } | { kind: 'open'; args: string[] } | { kind: 'close' };

const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';

/** nginx refuses a single word (or comment) of this many bytes or more ("too long parameter"). */
export const NGINX_MAX_WORD_BYTES = 4096;

function lex(text: string): { events: Event[] } | { error: string } {
  const events: Event[] = [];
  let args: string[] = [];
  let word = '';
  let inWord = false;
  let dq = false;
  let sq = false;
  let escaped = false;
  let comment = false;
  let needSpace = false;
  let variable = false;
  let tooLong = false;
  let commentStart = -1;

  const finishWord = () => {
    if (Buffer.byteLength(word) >= NGINX_MAX_WORD_BYTES - 2) tooLong = true;
    args.push(word);
    word = '';
    inWord = false;
  };

  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\0') return { error: 'contains a NUL character' };
    if (comment) {
      if (ch === '\n') {
        comment = false;
        if (Buffer.byteLength(text.slice(commentStart, i)) >= NGINX_MAX_WORD_BYTES - 2) tooLong = true;
      }
      continue;
    }
    if (needSpace) {
      if (isSpace(ch)) {
        needSpace = false;
        continue;
      }
      if (ch === ';') {
        events.push({ kind: 'end', args });
        args = [];
        needSpace = false;
        continue;
      }
      if (ch === '{') {
        events.push({ kind: 'open', args });
        args = [];
        needSpace = false;
        continue;
      }
      if (ch === ')') {
        // nginx starts a new word with it (as in `if ($a = "b")`): so do we.
        needSpace = false;
        inWord = true;
        word += ch;
        continue;
      }
      return { error: `has ${JSON.stringify(ch)} right after a closing quote` };
    }
    if (!inWord) {
      if (isSpace(ch)) continue;
      switch (ch) {
        case ';':
        case '{':
          if (args.length === 0) return { error: `has an unexpected ${JSON.stringify(ch)}` };
          events.push({ kind: ch === ';' ? 'end' : 'open', args });
          args = [];
          continue;
        case '}':
          if (args.length !== 0) return { error: 'has a "}" before the directive ends with ";"' };
          events.push({ kind: 'close' });
          continue;
        case '#':
          comment = true;
          commentStart = i;
          continue;
        case '"':
          inWord = true;
          dq = true;
          continue;
        case "'":
          inWord = true;
          sq = true;
          continue;
        case '\\':
          inWord = true;
          escaped = true;
          word += ch;
          continue;
        case '$':
          inWord = true;
          variable = true;
          word += ch;
          continue;
        default:
          inWord = true;
          word += ch;
          continue;
      }
    }
    // inside a word
    if (escaped) {
      escaped = false;
      word += ch;
      continue;
    }
    if (ch === '{' && variable) {
      word += ch;
      continue;
    }
    variable = false;
    if (ch === '\\') {
      escaped = true;
      word += ch;
      continue;
    }
    if (ch === '$') {
      variable = true;
      word += ch;
      continue;
    }
    if (dq || sq) {
      if ((dq && ch === '"') || (sq && ch === "'")) {
        dq = sq = false;
        needSpace = true;
        finishWord();
      } else {
        word += ch;
      }
      continue;
    }
    if (isSpace(ch) || ch === ';' || ch === '{') {
      finishWord();
      if (ch === ';') {
        events.push({ kind: 'end', args });
        args = [];
      } else if (ch === '{') {
        events.push({ kind: 'open', args });
        args = [];
      }
      continue;
    }
    word += ch;
  }
  if (comment && Buffer.byteLength(text.slice(commentStart)) >= NGINX_MAX_WORD_BYTES - 2) tooLong = true;
  if (tooLong) return { error: `has a word or comment of ${NGINX_MAX_WORD_BYTES} bytes or more, which nginx refuses` };
  if (dq || sq) return { error: 'has an unterminated quoted string' };
  if (inWord || args.length > 0 || escaped) return { error: 'does not end with ";"' };
  return { events };
}

/** Parse text as a sequence of complete statements, exactly as nginx would. */
export function parseStatements(text: string): ParseResult {
  const lexed = lex(text);
  if ('error' in lexed) return { ok: false, reason: lexed.error };
  const root: Statement[] = [];
  const stack: Statement[][] = [root];
  for (const ev of lexed.events) {
    const top = stack[stack.length - 1]!;
    if (ev.kind === 'end') top.push({ kind: 'directive', args: ev.args });
    else if (ev.kind === 'open') {
      const block: Statement = { kind: 'block', args: ev.args, body: [] };
      top.push(block);
      stack.push(block.body);
    } else {
      if (stack.length === 1) return { ok: false, reason: 'has a "}" that would close the enclosing block' };
      stack.pop();
    }
  }
  if (stack.length !== 1) return { ok: false, reason: 'has a "{" that is never closed' };
  return { ok: true, statements: root };
}

/** Count statements at every depth: used to show that the output holds exactly what was meant. */
export function countStatements(statements: Statement[]): number {
  let n = 0;
  for (const s of statements) n += 1 + (s.kind === 'block' ? countStatements(s.body) : 0);
  return n;
}
