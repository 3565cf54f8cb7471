/** deployCopies and a FIFO made by mkfifo(1) at a target path (the other cases, in-process: test/unit/adapters/deploy/copy.test.ts). */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEPLOY_FILES, deployCopies } from '../../src/adapters/deploy/copy.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { certWith, copy, entries, fakeLineage } from '../unit/adapters/deploy/helpers.js';

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

describe('deployCopies', () => {
  it('replaces a FIFO at the target path without opening it (no hang)', () => {
    const dir = join(root, 'out');
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, 'privkey.pem')]);
    expect(deployCopies(certWith([copy(dir)]), lineage)[0]).toMatchObject({ changed: true, error: null });
    expect(lstatSync(join(dir, 'privkey.pem')).isFile()).toBe(true);
    expect(entries(dir)).toEqual(FILES);
  });

});
