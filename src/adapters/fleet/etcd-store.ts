/**
 * FleetStore on etcd v3, through the etcd3 client (consensus, leases,
 * elections, transactions and watches are etcd's; nothing here re-implements
 * them). Every non-stream call has a deadline, so a cluster without quorum
 * shows as StoreUnavailableError instead of a hang.
 */
import { Etcd3, Range, type IOptions } from 'etcd3';
import type { Fleet } from '../../model/types.js';
import { UsageError } from '../../lib/errors.js';
import { fsReason } from '../../lib/fs-reason.js';
import { readRegularFile } from '../../lib/read-regular.js';
import { rememberSecret } from '../../lib/secrets.js';
import { certsPrefix, ELECTION } from './layout.js';
import { type Campaign, type FleetStore, type Leadership, type Snapshot, type WatchHandlers } from './store.js';
import { StoreUnavailableError } from '../../lib/errors.js';

const CALL_DEADLINE_MS = 5000;

/**
 * Keys per range request when reading a prefix. The etcd client's gRPC reply
 * limit is 4 MiB. A certificate record is about 1.9 KB with an ECDSA key and a
 * short chain; a four-deep chain of 4096-bit RSA certificates with a sealed
 * 4096-bit key is about 13 KB, and a certificate with 100 long names takes
 * more: 32 KiB is the record size planned for, and 64 x 32 KiB = 2 MiB, half
 * the limit. Every prefix (certs, nodes, orders) is read this way.
 */
export const READ_PAGE_KEYS = 64;

export function openEtcdStore(fleet: Fleet, options: { pageKeys?: number } = {}): FleetStore {
  const client = new Etcd3(clientOptions(fleet));
  return new EtcdStore(client, fleet.prefix, options.pageKeys ?? READ_PAGE_KEYS);
}

/** The client's options: endpoints, TLS material and credentials read from their files (errors name the config path). */
export function clientOptions(fleet: Fleet): IOptions {
  const read = (path: string, at: string): Buffer => {
    try {
      return readRegularFile(path, { maxBytes: 1024 * 1024 });
    } catch (err) {
      throw new UsageError(`${at}: ${JSON.stringify(path)}: cannot read it: ${(err as { reason?: string }).reason ?? fsReason(err)}`);
    }
  };
  const opts: IOptions = {
    hosts: fleet.etcd.endpoints,
    dialTimeout: CALL_DEADLINE_MS,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS }),
  };
  if (fleet.etcd.ca !== null) {
    opts.credentials = {
      rootCertificate: read(fleet.etcd.ca, 'fleet.etcd.ca'),
      ...(fleet.etcd.cert !== null ? { certChain: read(fleet.etcd.cert, 'fleet.etcd.cert'), privateKey: read(fleet.etcd.key!, 'fleet.etcd.key') } : {}),
    };
  }
  if (fleet.etcd.username !== null && fleet.etcd.passwordFile !== null) {
    const password = read(fleet.etcd.passwordFile, 'fleet.etcd.password-file').toString('utf8').replace(/\r?\n$/, '');
    rememberSecret(password);
    opts.auth = { username: fleet.etcd.username, password };
  }
  return opts;
}

class EtcdStore implements FleetStore {
  private session: ReturnType<Etcd3['lease']> | null = null;

  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly pageKeys: number,
  ) {}

  async readCerts(): Promise<Snapshot> {
    return guard(() => this.readPrefix(certsPrefix(this.prefix)));
  }

  /**
   * Every key under `prefix`, in pages of `pageKeys` keys: the first page at
   * the current revision, every later one at that same revision, so the whole
   * read is one consistent snapshot and a watch from revision + 1 misses
   * nothing. When etcd compacts that revision between two pages the next page
   * fails ("required revision has been compacted") and guard turns it into
   * StoreUnavailableError, like any failed read: the installer reports it and
   * reads everything again shortly after, so there is no retry here.
   */
  private async readPrefix(prefix: string): Promise<Snapshot> {
    const all = Range.prefix(prefix);
    const values = new Map<string, string>();
    let start = all.start;
    let revision: string | null = null;
    for (;;) {
      const page = this.client.getAll().inRange(new Range(start, all.end)).limit(this.pageKeys);
      const res = await (revision === null ? page : page.revision(revision)).exec();
      revision ??= String(res.header.revision);
      for (const kv of res.kvs) values.set(kv.key.toString().slice(prefix.length), kv.value.toString());
      const last = res.kvs[res.kvs.length - 1];
      if (!res.more || last === undefined) return { values, revision };
      start = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }

  async watchCerts(fromRevision: string, handlers: WatchHandlers): Promise<() => Promise<void>> {
    const at = certsPrefix(this.prefix);
    const watcher = await guard(() => this.client.watch().prefix(at).startRevision(fromRevision).create());
    watcher.on('put', (kv) => handlers.put(kv.key.toString().slice(at.length), kv.value.toString()));
    watcher.on('delete', (kv) => handlers.delete(kv.key.toString().slice(at.length)));
    watcher.on('error', (err) => handlers.lost(err.message));
    return async () => {
      await watcher.cancel().catch(() => undefined);
    };
  }

  async get(key: string): Promise<string | null> {
    return guard(() => this.client.get(key).string());
  }

  async create(key: string, value: string): Promise<boolean> {
    return guard(async () => (await this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(value)).commit()).succeeded);
  }

  async putIfLeader(leader: Leadership, puts: Record<string, string>, deletes: string[] = []): Promise<boolean> {
    return guard(async () => {
      const ops = [...Object.entries(puts).map(([k, v]) => this.client.put(k).value(v)), ...deletes.map((k) => this.client.delete().key(k))];
      const res = await this.client.if(leader.key, 'Create', '==', leader.createRevision).then(...ops).commit();
      return res.succeeded;
    });
  }

  async putIfUnchanged(key: string, expected: string, value: string): Promise<boolean> {
    return guard(async () => (await this.client.if(key, 'Value', '==', expected).then(this.client.put(key).value(value)).commit()).succeeded);
  }

  async delete(key: string): Promise<void> {
    await guard(() => this.client.delete().key(key).exec());
  }

  async list(prefix: string): Promise<Map<string, string>> {
    return guard(async () => (await this.readPrefix(prefix)).values);
  }

  campaign(node: string, ttlSeconds: number): Campaign {
    const campaign = this.client.namespace(`${this.prefix}/`).election(ELECTION, ttlSeconds).campaign(node);
    const lost: ((reason: string) => void)[] = [];
    let won = false;
    const elected = new Promise<Leadership>((resolve, reject) => {
      campaign.on('elected', () => {
        void (async () => {
          try {
            const key = await campaign.getCampaignKey();
            const kv = (await this.client.get(key).exec()).kvs[0];
            if (!kv) throw new Error('the campaign key is gone');
            won = true;
            resolve({ key, createRevision: String(kv.create_revision) });
          } catch (err) {
            reject(unavailable(err));
          }
        })();
      });
      campaign.on('error', (err) => {
        if (won) for (const fn of lost) fn(err.message);
        else reject(unavailable(err));
      });
    });
    elected.catch(() => undefined);
    return {
      elected,
      onLost: (fn) => lost.push(fn),
      resign: () => campaign.resign().catch(() => undefined),
    };
  }

  async leader(): Promise<string | null> {
    return guard(async () => (await this.client.namespace(`${this.prefix}/`).election(ELECTION).leader()) ?? null);
  }

  async putWithSession(key: string, value: string, ttlSeconds: number): Promise<void> {
    await guard(async () => {
      if (this.session === null) {
        const lease = this.client.lease(ttlSeconds, { autoKeepAlive: true });
        lease.on('lost', () => {
          if (this.session === lease) this.session = null;
        });
        lease.on('keepaliveFailed', () => undefined);
        this.session = lease;
      }
      try {
        await this.session.put(key).value(value).exec();
      } catch (err) {
        this.session = null;
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.revoke().catch(() => undefined);
    this.client.close();
  }
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw unavailable(err);
  }
}

function unavailable(err: unknown): Error {
  if (err instanceof StoreUnavailableError || err instanceof UsageError) return err;
  const message = (err as Error)?.message ?? String(err);
  return new StoreUnavailableError(`the fleet store (etcd) is unavailable: ${message.split('\n')[0]}`);
}
