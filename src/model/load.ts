/**
 * The edge: read the config file (YAML or JSON), check it against the JSON
 * Schema, normalize it into the typed model. Errors carry the file, the config
 * path and, for YAML, the line.
 */
import { resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parse, parseDocument, type Document } from 'yaml';
import { ConfigError, type ConfigIssue, formatPath, type PathPart } from '../lib/errors.js';
import { rememberSecretsIn, rememberSecretsInText } from '../lib/secrets.js';
import { validateConfig } from '../generated/validate-config.js';
import { MAX_DEPTH, parseJsonStrict } from './json.js';
import { normalize } from './normalize.js';
import { readConfigBytes } from './read.js';
import { schemaIssues, type AjvError } from './schema-errors.js';
import type { Config, RawConfig } from './types.js';
import { decodeUtf8 } from './utf8.js';

export function loadConfig(file: string): Config {
  return parseConfig(decodeConfigText(readConfigBytes(file), file), file, resolve(file));
}

/** The file's text; invalid UTF-8 is an error naming its line and byte offset. */
function decodeConfigText(bytes: Uint8Array, file: string): string {
  const decoded = decodeUtf8(bytes);
  if (decoded.ok) return decoded.text;
  throw new ConfigError([], file, [`${file}:${decoded.line}: not valid UTF-8 (at byte ${decoded.offset}): save the file as UTF-8`]);
}

/** Parse and validate config text; `file` is how messages name it. */
export function parseConfig(text: string, file: string, absolutePath = resolve(file)): Config {
  const { data, locate } = parseData(text, file);
  return checkConfig(data, file, absolutePath, locate);
}

/**
 * The file's data as YAML or JSON (by its name), and how to find a path's line
 * in it. Secrets are remembered first, from the text and then from the data,
 * so that no message about this file, valid or not, can show one.
 */
export function parseData(text: string, file: string): { data: unknown; locate: Locator } {
  rememberSecretsInText(text);
  const json = /\.json$/i.test(file);
  if (isEmpty(text, json)) {
    throw new ConfigError([], file, [`${file}: the file is empty${json ? '' : ' (nothing but blank lines and comments)'}; it needs at least a "certificates" list`]);
  }
  const parsed = json ? parseJson(text, file) : parseYaml(text, file);
  rememberSecretsIn(parsed.data);
  if (nestedDeeperThan(parsed.data, MAX_DEPTH)) throw new ConfigError([], file, [`${file}: it is nested more than ${MAX_DEPTH} levels deep`]);
  return parsed;
}

function isEmpty(text: string, json: boolean): boolean {
  const body = text.replace(/^\uFEFF/, '');
  return json ? body.trim() === '' : body.split(/\r?\n/).every((line) => /^\s*(#.*)?$/.test(line));
}

/** Without recursion: a message shows values with JSON.stringify, which would overflow the stack. */
function nestedDeeperThan(data: unknown, max: number): boolean {
  let level: unknown[] = [data];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > max) return true;
    level = level.flatMap((node) => (node !== null && typeof node === 'object' ? Object.values(node) : []));
  }
  return false;
}

/** Schema, then normalization; every problem located (a line for YAML) and reported at once. */
export function checkConfig(data: unknown, file: string, absolutePath: string, locate: Locator = () => null): Config {
  const fail = (issues: ConfigIssue[]): never => {
    // In file order where lines are known (a stable sort keeps the rest as found).
    const located = issues.map((issue) => ({ issue, line: locate(issue.path) }));
    located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const lines = located.map(({ issue, line }) => `${file}${line === null ? '' : `:${line}`}: ${formatPath(issue.path)}: ${issue.message}`);
    throw new ConfigError(located.map((l) => l.issue), file, lines);
  };
  if (!validateConfig(data)) fail(schemaIssues((validateConfig.errors ?? []) as AjvError[], data));
  try {
    return normalize(data as RawConfig, absolutePath);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.issues);
    throw err;
  }
}

export type Locator = (path: PathPart[]) => number | null;

/** JSON, strictly (no repeated keys, bounded nesting); errors with line and column, never quoting the text. */
function parseJson(text: string, file: string): { data: unknown; locate: Locator } {
  const result = parseJsonStrict(text);
  if (!result.ok) {
    const pos = linePos(text, result.offset);
    throw new ConfigError([], file, [`${file}:${pos.line}:${pos.col}: not valid JSON: ${result.message}`]);
  }
  let offsets: Map<string, number> | null = null;
  const locate: Locator = (path) => {
    if (offsets === null) {
      const found = new Map<string, number>();
      parseJsonStrict(text, (at, offset) => found.set(JSON.stringify(at), offset));
      offsets = found;
    }
    for (let n = path.length; n >= 0; n--) {
      const offset = offsets.get(JSON.stringify(path.slice(0, n)));
      if (offset !== undefined) return linePos(text, offset).line;
    }
    return null;
  };
  return { data: result.data, locate };
}

function linePos(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, col: offset - lineStart + 1 };
}

/**
 * YAML: the plain parse first (a 10,000-certificate file parses about 20% faster
 * without keeping the document); the document with its positions only when a
 * message needs a line.
 */
function parseYaml(text: string, file: string): { data: unknown; locate: Locator } {
  let data: unknown;
  try {
    data = parse(text, { uniqueKeys: true, prettyErrors: false, maxAliasCount: 100, logLevel: 'error' });
  } catch {
    return parseYamlDocument(text, file); // reports every error with its position
  }
  let locate: Locator | null = null;
  return { data, locate: (path) => (locate ??= parseYamlDocument(text, file).locate)(path) };
}

function parseYamlDocument(text: string, file: string): { data: unknown; locate: Locator } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      return `${file}:${pos.line}:${pos.col}: not valid YAML: ${e.message.split('\n')[0]}`;
    });
    throw new ConfigError([], file, lines);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // e.g. an alias without its anchor, or an alias bomb
    throw new ConfigError([], file, [`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return {
    data,
    locate: (path) => {
      const offset = offsetOf(doc, path);
      return offset === null ? null : lineCounter.linePos(offset).line;
    },
  };
}

/** The source offset of the deepest node along `path` (the key, for a key that is not a known one). */
function offsetOf(doc: Document, path: PathPart[]): number | null {
  let node: unknown = doc.contents;
  let offset: number | null = rangeStart(node);
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === part);
      if (!pair) break;
      offset = rangeStart(pair.value) ?? rangeStart(pair.key) ?? offset;
      if (pair.value === null || pair.value === undefined) break;
      node = pair.value;
      if (path[path.length - 1] === part && !isScalar(node)) offset = rangeStart(pair.key) ?? offset;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
      offset = rangeStart(node) ?? offset;
    } else break;
  }
  return offset;
}

function rangeStart(node: unknown): number | null {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : null;
}
