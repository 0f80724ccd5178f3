/**
 * The command lines the differential tests run through both ovs-ofctl and
 * ofctl (ofctl-harness.ts): every ofctl command, with filters, options and
 * error cases, grouped by what they exercise.
 */
import { step, type DiffCase } from './ofctl-harness.js';

/** A flow table with a bit of everything, for the dump and diff cases. */
export const FLOWS = `# a comment, and a blank line
\n
priority=1,in_port=1,actions=output:2
priority=2,dl_src=00:11:22:33:44:55,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=NORMAL
priority=3,dl_type=0x88cc,actions=CONTROLLER:128
priority=4,dl_vlan=10,actions=pop_vlan,output:3
priority=7,vlan_tci=0x0000/0x1fff,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:1
priority=8,ip,nw_src=10.0.0.1,nw_dst=192.168.0.0/16,nw_proto=47,actions=dec_ttl,output:IN_PORT
priority=9,ip,nw_tos=32,nw_ecn=1,actions=mod_nw_ttl:9,LOCAL
priority=10,tcp,tp_src=1000,tp_dst=4096,actions=set_field:8080->tcp_dst,output:1
priority=11,udp,tp_dst=53,actions=set_field:5353->udp_src,set_queue:3,output:2
priority=13,icmp,icmp_type=8,icmp_code=0,actions=set_field:0->icmp_type,output:IN_PORT
priority=14,arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/24,actions=set_field:2->arp_op,output:IN_PORT
priority=15,ipv6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::/32,actions=set_field:2001:db8::99->ipv6_dst,output:2
priority=16,icmp6,icmp_type=135,nd_target=fe80::1,actions=output:1
priority=19,mpls,mpls_label=100,mpls_tc=3,mpls_bos=1,actions=set_field:200->mpls_label,dec_mpls_ttl,output:2
priority=21,ip,actions=push_mpls:0x8847,set_field:300->mpls_label,output:2
priority=22,metadata=0x1/0xff,actions=write_metadata:0x10/0xf0,goto_table:2
priority=27,in_port=2,actions=clear_actions,write_actions(output:1,set_field:00:00:00:00:00:08->eth_src),goto_table:1
priority=31,cookie=0x1234,idle_timeout=100,hard_timeout=200,send_flow_rem,actions=output:1
priority=32,check_overlap,actions=drop
priority=42,actions=output:1,output:2,output:3,output:CONTROLLER
table=1,priority=0,actions=CONTROLLER:65535
table=1,priority=100,in_port=1,actions=goto_table:2
table=2,priority=0,actions=drop
table=2,priority=1,ip,actions=set_field:0x1->tun_id,output:1
table=5,priority=10,tcp,tp_dst=80,actions=output:3
table=5,priority=10,tcp,tp_dst=81,actions=output:3
table=5,priority=10,tcp,tp_dst=82,actions=output:2
`;

const GROUPS = `group_id=1,type=all,bucket=output:1,bucket=output:2
group_id=2,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=set_field:00:00:00:00:00:09->eth_dst,output:2
add group_id=3,type=indirect,bucket=actions=output:2
group_id=4,type=ff,bucket=watch_port:1,actions=output:1,bucket=watch_port:2,actions=output:2
`;

const withFlows = { files: { flows: FLOWS }, setup: [step('add-flows SW @flows')] };
const withGroups = { files: { groups: GROUPS }, setup: [step('add-groups SW @groups')] };

const ARP = 'ffffffffffff000000000001080600010800060400010000000000010a0000010000000000000a000003';
const UDP = '0000000000020000000000010800450000201234000040110000c0a8010a0808080814e90035000c1a2bdeadbeef';

export const CASES: readonly DiffCase[] = [
  // The switch.
  { name: 'show', steps: [step('show SW')] },
  { name: 'dump-desc', steps: [step('dump-desc SW')] },
  { name: 'dump-tables', ...withFlows, steps: [step('dump-tables SW')] },
  { name: 'dump-table-features', steps: [step('dump-table-features SW')] },
  { name: 'dump-ports', steps: [step('dump-ports SW'), step('dump-ports SW 1'), step('dump-ports SW p2'), step('dump-ports SW LOCAL'), step('dump-ports SW p9')] },
  { name: 'dump-ports-desc', steps: [step('dump-ports-desc SW'), step('dump-ports-desc SW 2'), step('dump-ports-desc SW p3')] },
  { name: 'queue-stats', steps: [step('queue-stats SW'), step('queue-stats SW 1'), step('queue-stats SW 1 5'), step('queue-stats SW p1 0'), step('queue-stats SW p9')] },
  { name: 'mod-port', steps: [step('mod-port SW p1 down'), step('dump-ports-desc SW'), step('mod-port SW 1 up'), step('mod-port SW p2 no-packet-in'), step('mod-port SW p2 packet-in'), step('dump-ports-desc SW'), step('mod-port SW p9 up'), step('mod-port SW p1 sideways')] },
  { name: 'probe', steps: [step('probe SW')] },

  // Adding flows, one at a time and from files.
  {
    name: 'add-flow',
    steps: [
      ...FLOWS.split('\n').filter((l) => l.includes('actions')).slice(0, 12).map((l) => step(`add-flow SW ${l}`)),
      step('dump-flows SW'),
    ],
  },
  { name: 'add-flows', ...withFlows, steps: [step('dump-flows SW'), step('dump-aggregate SW')] },
  {
    name: 'add-flows with commands',
    files: { f: 'add in_port=1,actions=drop\nd in_port=1\n a in_port=3 actions=drop\nmodify_s in_port=3 actions=output:1\ndelete_strict priority=5\nadd,in_port=2,actions=drop\n,in_port=2,priority=9,actions=drop\nm in_port=2,actions=output:3\n' },
    steps: [step('add-flows SW @f'), step('dump-flows SW')],
  },
  { name: 'add-flows from stdin', steps: [step('add-flows SW -', 'in_port=1,actions=drop\nin_port=2 actions=drop # x\n'), step('add-flow SW -', 'in_port=3,actions=output:1\n'), step('dump-flows SW')] },
  { name: 'add-flow with port names', steps: [step('add-flow SW in_port=p1,actions=output:p2'), step('dump-flows SW'), step('--names dump-flows SW')] },

  // Changing and deleting flows.
  { name: 'mod-flows', ...withFlows, steps: [step('mod-flows SW in_port=2,actions=output:3'), step('--strict mod-flows SW priority=1,in_port=1,actions=output:3'), step('--strict mod-flows SW in_port=1,actions=output:2'), step('dump-flows SW')] },
  { name: 'mod-flows by cookie', ...withFlows, steps: [step('mod-flows SW cookie=0x1234/-1,actions=drop'), step('dump-flows SW cookie=0x1234/-1')] },
  { name: 'del-flows', ...withFlows, steps: [step('del-flows SW udp'), step('--strict del-flows SW priority=42'), step('del-flows SW out_port=2'), step('del-flows SW table=5,tcp,tp_dst=81'), step('dump-flows SW')] },
  { name: 'del-flows by cookie', ...withFlows, steps: [step('del-flows SW cookie=0x1234/0xffff'), step('dump-aggregate SW')] },
  { name: 'del-flows all', ...withFlows, steps: [step('del-flows SW'), step('dump-flows SW')] },
  { name: 'del-flows from stdin', ...withFlows, steps: [step('--strict del-flows SW -', 'priority=1,in_port=1\ntable=5,priority=10,tcp,tp_dst=80\n'), step('dump-aggregate SW')] },

  // Dumping flows.
  {
    name: 'dump-flows filters',
    ...withFlows,
    steps: [
      step('dump-flows SW table=1'),
      step('dump-flows SW ip,nw_src=10.0.0.1'),
      step('dump-flows SW cookie=0x1234/-1'),
      step('dump-flows SW out_port=2'),
      step('dump-flows SW table=5,tcp'),
      step('dump-flows SW in_port=p2'),
      step('dump-aggregate SW table=0,ip'),
      step('dump-aggregate SW out_port=1'),
    ],
  },
  {
    name: 'dump-flows options',
    ...withFlows,
    steps: [
      step('--no-stats dump-flows SW'),
      step('--sort dump-flows SW'),
      step('dump-flows SW --rsort=priority'),
      step('--sort=nw_src dump-flows SW'),
      step('--rsort=tcp_dst dump-flows SW table=5'),
      step('--sort=in_port --rsort=priority dump-flows SW'),
      step('--names dump-flows SW in_port=2'),
      step('--no-names dump-flows SW'),
    ],
  },

  {
    name: 'port names',
    files: { f: 'in_port=1,actions=output:2\n' },
    setup: [step('add-flow SW in_port=2,actions=output:3'), step('add-group SW group_id=1,type=all,bucket=output:1')],
    steps: [
      step('--names show SW'),
      step('--names dump-ports-desc SW'),
      step('--names dump-ports SW 1'),
      step('--names dump-flows SW'),
      step('--names --no-stats dump-flows SW'),
      step('--names dump-groups SW'),
      step('--names queue-stats SW p1'),
      step('--names diff-flows SW @f'),
      step('--names diff-flows @f SW'),
    ],
  },

  // Replacing and comparing.
  {
    name: 'diff-flows',
    ...withFlows,
    files: { flows: FLOWS, other: 'priority=1,in_port=1,actions=output:3\npriority=7,ip,actions=drop\ntable=1,priority=0,actions=CONTROLLER:65535\ntable=1,priority=100,in_port=1,cookie=0x5,idle_timeout=10,actions=goto_table:2\n' },
    steps: [step('diff-flows SW @flows'), step('diff-flows SW @other'), step('diff-flows @other SW'), step('diff-flows @other @flows'), step('diff-flows @flows @flows')],
  },
  {
    name: 'replace-flows',
    ...withFlows,
    files: { flows: FLOWS, other: 'priority=1,in_port=1,actions=output:3\npriority=7,ip,actions=drop\ntable=1,priority=0,actions=CONTROLLER:65535\ntable=1,priority=100,in_port=1,cookie=0x5,idle_timeout=10,actions=goto_table:2\n' },
    steps: [step('replace-flows SW @other'), step('dump-flows SW'), step('replace-flows SW @other'), step('--readd replace-flows SW @other'), step('dump-flows SW')],
  },
  { name: 'replace-flows --bundle', ...withFlows, files: { flows: FLOWS, other: 'priority=1,in_port=1,actions=output:3\n' }, steps: [step('--bundle replace-flows SW @other'), step('dump-flows SW')] },

  // Bundles.
  { name: 'bundle', files: { f: 'in_port=1,actions=drop\nin_port=2,actions=output:1\n' }, steps: [step('--bundle add-flows SW @f'), step('--bundle add-flow SW in_port=3,actions=drop'), step('--bundle del-flows SW in_port=1'), step('dump-flows SW')] },
  { name: 'bundle failure', files: { f: 'in_port=1,actions=drop\nin_port=2,actions=group:77\n' }, steps: [step('--bundle add-flows SW @f'), step('dump-flows SW')] },

  // Groups.
  // Open vSwitch lists groups in hash order, which varies from one refill to the next: compared as sets of lines.
  { name: 'groups', ...withGroups, unordered: true, steps: [step('dump-groups SW'), step('dump-groups SW 2'), step('dump-group-stats SW'), step('dump-group-stats SW group_id=1'), step('dump-group-features SW')] },
  {
    name: 'group changes',
    ...withGroups,
    unordered: true,
    steps: [
      step('add-group SW group_id=5,type=all,bucket=output:1'),
      step('mod-group SW group_id=3,type=indirect,bucket=actions=output:1'),
      step('del-groups SW group_id=2'),
      step('add-group SW -', 'group_id=6,type=select,bucket=output:1,bucket=output:2\n'),
      step('dump-groups SW'),
      step('del-groups SW'),
      step('dump-groups SW'),
    ],
  },
  { name: 'groups in flows', ...withGroups, unordered: true, steps: [step('add-flow SW priority=29,in_port=3,dl_type=0x0800,actions=group:1'), step('dump-flows SW'), step('dump-group-stats SW')] },

  // Meters.
  {
    name: 'meters',
    steps: [
      step('add-meter SW meter=1,kbps,band=type=drop,rate=1000'),
      step('add-meter SW meter=2,pktps,burst,stats,bands=type=drop,rate=100,burst_size=10'),
      step('add-meter SW meter=3,kbps,stats,bands=type=drop,rate=500,type=drop,rate=1000'),
      step('mod-meter SW meter=3,pktps,bands=type=drop,rate=7'),
      step('dump-meters SW'),
      step('dump-meters SW meter=2'),
      step('meter-stats SW meter=1'),
      step('meter-features SW'),
      step('add-flow SW priority=30,in_port=LOCAL,actions=meter:1,output:1'),
      step('dump-flows SW'),
      step('del-meters SW meter=2'),
      step('dump-meters SW'),
      step('del-meters SW'),
      step('dump-meters SW'),
    ],
  },

  // Packets.
  { name: 'packet-out', steps: [step(`packet-out SW in_port=1,packet=${ARP},actions=output:2`), step(`packet-out SW CONTROLLER output:2,output:3 ${UDP}`), step(`packet-out SW 1 table ${ARP} ${UDP}`)] },

  // What fails, and how.
  {
    name: 'bad flows',
    steps: [
      step('add-flow SW in_port=1,foo=2,actions=drop'),
      step('add-flow SW in_port=1'),
      step('add-flow SW in_port=99999999999,actions=drop'),
      step('add-flow SW in_port=1,actions=output:p9'),
      step('add-flow SW tcp,tp_dst=foo,actions=drop'),
      step('dump-flows SW priority=5'),
      step('dump-flows SW table=300'),
      step('del-flows SW cookie=1'),
      step('dump-flows SW'),
    ],
  },
  { name: 'bad file', files: { f: 'in_port=1,actions=drop\nin_port=2,actions=bogus:1\n' }, steps: [step('add-flows SW @f'), step('add-flows SW /nonexistent/file'), step('dump-flows SW')] },
  {
    name: 'switch errors',
    ...withGroups,
    steps: [
      step('add-flow SW priority=99,actions=group:99'),
      step('add-flow SW priority=99,actions=meter:99,output:1'),
      step('add-flow SW table=254,actions=drop'),
      step('add-group SW group_id=1,type=all,bucket=output:1,bucket=output:2'),
      step('add-meter SW meter=1,kbps,band=type=drop,rate=1000'),
      step('add-meter SW meter=1,kbps,band=type=drop,rate=1000'),
      step('add-meter SW meter=4,kbps,band=type=dscp_remark,rate=100,prec_level=1'),
      step('add-group SW group_id=6,type=indirect,bucket=output:1,bucket=output:2'),
    ],
  },
  {
    name: 'switch error in a file',
    files: { f: 'priority=1,actions=drop\npriority=2,actions=group:99\npriority=3,actions=drop\n' },
    steps: [step('add-flows SW @f')],
    knownDifference: 'ovs-ofctl stops sending at the failing flow; ofctl sends flows in pipelined windows of 4,096 and stops after the window with the failure, so priority=3, in the same window, is added',
  },
  {
    name: 'Open vSwitch extensions',
    steps: [step('add-flow SW priority=34,ip,nw_frag=first,actions=output:1'), step('add-flow SW tcp,tcp_flags=+syn-ack,actions=output:1'), step('add-flow SW actions=resubmit(,2)'), step('dump-flows SW')],
    knownDifference: 'ofctl speaks only OpenFlow 1.3 and refuses Nicira extension fields and actions (nw_frag, tcp_flags, resubmit), which ovs-ofctl sends as experimenter OXMs and actions',
  },
  {
    name: 'diff-flows of vlan_tci=0',
    files: { f: 'priority=7,vlan_tci=0,actions=drop\n' },
    setup: [step('add-flows SW @f')],
    steps: [step('diff-flows SW @f')],
    knownDifference: 'ovs-ofctl keeps the file flow\'s full 16-bit TCI mask (vlan_tci=0x0000), which OpenFlow 1.3 cannot carry, so it reports the switch\'s flow (vlan_tci=0x0000/0x1fff) as different; ofctl reads both as the same OXM match',
  },
  {
    name: 'values ovs-ofctl truncates',
    steps: [step('add-flow SW ip,nw_src=10.0.0.300,actions=drop'), step('dump-flows SW')],
    knownDifference: 'ovs-ofctl reads the octet 300 as 44 and adds nw_src=10.0.0.44; ofctl refuses the address (lib/cli/syntax refuses values ovs-ofctl would silently truncate)',
  },
  {
    name: 'command line errors',
    steps: [step('frobnicate SW'), step('add-flow SW'), step('add-flow SW a b'), step('dump-flows nosuchbridge'), step('dump-flows tcp:127.0.0.1:1')],
  },
];
