/**
 * bench/patch: two bridges of one switch process joined by a patch pair,
 * ofswitchd against Open vSwitch's userspace datapath, in the same run, on
 * the same topology, with the same flows and the same traffic:
 *
 *     [h1 eth0] ==veth== [p1 br0 pa] =patch= [pb br1 p2] ==veth== [eth0 h2]
 *     10.0.0.1                 (one netns)                        10.0.0.2
 *
 * Figures: TCP throughput (iperf3 h1 -> h2, one stream, 5 s) and ping
 * round-trip time (100 pings, 10 ms apart), the median of ROUNDS runs per
 * switch, the switches alternating. Flows on both bridges: in_port=1 ->
 * output:2 and back (port 2 is the patch end).
 *
 * Open vSwitch runs as a private instance (own ovsdb-server and
 * ovs-vswitchd --disable-system, datapath_type=netdev, system ports, patch
 * ports); bench/lib/host-pair.ts runs the rounds and the measurements.
 *
 * Needs root, Open vSwitch, iperf3, ethtool; prints a note and exits 0
 * otherwise. Namespaces p1-bp-*, TCP ports 17020-17029.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachHosts, inNs, loadOvsFlows, makeNamespaces, runPairBench, sh, sleep, startOvsDaemons, waitFor, type Switch } from './lib/host-pair.js';
import { DAEMON_NODE_FLAGS } from '../spec/helpers/paths.js';

const OF_PORTS = [17022, 17023];
const TMP = mkdtempSync(join(tmpdir(), 'p1-bench-patch-'));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SW = 'p1-bp-sw';
const H1 = 'p1-bp-h1';
const H2 = 'p1-bp-h2';
const FLOWS = ['in_port=1,actions=output:2', 'in_port=2,actions=output:1'];

function topology(): void {
  makeNamespaces([SW, H1, H2]);
  attachHosts([H1, H2], [SW, SW], ['p1', 'p2']);
}

async function startOfswitchd(): Promise<Switch> {
  const file = join(TMP, 'ofswitchd.json');
  writeFileSync(
    file,
    JSON.stringify({
      logLevel: 'warn',
      ctl: join(TMP, 'ofswitchd.ctl'),
      bridges: [
        { name: 'br0', failMode: 'secure', listen: [`ptcp:${OF_PORTS[0]}:127.0.0.1`], ports: ['1=p1', '2=pa:patch:peer=pb'] },
        { name: 'br1', failMode: 'secure', listen: [`ptcp:${OF_PORTS[1]}:127.0.0.1`], ports: ['1=p2', '2=pb:patch:peer=pa'] },
      ],
    }),
  );
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn('ip', ['netns', 'exec', SW, process.execPath, ...DAEMON_NODE_FLAGS, join(ROOT, 'bin/ofswitchd'), '--config', file], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  child.on('exit', () => (exited = true));
  for (const port of OF_PORTS) {
    const target = `tcp:127.0.0.1:${port}`;
    await waitFor('ofswitchd to listen', () => {
      if (exited) throw new Error('ofswitchd exited');
      return spawnSync('ip', inNs(SW, ['ovs-ofctl', '-O', 'OpenFlow13', '-t', '2', 'probe', target]).slice(1)).status === 0;
    });
    for (const f of FLOWS) sh(inNs(SW, ['ovs-ofctl', '-O', 'OpenFlow13', 'add-flow', target, f]));
  }
  return {
    label: 'ofswitchd',
    offloadOff: false,
    stop: async () => {
      if (exited) return;
      const gone = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(3000)]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

async function startOvs(): Promise<Switch> {
  const ovs = startOvsDaemons(join(TMP, 'ovs'), SW);
  for (const [br, host, patch, peer] of [
    ['br0', 'p1', 'pa', 'pb'],
    ['br1', 'p2', 'pb', 'pa'],
  ] as const) {
    ovs.vsctl('add-br', br, '--', 'set', 'bridge', br, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure', 'other-config:disable-in-band=true',
      '--', 'add-port', br, host, '--', 'set', 'interface', host, 'ofport_request=1',
      '--', 'add-port', br, patch, '--', 'set', 'interface', patch, 'type=patch', `options:peer=${peer}`, 'ofport_request=2');
  }
  for (const br of ['br0', 'br1']) await loadOvsFlows(ovs, br, FLOWS);
  return { label: 'OVS', offloadOff: true, stop: async () => ovs.stop() };
}

await runPairBench({
  name: 'bench/patch',
  what: 'patch pair',
  rounds: Number(process.env.PATCH_BENCH_ROUNDS ?? 3),
  hosts: [H1, H2],
  iperfPort: 17021,
  iperfSeconds: 5,
  namespaces: [SW, H1, H2],
  topology,
  freshTopology: false,
  switches: [startOfswitchd, startOvs],
});
