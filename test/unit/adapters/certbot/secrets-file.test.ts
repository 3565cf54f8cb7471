import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withSecretsFile } from '../../../../src/adapters/certbot/secrets-file.js';

const base = () => (process.getuid?.() === 0 ? '/run' : tmpdir());

describe('the file that hands the secrets to certbot', () => {
  it('exists, 0600 in a 0700 directory, only while the work runs; none without secrets', async () => {
    let seen = '';
    const extra = await withSecretsFile('eab-kid = "k"\n', async (args) => {
      seen = args[0]!.replace(/^--config=/, '');
      expect(readFileSync(seen, 'utf8')).toBe('eab-kid = "k"\n');
      expect(statSync(seen).mode & 0o7777).toBe(0o600);
      expect(statSync(dirname(seen)).mode & 0o7777).toBe(0o700);
      return args;
    });
    expect(extra).toEqual([`--config=${seen}`]);
    expect(existsSync(dirname(seen))).toBe(false);
    expect(await withSecretsFile(null, async (args) => args)).toEqual([]);
  });

  it('removed when the work throws', async () => {
    let seen = '';
    await expect(
      withSecretsFile('x = "y"\n', async (args) => {
        seen = args[0]!.replace(/^--config=/, '');
        throw new Error('certbot could not start');
      }),
    ).rejects.toThrow('certbot could not start');
    expect(existsSync(dirname(seen))).toBe(false);
  });

  it("a directory left by a run killed outright (its pid gone) is removed by the next run; a live run's is kept", async () => {
    // No process ever has a pid above the kernel's pid_max.
    const dead = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
    const left = join(base(), `cert-wrap-certbot.${dead}.abcdef`);
    const live = join(base(), `cert-wrap-certbot.${process.ppid}.abcdef`);
    mkdirSync(left, { mode: 0o700 });
    mkdirSync(live, { mode: 0o700 });
    try {
      await withSecretsFile('x = "y"\n', async () => undefined);
      expect(existsSync(left)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      for (const d of [left, live]) rmSync(d, { recursive: true, force: true });
    }
  });
});
