/** An in-memory FleetStore for fast unit tests of the agent's logic (the real one is tested against etcd). */
import type { Campaign, FleetStore, Leadership, Snapshot, WatchHandlers } from '../../../../src/adapters/fleet/store.js';

export class MemoryStore implements FleetStore {
  readonly data = new Map<string, string>();
  revision = 1;
  /** The campaign keys that exist (a leadership whose key is gone cannot publish). */
  readonly leases = new Map<string, string>();

  constructor(private readonly prefix: string) {}

  async readCerts(): Promise<Snapshot> {
    const at = `${this.prefix}/certs/`;
    return { values: new Map([...this.data].filter(([k]) => k.startsWith(at)).map(([k, v]) => [k.slice(at.length), v])), revision: String(this.revision) };
  }
  async watchCerts(_from: string, _h: WatchHandlers): Promise<() => Promise<void>> {
    return async () => undefined;
  }
  async get(key: string) {
    return this.data.get(key) ?? null;
  }
  async create(key: string, value: string) {
    if (this.data.has(key)) return false;
    this.put(key, value);
    return true;
  }
  async putIfLeader(leader: Leadership, puts: Record<string, string>, deletes: string[] = []) {
    if (this.leases.get(leader.key) !== leader.createRevision) return false;
    for (const [k, v] of Object.entries(puts)) this.put(k, v);
    for (const k of deletes) this.data.delete(k);
    return true;
  }
  async putIfUnchanged(key: string, expected: string, value: string) {
    if (this.data.get(key) !== expected) return false;
    this.put(key, value);
    return true;
  }
  async delete(key: string) {
    this.data.delete(key);
  }
  async list(prefix: string) {
    return new Map([...this.data].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  }
  campaign(node: string): Campaign {
    const key = `${this.prefix}/election/leader/${node}`;
    const rev = String(++this.revision);
    this.leases.set(key, rev);
    return { elected: Promise.resolve({ key, createRevision: rev }), onLost: () => undefined, resign: async () => void this.leases.delete(key) };
  }
  async leader() {
    return null;
  }
  async putWithSession(key: string, value: string) {
    this.put(key, value);
  }
  async close() {}
  private put(key: string, value: string) {
    this.data.set(key, value);
    this.revision++;
  }
}
