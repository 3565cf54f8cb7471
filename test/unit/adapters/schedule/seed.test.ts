import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hostSeed } from '../../../../src/adapters/schedule/seed.js';

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cert-wrap-seed-'));
  onTestFinished(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

describe('hostSeed', () => {
  it('uses the first machine-id file that holds an id, plus the config path', () => {
    const d = dir();
    writeFileSync(join(d, 'empty'), '\n');
    writeFileSync(join(d, 'uninit'), 'uninitialized\n');
    writeFileSync(join(d, 'machine-id'), '3d1219c7c4c5404aaa1f6d2a48adfda4\n');
    const files = [join(d, 'missing'), join(d, 'empty'), join(d, 'uninit'), join(d, 'machine-id')];
    const a = hostSeed('/etc/cert-wrap/site.yaml', { machineIdFiles: files, hostname: () => 'unused' });
    expect(a.from).toBe(join(d, 'machine-id'));
    expect(a.seed).toContain('3d1219c7c4c5404aaa1f6d2a48adfda4');
    expect(a.seed).toContain('/etc/cert-wrap/site.yaml');
    expect(hostSeed('/etc/cert-wrap/site.yaml', { machineIdFiles: files })).toEqual(a);
    expect(hostSeed('/etc/cert-wrap/other.yaml', { machineIdFiles: files }).seed).not.toBe(a.seed);
  });

  it('falls back to the hostname', () => {
    const s = hostSeed('/etc/cert-wrap/site.yaml', { machineIdFiles: [join(dir(), 'missing')], hostname: () => 'web-1' });
    expect(s.from).toBe('hostname');
    expect(s.seed).toContain('web-1');
    expect(hostSeed('/etc/cert-wrap/site.yaml', { machineIdFiles: [], hostname: () => 'web-2' }).seed).not.toBe(s.seed);
  });
});
