/**
 * One cert-wrap run at a time on a set of certbot directories. The lock lives
 * in certbot's config dir; a second run waits a bounded time, then gives up
 * with a message that says who holds it.
 */
import { mkdirSync, realpathSync, rmdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { LockSetupError, LockTimeoutError } from '../../lib/errors.js';
import { fsReason } from '../../lib/fs-reason.js';
import { readRegularFile } from '../../lib/read-regular.js';

export { LockSetupError, LockTimeoutError };

export interface HeldLock {
  release(): Promise<void>;
}

const LOCK_FS = { mkdirSync, realpathSync, rmdirSync, statSync, utimesSync };

export async function acquireLock(configDir: string, timeoutSeconds: number, onWait?: (holder: string) => void): Promise<HeldLock> {
  try {
    mkdirSync(configDir, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new LockSetupError(`cannot create certbot's config-dir ${configDir}: ${fsReason(err)}`);
  }
  const target = join(configDir, 'cert-wrap.lock');
  const info = `${target}.owner`;
  const deadline = Date.now() + timeoutSeconds * 1000;
  let told = false;
  for (;;) {
    try {
      // The sync form: the same mkdir lock, without starting libuv's thread pool for four calls.
      const release = lockfile.lockSync(configDir, {
        lockfilePath: target,
        realpath: false,
        // Only what the lock uses: given all of node:fs, proper-lockfile copies every property, and the
        // stream getters among them load node's stream modules on every run.
        fs: LOCK_FS,
        stale: 10_000,
        retries: 0,
        onCompromised: () => {
          // Only possible if the lock directory was removed behind our back; keep going.
        },
      });
      // Replaced by a rename, never written through a link planted in a config-dir others can write.
      // Who holds the lock, for the message of a run that waits: not worth an fsync (a crash ends the holding anyway).
      writeFileAtomic(info, `pid ${process.pid}, since ${new Date().toISOString()}\n`, 0o644, { durable: false });
      return {
        async release() {
          rmSync(info, { force: true });
          release();
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new LockSetupError(`cannot take the lock in certbot's config-dir ${configDir}: ${fsReason(err)} (certbot needs to write there too)`);
      }
      const holder = readHolder(info);
      if (Date.now() >= deadline) {
        throw new LockTimeoutError(
          `another cert-wrap run (${holder}) holds the lock on ${configDir}; gave up after ${timeoutSeconds} s. ` +
            'Try again when it has finished, or raise --lock-timeout.',
        );
      }
      if (!told) {
        onWait?.(holder);
        told = true;
      }
      await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, deadline - Date.now()))));
    }
  }
}

function readHolder(info: string): string {
  try {
    return readRegularFile(info, { maxBytes: 4096, noFollow: true }).toString('utf8').trim();
  } catch {
    return 'owner unknown';
  }
}
