/**
 * The fleet test lab on one machine: a 3-member etcd cluster, three nginx nodes on
 * labIp(2..4) (ports 80 and 443, each its own prefix, pid file, certs-dir and logs),
 * a round-robin balancer nginx on LAB_IP:80, Pebble + challtestsrv (every name ->
 * LAB_IP, so the CA validates through the balancer), one cert-wrap config per node
 * and its `cert-wrap agent`. stop() stops exactly what was started, in reverse order.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { stringify as toYaml } from 'yaml';
import { certbotDirs, type CertbotDirs } from './certbot.js';
import { bins, runBin, type CliResult } from './cli.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';
import { LAB_IP, labIp } from './loopback.js';
import { startNginx, type RunningNginx } from './nginx.js';
import { assertPortFree, hasExited, spawnLogged, startPebble, stopChild, type Child, type RunningPebble } from './pebble.js';
import { makeTempDir, removeTempDir } from './tmp.js';
import { findTool } from './tools.js';

export const FLEET_PREFIX = '/cert-wrap/lab';
export const BALANCER_IP = LAB_IP;

export interface LabCert {
  name: string;
  domains: string[];
}

export interface AgentProcess {
  pid: number | undefined;
  running(): boolean;
  /** Exit code once it has exited (null while running or when killed by a signal). */
  exitCode(): number | null;
  /** SIGTERM (SIGCONT first), wait, SIGKILL after 5 s. */
  stop(): Promise<void>;
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
  hup(): void;
}

export interface FleetNode {
  name: string;
  ip: string;
  dir: string;
  certsDir: string;
  certbot: CertbotDirs;
  configPath: string;
  /** The file gen-nginx writes and the node's nginx includes. */
  generatedConf: string;
  /** The node's nginx (replaced by startNginx after stopNginx). */
  nginx: RunningNginx;
  nginxRunning: boolean;
  /** Stop the node's nginx (the node is down for the balancer: connections refused). */
  stopNginx(): Promise<void>;
  /** Start it again from the same prefix, config and logs. */
  startNginx(): Promise<void>;
  /** stdout+stderr of every agent run on this node, appended. */
  agentLog: string;
  agent: AgentProcess | undefined;
  startAgent(): AgentProcess;
  agentLogText(): Promise<string>;
  /** Run cert-wrap with this node's config appended (`-c CONFIG`) and REQUESTS_CA_BUNDLE set. */
  certWrap(args: string[]): Promise<CliResult>;
}

export interface FleetLab {
  dir: string;
  etcd: EtcdCluster;
  pebble: RunningPebble;
  balancer: RunningNginx;
  nodes: FleetNode[];
  keyFile: string;
  /** The certificates of the configs last written. */
  certificates: LabCert[];
  /**
   * Write every node's config (with `fleet` unless fleet is false; `certificates` replaces the list),
   * and once the thumbprint is known run gen-nginx + bootstrap for it and reload its nginx (when running).
   */
  configure(o: { fleet?: boolean; thumbprint?: string; certificates?: LabCert[] }): Promise<void>;
  /** `fleet init` on the first node: the thumbprint it printed. */
  fleetInit(): Promise<string>;
  stop(): Promise<void>;
}

export interface StartLabOptions {
  certificates: LabCert[];
  nodes?: number;
  /** fleet.lease-ttl in seconds (default 3). */
  leaseTtl?: number;
  /** fleet.order-grace in seconds (default 20). */
  orderGrace?: number;
}

const NODE_IPS = [labIp(2), labIp(3), labIp(4)];

function q(v: string): string {
  return JSON.stringify(v);
}

/** The balancer: round robin over the nodes' port 80, Host preserved. */
export function balancerConf(ips: string[]): string {
  return [
    'upstream fleet_nodes {',
    ...ips.map((ip) => `    server ${ip}:80;`),
    '}',
    'server {',
    `    listen ${BALANCER_IP}:80 default_server;`,
    '    location / {',
    '        proxy_pass http://fleet_nodes;',
    '        proxy_set_header Host $host;',
    '        proxy_connect_timeout 1s;',
    '    }',
    '}',
    '',
  ].join('\n');
}

/** A node's servers file: a catch-all 404 on its own address, then what gen-nginx wrote. */
export function nodeServersConf(ip: string, generatedConf: string): string {
  return [
    'server {',
    `    listen ${ip}:80 default_server;`,
    '    return 404;',
    '}',
    `include ${q(generatedConf)};`,
    '',
  ].join('\n');
}

function startAgentProcess(node: { configPath: string; agentLog: string }, env: NodeJS.ProcessEnv): AgentProcess {
  const child: Child = spawnLogged([process.execPath, [bins.certWrap, 'agent', '-c', node.configPath]], node.agentLog, env);
  const signal = (sig: NodeJS.Signals): void => {
    if (!hasExited(child)) child.proc.kill(sig);
  };
  return {
    pid: child.pid,
    running: () => !hasExited(child),
    exitCode: () => child.proc.exitCode,
    stop: async () => {
      signal('SIGCONT');
      await stopChild(child);
    },
    kill: async () => {
      signal('SIGKILL');
      await child.exited;
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    hup: () => signal('SIGHUP'),
  };
}

/** Start the whole lab. On any failure, stops what it had started and removes its dir. */
export async function startFleetLab(opts: StartLabOptions): Promise<FleetLab> {
  const dir = await makeTempDir('cert-wrap-fleet-');
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const s of stops.splice(0).reverse()) await s().catch((e: unknown) => errors.push(e));
    await removeTempDir(dir);
    if (errors.length > 0) throw errors[0];
  };
  try {
    const ips = NODE_IPS.slice(0, opts.nodes ?? 3);
    for (const ip of ips) for (const port of [80, 443]) await assertPortFree(port, ip);
    const nginxBinary = findTool('nginx') ?? 'nginx';

    const pebble = await startPebble({ dir: path.join(dir, 'pebble') });
    stops.push(() => pebble.stop());
    const etcd = await startEtcdCluster({ dir: path.join(dir, 'etcd') });
    stops.push(() => etcd.stop());

    const keyFile = path.join(dir, 'fleet.key');
    const key = await execa('openssl', ['rand', '-base64', '32']);
    await writeFile(keyFile, `${key.stdout.trim()}\n`, { mode: 0o600 });

    const env = { ...process.env, REQUESTS_CA_BUNDLE: pebble.caBundle };
    const nodes: FleetNode[] = [];
    for (const [i, ip] of ips.entries()) {
      const name = `node-${i + 1}`;
      const ndir = path.join(dir, name);
      const generatedConf = path.join(ndir, 'generated.conf');
      const serversConf = path.join(ndir, 'servers.conf');
      await mkdir(ndir, { recursive: true });
      await chmod(ndir, 0o755);
      await writeFile(generatedConf, '');
      await writeFile(serversConf, nodeServersConf(ip, generatedConf));
      const nginx = await startNginx({ dir: ndir, serversConf });
      stops.push(() => node.nginx.stop());
      const node: FleetNode = {
        name,
        ip,
        dir: ndir,
        certsDir: path.join(ndir, 'certs'),
        certbot: certbotDirs(ndir),
        configPath: path.join(ndir, 'site.yaml'),
        generatedConf,
        nginx,
        nginxRunning: true,
        stopNginx: async () => {
          await node.nginx.stop();
          node.nginxRunning = false;
        },
        startNginx: async () => {
          node.nginx = await startNginx({ dir: ndir, serversConf });
          node.nginxRunning = true;
        },
        agentLog: path.join(ndir, 'logs', 'agent.log'),
        agent: undefined,
        startAgent: () => {
          if (node.agent?.running() === true) throw new Error(`${name}: an agent is already running`);
          const agent = startAgentProcess(node, env);
          node.agent = agent;
          stops.push(() => agent.stop());
          return agent;
        },
        agentLogText: () => readFile(node.agentLog, 'utf8').catch(() => ''),
        certWrap: (args) => runBin(bins.certWrap, [...args, '-c', node.configPath], { env: { REQUESTS_CA_BUNDLE: pebble.caBundle } }),
      };
      nodes.push(node);
    }

    const balancerDir = path.join(dir, 'balancer');
    await mkdir(balancerDir, { recursive: true });
    const balancerServers = path.join(balancerDir, 'servers.conf');
    await writeFile(balancerServers, balancerConf(ips));
    const balancer = await startNginx({ dir: balancerDir, serversConf: balancerServers });
    stops.push(() => balancer.stop());

    let lab: FleetLab;
    const configObject = (node: FleetNode, o: { fleet?: boolean; thumbprint?: string }): Record<string, unknown> => ({
      server: pebble.directoryUrl,
      webroot: path.join(node.dir, 'webroot'),
      'certs-dir': node.certsDir,
      'config-dir': node.certbot.configDir,
      'work-dir': node.certbot.workDir,
      'logs-dir': node.certbot.logsDir,
      certificates: lab.certificates.map((c) => ({ name: c.name, domains: c.domains, https: true })),
      nginx: {
        listen: [`${node.ip}:80`],
        'https-listen': [`${node.ip}:443`],
        'pid-file': node.nginx.pidFile,
        'conf-file': node.nginx.confPath,
        prefix: node.nginx.prefix,
        binary: nginxBinary,
      },
      ...(o.fleet === false
        ? {}
        : {
            fleet: {
              etcd: { endpoints: etcd.endpoints },
              prefix: FLEET_PREFIX,
              node: node.name,
              'key-file': keyFile,
              'lease-ttl': opts.leaseTtl ?? 3,
              'order-grace': opts.orderGrace ?? 20,
              ...(o.thumbprint !== undefined ? { 'account-thumbprint': o.thumbprint } : {}),
            },
          }),
    });

    const must = (what: string, r: CliResult): void => {
      if (r.exitCode !== 0) throw new Error(`${what} exited ${r.exitCode}:\n${r.stderr}${r.stdout}`);
    };
    lab = {
      dir,
      etcd,
      pebble,
      balancer,
      nodes,
      keyFile,
      certificates: opts.certificates,
      configure: async (o) => {
        if (o.certificates !== undefined) lab.certificates = o.certificates;
        for (const node of nodes) {
          await writeFile(node.configPath, toYaml(configObject(node, o)));
          if (o.fleet === false || o.thumbprint !== undefined) {
            must(`${node.name}: gen-nginx`, await runBin(bins.genNginx, ['--output', node.generatedConf, node.configPath]));
            must(`${node.name}: bootstrap`, await node.certWrap(['bootstrap']));
            if (node.nginxRunning) await node.nginx.reload();
          }
        }
      },
      fleetInit: async () => {
        const first = nodes[0];
        if (first === undefined) throw new Error('the lab has no node');
        const r = await first.certWrap(['fleet', 'init']);
        must('cert-wrap fleet init', r);
        return r.stdout.trim();
      },
      stop,
    };
    return lab;
  } catch (err) {
    await stop();
    throw err;
  }
}
