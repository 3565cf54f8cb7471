/**
 * Failures in the middle of an install (after a temporary file exists), which
 * a root process cannot provoke on a normal file system: node:fs is wrapped so
 * one call fails on demand.
 */
import * as realFs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { certWith, copy, entries, FULLCHAIN, fakeLineage, PRIVKEY } from './helpers.js';
import { makeTempDir, removeTempDir } from '../../../../lab/tmp.js';

const fault = vi.hoisted(() => ({ fn: '' as string, nth: 0, calls: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const wrap =
    <A extends unknown[], R>(name: string, f: (...args: A) => R) =>
    (...args: A): R => {
      if (fault.fn === name && ++fault.calls === fault.nth) {
        throw Object.assign(new Error(`${name}: injected failure`), { code: 'EIO' });
      }
      return f(...args);
    };
  return {
    ...fs,
    default: fs,
    writeSync: wrap('writeSync', fs.writeSync),
    fchownSync: wrap('fchownSync', fs.fchownSync),
    fchmodSync: wrap('fchmodSync', fs.fchmodSync),
    fsyncSync: wrap('fsyncSync', fs.fsyncSync),
    renameSync: wrap('renameSync', fs.renameSync),
  };
});

// A worker shared with other files may hold copy.js already, bound to the real fs: load it afresh.
vi.resetModules();
const { deployCopies } = await import('../../../../src/adapters/deploy/copy.js');

let root: string;
let lineage: string;
let dir: string;
beforeEach(async () => {
  root = await makeTempDir('cert-wrap-deploy-faults-');
  lineage = fakeLineage(join(root, 'letsencrypt'));
  dir = join(root, 'out');
  realFs.mkdirSync(dir);
  realFs.writeFileSync(join(dir, 'fullchain.pem'), 'old chain');
  realFs.writeFileSync(join(dir, 'privkey.pem'), 'old key');
  Object.assign(fault, { fn: '', nth: 0, calls: 0 });
});
afterEach(async () => {
  Object.assign(fault, { fn: '', nth: 0, calls: 0 });
  await removeTempDir(root);
});

function snapshot() {
  return ['fullchain.pem', 'privkey.pem'].map((f) => {
    const st = realFs.statSync(join(dir, f));
    return { f, ino: st.ino, content: realFs.readFileSync(join(dir, f), 'utf8') };
  });
}

describe('a failure while staging', () => {
  // nth 2: the second file's temporary file fails, after the first one is complete.
  it.each([
    ['writeSync', 1],
    ['writeSync', 2],
    ['fchownSync', 2],
    ['fchmodSync', 2],
    ['fsyncSync', 2],
  ])('in %s (call %i) leaves both targets untouched and no temporary file', (fn, nth) => {
    const before = snapshot();
    Object.assign(fault, { fn, nth });
    const results = deployCopies(certWith([copy(dir), copy(join(root, 'second'))]), lineage);
    expect(results[0]?.changed).toBe(false);
    expect(results[0]?.error).toBe(`certificates[0].deploy[0]: ${fn}: injected failure`);
    expect(snapshot()).toEqual(before);
    expect(entries(dir)).toEqual(['fullchain.pem', 'privkey.pem']);
    // The next entry is unaffected.
    expect(results[1]).toMatchObject({ changed: true, error: null });
    expect(realFs.readFileSync(join(root, 'second', 'privkey.pem'), 'utf8')).toBe(PRIVKEY);
  });
});

describe('a failure while renaming', () => {
  it('of the first file leaves both targets untouched', () => {
    const before = snapshot();
    Object.assign(fault, { fn: 'renameSync', nth: 1 });
    const [result] = deployCopies(certWith([copy(dir)]), lineage);
    expect(result).toMatchObject({ changed: false, error: 'certificates[0].deploy[0]: renameSync: injected failure' });
    expect(snapshot()).toEqual(before);
    expect(entries(dir)).toEqual(['fullchain.pem', 'privkey.pem']);
  });

  it('of the second file says which file was already replaced', () => {
    Object.assign(fault, { fn: 'renameSync', nth: 2 });
    const [result] = deployCopies(certWith([copy(dir)]), lineage);
    expect(result).toMatchObject({ changed: true, error: 'certificates[0].deploy[0]: renameSync: injected failure (fullchain.pem already replaced)' });
    expect(realFs.readFileSync(join(dir, 'fullchain.pem'), 'utf8')).toBe(FULLCHAIN);
    expect(realFs.readFileSync(join(dir, 'privkey.pem'), 'utf8')).toBe('old key');
    expect(entries(dir)).toEqual(['fullchain.pem', 'privkey.pem']);
    // The next run completes it.
    fault.fn = '';
    expect(deployCopies(certWith([copy(dir)]), lineage)[0]).toMatchObject({ changed: true, error: null });
    expect(realFs.readFileSync(join(dir, 'privkey.pem'), 'utf8')).toBe(PRIVKEY);
  });
});
