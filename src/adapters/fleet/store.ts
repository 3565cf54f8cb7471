/**
 * What the fleet needs from etcd, as an interface: the agent and the commands
 * use it, etcd-store.ts implements it with the etcd3 client (tests may use
 * another implementation). Values are strings (JSON); revisions are etcd's,
 * as decimal strings.
 */

/** This agent's leadership: the campaign's key in etcd and its create revision (publishing compares them). */
export interface Leadership {
  key: string;
  createRevision: string;
}

export interface Snapshot {
  /** NAME -> value, for every PREFIX/certs/NAME. */
  values: Map<string, string>;
  revision: string;
}

export interface WatchHandlers {
  put(name: string, value: string): void;
  delete(name: string): void;
  /** The watch is gone (compacted past its revision, cancelled by the server): read everything again. */
  lost(reason: string): void;
}

export interface Campaign {
  /** Resolves once elected; rejects when the campaign failed (lease lost, store unavailable). */
  elected: Promise<Leadership>;
  /** Called when leadership is lost after it was won (the lease expired or could not be kept alive). */
  onLost(fn: (reason: string) => void): void;
  resign(): Promise<void>;
}

export interface FleetStore {
  readCerts(): Promise<Snapshot>;
  /** Watch PREFIX/certs/ from `revision` (exclusive of what the snapshot had: pass snapshot.revision + 1). */
  watchCerts(fromRevision: string, handlers: WatchHandlers): Promise<() => Promise<void>>;
  get(key: string): Promise<string | null>;
  /** Put only when the key does not exist; false when it did. */
  create(key: string, value: string): Promise<boolean>;
  /** One transaction: succeeds only while `leader`'s campaign key still exists with its create revision. */
  putIfLeader(leader: Leadership, puts: Record<string, string>, deletes?: string[]): Promise<boolean>;
  /** Put `value` at `key` only when `key` holds `expected` (the same bytes). */
  putIfUnchanged(key: string, expected: string, value: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<Map<string, string>>;
  campaign(node: string, ttlSeconds: number): Campaign;
  /** The current leader's node name, or null when nobody leads. */
  leader(): Promise<string | null>;
  /** Put `key` with a lease of this store's session (kept alive; gone ttl seconds after this process is). */
  putWithSession(key: string, value: string, ttlSeconds: number): Promise<void>;
  close(): Promise<void>;
}
