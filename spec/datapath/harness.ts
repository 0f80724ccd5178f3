/**
 * A switch for the datapath tests: a Bridge on a manual clock with tracked
 * classifiers (change-log.ts), dummy ports 1..n, a Datapath attached, and
 * helpers that program it in ovs-ofctl's syntax (lib/cli/syntax, the same
 * text the Open vSwitch differential test feeds ovs-ofctl) and send frames
 * through the dummy devices.
 */
import { DummyNetdev } from '../../lib/netdev/dummy.js';
import { Bridge, type BridgeOptions } from '../../lib/ofproto/bridge.js';
import { ManualClock } from '../../lib/ofproto/clock.js';
import type { AsyncEvent, PacketInEvent } from '../../lib/ofproto/switch-api.js';
import { parseFlow, parseGroup, parseMeter, type FlowCommand } from '../../lib/cli/syntax/index.js';
import type { OfpMessage } from '../../lib/openflow/types.js';
import { Datapath, type DatapathOptions } from '../../lib/datapath/datapath.js';
import { trackedClassifiers } from '../../lib/datapath/change-log.js';

export interface TestSwitch {
  bridge: Bridge;
  dp: Datapath;
  clock: ManualClock;
  ports: Map<number, DummyNetdev>;
  packetIns: PacketInEvent[];
  events: AsyncEvent[];
  /** Applies flow-mods in ovs-ofctl syntax (add by default). */
  flows(lines: string | readonly string[], command?: FlowCommand): Promise<void>;
  groups(lines: string | readonly string[], command?: 'add' | 'modify' | 'delete'): Promise<void>;
  meters(lines: string | readonly string[], command?: 'add' | 'modify' | 'delete'): Promise<void>;
  /** Any switch-state message (port-mod, ...). */
  handle(msg: OfpMessage): Promise<void>;
  /** Receives `frame` on `port`; returns what each port sent meanwhile (hex), packet-ins included under port 0. */
  send(port: number, frame: Uint8Array): Map<number, string[]>;
  /** Frames sent by each port since the last call (hex), and clears them. */
  drain(): Map<number, string[]>;
}

export interface TestSwitchOptions {
  nPorts?: number;
  dp?: DatapathOptions;
  bridge?: Partial<BridgeOptions>;
  /** Build the bridge without tracked classifiers (revalidate-everything mode). */
  untracked?: boolean;
}

export function testSwitch(opts: TestSwitchOptions = {}): TestSwitch {
  const clock = new ManualClock(1000);
  const bridge = new Bridge({
    datapathId: 1n,
    clock,
    ...(opts.untracked ? {} : { classifier: trackedClassifiers() }),
    ...opts.bridge,
  });
  const ports = new Map<number, DummyNetdev>();
  for (let p = 1; p <= (opts.nPorts ?? 4); p++) {
    const nd = new DummyNetdev(`p${p}`);
    ports.set(p, nd);
    bridge.addPort(nd, p);
  }
  const dp = new Datapath(bridge, { revalidateIntervalMs: 3_600_000, ...opts.dp }).attach();
  const packetIns: PacketInEvent[] = [];
  const events: AsyncEvent[] = [];
  bridge.onAsync((e) => {
    events.push(e);
    if (e.kind === 'packet-in') packetIns.push(e.event);
  });
  const handle = async (msg: OfpMessage): Promise<void> => {
    await bridge.handle(msg, { connId: 1 });
  };
  const drain = (): Map<number, string[]> => {
    const out = new Map<number, string[]>();
    for (const [no, nd] of ports) {
      if (nd.sent.length > 0) out.set(no, nd.sent.map((b) => b.toString('hex')));
      nd.sent.length = 0;
    }
    const local = bridge.ports.get(0xfffffffe)?.netdev;
    if (local instanceof DummyNetdev && local.sent.length > 0) {
      out.set(0xfffffffe, local.sent.map((b) => b.toString('hex')));
      local.sent.length = 0;
    }
    return out;
  };
  const sw: TestSwitch = {
    bridge,
    dp,
    clock,
    ports,
    packetIns,
    events,
    async flows(lines, command = 'add') {
      for (const l of typeof lines === 'string' ? [lines] : lines) {
        await handle({ ...parseFlow(l, { command }), xid: 1 } as OfpMessage);
      }
    },
    async groups(lines, command = 'add') {
      for (const l of typeof lines === 'string' ? [lines] : lines) {
        await handle({ ...parseGroup(l, { command }), xid: 1 } as OfpMessage);
      }
    },
    async meters(lines, command = 'add') {
      for (const l of typeof lines === 'string' ? [lines] : lines) {
        await handle({ ...parseMeter(l, { command }), xid: 1 } as OfpMessage);
      }
    },
    handle,
    send(port, frame) {
      drain();
      ports.get(port)!.receive(Buffer.from(frame));
      dp.handleUpcalls();
      return drain();
    },
    drain,
  };
  return sw;
}
