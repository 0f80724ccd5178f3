/**
 * `ofctl monitor` beside `ovs-ofctl --packet-in-format=standard monitor`,
 * both watching the same switch at once: a packet-out to the controller
 * (a packet-in), a flow that expires (flow removed) and a port taken down
 * and up again (port status) must print the same lines on both tools'
 * stderr. (Without the option ovs-ofctl asks Open vSwitch for its own
 * packet-in format, NXT_PACKET_IN2; ofctl speaks OpenFlow 1.3 only.)
 *
 * On a private Open vSwitch (root, Open vSwitch installed) and on
 * ofswitchd (ovs-ofctl installed); skipped otherwise, with the reason.
 * ovs-ofctl's monitor cannot watch ofswitchd at all: it insists on
 * NXT_SET_PACKET_IN_FORMAT, a Nicira message ofswitchd refuses
 * (OFPBRC_BAD_VENDOR), and stops there; so on ofswitchd ofctl's output is
 * checked for the messages the events must cause instead.
 */
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { OvsInstance } from '../helpers/ovs-instance.js';
import { startDaemon } from '../helpers/daemon.js';
import { missing } from '../helpers/peers.js';
import { ROOT } from '../helpers/paths.js';
import { comparableStderr, maskTimes, ovsOfctl } from './ofctl-harness.js';

const ARP = 'ffffffffffff000000000001080600010800060400010000000000010a0000010000000000000a000003';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts a monitor; `stop()` ends it with SIGTERM and resolves with its stderr. */
function startMonitor(argv: string[], env: NodeJS.ProcessEnv): { stop(): Promise<string> } {
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  return {
    async stop() {
      child.kill('SIGTERM');
      await closed;
      return err;
    },
  };
}

/** Runs both monitors through the events; resolves with what each printed (comparable lines). */
async function watch(t: Test, sw: string, env: NodeJS.ProcessEnv): Promise<{ theirs: string[]; ours: string[] }> {
  const theirs = startMonitor(['ovs-ofctl', '-O', 'OpenFlow13', '--packet-in-format=standard', 'monitor', sw, '65534'], env);
  // Through a shell that drops NODE_OPTIONS: the test runner's hooks do not load an extensionless ES module main.
  const ours = startMonitor(['/bin/sh', '-c', 'unset NODE_OPTIONS; exec "$0" "$@"', process.execPath, join(ROOT, 'bin', 'ofctl'), '-O', 'OpenFlow13', 'monitor', sw, '65534'], env);
  await sleep(2500); // both connected and configured
  const ovs = ovsOfctl(env);
  for (const args of [
    ['del-flows', sw],
    ['packet-out', sw, `in_port=1,packet=${ARP},actions=CONTROLLER:64`],
    ['add-flow', sw, 'priority=9,hard_timeout=1,send_flow_rem,actions=drop'],
    ['mod-port', sw, 'p1', 'down'],
    ['mod-port', sw, 'p1', 'up'],
  ]) {
    const r = await ovs.run(args);
    t.equal(r.status, 0, `${args[0]}: ${r.stderr}`);
  }
  await sleep(3500); // the flow expires
  const clean = (text: string): string[] =>
    comparableStderr(text)
      .filter((l) => l !== '')
      .map((l) => maskTimes(l).replace(/duration\d+(\.\d+)?s/, 'duration?s'));
  return { theirs: clean(await theirs.stop()), ours: clean(await ours.stop()) };
}

t.test('monitor against Open vSwitch', { skip: OvsInstance.skipReason() }, async (t) => {
  const ovs = await OvsInstance.start({ tcp: false });
  t.teardown(() => ovs.stop());
  const { theirs, ours } = await watch(t, ovs.mgmt('br0'), ovs.env);
  t.ok(theirs.some((l) => l.startsWith('OFPT_PORT_STATUS')), 'ovs-ofctl saw the port change');
  t.same(ours, theirs, 'the same messages, printed the same');
});

t.test('monitor against ofswitchd', { skip: missing('ovs-ofctl') }, async (t) => {
  const d = await startDaemon(['--port', '1=p1:dummy', '--port', '2=p2:dummy', '--fail-mode', 'secure', '--controller', 'tcp:127.0.0.1:1']);
  t.teardown(() => d.stop());
  const { theirs, ours } = await watch(t, `tcp:127.0.0.1:${d.port}`, process.env);
  t.match(theirs.join('\n'), /OFPBRC_BAD_VENDOR\nNXT_SET_PACKET_IN_FORMAT/, 'ovs-ofctl stops at its Nicira request (see the essay)');
  const text = ours.join('\n');
  t.match(text, /^OFPT_PACKET_IN \(OF1\.3\) \(xid=0x0\): .*total_len=42 in_port=1 \(via action\) data_len=42 \(unbuffered\)$/m, 'the packet-in');
  t.match(text, /^arp,vlan_tci=0x0000,dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,arp_spa=10\.0\.0\.1/m, 'and its packet');
  t.match(text, /OFPT_PORT_STATUS \(OF1\.3\) \(xid=0x0\): MOD: 1\(p1\): [^\n]*\n     config:     PORT_DOWN/, 'the port going down');
  t.match(text, /OFPT_PORT_STATUS \(OF1\.3\) \(xid=0x0\): MOD: 1\(p1\): [^\n]*\n     config:     0/, 'and up');
  t.match(text, /^OFPT_FLOW_REMOVED \(OF1\.3\) \(xid=0x0\): priority=9 reason=hard table_id=0 duration\?s idle0 hard1 pkts0 bytes0$/m, 'the flow removed');
});
