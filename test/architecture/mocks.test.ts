/**
 * Unit workers are reused from file to file (isolate: false), so a module of
 * the project may already be loaded, bound to the real built-in, when a file
 * mocks that built-in: every file that calls vi.mock must load its subject
 * after vi.resetModules().
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));
}

describe('unit files that mock a module', () => {
  it('load the project modules they test afresh (vi.resetModules, then import())', () => {
    const offenders = files('test/unit').filter((f) => {
      const text = readFileSync(f, 'utf8');
      if (!/\bvi\.mock\(/.test(text)) return false;
      const reset = text.indexOf('vi.resetModules()');
      const staticSrc = /^import [^;]*from '(\.\.\/)+src\//m.exec(text.replace(/^import type .*$/gm, ''));
      return reset < 0 || staticSrc !== null;
    });
    expect(offenders).toEqual([]);
  });
});
