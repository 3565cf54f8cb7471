// A guided, self-contained run of cert-wrap on this machine: a private Pebble
// (a test ACME CA) and a private nginx on loopback, the real gen-nginx,
// `cert-wrap bootstrap` and `cert-wrap obtain`, then the issued certificate
// served by nginx over HTTPS. Nothing outside a temp dir is touched, and
// everything started here is stopped again.
//
//   npm run demo            (as root: pebble's validator connects to port 80)
//   npm run demo -- --keep  keep the temp dir (config, logs, certificates) for a look
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { certbotDirs, type CertbotDirs } from '../lab/certbot.js';
import { startNginx, type RunningNginx } from '../lab/nginx.js';
import { assertPortFree, HTTP01_PORT, startPebble, type RunningPebble } from '../lab/pebble.js';
import { makeTempDir, removeTempDir } from '../lab/tmp.js';
import { findTool, isRoot } from '../lab/tools.js';

const TOOLS = ['nginx', 'certbot', 'pebble', 'pebble-challtestsrv', 'openssl'];
const DOMAINS = ['demo.test', 'www.demo.test'];
const CERT_NAME = 'demo';
const HTTPS_PORT = 443;
const GREETING = 'hello from demo.test, over https';

const useColor = process.stdout.isTTY && process.env.NO_COLOR === undefined;
const bold = (s: string): string => (useColor ? `\x1b[1m${s}\x1b[22m` : s);
const dim = (s: string): string => (useColor ? `\x1b[2m${s}\x1b[22m` : s);

let stepNo = 0;
function step(title: string, ...explain: string[]): void {
  stepNo += 1;
  process.stdout.write(`\n${bold(`== ${stepNo}. ${title}`)}\n`);
  for (const line of explain) process.stdout.write(`   ${line}\n`);
}
function info(line: string): void {
  process.stdout.write(`   ${line}\n`);
}

function usage(): string {
  return [
    'usage: npm run demo [-- --keep]',
    '',
    'Starts a private Pebble (test ACME CA) and nginx on 127.0.0.1, writes a small config,',
    'runs gen-nginx, `cert-wrap bootstrap` and `cert-wrap obtain` for demo.test +',
    'www.demo.test, fetches https://demo.test/ from that nginx, then stops everything',
    'and removes its temp dir.',
    '',
    '  --keep    keep the temp dir (config, nginx files, certbot logs, certificates)',
    '  --help    this text',
    '',
    'Needs root (ports 80 and 443 on 127.0.0.1) and: nginx certbot pebble pebble-challtestsrv openssl.',
  ].join('\n');
}

/** The repository root: up from `start` to the first package.json named cert-wrap. */
function findRepoRoot(start: string): string | null {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'cert-wrap') return dir;
      } catch {
        // not JSON: keep going up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Set once the demo is interrupted (Ctrl-C): the main flow then stops quietly. */
let interrupted = false;

/** The command running right now, so an interrupted demo can stop it before anything else. */
let running: { exited: Promise<number>; kill: (signal: NodeJS.Signals) => void } | undefined;

/**
 * Run `node bin/NAME.js ARGS` from the repository, its output streamed to ours
 * (indented, so it stands apart from the explanations). Resolves to the exit code.
 */
function runCommand(root: string, name: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const bin = path.join(root, 'bin', `${name}.js`);
  process.stdout.write(dim(`   $ ${name} ${args.join(' ')}\n`));
  const exited = new Promise<number>((resolve) => {
    // A process group of its own, so that stopping it reaches certbot under it too.
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const kill = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    running = { exited: Promise.resolve(0), kill };
    const relay = (from: NodeJS.ReadableStream, to: NodeJS.WriteStream): Promise<void> =>
      new Promise((done) => {
        let pending = '';
        from.setEncoding('utf8');
        from.on('data', (chunk: string) => {
          pending += chunk;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) to.write(`   | ${line}\n`);
        });
        from.on('end', () => {
          if (pending !== '') to.write(`   | ${pending}\n`);
          done();
        });
      });
    const streams = Promise.all([relay(child.stdout, process.stdout), relay(child.stderr, process.stderr)]);
    child.once('error', (err) => {
      process.stderr.write(`   cannot run ${bin}: ${err.message}\n`);
      resolve(127);
    });
    child.once('close', (code, signal) => {
      void streams.then(() => resolve(code ?? (signal !== null ? 128 : 1)));
    });
  });
  if (running !== undefined) running.exited = exited;
  void exited.then(() => {
    running = undefined;
  });
  return exited;
}

/** Stop the running command, if any: SIGTERM, then SIGKILL after 5 s. */
async function stopRunning(): Promise<void> {
  const current = running;
  if (current === undefined) return;
  current.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), 5_000);
  });
  if ((await Promise.race([current.exited, late])) === 'late') {
    current.kill('SIGKILL');
    await current.exited;
  }
  clearTimeout(timer);
}

function describeCert(pem: string): string[] {
  const cert = new X509Certificate(pem);
  const oneLine = (dn: string): string => dn.split('\n').filter((l) => l !== '').join(', ');
  return [
    `subject:   ${oneLine(cert.subject)}`,
    `SAN:       ${cert.subjectAltName ?? '(none)'}`,
    `not after: ${cert.validTo}`,
    `issuer:    ${oneLine(cert.issuer)}`,
  ];
}

/** GET https://NAME:PORT/ from 127.0.0.1 (SNI and Host NAME), trusting only `ca`: status, body and the served certificate's serial. */
function httpsFetch(name: string, port: number, ca: string): Promise<{ status: number; body: string; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: '127.0.0.1', port, servername: name, headers: { host: name }, path: '/', ca, agent: false, timeout: 5_000 },
      (res) => {
        const serial = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.serialNumber ?? '';
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, serial }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: GET https://${name}/`)));
    req.on('error', reject);
  });
}

/**
 * httpsFetch, again every 200 ms for up to 10 s until the issued certificate is
 * served: after the SIGHUP, nginx's old workers answer until the new ones are up.
 */
async function fetchAfterReload(name: string, port: number, ca: string, serial: string): ReturnType<typeof httpsFetch> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const result = await httpsFetch(name, port, ca);
      if (result.serial === serial || Date.now() > deadline) return result;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--keep');
  if (unknown.length > 0) {
    process.stderr.write(`demo: unknown argument ${unknown.join(' ')}\n${usage()}\n`);
    return 2;
  }
  const keep = args.includes('--keep');

  // 0. What the demo needs.
  const missingTools = TOOLS.filter((t) => findTool(t) === null);
  const needs: string[] = [];
  if (!isRoot()) needs.push('run as root (pebble validates http-01 challenges on port 80), e.g. `sudo npm run demo`');
  if (missingTools.length > 0) {
    const pkgs = ['nginx', 'certbot', 'pebble'];
    if (missingTools.includes('openssl')) pkgs.push('openssl');
    needs.push(`missing ${missingTools.join(', ')}: apt-get install -y ${pkgs.join(' ')}`);
  }
  if (needs.length > 0) {
    process.stderr.write(`demo: cannot run yet:\n${needs.map((n) => `  - ${n}`).join('\n')}\n`);
    return 2;
  }

  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = findRepoRoot(here) ?? findRepoRoot(process.cwd());
  if (root === null) {
    process.stderr.write(`demo: cannot find the cert-wrap repository above ${here} or ${process.cwd()}; run it from the repository (npm run demo)\n`);
    return 2;
  }
  for (const name of ['gen-nginx', 'cert-wrap']) {
    if (!existsSync(path.join(root, 'bin', `${name}.js`)) || !existsSync(path.join(root, 'dist', `${name}.cjs`))) {
      process.stderr.write(`demo: ${name} is not built in ${root}: run \`npm run build\` first\n`);
      return 2;
    }
  }
  try {
    await assertPortFree(HTTP01_PORT);
    await assertPortFree(HTTPS_PORT);
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message} (a system nginx? stop it for the demo: systemctl stop nginx)\n`);
    return 2;
  }

  const started = Date.now();
  let dir: string | undefined;
  let pebble: RunningPebble | undefined;
  let nginx: RunningNginx | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> => {
    cleaning ??= (async () => {
      await stopRunning();
      const results = await Promise.allSettled([nginx?.stop(), pebble?.stop()]);
      for (const r of results) {
        if (r.status === 'rejected') process.stderr.write(`demo: while stopping: ${String(r.reason)}\n`);
      }
      if (dir !== undefined && !keep) await removeTempDir(dir);
    })();
    return cleaning;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    process.stderr.write(`\ndemo: ${signal}, stopping what it started...\n`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let code = 1;
  try {
    dir = await makeTempDir('cert-wrap-demo-');
    const d = dir;
    process.stdout.write(`${bold('cert-wrap demo')}: a real certificate from a test CA, in ${d}\n`);

    step(
      'Start Pebble, a test ACME CA (what Let\'s Encrypt runs, in miniature)',
      'Pebble answers on https://127.0.0.1:14000/dir. Its DNS helper resolves every name to',
      '127.0.0.1, so demo.test "points" at this machine and Pebble validates it on port 80 here.',
    );
    pebble = await startPebble({ dir: d });
    info(`pebble is up (pids ${pebble.pids.join(', ')}); its own HTTPS uses a throwaway CA: ${pebble.caBundle}`);

    const webroot = path.join(d, 'webroot');
    await mkdir(webroot, { recursive: true });
    await chmod(webroot, 0o755);
    const dirs: CertbotDirs = certbotDirs(d);
    const configFile = path.join(d, 'demo.yaml');
    const generated = path.join(d, 'acme-servers.conf');
    const writeConfig = async (pidFile: string): Promise<void> => {
      const q = (s: string): string => JSON.stringify(s);
      await writeFile(
        configFile,
        [
          '# cert-wrap demo config: one certificate, validated through the webroot.',
          `webroot: ${q(webroot)}`,
          `server: ${q(pebble?.directoryUrl ?? '')}       # the ACME CA (Pebble here, Let's Encrypt by default)`,
          `config-dir: ${q(dirs.configDir)}`,
          `certs-dir: ${q(path.join(d, 'certs'))}          # stable paths for nginx: certs/NAME/{fullchain,privkey}.pem`,
          `work-dir: ${q(dirs.workDir)}`,
          `logs-dir: ${q(dirs.logsDir)}`,
          'certificates:',
          `  - name: ${CERT_NAME}`,
          `    domains: [${DOMAINS.join(', ')}]`,
          '    https:                     # also an HTTPS server, on the stable certificate paths',
          `      body: [${q(`location / { default_type text/plain; return 200 "${GREETING}"; }`)}]`,
          'nginx:',
          '  listen: ["127.0.0.1:80"]',
          `  https-listen: ["127.0.0.1:${HTTPS_PORT}"]`,
          `  pid-file: ${q(pidFile)}`,
          `  binary: ${q(findTool('nginx') ?? 'nginx')}`,
          '',
        ].join('\n'),
      );
    };

    step(
      'Write the config and generate the nginx servers with gen-nginx',
      'One YAML file drives both commands. gen-nginx turns it into a port-80 nginx server that',
      'serves /.well-known/acme-challenge/ from the webroot (where certbot puts its tokens) and',
      'an HTTPS server that reads the certificate from cert-wrap\'s stable paths.',
    );
    await writeConfig(path.join(d, 'run', 'nginx.pid'));
    info(`config: ${configFile}`);
    process.stdout.write(dim(readFileSync(configFile, 'utf8').replace(/^/gm, '   > ')) + '\n');
    if ((await runCommand(root, 'gen-nginx', ['--output', generated, configFile])) !== 0) {
      if (interrupted) return 130;
      process.stderr.write('demo: gen-nginx failed\n');
      return 1;
    }
    info(`wrote ${generated}:`);
    process.stdout.write(dim((await readFile(generated, 'utf8')).trimEnd().replace(/^/gm, '   > ')) + '\n');

    // Every cert-wrap command of the demo keeps its cache in the temp dir too.
    const env: NodeJS.ProcessEnv = { ...process.env, REQUESTS_CA_BUNDLE: pebble.caBundle, CERT_WRAP_CACHE_DIR: path.join(d, 'cache') };
    step(
      'Give the certificate its stable paths (cert-wrap bootstrap)',
      'nginx refuses to start while an HTTPS server names a missing certificate file. bootstrap',
      'creates certs/demo/{fullchain,privkey}.pem with a self-signed placeholder until certbot',
      'has issued the real one.',
    );
    if ((await runCommand(root, 'cert-wrap', ['bootstrap', '-c', configFile], env)) !== 0) {
      if (interrupted) return 130;
      process.stderr.write('demo: cert-wrap bootstrap failed\n');
      return 1;
    }

    step(
      'Start a private nginx that includes the generated file',
      'Its own config, pid file and logs live in the temp dir; the system nginx is not touched.',
      'A catch-all server answers 404 for any name the generated servers do not claim.',
    );
    const serversConf = path.join(d, 'servers.conf');
    await writeFile(
      serversConf,
      ['server {', '    listen 127.0.0.1:80 default_server;', '    return 404;', '}', `include ${JSON.stringify(generated)};`, ''].join('\n'),
    );
    nginx = await startNginx({ dir: d, serversConf });
    await writeConfig(nginx.pidFile);
    info(`nginx master pid ${nginx.pid}, config ${nginx.confPath}`);

    step(
      'What cert-wrap will run (obtain --print)',
      'For each certificate cert-wrap runs one `certbot certonly`, with a deploy hook that calls',
      'cert-wrap back. --print shows the commands without running anything.',
    );
    await runCommand(root, 'cert-wrap', ['obtain', '-c', configFile, '--print'], env);

    const resolve = DOMAINS.flatMap((name) => ['--resolve', `${name}:127.0.0.1`]);
    step(
      'Obtain the certificate (cert-wrap obtain)',
      'First the preflight: cert-wrap puts a probe file into the webroot and fetches it over http,',
      'as the CA will. demo.test is in no public DNS, so --resolve sends it to 127.0.0.1.',
      'Then certbot writes a token into the webroot, Pebble fetches it through nginx on port 80',
      'and issues the certificate; cert-wrap checks nginx (`nginx -t`) and reloads it once.',
      'certbot is told to trust Pebble through REQUESTS_CA_BUNDLE.',
    );
    const t0 = Date.now();
    const obtained = await runCommand(root, 'cert-wrap', ['obtain', '-c', configFile, ...resolve], env);
    if (interrupted) return 130;
    info(`cert-wrap obtain exited ${obtained} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const live = path.join(dirs.configDir, 'live', CERT_NAME);
    if (obtained !== 0 || !existsSync(path.join(live, 'cert.pem'))) {
      const log = await readFile(path.join(dirs.logsDir, 'letsencrypt.log'), 'utf8').catch(() => '(no log)');
      process.stderr.write(`demo: no certificate was issued. certbot's log (last lines):\n${log.split('\n').slice(-25).join('\n')}\n`);
      return 1;
    }

    step('The issued certificate', `${path.join(live, 'cert.pem')}:`);
    for (const line of describeCert(await readFile(path.join(live, 'cert.pem'), 'utf8'))) info(line);
    const access = await readFile(nginx.accessLog, 'utf8').catch(() => '');
    const tokens = access
      .split('\n')
      .map((l) => /"GET \/\.well-known\/acme-challenge\/([^ "]+) [^"]*" 200 /.exec(l)?.[1])
      .filter((t): t is string => t !== undefined);
    info(
      `nginx answered ${tokens.length} request(s) for ${new Set(tokens).size} file(s) under /.well-known/acme-challenge/:` +
        ' the preflight probe, then one token per name, which Pebble fetches several times, as Let\'s Encrypt does from several places.',
    );
    info(`(see ${nginx.accessLog})`);

    step(
      'nginx serves it over HTTPS',
      `GET https://${DOMAINS[0]}/ from 127.0.0.1:${HTTPS_PORT}, trusting only Pebble's root CA, as curl would:`,
    );
    const rootPem = path.join(d, 'pebble-root.pem');
    await writeFile(rootPem, await pebble.rootPem());
    info(dim(`$ curl --cacert ${rootPem} --resolve ${DOMAINS[0]}:${HTTPS_PORT}:127.0.0.1 https://${DOMAINS[0]}/`));
    const issued = new X509Certificate(await readFile(path.join(live, 'cert.pem'), 'utf8'));
    const served = await fetchAfterReload(DOMAINS[0]!, HTTPS_PORT, await readFile(rootPem, 'utf8'), issued.serialNumber);
    info(`HTTP ${served.status}: ${served.body}`);
    info(`served certificate serial ${served.serial}, live/${CERT_NAME}/cert.pem serial ${issued.serialNumber}`);
    if (served.status !== 200 || served.body !== GREETING || served.serial !== issued.serialNumber) {
      process.stderr.write('demo: nginx does not serve the issued certificate over HTTPS\n');
      return 1;
    }
    info('the certificate verifies against Pebble\'s root and is the one certbot saved.');

    step('Where everything is');
    info(`config:             ${configFile}`);
    info(`generated servers:  ${generated}`);
    info(`nginx:              ${nginx.confPath} (logs: ${path.dirname(nginx.errorLog)})`);
    info(`certificate:        ${live}/{fullchain,privkey,cert,chain}.pem`);
    info(`stable paths:       ${path.join(d, 'certs', CERT_NAME)}/{fullchain,privkey}.pem`);
    info(`certbot logs:       ${dirs.logsDir}/letsencrypt.log`);
    info(`pebble logs:        ${pebble.logs.pebble}`);
    info(
      keep
        ? `(kept: ${d}; nginx and Pebble are stopped, remove it with rm -rf ${d})`
        : '(all of it is removed now; run with --keep to look around afterwards)',
    );
    process.stdout.write('\nOn a real host: drop `server` (Let\'s Encrypt is the default), write the gen-nginx\n');
    process.stdout.write('output into /etc/nginx/conf.d/, run `cert-wrap obtain -c site.yaml` once, and install\n');
    process.stdout.write('what `cert-wrap schedule -c site.yaml --cron` (or --systemd) prints: it runs\n');
    process.stdout.write('`cert-wrap renew -c site.yaml` twice a day.\n');
    code = 0;
  } catch (err) {
    if (interrupted) return 130;
    process.stderr.write(`demo: ${(err as Error).message}\n`);
    code = 1;
  } finally {
    await cleanup();
    if (!interrupted) process.stdout.write(`\n${dim(`stopped nginx and Pebble; done in ${((Date.now() - started) / 1000).toFixed(1)} s`)}\n`);
  }
  return code;
}

process.exitCode = await main();
