/**
 * A small OpenFlowSwitch for connection tests: answers what `ovs-ofctl show`,
 * `dump-desc`, `dump-tables` and `dump-ports-desc` ask, records every request
 * with its origin, and lets a test make `handle` slow (a promise), failing,
 * or produce a large multipart reply, and raise asynchronous events.
 */
import {
  OFP_NO_BUFFER,
  OFPBRC,
  OFPC,
  OFPET,
  OFPMP,
  OFPPF,
  OFPT,
  OfpError,
  type FlowStats,
  type OfpMessage,
  type Port,
} from '../../lib/openflow/index.js';
import type { AsyncEvent, OpenFlowSwitch, RequestOrigin, SwitchFeatures } from '../../lib/ofproto/switch-api.js';

export interface Recorded {
  msg: OfpMessage;
  origin: RequestOrigin;
}

export function fakePort(port_no: number, name: string): Port {
  return {
    port_no,
    hw_addr: `02:00:00:00:00:${port_no.toString(16).padStart(2, '0')}`,
    name,
    config: 0,
    state: 0,
    curr: OFPPF._10GB_FD | OFPPF.COPPER,
    advertised: 0,
    supported: 0,
    peer: 0,
    curr_speed: 10_000_000,
    max_speed: 0,
  };
}

export class FakeSwitch implements OpenFlowSwitch {
  readonly requests: Recorded[] = [];
  readonly connectedCalls: boolean[] = [];
  /** Connection ids the manager reported closed. */
  readonly closedConns: number[] = [];
  ports: Port[] = [fakePort(1, 'p1'), fakePort(2, 'p2')];
  /** Number of flow entries a FLOW stats request returns. */
  flowCount = 0;
  /** When set, handle() waits this long (ms) before answering. */
  delayMs = 0;
  /** When set, handle() throws it (for FLOW_MOD only). */
  flowModError: OfpError | undefined;
  buffering = true;
  private nextBuffer = 1;
  readonly buffered: Array<{ id: number; frame: Buffer; inPort: number }> = [];
  private readonly listeners = new Set<(e: AsyncEvent) => void>();
  /** Order in which requests finished, to check barrier ordering. */
  readonly completed: number[] = [];

  features(): SwitchFeatures {
    return {
      datapath_id: 0x1234n,
      n_buffers: 256,
      n_tables: 254,
      capabilities: OFPC.FLOW_STATS | OFPC.TABLE_STATS | OFPC.PORT_STATS | OFPC.GROUP_STATS,
    };
  }

  handle(msg: OfpMessage, origin: RequestOrigin): OfpMessage[] | Promise<OfpMessage[]> {
    this.requests.push({ msg, origin });
    const answer = (): OfpMessage[] => {
      this.completed.push(msg.xid);
      return this.answer(msg);
    };
    if (this.delayMs > 0) return new Promise((resolve, reject) => setTimeout(() => {
      try {
        resolve(answer());
      } catch (e) {
        reject(e);
      }
    }, this.delayMs));
    return answer();
  }

  private answer(msg: OfpMessage): OfpMessage[] {
    switch (msg.type) {
      case OFPT.FLOW_MOD:
        if (this.flowModError) throw this.flowModError;
        return [];
      case OFPT.EXPERIMENTER:
        throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_EXPERIMENTER);
      case OFPT.QUEUE_GET_CONFIG_REQUEST:
        return [{ type: OFPT.QUEUE_GET_CONFIG_REPLY, xid: msg.xid, port: msg.port, queues: [] }];
      case OFPT.MULTIPART_REQUEST:
        switch (msg.mp_type) {
          case OFPMP.DESC:
            return [
              {
                type: OFPT.MULTIPART_REPLY,
                xid: msg.xid,
                flags: 0,
                mp_type: OFPMP.DESC,
                body: { mfr_desc: 'fake', hw_desc: 'fake hw', sw_desc: 'fake sw', serial_num: '1', dp_desc: 'fake dp' },
              },
            ];
          case OFPMP.PORT_DESC:
            return [{ type: OFPT.MULTIPART_REPLY, xid: msg.xid, flags: 0, mp_type: OFPMP.PORT_DESC, body: this.ports }];
          case OFPMP.TABLE:
            return [
              {
                type: OFPT.MULTIPART_REPLY,
                xid: msg.xid,
                flags: 0,
                mp_type: OFPMP.TABLE,
                body: Array.from({ length: 254 }, (_, table_id) => ({ table_id, active_count: 0, lookup_count: 0n, matched_count: 0n })),
              },
            ];
          case OFPMP.TABLE_FEATURES:
            return [{ type: OFPT.MULTIPART_REPLY, xid: msg.xid, flags: 0, mp_type: OFPMP.TABLE_FEATURES, body: [] }];
          case OFPMP.FLOW:
            return [{ type: OFPT.MULTIPART_REPLY, xid: msg.xid, flags: 0, mp_type: OFPMP.FLOW, body: this.flows() }];
          default:
            throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART);
        }
      default:
        return [];
    }
  }

  private flows(): FlowStats[] {
    return Array.from({ length: this.flowCount }, (_, i) => ({
      table_id: 0,
      duration_sec: 1,
      duration_nsec: 0,
      priority: i,
      idle_timeout: 0,
      hard_timeout: 0,
      flags: 0,
      cookie: BigInt(i),
      packet_count: 0n,
      byte_count: 0n,
      match: [{ field: 'in_port', value: (i % 100) + 1 }],
      instructions: [],
    }));
  }

  bufferPacket(frame: Buffer, inPort: number): number {
    if (!this.buffering) return OFP_NO_BUFFER;
    const id = this.nextBuffer++;
    this.buffered.push({ id, frame, inPort });
    return id;
  }

  onAsync(listener: (e: AsyncEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setControllerConnected(connected: boolean): void {
    this.connectedCalls.push(connected);
  }

  connectionClosed(connId: number): void {
    this.closedConns.push(connId);
  }

  emit(e: AsyncEvent): void {
    for (const l of this.listeners) l(e);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
