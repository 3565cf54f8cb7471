/**
 * Deploy copies against another local user: the real `nobody` account plants
 * links and renames entries (through runuser) in directories it owns, and the
 * deploy hook runs as root. A deploy directory is used only when no other user
 * can change the path that leads to it, and the copies are made through the
 * directory handle, so root's own files are never replaced.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployCopies } from '../../src/adapters/deploy/copy.js';
import { bins, repoRoot, runBin } from '../../lab/cli.js';
import { makeLineage } from '../../lab/lineage.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { findTool, isCI, isRoot } from '../../lab/tools.js';
import { certWith, copy, fakeLineage } from '../unit/adapters/deploy/helpers.js';

const NOBODY = 65534;
const DAY = 86_400_000;
const usable = isRoot() && findTool('runuser') !== null;
if (!usable) {
  if (isCI()) throw new Error('test/cli/deploy-other-users.test.ts needs root and runuser: in CI they must be there');
  process.stderr.write('\n!!! SKIPPING test/cli/deploy-other-users.test.ts: it needs root and runuser\n\n');
}

/** Run a command as the unprivileged user `nobody`. */
function asNobody(...argv: string[]): void {
  execFileSync('runuser', ['-u', 'nobody', '--', ...argv], { stdio: 'pipe' });
}

let root: string;
/** A directory only root can read, with root's own key and chain in it. */
let rootOnly: string;
beforeEach(async () => {
  root = await makeTempDir('cert-wrap-deploy-users-');
  rootOnly = join(root, 'root-only');
  mkdirSync(rootOnly, { mode: 0o700 });
  writeFileSync(join(rootOnly, 'fullchain.pem'), "root's chain\n", { mode: 0o600 });
  writeFileSync(join(rootOnly, 'privkey.pem'), "root's key\n", { mode: 0o600 });
});
afterEach(async () => {
  await removeTempDir(root);
});

function expectRootFilesIntact(): void {
  expect(readdirSync(rootOnly).sort()).toEqual(['fullchain.pem', 'privkey.pem']);
  for (const file of ['fullchain.pem', 'privkey.pem']) {
    const st = statSync(join(rootOnly, file));
    expect({ file, uid: st.uid, mode: st.mode & 0o7777 }).toEqual({ file, uid: 0, mode: 0o600 });
  }
  expect(readFileSync(join(rootOnly, 'privkey.pem'), 'utf8')).toBe("root's key\n");
  expect(readFileSync(join(rootOnly, 'fullchain.pem'), 'utf8')).toBe("root's chain\n");
}

/** A home directory owned by nobody, as /home/app is owned by app. */
function nobodysHome(): string {
  const home = join(root, 'home', 'app');
  mkdirSync(home, { recursive: true });
  chownSync(home, NOBODY, NOBODY);
  return home;
}

describe.skipIf(!usable)('deploy copies and another local user (nobody, through runuser)', () => {
  it("the owner of a home directory swaps tls for a link to root's directory: the deploy hook refuses, naming the component and its owner, and root's files stay as they were", async () => {
    const home = nobodysHome();
    asNobody('mkdir', join(home, 'tls'));
    const now = Date.now();
    const live = makeLineage(join(root, 'le'), { name: 'app', domains: ['app.example.org'], notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY) });
    const file = join(root, 'site.yaml');
    writeFileSync(
      file,
      [
        `webroot: ${root}`,
        `certbot: ${join(repoRoot, 'lab', 'fake-certbot.sh')}`,
        `config-dir: ${root}/le`,
        `certs-dir: ${root}/certs`,
        'nginx:',
        `  pid-file: ${root}/nginx.pid`,
        'certificates:',
        '  - name: app',
        '    domains: [app.example.org]',
        '    deploy:',
        `      - directory: ${home}/tls`,
        '        owner: nobody',
        '',
      ].join('\n'),
    );
    // the attack: done by nobody itself, in its own directory
    asNobody('rmdir', join(home, 'tls'));
    asNobody('ln', '-s', rootOnly, join(home, 'tls'));

    const r = await runBin(bins.certWrap, ['deploy-hook', '-c', file], { env: { RENEWED_LINEAGE: live } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      `deploy copy to ${home}/tls failed: certificates[0].deploy[0]: ${home} is owned by nobody (uid ${NOBODY}): another user could replace "tls" there with a link to a directory of their choosing`,
    );
    expectRootFilesIntact();
    expect(lstatSync(join(home, 'tls')).isSymbolicLink()).toBe(true);
  });

  it('a plain directory in a path another user owns is refused the same way, before anything is created', () => {
    const home = nobodysHome();
    const lineage = fakeLineage(join(root, 'le'));
    const [result] = deployCopies(certWith([copy(join(home, 'tls', 'sub'), { owner: 'nobody' })]), lineage);
    expect(result?.error).toBe(`certificates[0].deploy[0]: ${home} is owned by nobody (uid ${NOBODY}): another user could replace "tls" there with a link to a directory of their choosing`);
    expect(readdirSync(home)).toEqual([]);
  });

  it("the normal case: a directory under root's own path, owned by the copy's owner, gets nobody's copies; nobody cannot move it, and a link it plants inside is replaced, not followed", () => {
    const tls = join(root, 'etc', 'app', 'tls');
    mkdirSync(tls, { recursive: true });
    chownSync(tls, NOBODY, NOBODY);
    const lineage = fakeLineage(join(root, 'le'));
    const cert = certWith([copy(tls, { owner: 'nobody', mode: 0o600 })]);

    expect(deployCopies(cert, lineage)).toEqual([{ directory: tls, files: ['fullchain.pem', 'privkey.pem'], changed: true, error: null }]);
    for (const f of ['fullchain.pem', 'privkey.pem']) {
      const st = statSync(join(tls, f));
      expect({ f, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }).toEqual({ f, uid: NOBODY, gid: NOBODY, mode: 0o600 });
      expect(readFileSync(join(tls, f))).toEqual(readFileSync(join(lineage, f)));
    }

    // nobody owns tls but not its parent: it cannot put a link in tls's place
    expect(() => asNobody('mv', tls, join(root, 'etc', 'app', 'moved'))).toThrow();
    // inside its own directory it can plant links: the next copy replaces them
    asNobody('rm', join(tls, 'privkey.pem'));
    asNobody('ln', '-s', join(rootOnly, 'privkey.pem'), join(tls, 'privkey.pem'));
    expect(deployCopies(cert, lineage)[0]).toMatchObject({ changed: true, error: null });
    expect(lstatSync(join(tls, 'privkey.pem')).isFile()).toBe(true);
    expectRootFilesIntact();
  });
});

describe.skipIf(!isRoot())('which paths are accepted', () => {
  const lineageIn = (dir: string) => fakeLineage(join(dir, 'le'));

  it('a symlink in a path only root can change is followed, and its target walked the same way', () => {
    const real = join(root, 'real');
    mkdirSync(real);
    symlinkSync(real, join(root, 'link'));
    const [result] = deployCopies(certWith([copy(join(root, 'link', 'tls'))]), lineageIn(root));
    expect(result?.error).toBeNull();
    expect(readdirSync(join(real, 'tls')).sort()).toEqual(['fullchain.pem', 'privkey.pem']);
  });

  it('a directory writable by everyone (no sticky bit) is refused with its mode', () => {
    const open = join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const [result] = deployCopies(certWith([copy(join(open, 'tls'))]), lineageIn(root));
    expect(result?.error).toBe(`certificates[0].deploy[0]: ${open} is writable by every user (mode 0777): another user could replace "tls" there with a link to a directory of their choosing`);
    expect(readdirSync(open)).toEqual([]);
  });

  it("in a sticky directory (like /tmp), an entry owned by another user is refused; root's own is used", () => {
    const sticky = join(root, 'sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    const theirs = join(sticky, 'theirs');
    mkdirSync(theirs);
    chownSync(theirs, NOBODY, NOBODY);
    const lineage = lineageIn(root);
    const [refused] = deployCopies(certWith([copy(theirs)]), lineage);
    expect(refused?.error).toBe(
      `certificates[0].deploy[0]: ${theirs} is owned by nobody (uid ${NOBODY}) in ${sticky}, which others can write: that user could replace it with a link to a directory of their choosing`,
    );
    expect(readdirSync(theirs)).toEqual([]);
    const [ok] = deployCopies(certWith([copy(join(sticky, 'mine'))]), lineage);
    expect(ok?.error).toBeNull();
  });

  it('a symlink owned by another user in a sticky directory is not followed', () => {
    const sticky = join(root, 'sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    const link = join(sticky, 'tls');
    symlinkSync(rootOnly, link);
    execFileSync('chown', ['-h', `${NOBODY}:${NOBODY}`, link]);
    const [result] = deployCopies(certWith([copy(link)]), lineageIn(root));
    expect(result?.error).toContain(`${link} is owned by nobody (uid ${NOBODY}) in ${sticky}, which others can write`);
    expectRootFilesIntact();
  });
});
