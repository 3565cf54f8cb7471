/**
 * User and group names -> numeric ids for the `deploy` copies. Node has no
 * getpwnam/getgrnam, so the names are looked up in /etc/passwd and /etc/group
 * directly. Accounts that only exist in other NSS sources (LDAP, systemd-userdb)
 * are not found by name; a numeric id always works and is used as is.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type PathPart, RuntimeError, showValue } from '../../lib/errors.js';
import type { DeployCopy } from '../../model/types.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  /** Primary group. */
  gid: number;
}

export interface GroupEntry {
  name: string;
  gid: number;
}

export interface AccountFiles {
  /** Default: /etc/passwd. */
  passwdFile?: string;
  /** Default: /etc/group. */
  groupFile?: string;
}

/** The resolved owner of a copy. */
export interface Ids {
  uid: number;
  gid: number;
}

/** uid_t and gid_t are 32 bits; (uid_t)-1 means "unchanged" to chown, so it is not a valid id. */
const MAX_ID = 4294967294;

/** Parse passwd(5) lines. Comments, blank lines, NIS `+`/`-` lines and malformed lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    const [name, , uid, gid] = f;
    if (f.length < 4 || !name || /^[#+-]/.test(name) || !isId(uid) || !isId(gid)) continue;
    out.push({ name, uid: Number(uid), gid: Number(gid) });
  }
  return out;
}

/** Parse group(5) lines, with the same leniency as parsePasswd. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    const [name, , gid] = f;
    if (f.length < 3 || !name || /^[#+-]/.test(name) || !isId(gid)) continue;
    out.push({ name, gid: Number(gid) });
  }
  return out;
}

function isId(value: string | undefined): value is string {
  return value !== undefined && /^[0-9]{1,10}$/.test(value) && Number(value) <= MAX_ID;
}

/** The account databases, each read at most once, and only when a lookup needs it. */
export class AccountDb {
  readonly passwdFile: string;
  readonly groupFile: string;
  private users: PasswdEntry[] | undefined;
  private groups: GroupEntry[] | undefined;

  constructor(files: AccountFiles = {}) {
    this.passwdFile = files.passwdFile ?? '/etc/passwd';
    this.groupFile = files.groupFile ?? '/etc/group';
  }

  /** As getpwnam: the first entry with that name wins. */
  userByName(name: string): PasswdEntry | undefined {
    return this.loadUsers().find((u) => u.name === name);
  }

  userById(uid: number): PasswdEntry | undefined {
    return this.loadUsers().find((u) => u.uid === uid);
  }

  groupByName(name: string): GroupEntry | undefined {
    return this.loadGroups().find((g) => g.name === name);
  }

  groupById(gid: number): GroupEntry | undefined {
    return this.loadGroups().find((g) => g.gid === gid);
  }

  private loadUsers(): PasswdEntry[] {
    this.users ??= parsePasswd(readDb(this.passwdFile));
    return this.users;
  }

  private loadGroups(): GroupEntry[] {
    this.groups ??= parseGroup(readDb(this.groupFile));
    return this.groups;
  }
}

function readDb(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new RuntimeError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/**
 * The uid and gid a copy is written with. `owner` defaults to the current
 * (effective) user, `group` to the owner's primary group. All-digit values are
 * numeric ids (the config rules allow no names starting with a digit).
 *
 * `path` is the copy's place in the config (e.g. ['certificates', 0, 'deploy', 1]);
 * an unknown name throws a ConfigError whose message reads
 * `certificates[0].deploy[1].owner: no such user "wwwdata" in /etc/passwd`.
 */
export function resolveIds(copy: Pick<DeployCopy, 'owner' | 'group'>, path: readonly PathPart[], db: AccountDb): Ids {
  const fail = (key: 'owner' | 'group', message: string): never => {
    throw new ConfigError([{ path: [...path, key], message }]);
  };

  let uid: number;
  let primaryGid: number | undefined;
  if (copy.owner === null) {
    uid = currentUid();
    // The current user's primary group; if it has no passwd entry, the process's own group.
    primaryGid = db.userById(uid)?.gid ?? currentGid();
  } else if (/^[0-9]+$/.test(copy.owner)) {
    uid = Number(copy.owner);
    if (uid > MAX_ID) fail('owner', `${showValue(copy.owner)} is not a valid uid (at most ${MAX_ID})`);
    primaryGid = db.userById(uid)?.gid;
  } else {
    const user = db.userByName(copy.owner);
    if (!user) return fail('owner', `no such user ${showValue(copy.owner)} in ${db.passwdFile}`);
    uid = user.uid;
    primaryGid = user.gid;
  }

  let gid: number;
  if (copy.group === null) {
    if (primaryGid === undefined) {
      return fail('group', `is not set, and uid ${uid} has no entry in ${db.passwdFile} to take a primary group from: set group`);
    }
    gid = primaryGid;
  } else if (/^[0-9]+$/.test(copy.group)) {
    gid = Number(copy.group);
    if (gid > MAX_ID) fail('group', `${showValue(copy.group)} is not a valid gid (at most ${MAX_ID})`);
  } else {
    const group = db.groupByName(copy.group);
    if (!group) return fail('group', `no such group ${showValue(copy.group)} in ${db.groupFile}`);
    gid = group.gid;
  }
  return { uid, gid };
}

function currentUid(): number {
  return process.geteuid?.() ?? 0;
}

function currentGid(): number {
  return process.getegid?.() ?? 0;
}
