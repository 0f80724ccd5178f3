/**
 * Every ofctl command: its arguments, what it does, an example, and the
 * function that runs it. The table drives dispatch, argument-count checks
 * (with ovs-ofctl's messages) and `--help`.
 */
import { OFPMP } from '../../openflow/constants.js';
import { prefetchFlowDump } from './prefetch.js';
import type { Session } from './session.js';

// Each command's module is loaded when the command runs, so that ofctl
// starts by loading only what every command needs (the connection), and a
// command can ask the switch for something before loading its printer.
const flows = (): Promise<typeof import('./flow-commands.js')> => import('./flow-commands.js');
const diff = (): Promise<typeof import('./flow-diff.js')> => import('./flow-diff.js');
const groups = (): Promise<typeof import('./group-meter-commands.js')> => import('./group-meter-commands.js');
const sw = (): Promise<typeof import('./switch-commands.js')> => import('./switch-commands.js');
const misc = (): Promise<typeof import('./monitor-print.js')> => import('./monitor-print.js');

export interface CommandSpec {
  readonly name: string;
  /** The arguments after the command, as usage shows them. */
  readonly usage: string;
  readonly min: number;
  readonly max: number;
  readonly summary: string;
  readonly example: string;
  /** Runs the command; resolves with the exit status. */
  readonly run: (s: Session, args: readonly string[]) => Promise<number>;
}

const MANY = Number.MAX_SAFE_INTEGER;

export const COMMANDS: readonly CommandSpec[] = [
  // The switch.
  { name: 'show', usage: 'SWITCH', min: 1, max: 1, summary: 'show OpenFlow information', example: 'ofctl show br0', run: async (s, a) => (await sw()).show(s, a) },
  { name: 'dump-desc', usage: 'SWITCH', min: 1, max: 1, summary: 'print switch description', example: 'ofctl dump-desc tcp:127.0.0.1:6634', run: async (s, a) => (await sw()).simpleDump(s, a, OFPMP.DESC) },
  { name: 'dump-tables', usage: 'SWITCH', min: 1, max: 1, summary: 'print table stats', example: 'ofctl dump-tables br0', run: async (s, a) => (await sw()).simpleDump(s, a, OFPMP.TABLE) },
  { name: 'dump-table-features', usage: 'SWITCH', min: 1, max: 1, summary: 'print table features', example: 'ofctl dump-table-features br0', run: async (s, a) => (await sw()).dumpTableFeatures(s, a) },
  // Ports.
  { name: 'dump-ports', usage: 'SWITCH [PORT]', min: 1, max: 2, summary: 'print port statistics', example: 'ofctl dump-ports br0 1', run: async (s, a) => (await sw()).dumpPorts(s, a) },
  { name: 'dump-ports-desc', usage: 'SWITCH [PORT]', min: 1, max: 2, summary: 'print port descriptions', example: 'ofctl dump-ports-desc br0', run: async (s, a) => (await sw()).dumpPortsDesc(s, a) },
  { name: 'mod-port', usage: 'SWITCH PORT ACTION', min: 3, max: 3, summary: 'modify port behavior (up, down, [no-]receive, [no-]forward, [no-]packet-in)', example: 'ofctl mod-port br0 eth1 down', run: async (s, a) => (await sw()).modPort(s, a) },
  { name: 'queue-stats', usage: 'SWITCH [PORT [QUEUE]]', min: 1, max: 3, summary: 'dump queue stats', example: 'ofctl queue-stats br0 1 all', run: async (s, a) => (await sw()).queueStats(s, a) },
  // Flows.
  { name: 'dump-flows', usage: 'SWITCH [FLOW]', min: 1, max: 2, summary: 'print all flow entries, or those matching FLOW', example: 'ofctl --rsort=priority dump-flows br0 table=0,tcp', run: async (s, a) => {
      const early = prefetchFlowDump(s, a);
      early.catch(() => undefined); // reported when awaited below, after the module has loaded
      return (await flows()).dumpFlows(s, a, await early);
    } },
  { name: 'dump-aggregate', usage: 'SWITCH [FLOW]', min: 1, max: 2, summary: 'print aggregate flow statistics', example: 'ofctl dump-aggregate br0 in_port=1', run: async (s, a) => (await flows()).dumpAggregate(s, a) },
  { name: 'add-flow', usage: 'SWITCH FLOW', min: 2, max: 2, summary: 'add flow described by FLOW (- reads flows from stdin)', example: "ofctl add-flow br0 'priority=10,tcp,nw_dst=10.0.0.1,tp_dst=80,actions=output:2'", run: async (s, a) => (await flows()).flowModCommand(s, a, 'add') },
  { name: 'add-flows', usage: 'SWITCH FILE', min: 2, max: 2, summary: 'add flows from FILE (- for stdin; lines may start with add/modify/delete)', example: 'ofctl add-flows br0 flows.txt', run: async (s, a) => (await flows()).addFlows(s, a) },
  { name: 'mod-flows', usage: 'SWITCH FLOW', min: 2, max: 2, summary: 'modify actions of matching FLOWs (--strict: exactly FLOW)', example: "ofctl mod-flows br0 'in_port=1,actions=output:3'", run: async (s, a) => (await flows()).flowModCommand(s, a, 'modify') },
  { name: 'del-flows', usage: 'SWITCH [FLOW]', min: 1, max: 2, summary: 'delete matching FLOWs, or all flows (--strict: exactly FLOW)', example: "ofctl --strict del-flows br0 'priority=10,tcp,tp_dst=80'", run: async (s, a) => (await flows()).flowModCommand(s, a, 'delete') },
  { name: 'replace-flows', usage: 'SWITCH FILE', min: 2, max: 2, summary: "replace flows with those in FILE (--readd: re-add unchanged flows too)", example: 'ofctl --bundle replace-flows br0 flows.txt', run: async (s, a) => (await diff()).replaceFlows(s, a) },
  { name: 'diff-flows', usage: 'SOURCE1 SOURCE2', min: 2, max: 2, summary: 'compare flows from two sources (switches or files); exit 2 if they differ', example: 'ofctl diff-flows br0 flows.txt', run: async (s, a) => (await diff()).diffFlows(s, a) },
  // Groups.
  { name: 'dump-groups', usage: 'SWITCH [GROUP]', min: 1, max: 2, summary: 'print group descriptions', example: 'ofctl dump-groups br0', run: async (s, a) => (await groups()).dumpGroups(s, a) },
  { name: 'dump-group-stats', usage: 'SWITCH [GROUP]', min: 1, max: 2, summary: 'print group statistics', example: 'ofctl dump-group-stats br0 group_id=1', run: async (s, a) => (await groups()).dumpGroupStats(s, a) },
  { name: 'dump-group-features', usage: 'SWITCH', min: 1, max: 1, summary: 'print group features', example: 'ofctl dump-group-features br0', run: async (s, a) => (await groups()).dumpGroupFeatures(s, a) },
  { name: 'add-group', usage: 'SWITCH GROUP', min: 2, max: 2, summary: 'add group described by GROUP (- reads groups from stdin)', example: "ofctl add-group br0 'group_id=1,type=select,bucket=output:1,bucket=output:2'", run: async (s, a) => (await groups()).groupModCommand(s, a, 'add') },
  { name: 'add-groups', usage: 'SWITCH FILE', min: 2, max: 2, summary: 'add groups from FILE (- for stdin)', example: 'ofctl add-groups br0 groups.txt', run: async (s, a) => (await groups()).addGroups(s, a) },
  { name: 'mod-group', usage: 'SWITCH GROUP', min: 2, max: 2, summary: 'modify a group', example: "ofctl mod-group br0 'group_id=1,type=all,bucket=output:3'", run: async (s, a) => (await groups()).groupModCommand(s, a, 'modify') },
  { name: 'del-groups', usage: 'SWITCH [GROUP]', min: 1, max: 2, summary: 'delete matching GROUPs, or all groups', example: 'ofctl del-groups br0 group_id=1', run: async (s, a) => (await groups()).groupModCommand(s, a, 'delete') },
  // Meters.
  { name: 'add-meter', usage: 'SWITCH METER', min: 2, max: 2, summary: 'add a meter', example: "ofctl add-meter br0 'meter=1,kbps,burst,bands=type=drop,rate=1000,burst_size=100'", run: async (s, a) => (await groups()).meterModCommand(s, a, 'add') },
  { name: 'mod-meter', usage: 'SWITCH METER', min: 2, max: 2, summary: 'modify a meter', example: "ofctl mod-meter br0 'meter=1,kbps,bands=type=drop,rate=2000'", run: async (s, a) => (await groups()).meterModCommand(s, a, 'modify') },
  { name: 'del-meters', usage: 'SWITCH [METER]', min: 1, max: 2, summary: 'delete a meter, or all meters', example: 'ofctl del-meters br0 meter=1', run: async (s, a) => (await groups()).meterModCommand(s, a, 'delete') },
  { name: 'dump-meters', usage: 'SWITCH [METER]', min: 1, max: 2, summary: 'print meter configuration', example: 'ofctl dump-meters br0', run: async (s, a) => (await groups()).meterRequest(s, a, OFPMP.METER_CONFIG) },
  { name: 'meter-stats', usage: 'SWITCH [METER]', min: 1, max: 2, summary: 'print meter statistics', example: 'ofctl meter-stats br0 meter=1', run: async (s, a) => (await groups()).meterRequest(s, a, OFPMP.METER) },
  { name: 'meter-features', usage: 'SWITCH', min: 1, max: 1, summary: 'print meter features', example: 'ofctl meter-features br0', run: async (s, a) => (await groups()).meterFeatures(s, a) },
  // Packets and the connection.
  { name: 'packet-out', usage: 'SWITCH PACKET-OUT | SWITCH IN_PORT ACTIONS PACKET...', min: 2, max: MANY, summary: 'execute ACTIONS on PACKET', example: "ofctl packet-out br0 'in_port=LOCAL,packet=ffffffffffff0000000000010806...,actions=FLOOD'", run: async (s, a) => (await sw()).packetOut(s, a) },
  { name: 'monitor', usage: 'SWITCH [MISS-LEN] [invalid_ttl]', min: 1, max: 3, summary: 'print packet-ins and other asynchronous messages as they arrive (on stderr)', example: 'ofctl monitor br0 65534', run: async (s, a) => (await misc()).monitor(s, a) },
  { name: 'probe', usage: 'SWITCH', min: 1, max: 1, summary: 'probe whether SWITCH is responding', example: 'ofctl probe br0', run: async (s, a) => (await sw()).probe(s, a) },
  // Offline.
  { name: 'ofp-print', usage: 'HEX|FILE [VERBOSITY]', min: 1, max: 2, summary: 'decode an OpenFlow message given in hex (- for stdin), or each message of a file', example: 'ofctl ofp-print 0400000800000001', run: async (s, a) => (await misc()).ofpPrint(s, a) },
  { name: 'ofp-parse', usage: 'FILE', min: 1, max: 1, summary: 'print each OpenFlow message in binary FILE (- for stdin)', example: 'ofctl ofp-parse capture.bin', run: async (s, a) => (await misc()).ofpParse(s, a) },
];

/** The command named `name`, if there is one. */
export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** The commands section of --help: every command, what it does, and an example. */
export function commandsHelp(): string {
  const width = 34;
  let s = '\nCommands (SWITCH is tcp:HOST[:PORT], unix:PATH or a bridge name):\n';
  for (const c of COMMANDS) {
    const head = `  ${c.name} ${c.usage}`;
    s += head.length <= width ? `${head.padEnd(width)}  ${c.summary}\n` : `${head}\n${''.padEnd(width)}  ${c.summary}\n`;
    s += `${''.padEnd(width)}    e.g. ${c.example}\n`;
  }
  return s;
}
