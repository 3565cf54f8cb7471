import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountDb, parseGroup, parsePasswd, resolveIds } from '../../../../src/adapters/deploy/accounts.js';
import { ConfigError } from '../../../../src/lib/errors.js';
import { makeTempDir, removeTempDir } from '../../../../lab/tmp.js';

const PASSWD = [
  '# comment',
  'root:x:0:0:root:/root:/bin/bash',
  '',
  'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
  'broken:x:notanumber:1::/:/bin/false',
  'short:x:5',
  '+nisuser::::::',
  'www-data:x:999:999:duplicate, ignored::',
  'svc:x:1500:1600::/:/bin/false',
].join('\n');
const GROUP = ['root:x:0:', 'www-data:x:33:', 'ssl-cert:x:110:postgres', '-nis::', 'bad:x:'].join('\n');

let dir: string;
let db: AccountDb;
beforeEach(async () => {
  dir = await makeTempDir('cert-wrap-accounts-');
  writeFileSync(join(dir, 'passwd'), PASSWD);
  writeFileSync(join(dir, 'group'), GROUP);
  db = new AccountDb({ passwdFile: join(dir, 'passwd'), groupFile: join(dir, 'group') });
});
afterEach(async () => {
  await removeTempDir(dir);
});

const at = ['certificates', 0, 'deploy', 1];

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('did not throw');
}

describe('parsePasswd / parseGroup', () => {
  it('skip comments, NIS lines and malformed lines', () => {
    expect(parsePasswd(PASSWD).map((u) => u.name)).toEqual(['root', 'www-data', 'www-data', 'svc']);
    expect(parseGroup(GROUP)).toEqual([
      { name: 'root', gid: 0 },
      { name: 'www-data', gid: 33 },
      { name: 'ssl-cert', gid: 110 },
    ]);
  });
});

describe('resolveIds', () => {
  it('resolves names, the first passwd entry winning', () => {
    expect(resolveIds({ owner: 'www-data', group: 'ssl-cert' }, at, db)).toEqual({ uid: 33, gid: 110 });
  });

  it("defaults the group to the owner's primary group", () => {
    expect(resolveIds({ owner: 'svc', group: null }, at, db)).toEqual({ uid: 1500, gid: 1600 });
    expect(resolveIds({ owner: '1500', group: null }, at, db)).toEqual({ uid: 1500, gid: 1600 });
  });

  it('defaults the owner to the current user', () => {
    const uid = process.geteuid!();
    const ids = resolveIds({ owner: null, group: 'ssl-cert' }, at, db);
    expect(ids).toEqual({ uid, gid: 110 });
  });

  it('takes numeric ids as they are, listed or not', () => {
    expect(resolveIds({ owner: '4000', group: '4001' }, at, db)).toEqual({ uid: 4000, gid: 4001 });
    expect(resolveIds({ owner: 'root', group: '4294967294' }, at, db)).toEqual({ uid: 0, gid: 4294967294 });
  });

  it('names the config path of an unknown user or group', () => {
    expect(errorOf(() => resolveIds({ owner: 'wwwdata', group: null }, at, db))).toBe(
      `certificates[0].deploy[1].owner: no such user "wwwdata" in ${join(dir, 'passwd')}`,
    );
    expect(errorOf(() => resolveIds({ owner: 'root', group: 'wheel' }, at, db))).toBe(
      `certificates[0].deploy[1].group: no such group "wheel" in ${join(dir, 'group')}`,
    );
    // Malformed and NIS lines are not accounts.
    expect(errorOf(() => resolveIds({ owner: 'broken', group: null }, at, db))).toContain('no such user "broken"');
    expect(errorOf(() => resolveIds({ owner: '+nisuser', group: null }, at, db))).toContain('no such user');
  });

  it('asks for a group when a numeric owner has no passwd entry', () => {
    expect(errorOf(() => resolveIds({ owner: '4000', group: null }, at, db))).toBe(
      `certificates[0].deploy[1].group: is not set, and uid 4000 has no entry in ${join(dir, 'passwd')} to take a primary group from: set group`,
    );
  });

  it('rejects ids outside uid_t / gid_t (4294967295 means "unchanged" to chown)', () => {
    expect(errorOf(() => resolveIds({ owner: '4294967295', group: '0' }, at, db))).toContain('owner: "4294967295" is not a valid uid');
    expect(errorOf(() => resolveIds({ owner: '0', group: '9999999999' }, at, db))).toContain('group: "9999999999" is not a valid gid');
  });

  it('treats a missing database as empty, and reads nothing it does not need', () => {
    const none = new AccountDb({ passwdFile: join(dir, 'nope'), groupFile: join(dir, 'nope') });
    expect(resolveIds({ owner: '1', group: '2' }, at, none)).toEqual({ uid: 1, gid: 2 });
    expect(errorOf(() => resolveIds({ owner: 'root', group: '0' }, at, none))).toContain('no such user "root"');
  });

  it('resolves the real nobody / nogroup from /etc', () => {
    expect(resolveIds({ owner: 'nobody', group: 'nogroup' }, at, new AccountDb())).toEqual({ uid: 65534, gid: 65534 });
  });
});
