/**
 * What ofctl sends, judged against what ovs-ofctl sends, on a stub switch
 * that records every message (spec/helpers/ofp-stub-switch.ts, which
 * shares no code with our codec):
 *
 * - for each command line, the requests that matter (flow, group, meter
 *   and port mods, packet-outs, statistics requests, bundles, echoes) must
 *   be the same bytes, xids included, in the same order, and what each tool
 *   prints must be the same (the stub refuses most statistics requests, so
 *   this also compares how errors print). HELLOs, barriers and the
 *   PORT_DESC / TABLE_FEATURES name lookups are left out: ovs-ofctl spends
 *   a connection on each lookup, we do not.
 * - a bad flow sends nothing that changes the switch;
 * - version negotiation with a switch that cannot do OpenFlow 1.3 fails
 *   clearly; a reply split with OFPMPF_REPLY_MORE is printed as ovs-ofctl
 *   prints it; echo requests from the switch are answered mid-dump; a
 *   switch that never answers is given up on with --timeout.
 *
 * Needs ovs-ofctl for the comparisons (skipped without it).
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OfpStubSwitch, runClient, StubOfpt, type RecordedMessage, type StubSession } from '../helpers/ofp-stub-switch.js';
import { missing } from '../helpers/peers.js';
import { ROOT } from '../helpers/paths.js';
import { comparableStderr, comparableStdout, words } from './ofctl-harness.js';

const OFPT_EXPERIMENTER = 4;
const OFPT_SET_CONFIG = 9;
const OFPT_QUEUE_GET_CONFIG_REQUEST = 22;
const OFPMP_PORT_DESC = 13;
const OFPMP_TABLE_FEATURES = 12;
const OFPMP_PORT_STATS = 4;

/** The argv that runs `node bin/ofctl` as a user would (without the test runner's NODE_OPTIONS). */
function ofctlArgv(args: string[]): [string, string[]] {
  return ['/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" "$@"', process.execPath, join(ROOT, 'bin', 'ofctl'), ...args]];
}

/** The messages worth comparing: see the essay at the top. */
function significant(messages: RecordedMessage[]): string[] {
  return messages
    .filter((m) => {
      if (m.type === StubOfpt.HELLO || m.type === StubOfpt.BARRIER_REQUEST) return false;
      if (m.type === StubOfpt.MULTIPART_REQUEST) {
        const mp = m.bytes.readUInt16BE(8);
        return mp !== OFPMP_PORT_DESC && mp !== OFPMP_TABLE_FEATURES;
      }
      return true;
    })
    .map((m) => m.bytes.toString('hex'));
}

/** Answers ONF bundle controls (OPEN → OPEN_REPLY, COMMIT → COMMIT_REPLY) as a switch with bundles would. */
function bundles(msg: RecordedMessage, session: StubSession): boolean {
  if (msg.type !== OFPT_EXPERIMENTER || msg.bytes.length < 24 || msg.bytes.readUInt32BE(12) !== 2300) return false;
  const reply = Buffer.from(msg.bytes);
  reply.writeUInt16BE(msg.bytes.readUInt16BE(20) + 1, 20);
  reply.writeUInt16BE(0, 22);
  session.send(reply);
  return true;
}

const ARP = 'ffffffffffff000000000001080600010800060400010000000000010a0000010000000000000a000003';

const LINES = [
  'add-flow {target} priority=10,tcp,nw_dst=10.0.0.1,tp_dst=80,actions=output:2',
  'add-flow {target} in_port=p1,actions=output:p2,CONTROLLER:128',
  'add-flow {target} table=3,cookie=0x99,idle_timeout=5,send_flow_rem,ip,actions=dec_ttl,goto_table:4',
  'add-flows {target} @flows',
  'mod-flows {target} in_port=1,actions=drop',
  '--strict mod-flows {target} priority=5,in_port=1,actions=drop',
  'del-flows {target}',
  'del-flows {target} out_port=2,udp',
  '--strict del-flows {target} priority=5,in_port=1',
  '--bundle add-flows {target} @flows',
  '--bundle del-flows {target} tcp',
  'dump-flows {target}',
  'dump-flows {target} table=1,in_port=p2,cookie=0x1/0xff',
  '--rsort dump-flows {target}',
  'dump-aggregate {target} ip',
  'add-group {target} group_id=1,type=select,bucket=weight:5,output:1,bucket=output:p2',
  'add-groups {target} @groups',
  'mod-group {target} group_id=1,type=all,bucket=output:1',
  'del-groups {target} group_id=1',
  'del-groups {target}',
  'dump-groups {target}',
  'dump-group-stats {target} group_id=7',
  'add-meter {target} meter=1,kbps,burst,bands=type=drop,rate=1000,burst_size=10',
  'mod-meter {target} meter=1,pktps,bands=type=dscp_remark,rate=10,prec_level=1',
  'del-meters {target} meter=1',
  'del-meters {target}',
  'dump-meters {target} meter=1',
  'meter-stats {target}',
  `packet-out {target} in_port=1,packet=${ARP},actions=output:2`,
  `packet-out {target} LOCAL output:1,output:p2 ${ARP} ${ARP}`,
  'mod-port {target} p2 down',
  'mod-port {target} 1 no-packet-in',
  'dump-ports {target} p2',
  'dump-ports-desc {target}',
  'queue-stats {target} 1 2',
  'show {target}',
  'dump-desc {target}',
  'dump-tables {target}',
  'probe {target}',
  'replace-flows {target} @flows',
  'diff-flows {target} @flows',
];

t.test('ofctl sends what ovs-ofctl sends', { skip: missing('ovs-ofctl') }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ofctl-stub-'));
  const files: Record<string, string> = {
    flows: join(dir, 'flows.txt'),
    groups: join(dir, 'groups.txt'),
  };
  writeFileSync(files.flows!, 'priority=1,in_port=1,actions=output:2\ndelete in_port=3\nmodify_strict priority=1,in_port=1 actions=drop\n');
  writeFileSync(files.groups!, 'group_id=7,type=all,bucket=output:1\nadd group_id=8,type=indirect,bucket=output:2\n');
  const sw = await OfpStubSwitch.start({ onMessage: bundles });
  t.teardown(() => sw.close());
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const line of LINES) {
    const args = ['-O', 'OpenFlow13', ...words(line).map((w) => (w.startsWith('@') ? files[w.slice(1)]! : w))];
    const theirs = await runClient(sw, 'ovs-ofctl', args);
    const [cmd, argv] = ofctlArgv(args);
    const ours = await runClient(sw, cmd, argv);
    const clean = (s: string): string[] => comparableStderr(s.split(sw.target).join('SW'));
    t.same(significant(ours.messages), significant(theirs.messages), `${line}: messages sent`);
    t.equal(ours.status, theirs.status, `${line}: exit status`);
    t.same(comparableStdout(ours.stdout), comparableStdout(theirs.stdout), `${line}: stdout`);
    t.same(clean(ours.stderr), clean(theirs.stderr), `${line}: stderr`);
  }
});

t.test('a bad flow sends nothing to the switch', async (t) => {
  const sw = await OfpStubSwitch.start();
  t.teardown(() => sw.close());
  const dir = mkdtempSync(join(tmpdir(), 'ofctl-stub-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flows.txt');
  writeFileSync(file, `${'priority=1,in_port=1,actions=output:2\n'.repeat(500)}priority=2,in_port=1,actions=frobnicate:3\n`);
  for (const args of [
    ['add-flow', '{target}', 'ip,nw_dst=10.0.0.1,frobnicate=3,actions=drop'],
    ['add-flow', '{target}', 'ip,nw_dst=10.0.0.1,actions=output:p9'],
    ['add-flows', '{target}', file],
    ['--bundle', 'add-flows', '{target}', file],
    ['add-group', '{target}', 'group_id=1,type=indirect,bucket=output:1,bucket=output:2'],
    ['add-meter', '{target}', 'meter=1,bands=type=drop,rate=1'],
  ]) {
    const [cmd, argv] = ofctlArgv(args);
    const run = await runClient(sw, cmd, argv);
    t.equal(run.status, 1, `${args.join(' ')}: exit status 1`);
    t.match(run.stderr, /^ofctl: .+\n$/, `${args.join(' ')}: one line saying what is wrong`);
    const changes = run.messages.filter((m) => [StubOfpt.FLOW_MOD, StubOfpt.GROUP_MOD, StubOfpt.METER_MOD, OFPT_EXPERIMENTER].includes(m.type));
    t.same(changes, [], `${args.join(' ')}: nothing sent that changes the switch`);
  }
  const [cmd, argv] = ofctlArgv(['add-flows', '{target}', file]);
  const run = await runClient(sw, cmd, argv);
  t.match(run.stderr, /flows\.txt:501: unknown action frobnicate/, 'the file, line and bad token are named');
  const [cmd2, argv2] = ofctlArgv(['add-flow', '{target}', 'ip,nw_dst=10.0.0.1,frobnicate=3,actions=drop']);
  t.match((await runClient(sw, cmd2, argv2)).stderr, /unknown keyword frobnicate/, 'the bad token is named');
});

/** struct ofp_header of the given type, xid and total length, version 4, the rest zero. */
function header(type: number, xid: number, length: number, version = 4): Buffer {
  const b = Buffer.alloc(length);
  b[0] = version;
  b[1] = type;
  b.writeUInt16BE(length, 2);
  b.writeUInt32BE(xid, 4);
  return b;
}

t.test('a switch without OpenFlow 1.3 is refused clearly', async (t) => {
  const sw = await OfpStubSwitch.start({
    onMessage: (msg, session) => {
      if (msg.type !== StubOfpt.HELLO) return false;
      session.send(header(StubOfpt.HELLO, msg.xid, 8, 1));
      return true;
    },
  });
  t.teardown(() => sw.close());
  const [cmd, argv] = ofctlArgv(['show', '{target}']);
  const run = await runClient(sw, cmd, argv);
  t.equal(run.status, 1);
  t.match(run.stderr, /version negotiation failed.*0x01.*OpenFlow 1\.3/);
  const sent = sw.sessions.at(-1)!.messages.map((m) => m.type);
  t.ok(sent.includes(StubOfpt.ERROR), 'the switch is told why (OFPET_HELLO_FAILED)');
});

/** A PORT_STATS reply with one struct ofp_port_stats (112 bytes) for `port`, MORE as given. */
function portStatsReply(xid: number, port: number, more: boolean): Buffer {
  const b = header(StubOfpt.MULTIPART_REPLY, xid, 16 + 112);
  b.writeUInt16BE(OFPMP_PORT_STATS, 8);
  b.writeUInt16BE(more ? 1 : 0, 10);
  b.writeUInt32BE(port, 16);
  b.writeBigUInt64BE(BigInt(port * 10), 24); // rx_packets
  return b;
}

t.test('split replies, echo requests and silence', { skip: missing('ovs-ofctl') }, async (t) => {
  let echoes = 0;
  const sw = await OfpStubSwitch.start({
    onMessage: (msg, session) => {
      if (msg.type === StubOfpt.ECHO_REPLY) {
        echoes++;
        return true;
      }
      if (msg.type === OFPT_QUEUE_GET_CONFIG_REQUEST || (msg.type === StubOfpt.MULTIPART_REQUEST && msg.bytes.readUInt16BE(8) === 0)) {
        return true; // never answered: DESC requests, for the timeout
      }
      if (msg.type !== StubOfpt.MULTIPART_REQUEST || msg.bytes.readUInt16BE(8) !== OFPMP_PORT_STATS) return false;
      session.send(portStatsReply(msg.xid, 1, true));
      session.send(header(StubOfpt.ECHO_REQUEST, 0x77, 8));
      setTimeout(() => {
        session.send(portStatsReply(msg.xid, 2, true));
        session.send(portStatsReply(msg.xid, 3, false));
      }, 50);
      return true;
    },
  });
  t.teardown(() => sw.close());
  const theirs = await runClient(sw, 'ovs-ofctl', ['-O', 'OpenFlow13', 'dump-ports', '{target}']);
  const before = echoes;
  const [cmd, argv] = ofctlArgv(['dump-ports', '{target}']);
  const ours = await runClient(sw, cmd, argv);
  t.equal(ours.status, 0);
  t.same(comparableStdout(ours.stdout), comparableStdout(theirs.stdout), 'three reply messages printed as ovs-ofctl prints them');
  t.equal(echoes - before, 1, 'the echo request mid-dump was answered');

  const start = Date.now();
  const [cmd2, argv2] = ofctlArgv(['-t', '1', 'dump-desc', '{target}']);
  const silent = await runClient(sw, cmd2, argv2);
  t.equal(silent.status, 1, '--timeout gives up with status 1');
  t.match(silent.stderr, /timed out/);
  t.ok(Date.now() - start < 8000, 'and does so promptly');
});

t.test('monitor sets miss_send_len as ovs-ofctl does and prints asynchronous messages', async (t) => {
  const sw = await OfpStubSwitch.start({
    onMessage: (msg, session) => {
      if (msg.type !== OFPT_SET_CONFIG) return false;
      // A port-status (struct ofp_port_status, 80 bytes): port 2 "p2" modified, then hang up.
      const ps = header(12, 0, 80);
      ps[8] = 2; // OFPPR_MODIFY
      ps.writeUInt32BE(2, 16);
      Buffer.from([2, 0, 0, 0, 0, 2]).copy(ps, 24);
      ps.write('p2', 32);
      setTimeout(() => {
        session.send(ps);
        setTimeout(() => session.socket.end(), 100);
      }, 100);
      return true;
    },
  });
  t.teardown(() => sw.close());
  const [cmd, argv] = ofctlArgv(['monitor', '{target}', '65534']);
  const run = await runClient(sw, cmd, argv);
  const set = sw.sessions.at(-1)!.ofType(OFPT_SET_CONFIG)[0];
  t.ok(set, 'a SET_CONFIG was sent');
  t.equal(set?.bytes.readUInt16BE(10), 65534, 'with the miss_send_len asked for');
  t.match(run.stderr, /^OFPT_PORT_STATUS \(OF1\.3\) \(xid=0x0\): MOD: 2\(p2\): addr:02:00:00:00:00:02$/m, 'the port status, printed on stderr');
  t.equal(run.status, 1, 'the switch hanging up ends the monitor with status 1');
});
