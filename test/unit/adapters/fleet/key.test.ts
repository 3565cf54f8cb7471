import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFleetKey, readFleetKey } from '../../../../src/adapters/fleet/key.js';
import type { Fleet } from '../../../../src/model/types.js';

describe('the fleet key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-key-'));
  const fleet = (keyFile: string) => ({ keyFile }) as Fleet;
  it('reads 32 bytes of base64', () => {
    const k = randomBytes(32);
    writeFileSync(join(dir, 'ok'), `${k.toString('base64')}\n`);
    expect(readFleetKey(fleet(join(dir, 'ok')))).toEqual(k);
  });
  it('refuses a short key without showing it, a missing file', () => {
    writeFileSync(join(dir, 'short'), 'c2VjcmV0LXNob3J0\n');
    expect(() => readFleetKey(fleet(join(dir, 'short')))).toThrow(/fleet.key-file: ".*short": does not hold 32 bytes in base64 \(content not shown\)/);
    try {
      readFleetKey(fleet(join(dir, 'short')));
    } catch (err) {
      expect(String(err)).not.toContain('c2VjcmV0');
    }
    expect(() => readFleetKey(fleet(join(dir, 'none')))).toThrow('no such file');
    expect(() => parseFleetKey('!!!', 'x')).toThrow('does not hold 32 bytes');
  });
});
