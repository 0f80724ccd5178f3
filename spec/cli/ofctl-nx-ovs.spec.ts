/**
 * The Nicira learn, ct and nat actions in `dump-flows` output, ofctl against
 * ovs-ofctl on a private Open vSwitch: ovs-ofctl installs the flows (its
 * parser is the reference), then both tools dump them and must print the
 * same lines, durations aside (ofctl-harness.ts).
 *
 * The dumps go through every dump path ofctl has: the lean path (which
 * hands any flow with an experimenter action back), the fast path (whose
 * instruction text comes from lib/cli/print in strict mode) and the plain
 * printer (--names, --sort, --no-stats). A table of a few hundred such flows
 * makes the replies span several messages.
 *
 * Skips, saying why, when not root or Open vSwitch is not installed.
 */
import t from 'tap';
import { OvsInstance } from '../helpers/ovs-instance.js';
import { runDifferential, step, type DiffCase } from './ofctl-harness.js';

const CT_FLOWS = [
  'table=0,priority=10,ip,actions=ct(table=1,zone=5)',
  'table=0,priority=11,ipv6,actions=ct(table=1,zone=NXM_NX_REG0[0..15])',
  'table=0,priority=12,ip,actions=ct(nat),ct(commit,table=2)',
  'table=1,priority=10,ct_state=+new+trk,ip,actions=ct(commit,zone=5,exec(set_field:0x1->ct_mark)),output:2',
  'table=1,priority=11,ct_state=+est+trk,tcp,actions=ct(commit,force,nat(src=10.0.0.1-10.0.0.9:1000-2000,persistent,random)),output:2',
  'table=1,priority=12,ct_state=+rel+trk,udp,actions=ct(commit,nat(dst=10.1.1.1),alg=tftp)',
  'table=1,priority=13,tcp6,actions=ct(commit,nat(dst=[2001:db8::1]-[2001:db8::9]:80,hash),alg=ftp)',
  'table=1,priority=14,ipv6,actions=ct(commit,nat(src=2001:db8::5),exec(set_field:0x12345678901234567890->ct_label,set_field:0x7->ct_mark))',
  'table=1,priority=15,ip,actions=ct(commit,nat),output:3',
  'table=1,priority=16,ip,actions=ct(commit),ct_clear,output:1',
];

const LEARN_FLOWS = [
  'priority=20,actions=learn(table=10,idle_timeout=30,hard_timeout=60,fin_idle_timeout=5,fin_hard_timeout=10,priority=7,cookie=0x99,send_flow_rem,delete_learned,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15],output:NXM_OF_IN_PORT[]),resubmit(,10)',
  'priority=21,tcp,actions=learn(table=11,eth_type=0x800,nw_proto=6,ip_src=10.0.0.1,NXM_OF_TCP_DST[]=NXM_OF_TCP_SRC[],load:0x5->NXM_NX_REG1[],limit=100,result_dst=NXM_NX_REG2[0])',
  'priority=22,ipv6,actions=learn(table=12,eth_type=0x86dd,ipv6_src=2001:db8::1,in_port=LOCAL,NXM_NX_IPV6_DST[]=NXM_NX_IPV6_SRC[],load:0xabcdef->NXM_NX_PKT_MARK[]),output:1',
  'priority=23,actions=learn(table=13,dl_dst=01:02:03:04:05:06,NXM_NX_REG3[8..15]=0x7f,load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[]),learn(table=14,OXM_OF_VLAN_VID[])',
];

/** Many learn / ct flows in one table, so that the dump spans several reply messages. */
function bulk(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      i % 2
        ? `table=5,priority=${100 + i},ip,nw_src=10.0.${i >> 8}.${i & 255},actions=ct(commit,zone=${i},nat(src=192.168.0.${i & 255}))`
        : `table=5,priority=${100 + i},tcp,tp_dst=${1000 + i},actions=learn(table=6,hard_timeout=${i},NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),output:2`,
    );
  }
  return lines.join('\n') + '\n';
}

const addFlows = (flows: readonly string[]) => flows.map((f) => step(`add-flow SW '${f}'`));

const CASES: DiffCase[] = [
  {
    name: 'ct and nat in dump-flows',
    setup: addFlows(CT_FLOWS),
    steps: [step('dump-flows SW'), step('--no-stats dump-flows SW'), step('--names dump-flows SW table=1'), step('--sort dump-flows SW')],
  },
  {
    name: 'learn in dump-flows',
    setup: addFlows(LEARN_FLOWS),
    steps: [step('dump-flows SW'), step('--no-stats dump-flows SW'), step('--rsort dump-flows SW')],
  },
  {
    name: 'a table of learn and ct flows',
    files: { flows: bulk(400) },
    setup: [step('add-flows SW @flows')],
    steps: [step('dump-flows SW'), step('dump-flows SW table=5'), step('--no-stats dump-flows SW')],
  },
];

t.test('learn, ct and nat: ofctl dump-flows against ovs-ofctl on Open vSwitch', { skip: OvsInstance.skipReason() }, async (t) => {
  const ovs = await OvsInstance.start();
  t.teardown(() => ovs.stop());
  await runDifferential(t, { name: 'ovs unix', sw: ovs.mgmt('br0'), env: ovs.env }, CASES);
});
