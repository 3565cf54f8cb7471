// 6. Fleet (etcd): the space each certificate takes in etcd, one node installing
// a snapshot of N certificates from etcd (`cert-wrap agent`: full read, verify,
// install, nginx -t, one reload), and a new certificate reaching three nodes
// (publish -> the last node's reload). One private etcd member, one private
// nginx per node (no listening sockets: nothing but the reload is needed).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeConfig } from './configs.mjs';
import { startEtcd } from './etcd.mjs';
import { FLEET_PREFIX, fleetFormats, makeCertificates, makeFleetKey, publishAll, putAccount } from './fleet-seed.mjs';
import { median } from './measure.mjs';
import { findTool } from './procs.mjs';
import { hasExited, isAlive, startLogged, stopChild, waitFor } from './fleet-procs.mjs';
import { fmtMB } from './report.mjs';

const q = (v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const KIB = 1024;
const QUOTA = 2 * 1024 ** 3;
const REQUEST_MAX = 1.5 * 1024 ** 2;

/** A private nginx with no server: what an agent needs to test and reload. */
async function startQuietNginx(dir, track) {
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  const pidFile = path.join(dir, 'nginx.pid');
  const errorLog = path.join(dir, 'error.log');
  writeFileSync(conf, [
    'worker_processes 1;', `pid ${q(pidFile)};`, `error_log ${q(errorLog)} notice;`, 'events { worker_connections 64; }', 'http {',
    `    access_log ${q(path.join(dir, 'access.log'))};`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${q(path.join(tmp, t))};`),
    '}', '',
  ].join('\n'));
  const binary = findTool('nginx');
  let pid = 0;
  const readPid = () => {
    try {
      pid = Number(readFileSync(pidFile, 'utf8'));
    } catch {
      // not written yet
    }
    return pid;
  };
  // Registered before the launch, so a failure anywhere below still stops this nginx.
  track(async () => {
    if (readPid() <= 0 || !isAlive(pid)) return;
    process.kill(pid, 'SIGQUIT');
    if (!(await waitFor(() => !isAlive(pid), 5_000))) process.kill(pid, 'SIGKILL');
  });
  const start = startLogged(binary, ['-c', conf, '-p', `${dir}/`, '-e', errorLog], path.join(dir, 'start.log'));
  start.proc.ref(); // the launcher exits once nginx has daemonized: wait for it
  await start.exited;
  if (!(await waitFor(() => readPid() > 0 && isAlive(pid), 5_000))) throw new Error(`nginx did not start (${errorLog})`);
  return { conf, pidFile, errorLog, prefix: `${dir}/`, binary, reloads: () => (readFileSync(errorLog, 'utf8').match(/signal 1 \(SIGHUP\) received/g) ?? []).length };
}

/** BENCH_AGENT_CPU_PROF=DIR: each agent writes a V8 CPU profile into DIR when it stops (node --cpu-prof). */
function profileArgs() {
  const dir = process.env.BENCH_AGENT_CPU_PROF;
  return dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : [];
}

/** One node: its nginx, its config (these certificates, this prefix), an agent to start. */
async function makeNode(ctx, o) {
  const dir = path.join(o.dir, o.name);
  mkdirSync(dir, { recursive: true });
  const nginx = await startQuietNginx(path.join(dir, 'nginx'), o.track);
  const config = writeConfig(path.join(dir, 'site.yaml'), {
    certificates: o.certs.map((c) => ({ name: c.name, domains: c.domains })),
    settings: {
      webroot: path.join(dir, 'webroot'),
      'certs-dir': path.join(dir, 'certs'),
      'config-dir': path.join(dir, 'le', 'config'), 'work-dir': path.join(dir, 'le', 'work'), 'logs-dir': path.join(dir, 'le', 'logs'),
      nginx: { listen: ['127.0.0.1:80'], 'pid-file': nginx.pidFile, 'conf-file': nginx.conf, prefix: nginx.prefix, binary: nginx.binary },
      fleet: { etcd: { endpoints: [o.endpoint] }, prefix: o.prefix, node: o.name, 'key-file': o.keyFile, 'account-thumbprint': o.thumbprint, 'lease-ttl': 5 },
    },
  });
  const log = path.join(dir, 'agent.log');
  let agent = null;
  return {
    name: o.name, nginx, log,
    start() {
      agent = startLogged(ctx.node, [...profileArgs(), ctx.app.certWrap, 'agent', '-c', config], log);
      o.track(() => stopChild(agent));
      return agent;
    },
    /** Peak RSS of the running agent so far (VmHWM), in KB. */
    peakKB() {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'));
      return m ? Number(m[1]) : NaN;
    },
    running: () => agent !== null && !hasExited(agent),
    stop: () => (agent ? stopChild(agent) : Promise.resolve()),
    logTail: () => { try { return readFileSync(log, 'utf8').slice(-1500); } catch { return '(no log)'; } },
  };
}

/** What node `name` reports as installed (PREFIX/nodes/NAME, read as `status` reads it), as a count. */
async function installedCount(client, fmt, prefix, name) {
  const text = await client.get(`${prefix}/nodes/${name}`).string().catch(() => null);
  const status = text === null ? null : fmt.parseNodeStatus(text);
  return status === null ? 0 : Object.values(status.installed).filter((serial) => serial !== null).length;
}

export async function fleet(ctx, root, track) {
  const n = ctx.quick ? 200 : 10_000;
  const dir = path.join(ctx.tmp, 'fleet');
  mkdirSync(dir, { recursive: true });
  const fmt = await fleetFormats(root, dir);
  ctx.log(`fleet: signing ${n} certificates`);
  const certs = makeCertificates(path.join(dir, 'le'), n);
  const etcd = await startEtcd(path.join(dir, 'etcd'), track);
  const keyFile = path.join(dir, 'fleet.key');
  const key = makeFleetKey(keyFile);
  const thumbprint = await putAccount(etcd.client, fmt, key);
  const rows = [];

  const before = await etcd.client.maintenance.status();
  const bytes = await publishAll(etcd.client, fmt, key, certs);
  const after = await etcd.client.maintenance.status();
  const perCertDisk = (Number(after.dbSize) - Number(before.dbSize)) / n;
  const perCertKV = bytes / n;
  rows.push({
    id: '6', what: `etcd space per certificate (${n.toLocaleString('en-US')} published, P-256, 3 names)`,
    valueText: `${(perCertDisk / KIB).toFixed(2)} KiB on disk, ${(perCertKV / KIB).toFixed(2)} KiB key+value`,
    note: `2 GiB quota ≈ ${Math.floor(QUOTA / perCertDisk).toLocaleString('en-US')} certificates at one version each; one 1.5 MiB request holds ${Math.floor(REQUEST_MAX / perCertKV)}`,
  });

  // One node installing the whole snapshot.
  const one = await makeNode(ctx, { dir, name: 'snapshot', certs, endpoint: etcd.endpoint, prefix: FLEET_PREFIX, keyFile, thumbprint, track });
  const reloads0 = one.nginx.reloads();
  const t0 = performance.now();
  one.start();
  const done = await waitFor(async () => {
    // A dead agent or an unreadable store is a failure now, not after the timeout.
    if (!one.running() || /store unavailable/.test(one.logTail())) return true;
    return (await installedCount(etcd.client, fmt, FLEET_PREFIX, 'snapshot')) === n && one.nginx.reloads() > reloads0;
  }, ctx.quick ? 120_000 : 900_000, 100) && one.running() && !/store unavailable/.test(one.logTail());
  const installMs = performance.now() - t0;
  if (!done) throw new Error(`the agent did not install ${n} certificates (node status says ${await installedCount(etcd.client, fmt, FLEET_PREFIX, 'snapshot')}):\n${one.logTail()}`);
  const peak = one.peakKB();
  await one.stop();
  rows.push({ id: '6', what: `\`cert-wrap agent\` installing a snapshot of ${n.toLocaleString('en-US')} certificates from etcd (start to reload)`, n: 1, value: installMs, rss: peak, note: `peak memory ${fmtMB(peak)}` });

  rows.push(await propagation(ctx, { dir, fmt, key, keyFile, thumbprint, etcd, track }));
  await etcd.stop();
  return rows;
}

/** A new certificate reaching three nodes: from the put into etcd to the last node's nginx reload. */
async function propagation(ctx, o) {
  const prefix = `${FLEET_PREFIX}-3`;
  const certs = makeCertificates(path.join(o.dir, 'le-3'), 10, 'p');
  await putAccountAt(o, prefix);
  await publishAll(o.etcd.client, { ...o.fmt, certKey: (_p, name) => o.fmt.certKey(prefix, name) }, o.key, certs);
  const nodes = [];
  for (let i = 1; i <= 3; i++) nodes.push(await makeNode(ctx, { dir: o.dir, name: `node-${i}`, certs, endpoint: o.etcd.endpoint, prefix, keyFile: o.keyFile, thumbprint: o.thumbprint, track: o.track }));
  for (const nd of nodes) nd.start();
  const ready = await waitFor(async () => {
    for (const nd of nodes) if ((await installedCount(o.etcd.client, o.fmt, prefix, nd.name)) !== certs.length) return false;
    return true;
  }, 60_000, 100);
  if (!ready) throw new Error(`three agents did not install the first ${certs.length} certificates:\n${nodes.map((nd) => nd.logTail()).join('\n')}`);
  const rounds = ctx.quick ? 3 : 7;
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const [fresh] = makeCertificates(path.join(o.dir, `le-3-${r}`), 1, 'p');
    const reloads = nodes.map((nd) => nd.nginx.reloads());
    const t0 = performance.now();
    await o.etcd.client.put(o.fmt.certKey(prefix, fresh.name)).value(JSON.stringify(o.fmt.makeRecord(o.key, fresh.name, fresh, r + 2, 'bench', new Date()))).exec();
    const ok = await waitFor(() => nodes.every((nd, i) => nd.nginx.reloads() > reloads[i]), 30_000, 10);
    if (!ok) throw new Error(`round ${r}: not every node reloaded within 30 s:\n${nodes.map((nd) => nd.logTail()).join('\n')}`);
    times.push(performance.now() - t0);
  }
  await Promise.all(nodes.map((nd) => nd.stop()));
  return { id: '6', what: 'a new certificate reaching three nodes (put into etcd to the last nginx reload)', n: rounds, value: median(times) };
}

async function putAccountAt(o, prefix) {
  const record = await o.etcd.client.get(o.fmt.accountKey(FLEET_PREFIX)).string();
  await o.etcd.client.put(o.fmt.accountKey(prefix)).value(record).exec();
}
