/**
 * Which files nginx reads, and in which block, read from `nginx -T`: its dump
 * of every configuration file ("# configuration file PATH:" then the text).
 * Pure: the dump in, answers out. A file that does not exist yet is part of
 * the configuration when an `include` pattern (a glob, as nginx expands it)
 * inside the http block would match it.
 */
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { parseStatements, type Statement } from '../../leaves/nginx-tokenize.js';

export interface DumpedFile {
  path: string;
  text: string;
}

/** One `include` directive: its pattern made absolute, the file it is in, the blocks around it. */
export interface IncludeSite {
  pattern: string;
  file: string;
  /** Block names from the main file down, e.g. ["http"] or ["http", "server"]. */
  context: string[];
}

const HEADER = /^# configuration file (.+):$/;

/** Split `nginx -T`'s stdout into its files, the main one first. */
export function parseDump(stdout: string): DumpedFile[] {
  const files: DumpedFile[] = [];
  let current: { path: string; lines: string[] } | null = null;
  const flush = () => {
    // nginx writes each file's text followed by one newline of its own.
    if (current) files.push({ path: current.path, text: current.lines.join('\n').replace(/\n$/, '') });
  };
  for (const line of stdout.split('\n')) {
    const m = HEADER.exec(line);
    if (m) {
      flush();
      current = { path: m[1]!, lines: [] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  flush();
  return files;
}

/**
 * Every include directive nginx follows from the main file (files[0]), with
 * the blocks it sits in. Relative patterns are relative to the main file's
 * directory, as nginx reads them. A file that does not parse is skipped
 * (nginx accepted it, so this is only a limit of this reader).
 */
export function includeSites(files: DumpedFile[]): IncludeSite[] {
  const main = files[0];
  if (!main) return [];
  const prefix = dirname(main.path);
  const sites: IncludeSite[] = [];
  const walk = (file: DumpedFile, context: string[], visiting: Set<string>) => {
    const parsed = parseStatements(file.text);
    if (!parsed.ok) return;
    const visit = (statements: Statement[], ctx: string[]) => {
      for (const s of statements) {
        if (s.kind === 'block') {
          visit(s.body, [...ctx, s.args[0] ?? '']);
          continue;
        }
        if (s.args[0] !== 'include' || s.args.length !== 2) continue;
        const raw = s.args[1]!;
        const pattern = normalize(isAbsolute(raw) ? raw : join(prefix, raw));
        sites.push({ pattern, file: file.path, context: ctx });
        for (const next of files) {
          if (visiting.has(next.path) || !includeMatches(pattern, next.path)) continue;
          walk(next, ctx, new Set([...visiting, next.path]));
        }
      }
    };
    visit(parsed.statements, context);
  };
  walk(main, [], new Set([main.path]));
  return sites;
}

/** Whether nginx's include of `pattern` reads `file`: glob(3) rules when it has *, ? or [, else the same path. */
export function includeMatches(pattern: string, file: string): boolean {
  const target = normalize(file);
  if (!/[*?[]/.test(pattern)) return normalize(pattern) === target;
  const pp = normalize(pattern).split('/');
  const fp = target.split('/');
  return pp.length === fp.length && pp.every((p, i) => segmentMatches(p, fp[i]!));
}

/** fnmatch(3) of one path segment, as glob(3) uses it: a leading "." must be matched literally. */
export function segmentMatches(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  return matchFrom(pattern, 0, name, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const ch = p[pi]!;
    if (ch === '*') {
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi + 1, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (ch === '?') {
      pi++;
      si++;
      continue;
    }
    if (ch === '[') {
      const cls = bracket(p, pi);
      if (cls !== null) {
        if (!cls.test(s[si]!)) return false;
        pi = cls.end;
        si++;
        continue;
      }
    }
    const literal = ch === '\\' && pi + 1 < p.length ? p[++pi]! : ch;
    if (literal !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** A bracket expression starting at p[start] ("[a-z]", "[!x]"), or null when it is not closed (then "[" is literal). */
function bracket(p: string, start: number): { test: (c: string) => boolean; end: number } | null {
  let i = start + 1;
  const negate = p[i] === '!' || p[i] === '^';
  if (negate) i++;
  const ranges: [string, string][] = [];
  let first = true;
  while (i < p.length && (first || p[i] !== ']')) {
    first = false;
    const lo = p[i]!;
    if (p[i + 1] === '-' && i + 2 < p.length && p[i + 2] !== ']') {
      ranges.push([lo, p[i + 2]!]);
      i += 3;
    } else {
      ranges.push([lo, lo]);
      i++;
    }
  }
  if (i >= p.length) return null;
  const test = (c: string) => ranges.some(([lo, hi]) => c >= lo && c <= hi) !== negate;
  return { test, end: i + 1 };
}

export type IncludeVerdict =
  | { included: true; site: IncludeSite }
  | { included: false; wrongBlock: IncludeSite | null; httpPatterns: string[] };

/**
 * Whether `file` is read inside the http block (where server blocks belong),
 * whether or not it exists yet.
 */
export function whereIncluded(files: DumpedFile[], file: string): IncludeVerdict {
  const sites = includeSites(files);
  const matching = sites.filter((s) => includeMatches(s.pattern, file));
  const inHttp = matching.find((s) => s.context.length === 1 && s.context[0] === 'http');
  if (inHttp) return { included: true, site: inHttp };
  const httpPatterns = sites.filter((s) => s.context.length === 1 && s.context[0] === 'http').map((s) => s.pattern);
  return { included: false, wrongBlock: matching[0] ?? null, httpPatterns };
}

/**
 * A file name an existing http include would already read, for a pattern of
 * the plain "DIR/*SUFFIX" form (conf.d/*.conf, sites-enabled/*), else null.
 */
export function fileFor(pattern: string, stem: string): string | null {
  const dir = dirname(pattern);
  const last = pattern.slice(dir.length + 1);
  if (/[*?[\\]/.test(dir)) return null;
  const m = /^\*([^*?[\\]*)$/.exec(last);
  return m ? join(dir, `${stem}${m[1]}`) : null;
}
