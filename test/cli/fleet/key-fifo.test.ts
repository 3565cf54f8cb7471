import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readFleetKey } from '../../../src/adapters/fleet/key.js';
import type { Fleet } from '../../../src/model/types.js';

// mkfifo is a process: this case lives outside the unit project.
it('refuses a fleet key file that is a FIFO without blocking', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-key-'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  expect(() => readFleetKey({ keyFile: join(dir, 'fifo') } as Fleet)).toThrow('FIFO');
});
