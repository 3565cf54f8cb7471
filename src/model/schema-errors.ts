/** ajv's errors -> ConfigIssues with config paths and messages a person can act on. */
import { type ConfigIssue, type PathPart, showValue } from '../lib/errors.js';
import { suggest } from '../lib/suggest.js';
import { isSecretKey } from '../lib/secrets.js';
import schema from '../config/config.schema.json' with { type: 'json' };

export interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Shown as "(a secret, not shown)": the value under a key named like a secret, at any depth. */
const HIDDEN = Symbol('hidden');

type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode; type?: unknown };

export function schemaIssues(errors: readonly AjvError[], data: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  // A failed oneOf says it all: drop the branches' own errors at the same place.
  const oneOfAt = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  for (const err of errors) {
    if (oneOfAt.has(err.instancePath) && err.keyword !== 'oneOf') continue;
    const path = toPath(err.instancePath, data);
    const secret = path.some(isSecretKey);
    const issue = describe(err, path, secret ? HIDDEN : valueAt(data, path));
    const key = `${JSON.stringify(issue.path)} ${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

function describe(err: AjvError, path: PathPart[], value: unknown): ConfigIssue {
  const p = err.params;
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = knownKeys(path);
      const hint = suggest(key, known);
      return {
        path: [...path, key],
        message: `is not a known key${hint ? ` (did you mean "${hint}"?)` : ''}; known keys here: ${known.join(', ')}`,
      };
    }
    case 'required':
      return { path: [...path, String(p.missingProperty)], message: 'is required' };
    case 'type':
      return { path, message: `must be ${article(String(p.type))}, not ${showValue(value)}` };
    case 'enum':
      return { path, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, not ${showValue(value)}` };
    case 'minItems':
      return { path, message: 'must not be empty' };
    case 'pattern':
      return { path, message: `${PATTERN_MESSAGES[String(p.pattern)] ?? `must match ${String(p.pattern)}`}, not ${showValue(value)}` };
    case 'dependencies':
      return { path: [...path, String(p.missingProperty)], message: `is required when ${String(p.property)} is set` };
    case 'oneOf':
      return { path, message: `must be a number of days or a share of the lifetime such as "33%" or "1/3", not ${showValue(value)}` };
    case 'exclusiveMinimum':
      return { path, message: `must be greater than ${String(p.limit)}, not ${showValue(value)}` };
    case 'not':
      return { path, message: `must be false or a location object ({ uri, body }), not ${showValue(value)}` };
    default:
      return { path, message: `${err.message ?? 'is invalid'} (${showValue(value)})` };
  }
}

/** What each of the schema's patterns asks for, in words. */
const PATTERN_MESSAGES: Record<string, string> = {
  '\\S': 'must not be empty or blank',
  '^0?[0-7]{3}$': 'must be an octal file mode of three digits, optionally after a 0, such as "0640" (no setuid, setgid or sticky bits)',
  '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$': 'must be an nginx version of three numbers, such as "1.22.1" (what `nginx -v` says)',
};

function article(type: string): string {
  const names = type.split(',').map((t) => (t === 'array' ? 'a list' : t === 'object' ? 'a mapping' : t === 'integer' ? 'a whole number' : `a ${t}`));
  return names.join(' or ');
}

function toPath(pointer: string, data: unknown): PathPart[] {
  if (pointer === '') return [];
  const path: PathPart[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const part: PathPart = Array.isArray(node) ? Number(seg) : seg;
    path.push(part);
    node = node && typeof node === 'object' ? (node as Record<PathPart, unknown>)[part] : undefined;
  }
  return path;
}

function valueAt(data: unknown, path: PathPart[]): unknown {
  let node = data;
  for (const part of path) node = node && typeof node === 'object' ? (node as Record<PathPart, unknown>)[part] : undefined;
  return node;
}

function knownKeys(path: PathPart[]): string[] {
  let node: SchemaNode | undefined = schema as SchemaNode;
  for (const part of path) node = typeof part === 'number' ? node?.items : node?.properties?.[part];
  return Object.keys(node?.properties ?? {}).filter((k) => k !== '$schema');
}
