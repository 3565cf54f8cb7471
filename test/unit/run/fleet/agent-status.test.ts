import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../../src/model/load.js';
import { fleetCommands } from '../../../../src/adapters/certbot/fleet-argv.js';
import { nodeKey } from '../../../../src/adapters/fleet/layout.js';
import { Agent, STATUS_REFRESH_MS } from '../../../../src/run/fleet/agent.js';
import { parseNodeStatus } from '../../../../src/run/fleet/node-status.js';
import { processResult } from '../../../../lab/process-result.js';
import { makeTempDir, removeTempDir } from '../../../../lab/tmp.js';
import { MemoryStore } from './fake-store.js';

const P = '/t';
let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('cw-agent-status-');
});
afterAll(() => removeTempDir(dir));
afterEach(() => vi.useRealTimers());

/** A MemoryStore that counts the puts of node statuses, and can be made to fail them. */
class StatusStore extends MemoryStore {
  puts = 0;
  attempts = 0;
  down = false;
  override async putWithSession(key: string, value: string) {
    this.attempts++;
    if (this.down) throw new Error('etcd unreachable');
    this.puts++;
    return super.putWithSession(key, value);
  }
}

function agentOn(store: StatusStore, logs: string[]) {
  // lease-ttl 2: the status timer ticks every second.
  const config = parseConfig(
    `config-dir: ${dir}/le\ncerts-dir: ${dir}/certs\nserver: https://ca.example/dir\ncertificates:\n  - domains: [a.example]\nfleet:\n  etcd:\n    endpoints: [http://127.0.0.1:1]\n  prefix: ${P}\n  node: n1\n  key-file: /k\n  account-thumbprint: ${'a'.repeat(43)}\n  lease-ttl: 2\n`,
    join(dir, 'site.yaml'),
  );
  return new Agent(config, {
    loadConfig: async () => config,
    store,
    fleetKey: randomBytes(32),
    commands: fleetCommands('/n', '/s', '/c'),
    certbot: async () => processResult(1, 'not expected'),
    logTail: () => '',
    reload: async () => ({ ok: true, pid: 1, message: 'reloaded' }),
    reloadOwed: () => false,
    now: () => new Date(),
    log: (l) => logs.push(l),
  });
}

describe('agent: node status in etcd', () => {
  it('puts an unchanged status again only every STATUS_REFRESH_MS, not at every tick (each put is history in etcd)', async () => {
    vi.useFakeTimers();
    const store = new StatusStore(P);
    const logs: string[] = [];
    const agent = agentOn(store, logs);
    const running = agent.run();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(logs.join('\n')).toMatch(/elected/);
    const afterStart = store.puts;
    expect(afterStart).toBeGreaterThanOrEqual(1);
    expect(parseNodeStatus(store.data.get(nodeKey(P, 'n1'))!)).toMatchObject({ node: 'n1', leader: true });
    // 60 ticks of the status timer, nothing changed: no put.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(store.puts).toBe(afterStart);
    await vi.advanceTimersByTimeAsync(STATUS_REFRESH_MS);
    expect(store.puts).toBeGreaterThan(afterStart);
    expect(store.puts).toBeLessThanOrEqual(afterStart + 2);
    agent.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await running;
  });

  it('after a failed put, tries again at every tick until the store answers, then reports it available', async () => {
    vi.useFakeTimers();
    const store = new StatusStore(P);
    store.down = true;
    const logs: string[] = [];
    const agent = agentOn(store, logs);
    const running = agent.run();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(logs[logs.length - 1]).toMatch(/^store unavailable: etcd unreachable/);
    const before = store.attempts;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(store.attempts - before).toBeGreaterThanOrEqual(4);
    expect(store.data.get(nodeKey(P, 'n1'))).toBeUndefined();
    store.down = false;
    const seen = logs.length;
    await vi.advanceTimersByTimeAsync(1_500);
    expect(parseNodeStatus(store.data.get(nodeKey(P, 'n1'))!)).toMatchObject({ node: 'n1' });
    expect(logs.slice(seen)).toContain('store available again');
    agent.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await running;
  });
});
