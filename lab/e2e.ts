/** Pieces the end-to-end tests share: what they start, how they stop it, the reports they read. */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { expect } from 'vitest';
import type { CertReport } from '../src/adapters/certbot/obtain.js';
import type { RunSummary } from '../src/cli/output/summary.js';
import { LAB_IP } from './loopback.js';
import type { RunningNginx } from './nginx.js';
import type { RunningPebble } from './pebble.js';
import { removeTempDir } from './tmp.js';
import { isProcessAlive, waitFor } from './tools.js';

export type { CertReport };
/** `obtain --json` and `renew --json` (which adds `renewed`). */
export type RunReport = RunSummary & { renewed?: boolean };

/** A stack trace line, as node prints them. */
export const STACK_LINE = /^\s+at .+(\(.+:\d+:\d+\)|:\d+:\d+)$/m;

/** Every pid a test file started, so that it can show they are all gone at the end. */
export class Started {
  readonly pids = new Set<number>();

  /** nginx's workers now (remembered as started), [] before nginx runs. */
  async workers(nginx: RunningNginx | undefined): Promise<number[]> {
    if (nginx === undefined) return [];
    this.pids.add(nginx.pid);
    const list = await nginx.workers();
    for (const w of list) this.pids.add(w);
    return list;
  }

  /** Workers once a previous reload has settled: the harness runs one worker, and an old one may linger a moment. */
  async settledWorkers(nginx: RunningNginx | undefined): Promise<number[]> {
    await waitFor(async () => (await this.workers(nginx)).length === 1, 3_000);
    return this.workers(nginx);
  }

  /** Stop nginx and Pebble, show that every process started is gone, remove the temp dir. */
  async stopAll(nginx: RunningNginx | undefined, pebble: RunningPebble | undefined, dir: string | undefined): Promise<void> {
    try {
      await this.workers(nginx).catch(() => undefined);
      const results = await Promise.allSettled([nginx?.stop(), pebble?.stop()]);
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      const alive = [...this.pids].filter(isProcessAlive);
      expect(alive, `processes still alive after stop(): ${alive.join(' ')}`).toEqual([]);
      if (nginx !== undefined) expect(existsSync(nginx.pidFile)).toBe(false);
    } finally {
      await removeTempDir(dir);
    }
  }
}

/** The nginx servers file of an e2e test: a catch-all 404 server (no generated server claims the name), then the gen-nginx output. */
export async function writeServersWithCatchAll(serversConf: string, generatedConf: string): Promise<void> {
  await writeFile(
    serversConf,
    [
      '# Anything no generated server claims gets a 404.',
      'server {',
      `    listen ${LAB_IP}:80 default_server;`,
      '    return 404;',
      '}',
      `include ${JSON.stringify(generatedConf)};`,
      '',
    ].join('\n'),
  );
}
