/**
 * The etcd client is bundled into dist/ (no runtime dependency): a copy of bin/
 * and dist/ alone, with no node_modules anywhere above it, reads a real etcd.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot, runBin } from '../../../lab/cli.js';
import { startEtcd, type RunningEtcd } from '../../../lab/etcd.js';
import { makeTempDir, removeTempDir } from '../../../lab/tmp.js';

let etcd: RunningEtcd;
let dir: string;

beforeAll(async () => {
  etcd = await startEtcd();
  dir = await makeTempDir('cw-bundle-');
}, 30_000);
afterAll(async () => {
  await etcd?.stop();
  await removeTempDir(dir);
});

it('status of a fleet from a copy of bin/ and dist/ without node_modules talks to a real etcd (exit 4 once it is gone)', async () => {
  const app = join(dir, 'app');
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(repoRoot, part), join(app, part), { recursive: true });
  for (let d = app; d !== '/'; d = join(d, '..')) expect(existsSync(join(d, 'node_modules')), d).toBe(false);
  writeFileSync(join(dir, 'fleet.key'), randomBytes(32).toString('base64'), { mode: 0o600 });
  const site = join(dir, 'site.yaml');
  writeFileSync(
    site,
    `config-dir: ${dir}/le\ncerts-dir: ${dir}/certs\ncertificates:\n  - domains: [a.example]\nfleet:\n  etcd:\n    endpoints: [${etcd.endpoint}]\n  prefix: /t/bundle\n  node: n1\n  key-file: ${dir}/fleet.key\n`,
  );
  const up = await runBin(join(app, 'bin', 'cert-wrap.js'), ['status', '-c', site, '--json'], { cwd: dir });
  expect(up.stderr).toBe('');
  expect(up.exitCode).toBe(0);
  expect(JSON.parse(up.stdout).store.available).toBe(true);
  await etcd.stop();
  const down = await runBin(join(app, 'bin', 'cert-wrap.js'), ['status', '-c', site, '--json'], { cwd: dir });
  expect(down.exitCode).toBe(4);
  expect(JSON.parse(down.stdout).store.available).toBe(false);
}, 60_000);
