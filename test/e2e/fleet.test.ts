/**
 * Fleet mode with real processes (issue 12's six faults): a 3-member etcd cluster, three
 * nginx nodes on labIp(2..4) each with its own `cert-wrap agent`, a round-robin balancer
 * on LAB_IP:80, Pebble. One lab for the whole file; each scenario adds its own
 * certificate to every node's config (then SIGHUP), as an operator would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, pebbleIssued, pebbleValidations, reloadCount, servedSerial } from '../../lab/fleet-evidence.js';
import { FLEET_PREFIX, startFleetLab, type FleetLab, type FleetNode, type LabCert } from '../../lab/fleet-lab.js';
import {
  currentLeader, etcdOf, logMarks, normSerial, published, publishedRaw, setCertificates, waitForLog, waitPublished, waitServedEverywhere,
} from '../../lab/fleet-steps.js';
import { isProcessAlive, requireFleetEnv, waitFor } from '../../lab/tools.js';

const { ok } = requireFleetEnv();
const TTL = 3;
/** Bound of every wait for an issuance to reach all nodes: certbot takes ~2.5 s against Pebble. */
const ISSUE_MS = 40_000;

const cert = (name: string): LabCert => ({ name, domains: [`${name}.fleet.test`, `www.${name}.fleet.test`] });
const host = (name: string): string => `${name}.fleet.test`;
/** A figure for FLEET.md, on stderr. */
const figure = (text: string): void => void process.stderr.write(`fleet figure: ${text}\n`);

describe.skipIf(!ok)('fleet mode: three agents, etcd, nginx and Pebble', () => {
  let lab: FleetLab | undefined;
  let thumbprint = '';
  const pids = new Set<number>();
  const certs: LabCert[] = [cert('one')];
  const need = (): FleetLab => {
    if (lab === undefined) throw new Error('beforeAll did not finish');
    return lab;
  };
  const node = (i: number): FleetNode => {
    const n = need().nodes[i];
    if (n === undefined) throw new Error(`no node ${i}`);
    return n;
  };
  const startAgent = (n: FleetNode): void => {
    const a = n.startAgent();
    if (a.pid !== undefined) pids.add(a.pid);
  };
  const addCert = async (name: string): Promise<void> => {
    certs.push(cert(name));
    await setCertificates(need(), thumbprint, [...certs]);
  };
  const agentLogs = async (): Promise<string> =>
    (await Promise.all(need().nodes.map(async (n) => `--- ${n.name}:\n${(await n.agentLogText()).slice(-2500)}`))).join('\n');

  beforeAll(async () => {
    lab = await startFleetLab({ certificates: certs, leaseTtl: TTL });
    for (const p of [...lab.pebble.pids, lab.balancer.pid, ...lab.nodes.map((n) => n.nginx.pid)]) pids.add(p);
    for (const m of lab.etcd.members) pids.add(m.pid() ?? 0);
    await lab.configure({ certificates: certs });
    thumbprint = await lab.fleetInit();
    expect(thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await lab.configure({ thumbprint });
  });

  afterAll(async () => {
    for (const n of lab?.nodes ?? []) if (n.nginxRunning) pids.add(n.nginx.pid);
    await lab?.stop();
    const alive = [...pids].filter((p) => p > 0 && isProcessAlive(p));
    expect(alive, `processes still alive after stop(): ${alive.join(' ')}`).toEqual([]);
  });

  it('1. a new certificate: validated through the balancer on >= 2 nodes, same serial on all three 443s, one reload per node', async () => {
    const l = need();
    const reloadsBefore = await Promise.all(l.nodes.map((n) => reloadCount(n.nginx.errorLog)));
    const issuedBefore = (await pebbleIssued(l.pebble.logs.pebble)).length;
    const t0 = Date.now();
    for (const n of l.nodes) startAgent(n);
    const rec = await waitPublished(l, 'one', ISSUE_MS);
    const tPublished = Date.now();
    const seen = await waitServedEverywhere(l.nodes, host('one'), rec.serial, ISSUE_MS);
    figure(`1: agents started -> published ${tPublished - t0} ms -> served by all three ${Date.now() - t0} ms`);
    expect(seen, await agentLogs()).toEqual(l.nodes.map(() => normSerial(rec.serial)));
    const validations = await Promise.all(l.nodes.map((n) => pebbleValidations(n.nginx.accessLog)));
    figure(`1: Pebble validation requests per node ${validations.join('/')}`);
    expect(validations.filter((v) => v > 0).length, `Pebble validations per node: ${validations.join('/')}`).toBeGreaterThanOrEqual(2);
    expect((await pebbleIssued(l.pebble.logs.pebble)).length).toBe(issuedBefore + 1);
    // Let a late second reload show itself before counting.
    await waitFor(() => false, 1_000);
    const reloads = await Promise.all(l.nodes.map((n) => reloadCount(n.nginx.errorLog)));
    expect(reloads.map((r, i) => r - (reloadsBefore[i] ?? 0))).toEqual([1, 1, 1]);
  });

  it('2. the leader SIGKILLed during an issuance: another leads within the TTL, the certificate is served everywhere, issued once', async () => {
    const l = need();
    const leader = await currentLeader(l, 10_000);
    const issuedBefore = (await pebbleIssued(l.pebble.logs.pebble)).length;
    const marks = await logMarks(l);
    await addCert('two');
    await waitForLog(leader, /ordering two\b/, 15_000, marks.get(leader.name));
    const killedAt = Date.now();
    await leader.agent?.kill();
    const others = l.nodes.filter((n) => n !== leader);
    const next = await currentLeader({ ...l, nodes: others }, 4 * TTL * 1000);
    const tookMs = Date.now() - killedAt;
    figure(`2: ${next.name} leads ${tookMs} ms after ${leader.name} was SIGKILLed (lease TTL ${TTL} s)`);
    const rec = await waitPublished(l, 'two', ISSUE_MS);
    figure(`2: "two" published ${Date.now() - killedAt} ms after the kill; ${next.name}'s log: ${logLines(await next.agentLogText(), /two/).join(' | ').slice(0, 600)}`);
    const seen = await waitServedEverywhere(others, host('two'), rec.serial, ISSUE_MS);
    expect(seen, await agentLogs()).toEqual(others.map(() => normSerial(rec.serial)));
    // The killed node's agent comes back and catches up.
    startAgent(leader);
    expect(await waitServedEverywhere([leader], host('two'), rec.serial, ISSUE_MS)).toEqual([normSerial(rec.serial)]);
    const issued = (await pebbleIssued(l.pebble.logs.pebble)).slice(issuedBefore);
    expect(issued.map(normSerial), 'Pebble issued exactly one certificate for "two"').toEqual([normSerial(rec.serial)]);
  });

  it('3. one etcd member down: still issues; two down: serves, orders nothing, reports the store unavailable; recovers with quorum', async () => {
    const l = need();
    const [m1, m2] = l.etcd.members;
    if (m1 === undefined || m2 === undefined) throw new Error('cluster too small');
    await m1.kill();
    await addCert('three');
    const rec3 = await waitPublished(l, 'three', ISSUE_MS);
    expect(await waitServedEverywhere(l.nodes, host('three'), rec3.serial, ISSUE_MS)).toEqual(l.nodes.map(() => normSerial(rec3.serial)));

    await m2.kill();
    let status: Awaited<ReturnType<FleetNode['certWrap']>> | undefined;
    try {
      const issuedBefore = (await pebbleIssued(l.pebble.logs.pebble)).length;
      const marks = await logMarks(l);
      await addCert('four');
      for (const n of l.nodes) await waitForLog(n, /store unavailable/i, 30_000, marks.get(n.name));
      status = await node(0).certWrap(['status', '--json']);
      expect(status.exitCode, status.stderr).toBe(4);
      expect(status.stderr + status.stdout).toMatch(/unavailable|quorum|cannot reach/i);
      for (const n of l.nodes) {
        expect(n.agent?.running(), `${n.name}'s agent keeps running without quorum`).toBe(true);
        expect(normSerial(await servedSerial(n.ip, host('three')))).toBe(normSerial(rec3.serial));
      }
      expect((await pebbleIssued(l.pebble.logs.pebble)).length, 'nothing ordered without quorum').toBe(issuedBefore);
    } finally {
      // Quorum comes back even when an assertion above failed, so the scenarios after this one start whole.
      if (!m1.running()) m1.start();
      if (!m2.running()) m2.start();
      for (const m of [m1, m2]) pids.add(m.pid() ?? 0);
    }
    const tQuorum = Date.now();
    await l.etcd.waitHealthy(30_000);
    const rec4 = await waitPublished(l, 'four', ISSUE_MS);
    figure(`3: quorum back -> "four" published ${Date.now() - tQuorum} ms; status without quorum: exit ${status?.exitCode}, ${(status?.stderr ?? '').split('\n')[0]}`);
    expect(await waitServedEverywhere(l.nodes, host('four'), rec4.serial, ISSUE_MS)).toEqual(l.nodes.map(() => normSerial(rec4.serial)));
    const after = await node(0).certWrap(['status', '--json']);
    expect(after.exitCode, after.stderr).toBe(0);
  });

  it('4. a node down during an issuance catches up on restart and serves the new certificate', async () => {
    const l = need();
    const down = node(2);
    await down.agent?.stop();
    await down.stopNginx();
    await addCert('five');
    const up = l.nodes.filter((n) => n !== down);
    const rec = await waitPublished(l, 'five', ISSUE_MS);
    expect(await waitServedEverywhere(up, host('five'), rec.serial, ISSUE_MS)).toEqual(up.map(() => normSerial(rec.serial)));
    await down.startNginx();
    pids.add(down.nginx.pid);
    const tBack = Date.now();
    startAgent(down);
    expect(await waitServedEverywhere([down], host('five'), rec.serial, ISSUE_MS), await agentLogs()).toEqual([normSerial(rec.serial)]);
    figure(`4: ${down.name} restarted -> serves "five" ${Date.now() - tBack} ms`);
  });

  it('5. an old leader paused past its lease (SIGSTOP, then SIGCONT) cannot publish', async () => {
    const l = need();
    const old = await currentLeader(l, 10_000);
    const marks = await logMarks(l);
    await addCert('six');
    await waitForLog(old, /ordering six\b/, 15_000, marks.get(old.name));
    old.agent?.pause();
    const others = l.nodes.filter((n) => n !== old);
    const next = await currentLeader({ ...l, nodes: others }, 4 * TTL * 1000);
    const rec = await waitPublished(l, 'six', ISSUE_MS);
    await waitFor(() => false, (TTL + 1) * 1000);
    old.agent?.resume();
    // Continued, it finds its lease gone: either its publication is refused by etcd's guard, or it sees the loss first.
    const said = await waitForLog(old, /not published six\b.*no longer the leader|lost the leadership/, 15_000, marks.get(old.name));
    figure(`5: ${next.name} leads while ${old.name} is stopped; continued, ${old.name} said: ${said}`);
    await waitFor(() => false, 1_000);
    const text = (await old.agentLogText()).slice(marks.get(old.name));
    const after = await published(l, 'six');
    expect(after?.publishedBy, text).not.toBe(old.name);
    expect(after?.version).toBe(rec.version);
    expect(normSerial(after?.serial ?? '')).toBe(normSerial(rec.serial));
    expect(logLines(text, /(?<!not )published six\b/)).toEqual([]);
    expect(next).not.toBe(old);
    expect(await waitServedEverywhere(l.nodes, host('six'), rec.serial, ISSUE_MS)).toEqual(l.nodes.map(() => normSerial(rec.serial)));
  });

  it('6. a tampered or undecryptable value is refused, never installed, reported; the previous certificate stays served', async () => {
    const l = need();
    const good = await published(l, 'one');
    const raw = await publishedRaw(l, 'one');
    if (good === null || raw === null) throw new Error('"one" is not published');
    const reloadsBefore = await Promise.all(l.nodes.map((n) => reloadCount(n.nginx.errorLog)));
    const marks = await logMarks(l);
    const data = Buffer.from(good.key.data, 'base64');
    data[0] = (data[0] ?? 0) ^ 0xff;
    const tampered = { ...good, version: good.version + 1, key: { ...good.key, data: data.toString('base64') } };
    await etcdOf(l).put(`${FLEET_PREFIX}/certs/one`).value(JSON.stringify(tampered)).exec();
    for (const n of l.nodes) await waitForLog(n, /refused one\b/i, 15_000, marks.get(n.name));
    await etcdOf(l).put(`${FLEET_PREFIX}/certs/one`).value('{"version": 99, "fullchain": 1}').exec();
    for (const n of l.nodes) {
      await waitFor(async () => logLines((await n.agentLogText()).slice(marks.get(n.name)), /refused one\b/i).length >= 2, 15_000);
      expect(logLines((await n.agentLogText()).slice(marks.get(n.name)), /installed one\b/)).toEqual([]);
      expect(normSerial(await servedSerial(n.ip, host('one')))).toBe(normSerial(good.serial));
    }
    const reloads = await Promise.all(l.nodes.map((n) => reloadCount(n.nginx.errorLog)));
    expect(reloads).toEqual(reloadsBefore);
    figure(`6: ${logLines(await node(0).agentLogText(), /refused one/).slice(-2).join(' | ')}`);
    const status = await node(0).certWrap(['status', '--json']);
    expect(status.exitCode, status.stderr).toBe(1);
    expect(status.stdout).toMatch(/does not decrypt|not a certificate record/i);
    // Put the good value back: the fleet is whole again.
    await etcdOf(l).put(`${FLEET_PREFIX}/certs/one`).value(raw).exec();
  });
});
