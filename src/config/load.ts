/**
 * The edge: read the config file (YAML or JSON), check it against the JSON
 * Schema, normalize it into the typed model. Errors carry the file, the config
 * path and, for YAML, the line.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parse, parseDocument, type Document } from 'yaml';
import { ConfigError, type ConfigIssue, formatPath, type PathPart, UsageError } from '../lib/errors.js';
import { rememberSecretsIn, rememberSecretsInText } from '../lib/secrets.js';
import { validateConfig } from '../generated/validate-config.js';
import { normalize } from './normalize.js';
import { schemaIssues, type AjvError } from './schema-errors.js';
import type { Config, RawConfig } from './types.js';

export function loadConfig(file: string): Config {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : code === 'ENOTDIR'
              ? 'a path component is not a directory'
              : String(code ?? err);
    throw new UsageError(`cannot read config file ${file}: ${why}`);
  }
  return parseConfig(text, file, path);
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
  const parsed = /\.json$/i.test(file) ? parseJson(text, file) : parseYaml(text, file);
  rememberSecretsIn(parsed.data);
  return parsed;
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

function parseJson(text: string, file: string): { data: unknown; locate: Locator } {
  try {
    return { data: JSON.parse(text), locate: () => null };
  } catch (err) {
    // Node's message quotes the text around the error, which may be a secret: give the place only,
    // found by the YAML parser (JSON is YAML's flow style), which reports positions.
    const lineCounter = new LineCounter();
    const first = parseDocument(text, { lineCounter, prettyErrors: false }).errors[0];
    const pos = first ? lineCounter.linePos(first.pos[0]) : null;
    const what = (err as Error).message.startsWith('Unexpected end of JSON input') ? 'it ends too early' : 'a syntax error';
    throw new ConfigError([], file, [`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: not valid JSON: ${what}`]);
  }
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
