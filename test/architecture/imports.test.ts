/**
 * One direction through the code: leaves → lib → model → adapters → run → cli.
 * Walks every import of src/ (static, re-export and dynamic, types included)
 * and fails on an import against that direction, on an adapter importing
 * another adapter, and on any cycle between files or between folders.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** Each layer and what it may import besides itself. */
const MAY_IMPORT: Record<string, string[]> = {
  leaves: [],
  generated: [],
  lib: ['leaves'],
  model: ['leaves', 'lib', 'generated', 'config'],
  config: [],
  adapters: ['leaves', 'lib', 'generated', 'model'],
  run: ['leaves', 'lib', 'generated', 'model', 'adapters'],
  cli: ['leaves', 'lib', 'generated', 'model', 'adapters', 'run'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

export interface Edge {
  from: string;
  to: string;
}

/** The project-internal imports of each file under src/, as paths relative to src/ (.ts). */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith('.')) continue;
    const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
    out.push(relative(SRC, target));
  }
  return out;
}

/** "adapters/nginx/host.ts" → layer "adapters", unit "adapters/nginx"; "run/session.ts" → "run", "run". */
export function placeOf(path: string): { layer: string; unit: string } {
  const parts = path.split('/');
  if (parts[0] === 'adapters' && parts.length > 2) return { layer: 'adapters', unit: `adapters/${parts[1]}` };
  if (parts[0]!.startsWith('..')) return { layer: 'outside', unit: 'outside' };
  return { layer: parts[0]!, unit: parts[0]! };
}

/** Every import that goes against the direction, as "from -> to: why". */
export function violations(edges: Edge[]): string[] {
  const bad: string[] = [];
  for (const { from, to } of edges) {
    const a = placeOf(from);
    const b = placeOf(to);
    if (b.layer === 'outside') {
      if (to !== '../package.json') bad.push(`${from} -> ${to}: outside src/`);
      continue;
    }
    if (!(a.layer in MAY_IMPORT)) bad.push(`${from}: not in a known layer (${Object.keys(MAY_IMPORT).join(', ')})`);
    else if (a.layer === b.layer) {
      if (a.layer === 'adapters' && a.unit !== b.unit) bad.push(`${from} -> ${to}: an adapter imports another adapter (compose them in run/)`);
    } else if (!MAY_IMPORT[a.layer]!.includes(b.layer)) bad.push(`${from} -> ${to}: ${a.layer} may not import ${b.layer}`);
  }
  return bad;
}

/** The cycles of a directed graph (one per strongly connected component bigger than one node, or a self-loop). */
export function cycles(edges: [string, string][]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const [a, b] of edges) {
    if (!next.has(a)) next.set(a, new Set());
    if (!next.has(b)) next.set(b, new Set());
    next.get(a)!.add(b);
  }
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || next.get(v)!.has(v)) found.push(scc.sort());
    }
  };
  for (const v of next.keys()) if (!idx.has(v)) visit(v);
  return found;
}

function projectEdges(): Edge[] {
  return sourceFiles(SRC).flatMap((f) => importsOf(f, readFileSync(f, 'utf8')).map((to) => ({ from: relative(SRC, f), to })));
}

describe('the import direction of src/', () => {
  const edges = projectEdges();

  it('reads the imports (the walk itself works)', () => {
    expect(edges.length).toBeGreaterThan(200);
    expect(edges).toContainEqual({ from: 'cli/commands/renew.ts', to: 'run/planner.ts' });
  });

  it('has no import against leaves → lib → model → adapters → run → cli, and no adapter importing another', () => {
    expect(violations(edges)).toEqual([]);
  });

  it('has no cycle between files', () => {
    expect(cycles(edges.map((e) => [e.from, e.to]))).toEqual([]);
  });

  it('has no cycle between folders', () => {
    const folder = (p: string) => dirname(p);
    expect(cycles(edges.filter((e) => folder(e.from) !== folder(e.to)).map((e) => [folder(e.from), folder(e.to)]))).toEqual([]);
  });
});

describe('the checker catches what it must', () => {
  it('flags an upward import, an adapter importing another, and a leaf importing the model', () => {
    expect(
      violations([
        { from: 'model/load.ts', to: 'cli/run.ts' },
        { from: 'adapters/nginx/host.ts', to: 'adapters/certbot/run.ts' },
        { from: 'leaves/x509.ts', to: 'model/types.ts' },
        { from: 'adapters/nginx/host.ts', to: 'adapters/nginx/binary.ts' },
        { from: 'run/session.ts', to: 'adapters/nginx/reload.ts' },
      ]),
    ).toEqual([
      'model/load.ts -> cli/run.ts: model may not import cli',
      'adapters/nginx/host.ts -> adapters/certbot/run.ts: an adapter imports another adapter (compose them in run/)',
      'leaves/x509.ts -> model/types.ts: leaves may not import model',
    ]);
  });

  it('finds a cycle, and none in a chain', () => {
    expect(cycles([['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd']])).toEqual([['a', 'b', 'c']]);
    expect(cycles([['a', 'b'], ['b', 'c']])).toEqual([]);
  });

  it('reads static, type-only, re-export and dynamic imports', () => {
    const file = join(SRC, 'cli', 'x.ts');
    const text = "import { a } from './a.js';\nimport type { B } from '../run/b.js';\nexport { c } from '../model/c.js';\nconst d = await import('./commands/d.js');\nimport 'node:fs';\n";
    expect(importsOf(file, text)).toEqual(['cli/a.ts', 'run/b.ts', 'model/c.ts', 'cli/commands/d.ts']);
  });
});
