/**
 * Three independent readers of nginx text, for tests that must show that
 * generated output holds exactly the directives meant, and a batch runner for
 * the real `nginx -t`.
 *
 * - ngxRead: a line-by-line port of nginx 1.22's ngx_conf_read_token and of the
 *   block handling of ngx_conf_parse (src/core/ngx_conf_file.c), working on the
 *   UTF-8 bytes nginx reads, including its 4096-byte token buffer
 *   (NGX_CONF_BUFFER). It is the reference: where it and src/nginx/tokenize.ts
 *   disagree, nginx reads the text the way ngxRead does.
 * - nginxConfShape: the structure the nginx-conf package reads (its own,
 *   looser dialect: see /work/shared/notes/dependencies.md).
 * - nginxTestMembers: many server-block texts through the real `nginx -t`, a
 *   batch per run, bisecting a failing batch down to the members that fail.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse as nginxConfParse } from 'nginx-conf';
import { testHarnessConfig } from '../src/adapters/nginx/check.js';

// ---------------------------------------------------------------------------
// The reference reader
// ---------------------------------------------------------------------------

export interface NgxStatement {
  kind: 'directive' | 'block';
  /** The words as nginx uses them: quotes removed, \" \' \\ \t \r \n unescaped. */
  args: string[];
  /** The words as written between their delimiters (quotes removed, escapes kept). */
  raw: string[];
  /** Line of the first word. */
  line: number;
  /** Line of the closing "}" (blocks only). */
  endLine?: number;
  body?: NgxStatement[];
}

export type NgxRead = { ok: true; statements: NgxStatement[] } | { ok: false; error: string; line: number };

/** nginx's configuration buffer: a single token (or comment) must be shorter. */
export const NGX_CONF_BUFFER = 4096;

const LF = 0x0a;
const CR = 0x0d;
const isSpace = (ch: number) => ch === 0x20 || ch === 0x09 || ch === CR || ch === LF;
const SEMI = 0x3b;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const SHARP = 0x23;
const BACKSLASH = 0x5c;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const DOLLAR = 0x24;
const RPAREN = 0x29;

type TokenResult = 'ok' | 'block-start' | 'block-done' | 'file-done' | { error: string };

// ignoreBOM: a word may start with U+FEFF, which nginx keeps as three ordinary bytes.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
/** nginx prints one byte for "%c": a lone byte of a UTF-8 sequence reads as U+FFFD. */
const byteChar = (ch: number) => (ch < 0x80 ? String.fromCharCode(ch) : '\ufffd');

function unescapeWord(bytes: Uint8Array, from: number, to: number): string {
  const out: number[] = [];
  for (let src = from; src < to; ) {
    if (bytes[src] === BACKSLASH) {
      const next = bytes[src + 1];
      if (next === DQUOTE || next === SQUOTE || next === BACKSLASH) {
        src++;
      } else if (next === 0x74 /* t */ || next === 0x72 /* r */ || next === 0x6e /* n */) {
        out.push(next === 0x74 ? 0x09 : next === 0x72 ? CR : LF);
        src += 2;
        continue;
      }
    }
    out.push(bytes[src]!);
    src++;
  }
  return decoder.decode(Uint8Array.from(out));
}

/**
 * Read text exactly as nginx 1.22 reads a configuration file (structure only:
 * no directive is looked up). `simpleOnly`: blocks whose directives nginx
 * hands to a handler of their own (types, map, ...), where a "{" is refused.
 */
export function ngxRead(text: string, simpleOnly: readonly string[] = []): NgxRead {
  const b = Buffer.from(text, 'utf8');
  const total = b.length;
  // Absolute offsets into the file: pos is nginx's b->pos, last is b->last.
  let pos = 0;
  let last = 0;
  let line = 1;

  const readToken = (raw: string[], args: string[], firstLine: { line: number }): TokenResult => {
    let found = false;
    let needSpace = false;
    let lastSpace = true;
    let sharpComment = false;
    let variable = false;
    let quoted = false;
    let sQuoted = false;
    let dQuoted = false;
    let start = pos;
    let startLine = line;

    for (;;) {
      if (pos >= last) {
        if (last >= total) {
          if (args.length > 0 || !lastSpace) return { error: 'unexpected end of file, expecting ";" or "}"' };
          return 'file-done';
        }
        const len = pos - start;
        if (len === NGX_CONF_BUFFER) {
          line = startLine;
          if (dQuoted || sQuoted) return { error: `too long parameter, probably missing terminating "${dQuoted ? '"' : "'"}" character` };
          return { error: `too long parameter "${decoder.decode(b.subarray(start, start + 10))}..." started` };
        }
        last = pos + Math.min(total - last, NGX_CONF_BUFFER - len);
      }

      const ch = b[pos++]!;

      if (ch === LF) {
        line++;
        if (sharpComment) sharpComment = false;
      }
      if (sharpComment) continue;
      if (quoted) {
        quoted = false;
        continue;
      }

      if (needSpace) {
        if (isSpace(ch)) {
          lastSpace = true;
          needSpace = false;
          continue;
        }
        if (ch === SEMI) return 'ok';
        if (ch === LBRACE) return 'block-start';
        if (ch === RPAREN) {
          lastSpace = true;
          needSpace = false;
        } else {
          return { error: `unexpected "${byteChar(ch)}"` };
        }
      }

      if (lastSpace) {
        start = pos - 1;
        startLine = line;
        if (isSpace(ch)) continue;
        if (args.length === 0) firstLine.line = line;
        switch (ch) {
          case SEMI:
          case LBRACE:
            if (args.length === 0) return { error: `unexpected "${byteChar(ch)}"` };
            return ch === LBRACE ? 'block-start' : 'ok';
          case RBRACE:
            if (args.length !== 0) return { error: 'unexpected "}"' };
            return 'block-done';
          case SHARP:
            sharpComment = true;
            continue;
          case BACKSLASH:
            quoted = true;
            lastSpace = false;
            continue;
          case DQUOTE:
            start++;
            dQuoted = true;
            lastSpace = false;
            continue;
          case SQUOTE:
            start++;
            sQuoted = true;
            lastSpace = false;
            continue;
          case DOLLAR:
            variable = true;
            lastSpace = false;
            continue;
          default:
            lastSpace = false;
        }
      } else {
        if (ch === LBRACE && variable) continue;
        variable = false;
        if (ch === BACKSLASH) {
          quoted = true;
          continue;
        }
        if (ch === DOLLAR) {
          variable = true;
          continue;
        }
        if (dQuoted) {
          if (ch === DQUOTE) {
            dQuoted = false;
            needSpace = true;
            found = true;
          }
        } else if (sQuoted) {
          if (ch === SQUOTE) {
            sQuoted = false;
            needSpace = true;
            found = true;
          }
        } else if (isSpace(ch) || ch === SEMI || ch === LBRACE) {
          lastSpace = true;
          found = true;
        }
        if (found) {
          raw.push(decoder.decode(b.subarray(start, pos - 1)));
          args.push(unescapeWord(b, start, pos - 1));
          if (ch === SEMI) return 'ok';
          if (ch === LBRACE) return 'block-start';
          found = false;
        }
      }
    }
  };

  const root: NgxStatement[] = [];
  const stack: { body: NgxStatement[]; block: NgxStatement | null }[] = [{ body: root, block: null }];
  for (;;) {
    const raw: string[] = [];
    const args: string[] = [];
    const first = { line };
    const rc = readToken(raw, args, first);
    if (typeof rc === 'object') return { ok: false, error: rc.error, line };
    const top = stack[stack.length - 1]!;
    if (rc === 'file-done') {
      if (stack.length > 1) return { ok: false, error: 'unexpected end of file, expecting "}"', line };
      return { ok: true, statements: root };
    }
    if (rc === 'block-done') {
      if (stack.length === 1) return { ok: false, error: 'unexpected "}"', line };
      top.block!.endLine = line;
      stack.pop();
      continue;
    }
    if (rc === 'ok') {
      top.body.push({ kind: 'directive', args, raw, line: first.line });
    } else {
      // ngx_conf_parse: `if (cf->handler) { if (rc == NGX_CONF_BLOCK_START) "unexpected \"{\"" }`
      if (top.block && simpleOnly.includes(top.block.args[0] ?? '')) return { ok: false, error: 'unexpected "{"', line };
      const block: NgxStatement = { kind: 'block', args, raw, line: first.line, body: [] };
      top.body.push(block);
      stack.push({ body: block.body!, block });
    }
  }
}

// ---------------------------------------------------------------------------
// Shapes: structure without the words, to compare readers that spell words differently
// ---------------------------------------------------------------------------

/** "d" for a directive, "b(...)" for a block and its body, in order. */
export type Shape = string;

export function shapeOf(statements: readonly { kind: 'directive' | 'block'; body?: readonly unknown[] }[]): Shape {
  return statements
    .map((s) => (s.kind === 'block' ? `b(${shapeOf((s.body ?? []) as { kind: 'directive' | 'block' }[])})` : 'd'))
    .join(' ');
}

export function countOf(statements: readonly { kind: 'directive' | 'block'; body?: readonly unknown[] }[]): number {
  let n = 0;
  for (const s of statements) n += 1 + (s.kind === 'block' ? countOf((s.body ?? []) as { kind: 'directive' | 'block' }[]) : 0);
  return n;
}

interface ConfNode {
  name: string;
  isBlock: boolean;
  children: ConfNode[] | null;
}

/**
 * The structure nginx-conf reads from text (its parse tree keeps order, unlike
 * NginxConfFile's by-name grouping), or null when it cannot read the text at
 * all. nginx-conf keeps no count of words, so only the shape is compared.
 */
export function nginxConfShape(text: string): Shape | null {
  let tree: ConfNode | undefined;
  let failed = false;
  try {
    nginxConfParse(text, (err, t) => {
      if (err) failed = true;
      tree = t as ConfNode | undefined;
    });
  } catch {
    return null;
  }
  if (failed || !tree) return null;
  const walk = (nodes: ConfNode[]): Shape => nodes.map((n) => (n.isBlock ? `b(${walk(n.children ?? [])})` : 'd')).join(' ');
  return walk(tree.children ?? []);
}

// ---------------------------------------------------------------------------
// The real nginx -t, in batches
// ---------------------------------------------------------------------------

export interface NginxMember {
  /** Identifies the member in results. */
  id: number;
  /** Server blocks (the text gen-nginx printed). */
  text: string;
  /** Ports its listen lines use: members sharing a port never share a batch. */
  ports: readonly number[];
}

export interface NginxVerdict {
  /** nginx parsed and checked the whole configuration; only binding an address may have failed. */
  accepted: boolean;
  /** The [emerg] lines, with the temp directory's path replaced by "<dir>/". */
  errors: string[];
}

export interface NginxRunner {
  /** How each command is started: directly, or in a network namespace of its own. */
  readonly isolated: boolean;
  check(text: string): Promise<NginxVerdict>;
}

/**
 * `nginx -t` binds the listen addresses: in a network namespace of its own
 * (when unshare works here, as root), it never touches the host's ports, which
 * other tests may be using at the same moment.
 */
export async function nginxRunner(binary: string): Promise<NginxRunner> {
  const probe = await execa('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { reject: false, stdin: 'ignore' });
  const isolated = probe.exitCode === 0;
  return {
    isolated,
    async check(text) {
      const dir = mkdtempSync(join(tmpdir(), 'cert-wrap-nginx-batch-'));
      try {
        const servers = join(dir, 'servers.conf');
        const conf = join(dir, 'nginx.conf');
        writeFileSync(servers, text);
        writeFileSync(conf, testHarnessConfig(dir, servers));
        const nginxArgs = ['-t', '-q', '-e', join(dir, 'error.log'), '-c', conf, '-p', `${dir}/`];
        const r = isolated
          ? await execa('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', binary, ...nginxArgs], { reject: false, stdin: 'ignore' })
          : await execa(binary, nginxArgs, { reject: false, stdin: 'ignore' });
        // One entry per message: a message may itself span lines (a directive name with a newline).
        const errors = String(r.stderr)
          .split(/\n(?=nginx: )/)
          .filter((l) => l.includes('[emerg]'))
          .map((l) => l.split(`${dir}/`).join('<dir>/'));
        // Addresses are bound only after the whole configuration was read and checked.
        const accepted = r.exitCode === 0 || (errors.length > 0 && errors.every((l) => /\[emerg\] bind\(\) to .* failed \(\d+: /.test(l)));
        return { accepted, errors: r.exitCode === 0 ? [] : errors.length > 0 ? errors : [`exit code ${r.exitCode}: ${String(r.stderr).trim()}`] };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface BatchReport {
  /** Members nginx refused, each with nginx's messages when run alone. */
  refused: { id: number; errors: string[] }[];
  /** How many times nginx was started. */
  runs: number;
  batches: number;
}

/** Greedy packing: at most `size` members per batch, no port used by two members of one batch. */
export function packBatches(members: readonly NginxMember[], size: number): NginxMember[][] {
  const batches: { members: NginxMember[]; ports: Set<number> }[] = [];
  for (const m of members) {
    let target = batches.find((b) => b.members.length < size && m.ports.every((p) => !b.ports.has(p)));
    if (!target) {
      target = { members: [], ports: new Set() };
      batches.push(target);
    }
    target.members.push(m);
    for (const p of m.ports) target.ports.add(p);
  }
  return batches.map((b) => b.members);
}

/**
 * Run every member through `nginx -t`, many per run (one file: the members'
 * texts one after the other), `concurrency` runs at a time; a refused batch is
 * split in halves until each refused member stands alone.
 */
export async function nginxTestMembers(runner: NginxRunner, members: readonly NginxMember[], opts: { batchSize?: number; concurrency?: number } = {}): Promise<BatchReport> {
  const batches = packBatches(members, opts.batchSize ?? 150);
  const refused: { id: number; errors: string[] }[] = [];
  let runs = 0;
  const test = async (group: NginxMember[]): Promise<void> => {
    runs++;
    const verdict = await runner.check(group.map((m) => m.text).join('\n'));
    if (verdict.accepted) return;
    if (group.length === 1) {
      refused.push({ id: group[0]!.id, errors: verdict.errors });
      return;
    }
    const half = Math.ceil(group.length / 2);
    await test(group.slice(0, half));
    await test(group.slice(half));
  };
  const queue = [...batches];
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) await test(group);
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 2 }, worker));
  refused.sort((a, b) => a.id - b.id);
  return { refused, runs, batches: batches.length };
}
