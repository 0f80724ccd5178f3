/**
 * Commands about the switch as a whole and its ports: show, dump-desc,
 * dump-tables, dump-table-features, dump-ports, dump-ports-desc, mod-port,
 * queue-stats, probe and packet-out, each sending what ovs-ofctl sends
 * (with the xids it uses) and printing what it prints.
 *
 * Ports on the command line are numbers, reserved names (LOCAL, ANY, ...)
 * or the switch's port names; a name costs a PORT_DESC lookup, as in
 * ovs-ofctl, and an unknown one fails with "SWITCH: unknown port `NAME'".
 */
import { OFPMP, OFPP, OFPQ_ALL, OFPT, type TableFeatures } from '../../openflow/index.js';
import { formatBytes } from '../print/index.js';
import { formatTableFeatures } from '../print/tables.js';
import { parsePacketOut, parsePortMod, type ParseOptions } from '../syntax/index.js';
import { parsePortNumber } from '../syntax/ports.js';
import { decodeReply, ErrorReply, type Vconn } from '../vconn.js';
import { parsing } from './flow-commands.js';
import { dumpAndPrint, multipartRequest as multipart, sendChanges, type Unsent } from './requests.js';
import { CommandError, type Session } from './session.js';

/** A port argument: a number or reserved name as is, else one of the switch's names. */
async function portArgument(s: Session, v: Vconn, text: string): Promise<number> {
  const port = parsePortNumber(text, undefined, s.warn);
  if (port !== undefined) return port;
  const found = (await s.ports(v)).byName.get(text);
  if (found === undefined) throw new CommandError(`${v.name}: unknown port \`${text}'`);
  return found;
}

/** show SWITCH: features, port descriptions, then (as on a second connection) the switch config. */
export async function show(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  // ovs-ofctl shows port numbers here even with --names (and looks nothing up).
  const popts = await s.printOptions(undefined);
  const out = s.io.stdout;
  const print = async (request: Unsent): Promise<void> => {
    const msg = { ...request, xid: v.allocXid() } as Parameters<Vconn['transact']>[0];
    try {
      if (msg.type === OFPT.MULTIPART_REQUEST) await v.dump(msg, (m) => out.write(formatBytes(m.raw, popts)));
      else out.write(formatBytes((await v.transact(msg)).raw, popts));
    } catch (e) {
      if (!(e instanceof ErrorReply)) throw e;
      out.write(formatBytes(e.raw, popts));
    }
  };
  await print({ type: OFPT.FEATURES_REQUEST });
  await print(multipart(OFPMP.PORT_DESC));
  // ovs-ofctl looks up port and table names here with --names (two side
  // connections it then does not use for printing), and opens a connection
  // of its own for the config request: xids to spend as it does.
  if (s.opts.names) v.skipXids(4);
  v.skipXids(1);
  await print({ type: OFPT.GET_CONFIG_REQUEST });
  return 0;
}

/** dump-desc, dump-tables, dump-group-features and friends: one request, replies printed. */
export async function simpleDump(s: Session, args: readonly string[], mp: OFPMP): Promise<number> {
  const v = await s.connect(args[0]!);
  return dumpAndPrint(s, v, multipart(mp));
}

/** dump-table-features SWITCH: every table's features, compressed across replies, without headers. */
export async function dumpTableFeatures(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  const tables: TableFeatures[] = [];
  const xid = v.allocXid();
  try {
    await v.dump({ type: OFPT.MULTIPART_REQUEST, xid, flags: 0, mp_type: OFPMP.TABLE_FEATURES, body: [] }, (m) => {
      const msg = decodeReply(m);
      if (msg.type === OFPT.MULTIPART_REPLY && msg.mp_type === OFPMP.TABLE_FEATURES) tables.push(...msg.body);
    });
  } catch (e) {
    if (!(e instanceof ErrorReply)) throw e;
    s.io.stdout.write(formatBytes(e.raw, { verbosity: s.opts.verbosity + 1 }));
    return 0;
  }
  // ovs-ofctl prints each table's block followed by a blank line, rather than preceded by one.
  const text = formatTableFeatures(tables, false);
  if (text !== '') s.io.stdout.write(`${text.startsWith('\n') ? text.slice(1) : text}\n`);
  return 0;
}

/** dump-ports SWITCH [PORT]. */
export async function dumpPorts(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  const port = args[1] === undefined ? OFPP.ANY : await portArgument(s, v, args[1]);
  return dumpAndPrint(s, v, multipart(OFPMP.PORT_STATS, { port_no: port }));
}

/** dump-ports-desc SWITCH [PORT]: OpenFlow 1.3 cannot ask for one port, so every port is shown. */
export async function dumpPortsDesc(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  if (args[1] !== undefined) await portArgument(s, v, args[1]);
  // Port numbers even with --names, as ovs-ofctl prints them.
  return dumpAndPrint(s, v, multipart(OFPMP.PORT_DESC), v.allocXid(), false);
}

/** mod-port SWITCH PORT ACTION. */
export async function modPort(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  const ports = await s.ports(v);
  const mod = parsing(undefined, () => {
    try {
      return parsePortMod(args[1]!, args[2]!, ports.ports);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith("couldn't find port")) throw new CommandError(`${v.name}: ${e.message}`);
      throw e;
    }
  });
  await sendChanges(s, v, [mod], { xidStride: 2, bundlable: false, what: 'port mods' });
  return 0;
}

/** queue-stats SWITCH [PORT [QUEUE]]: a queue is "all" or a number, read as C's atoi() reads it. */
export async function queueStats(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  const port = args[1] === undefined ? OFPP.ANY : await portArgument(s, v, args[1]);
  let queue = OFPQ_ALL;
  if (args[2] !== undefined && args[2].toLowerCase() !== 'all') {
    const m = /^\s*([+-]?\d+)/.exec(args[2]);
    queue = m ? Number(BigInt.asUintN(32, BigInt(m[1]!))) : 0;
  }
  return dumpAndPrint(s, v, multipart(OFPMP.QUEUE, { port_no: port, queue_id: queue }));
}

/** probe SWITCH: an echo request (xid 0, as ovs-ofctl sends it) and its reply; prints nothing. */
export async function probe(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  await v.transact({ type: OFPT.ECHO_REQUEST, xid: 0, data: Buffer.alloc(0) }, (m) => m.type === OFPT.ECHO_REPLY || m.type === OFPT.ERROR);
  return 0;
}

/** The old packet-out syntax's frame: hex digits, white space allowed between bytes. */
function packetHex(text: string): string {
  const hex = text.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new CommandError('Trailing garbage in packet data');
  if (hex.length < 28) throw new CommandError('Packet data too short for Ethernet');
  return hex;
}

/**
 * packet-out SWITCH PACKET-OUT (`in_port=..,packet=..,actions=..`), or the
 * older SWITCH IN_PORT ACTIONS PACKET... (one packet-out per packet).
 */
export async function packetOut(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  const popts: ParseOptions = await s.parseOptions(v, 'tables+ports');
  const outs: Unsent[] = [];
  if (args.length === 2) {
    outs.push(parsing(undefined, () => parsePacketOut(args[1]!, popts)));
  } else {
    const [, inPort, actions, ...packets] = args;
    if (packets.length === 0) throw new CommandError('must specify packet');
    for (const p of packets) {
      const hex = packetHex(p);
      outs.push(parsing(undefined, () => parsePacketOut(`in_port=${inPort},packet=${hex},actions=${actions}`, popts)));
    }
  }
  await sendChanges(s, v, outs, { xidStride: 2, bundlable: false, what: 'packets' });
  return 0;
}
