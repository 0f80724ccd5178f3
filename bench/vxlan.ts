/**
 * bench/vxlan: two switches joined by a VXLAN tunnel (VNI 5) over a veth
 * underlay, ofswitchd against Open vSwitch's userspace tunnelling, in the
 * same run, on the same topology, with the same flows and traffic:
 *
 *   [h1 eth0]==veth==[p1 sw1 vx0] ==u1/u2 10.9.0.1<->10.9.0.2== [vx0 sw2 p1]==veth==[eth0 h2]
 *
 * Flows on both switches: in_port=1 -> set_field:5->tunnel_id,output:2 and
 * in_port=2,tunnel_id=5 -> output:1. Figures: TCP throughput (iperf3
 * h1 -> h2, one stream, 5 s) and ping round-trip time (100 pings, 10 ms
 * apart), the median of ROUNDS runs per switch, alternating.
 *
 * Open vSwitch: a private instance per switch namespace (ovs-vswitchd
 * --disable-system, datapath_type=netdev), br-int with the host port and
 * the vxlan port, br-phy with the underlay veth and the tunnel address on
 * its own port, as its userspace-tunnelling guide sets it up.
 * bench/lib/host-pair.ts runs the rounds and the measurements.
 *
 * Needs root, Open vSwitch, iperf3, ethtool; prints a note and exits 0
 * otherwise. Namespaces p1-bv-*, TCP ports 17040-17049.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachHosts, inNs, loadOvsFlows, makeNamespaces, runPairBench, sh, sleep, startOvsDaemons, waitFor, type Switch } from './lib/host-pair.js';

const OF_PORT = 17042;
const TMP = mkdtempSync(join(tmpdir(), 'p1-bench-vxlan-'));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const S = ['p1-bv-s1', 'p1-bv-s2'] as const;
const H1 = 'p1-bv-h1';
const H2 = 'p1-bv-h2';
const UNDERLAY = ['10.9.0.1', '10.9.0.2'] as const;
const FLOWS = ['in_port=1,actions=set_field:5->tunnel_id,output:2', 'in_port=2,tunnel_id=5,actions=output:1'];

/** Fresh namespaces each time: Open vSwitch leaves tap devices (br-phy) behind. */
function topology(): void {
  makeNamespaces([...S, H1, H2]);
  attachHosts([H1, H2], S, ['p1', 'p1']);
  sh(inNs(S[0], ['ip', 'link', 'add', 'u1', 'type', 'veth', 'peer', 'name', 'u2', 'netns', S[1]]));
  // Room for the 50 bytes of outer headers around a full 1500-byte inner packet, as tunnel
  // underlays are set up: Open vSwitch never fragments (it would drop), the kernel would for us.
  sh(inNs(S[0], ['ip', 'link', 'set', 'u1', 'mtu', '1600', 'up']));
  sh(inNs(S[1], ['ip', 'link', 'set', 'u2', 'mtu', '1600', 'up']));
}

async function startOfswitchd(): Promise<Switch> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const children: ChildProcess[] = [];
  for (const i of [0, 1]) {
    const sw = S[i];
    const u = `u${i + 1}`;
    sh(inNs(sw, ['ip', 'addr', 'add', `${UNDERLAY[i]}/24`, 'dev', u]));
    const child = spawn(
      'ip',
      ['netns', 'exec', sw, process.execPath, join(ROOT, 'bin/ofswitchd'), '--port', '1=p1', '--port', `2=vx0:vxlan:remote_ip=${UNDERLAY[1 - i]}+local_ip=${UNDERLAY[i]}+key=flow`,
        '--fail-mode', 'secure', '--controller', 'none', '--listen', `ptcp:${OF_PORT}:127.0.0.1`, '--ctl', join(TMP, `of${i}.ctl`), '--log-level', 'warn'],
      { env, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    children.push(child);
    const target = `tcp:127.0.0.1:${OF_PORT}`;
    await waitFor('ofswitchd to listen', () => spawnSync('ip', inNs(sw, ['ovs-ofctl', '-O', 'OpenFlow13', '-t', '2', 'probe', target]).slice(1)).status === 0);
    for (const f of FLOWS) sh(inNs(sw, ['ovs-ofctl', '-O', 'OpenFlow13', 'add-flow', target, f]));
  }
  return {
    label: 'ofswitchd',
    offloadOff: false,
    stop: async () => {
      for (const c of children) {
        const gone = new Promise((r) => c.on('exit', r));
        c.kill('SIGTERM');
        await Promise.race([gone, sleep(3000)]);
        c.kill('SIGKILL');
      }
    },
  };
}

async function startOvs(): Promise<Switch> {
  const stops: Array<() => void> = [];
  for (const i of [0, 1]) {
    const sw = S[i];
    const ovs = startOvsDaemons(join(TMP, `ovs${i}`), sw);
    stops.push(ovs.stop);
    ovs.vsctl('add-br', 'br-int', '--', 'set', 'bridge', 'br-int', 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure', 'other-config:disable-in-band=true',
      '--', 'add-port', 'br-int', 'p1', '--', 'set', 'interface', 'p1', 'ofport_request=1',
      '--', 'add-port', 'br-int', 'vx0', '--', 'set', 'interface', 'vx0', 'type=vxlan', `options:remote_ip=${UNDERLAY[1 - i]}`, 'options:key=flow', 'ofport_request=2');
    ovs.vsctl('add-br', 'br-phy', '--', 'set', 'bridge', 'br-phy', 'datapath_type=netdev', 'other-config:disable-in-band=true', '--', 'add-port', 'br-phy', `u${i + 1}`);
    sh(inNs(sw, ['ip', 'addr', 'add', `${UNDERLAY[i]}/24`, 'dev', 'br-phy']));
    sh(inNs(sw, ['ip', 'link', 'set', 'br-phy', 'up']));
    await loadOvsFlows(ovs, 'br-int', FLOWS);
  }
  // Its tunnel route comes from the kernel's a moment after br-phy has its address.
  await waitFor('Open vSwitch to carry a ping', () => spawnSync('ip', inNs(H1, ['ping', '-c', '1', '-W', '1', '10.0.0.2']).slice(1)).status === 0);
  return {
    label: 'OVS',
    offloadOff: true,
    stop: async () => {
      for (const s of stops) s();
    },
  };
}

await runPairBench({
  name: 'bench/vxlan',
  what: 'vxlan VNI 5',
  rounds: Number(process.env.VXLAN_BENCH_ROUNDS ?? 3),
  hosts: [H1, H2],
  iperfPort: 17041,
  iperfSeconds: 5,
  namespaces: [...S, H1, H2],
  topology,
  freshTopology: true,
  switches: [startOfswitchd, startOvs],
});
