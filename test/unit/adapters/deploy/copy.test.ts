import { chmodSync, chownSync, closeSync, existsSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CREATED_DIR_MODE, DEPLOY_FILES, deployCopies, describeCopy } from '../../../../src/adapters/deploy/copy.js';
import { makeTempDir, removeTempDir } from '../../../../lab/tmp.js';
import { certWith, copy, entries, FULLCHAIN, fakeLineage, PRIVKEY } from './helpers.js';

const isRoot = process.geteuid?.() === 0;
const FILES = [...DEPLOY_FILES];

let root: string;
let lineage: string;
beforeEach(async () => {
  root = await makeTempDir('cert-wrap-deploy-');
  lineage = fakeLineage(join(root, 'letsencrypt'));
});
afterEach(async () => {
  await removeTempDir(root);
});

function modeOf(path: string): number {
  return statSync(path).mode & 0o7777;
}

describe('deployCopies', () => {
  it('copies fullchain.pem and privkey.pem with the exact content, following the lineage links', () => {
    const dir = join(root, 'out', 'nested');
    const results = deployCopies(certWith([copy(dir)]), lineage);
    expect(results).toEqual([{ directory: dir, files: ['fullchain.pem', 'privkey.pem'], changed: true, error: null }]);
    expect(readFileSync(join(dir, 'fullchain.pem'), 'utf8')).toBe(FULLCHAIN);
    expect(readFileSync(join(dir, 'privkey.pem'), 'utf8')).toBe(PRIVKEY);
    for (const file of FILES) expect(lstatSync(join(dir, file)).isFile()).toBe(true);
    expect(entries(dir)).toEqual(FILES);
    expect(describeCopy(results[0]!)).toBe(`deployed fullchain.pem and privkey.pem to ${dir}`);
  });

  it('does not read the lineage when there is nothing to deploy', () => {
    expect(deployCopies(certWith([]), join(root, 'no-such-lineage'))).toEqual([]);
  });

  describe.each([0o077, 0o000, 0o022])('under umask %o', (umask) => {
    let saved: number;
    beforeEach(() => {
      saved = process.umask(umask);
    });
    afterEach(() => {
      process.umask(saved);
    });

    it.each([0o600, 0o640, 0o644, 0o400, 0o440])('gives both files exactly mode %o', (mode) => {
      const dir = join(root, 'out');
      const [result] = deployCopies(certWith([copy(dir, { mode })]), lineage);
      expect(result?.error).toBeNull();
      for (const file of FILES) expect(modeOf(join(dir, file))).toBe(mode);
      expect(entries(dir)).toEqual(FILES);
    });

    it('creates missing directories with exactly the documented mode, and leaves existing ones alone', () => {
      const existing = join(root, 'existing');
      mkdirSync(existing);
      chmodSync(existing, 0o700);
      const dir = join(existing, 'a', 'b');
      expect(deployCopies(certWith([copy(dir)]), lineage)[0]?.error).toBeNull();
      expect(CREATED_DIR_MODE).toBe(0o755);
      expect(modeOf(join(existing, 'a'))).toBe(CREATED_DIR_MODE);
      expect(modeOf(dir)).toBe(CREATED_DIR_MODE);
      expect(modeOf(existing)).toBe(0o700);
    });
  });

  describe.skipIf(!isRoot)('owner and group (as root)', () => {
    it.each([
      ['names', { owner: 'nobody', group: 'nogroup' }, 65534, 65534],
      ['numeric ids', { owner: '1234', group: '4321' }, 1234, 4321],
      ['a name and a numeric gid', { owner: 'nobody', group: '0' }, 65534, 0],
      ['the owner only: its primary group', { owner: 'nobody' }, 65534, 65534],
      ['neither: the current user and its primary group', {}, 0, 0],
      ['the group only: the current user', { group: 'nogroup' }, 0, 65534],
    ])('%s', (_label, ids, uid, gid) => {
      const dir = join(root, 'out');
      const [result] = deployCopies(certWith([copy(dir, { mode: 0o640, ...ids })]), lineage);
      expect(result?.error).toBeNull();
      for (const file of FILES) {
        const st = statSync(join(dir, file));
        expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([uid, gid, 0o640]);
      }
    });
  });

  it('replaces an existing target atomically: a reader of the old file keeps the old content', () => {
    const dir = join(root, 'out');
    mkdirSync(dir);
    const target = join(dir, 'privkey.pem');
    writeFileSync(target, 'old key\n', { mode: 0o644 });
    const before = statSync(target).ino;
    const fd = openSync(target, 'r');
    try {
      const [result] = deployCopies(certWith([copy(dir)]), lineage);
      expect(result).toMatchObject({ changed: true, error: null });
      const after = statSync(target);
      expect(after.ino).not.toBe(before);
      expect(after.mode & 0o7777).toBe(0o600);
      expect(readFileSync(target, 'utf8')).toBe(PRIVKEY);
      const buf = Buffer.alloc(64);
      expect(buf.subarray(0, readSync(fd, buf, 0, 64, 0)).toString()).toBe('old key\n');
    } finally {
      closeSync(fd);
    }
    expect(entries(dir)).toEqual(FILES);
  });

  it('replaces a symlink at the target path with a regular file, without touching what it pointed to', () => {
    const dir = join(root, 'out');
    mkdirSync(dir);
    const victim = join(root, 'victim');
    writeFileSync(victim, 'do not overwrite\n', { mode: 0o644 });
    symlinkSync(victim, join(dir, 'privkey.pem'));
    const dangling = join(root, 'would-be-created');
    symlinkSync(dangling, join(dir, 'fullchain.pem'));

    expect(deployCopies(certWith([copy(dir)]), lineage)[0]).toMatchObject({ changed: true, error: null });
    for (const file of FILES) expect(lstatSync(join(dir, file)).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'privkey.pem'), 'utf8')).toBe(PRIVKEY);
    expect(readFileSync(victim, 'utf8')).toBe('do not overwrite\n');
    expect(modeOf(victim)).toBe(0o644);
    expect(existsSync(dangling)).toBe(false);
    expect(entries(dir)).toEqual(FILES);
  });

  it('leaves identical files alone (changed: false, same inode and mtime), and reinstalls on any difference', () => {
    const dir = join(root, 'out');
    const cert = certWith([copy(dir, { mode: 0o640 })]);
    expect(deployCopies(cert, lineage)[0]?.changed).toBe(true);
    const stamp = (file: string) => {
      const st = statSync(join(dir, file));
      return { ino: st.ino, mtimeMs: st.mtimeMs };
    };
    const first = FILES.map(stamp);

    const again = deployCopies(cert, lineage);
    expect(again).toEqual([{ directory: dir, files: FILES, changed: false, error: null }]);
    expect(FILES.map(stamp)).toEqual(first);
    expect(describeCopy(again[0]!)).toBe(`${dir}: unchanged`);

    // Mode drifted: only that file is reinstalled.
    chmodSync(join(dir, 'privkey.pem'), 0o644);
    expect(deployCopies(cert, lineage)[0]?.changed).toBe(true);
    expect(modeOf(join(dir, 'privkey.pem'))).toBe(0o640);
    expect(stamp('fullchain.pem')).toEqual(first[0]);
    expect(stamp('privkey.pem').ino).not.toBe(first[1]!.ino);

    // Content differs.
    writeFileSync(join(dir, 'fullchain.pem'), 'tampered');
    expect(deployCopies(cert, lineage)[0]?.changed).toBe(true);
    expect(readFileSync(join(dir, 'fullchain.pem'), 'utf8')).toBe(FULLCHAIN);

    // Same content, owner and mode, but a second hard link: replaced, so the other name no longer shares the inode.
    expect(deployCopies(cert, lineage)[0]?.changed).toBe(false);
    const other = join(root, 'hard-link');
    linkSync(join(dir, 'privkey.pem'), other);
    expect(deployCopies(cert, lineage)[0]?.changed).toBe(true);
    expect(statSync(join(dir, 'privkey.pem')).ino).not.toBe(statSync(other).ino);
    expect(statSync(join(dir, 'privkey.pem')).nlink).toBe(1);
    expect(entries(dir)).toEqual(FILES);
  });

  it.skipIf(!isRoot)('reinstalls when only the owner or group differs', () => {
    const dir = join(root, 'out');
    const cert = certWith([copy(dir, { owner: 'nobody', group: 'nogroup' })]);
    deployCopies(cert, lineage);
    chownSync(join(dir, 'privkey.pem'), 65534, 0);
    expect(deployCopies(cert, lineage)[0]?.changed).toBe(true);
    expect(statSync(join(dir, 'privkey.pem')).gid).toBe(65534);
    chownSync(join(dir, 'fullchain.pem'), 0, 65534);
    expect(deployCopies(cert, lineage)[0]?.changed).toBe(true);
    expect(statSync(join(dir, 'fullchain.pem')).uid).toBe(65534);
    expect(deployCopies(cert, lineage)[0]?.changed).toBe(false);
  });

  it('picks up a renewed certificate (the live links now point to version 2)', () => {
    const dir = join(root, 'out');
    const cert = certWith([copy(dir)]);
    deployCopies(cert, lineage);
    const le = join(root, 'le2');
    const renewed = fakeLineage(le, 'example.com', 2, { fullchain: `${FULLCHAIN}renewed\n`, privkey: `${PRIVKEY}renewed\n` });
    expect(deployCopies(cert, renewed)[0]?.changed).toBe(true);
    expect(readFileSync(join(dir, 'privkey.pem'), 'utf8')).toBe(`${PRIVKEY}renewed\n`);
    expect(readlinkSync(join(renewed, 'privkey.pem'))).toBe('../../archive/example.com/privkey2.pem');
  });

  it('reports a failing entry and still installs the next one', () => {
    const notADir = join(root, 'file');
    writeFileSync(notADir, 'x');
    const good = join(root, 'good');
    const results = deployCopies(certWith([copy(notADir), copy(good)], 2), lineage);
    expect(results[0]).toMatchObject({ directory: notADir, changed: false });
    expect(results[0]?.error).toBe(`certificates[2].deploy[0]: ${notADir} exists and is not a directory`);
    expect(describeCopy(results[0]!)).toContain('failed');
    expect(results[1]).toEqual({ directory: good, files: FILES, changed: true, error: null });
    expect(readFileSync(notADir, 'utf8')).toBe('x');
    expect(entries(root)).toEqual(['file', 'good', 'letsencrypt']);
  });

  it('reports a missing parent that is a file, by its path', () => {
    writeFileSync(join(root, 'file'), 'x');
    const [result] = deployCopies(certWith([copy(join(root, 'file', 'sub'))]), lineage);
    expect(result?.error).toBe(`certificates[0].deploy[0]: ${join(root, 'file')} exists and is not a directory`);
  });

  it('refuses to install when a target is a directory, before replacing the other file', () => {
    const dir = join(root, 'out');
    mkdirSync(join(dir, 'privkey.pem'), { recursive: true });
    writeFileSync(join(dir, 'fullchain.pem'), 'old');
    const [result] = deployCopies(certWith([copy(dir)]), lineage);
    expect(result?.changed).toBe(false);
    expect(result?.error).toContain(`${join(dir, 'privkey.pem')} is a directory`);
    expect(readFileSync(join(dir, 'fullchain.pem'), 'utf8')).toBe('old');
    expect(entries(dir)).toEqual(FILES);
  });

  it('reports an unknown user or group by its config path, and installs the other entries', () => {
    const results = deployCopies(
      certWith([copy(join(root, 'a')), copy(join(root, 'b'), { owner: 'wwwdata' }), copy(join(root, 'c'), { group: 'no-such-group' })]),
      lineage,
    );
    expect(results.map((r) => r.error)).toEqual([
      null,
      'certificates[0].deploy[1].owner: no such user "wwwdata" in /etc/passwd',
      'certificates[0].deploy[2].group: no such group "no-such-group" in /etc/group',
    ]);
    expect(existsSync(join(root, 'b'))).toBe(false);
    expect(existsSync(join(root, 'c'))).toBe(false);
  });

  it('reports an unreadable lineage for every entry and creates nothing', () => {
    const missing = join(root, 'letsencrypt', 'live', 'other.example');
    const results = deployCopies(certWith([copy(join(root, 'a')), copy(join(root, 'b'))]), missing);
    expect(results).toHaveLength(2);
    for (const [j, r] of results.entries()) {
      expect(r.changed).toBe(false);
      expect(r.error).toMatch(new RegExp(`^certificates\\[0\\]\\.deploy\\[${j}\\]: cannot read .*fullchain\\.pem from the lineage: ENOENT`));
    }
    expect(entries(root)).toEqual(['letsencrypt']);
  });

  it('refuses an empty (non-PEM) source instead of replacing a good copy', () => {
    const le = join(root, 'broken');
    const broken = fakeLineage(le, 'example.com', 1, { fullchain: FULLCHAIN, privkey: '' });
    const dir = join(root, 'out');
    mkdirSync(dir);
    writeFileSync(join(dir, 'privkey.pem'), PRIVKEY);
    const [result] = deployCopies(certWith([copy(dir)]), broken);
    expect(result?.error).toContain('privkey.pem is not a PEM file');
    expect(readFileSync(join(dir, 'privkey.pem'), 'utf8')).toBe(PRIVKEY);
    expect(entries(dir)).toEqual(['privkey.pem']);
  });

  it("refuses to copy into the lineage directory itself (it would replace certbot's links)", () => {
    const [result] = deployCopies(certWith([copy(lineage)]), lineage);
    expect(result?.error).toContain('is the lineage directory itself');
    for (const file of FILES) expect(lstatSync(join(lineage, file)).isSymbolicLink()).toBe(true);
  });
});
