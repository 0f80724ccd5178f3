/**
 * The seam between the connection manager (lib/conn) and the OpenFlow switch
 * (lib/ofproto).
 *
 * Connections own everything that is per connection: HELLO and version,
 * ECHO, FEATURES, GET/SET_CONFIG, BARRIER, roles, async config, multipart
 * reassembly and splitting, the packet-in queue and its rate limit. The
 * switch owns everything that is switch state: tables, groups, meters, ports,
 * packet buffers, statistics. A connection hands the switch each request
 * that is about switch state, in arrival order, and sends back what it
 * returns; the switch raises asynchronous events that the connection manager
 * routes to the connections whose role and async config want them.
 */
import type {
  FlowRemoved,
  Match,
  OfpMessage,
  PortStatus,
} from '../openflow/index.js';

/** Who sent a request, as the switch needs to know it. */
export interface RequestOrigin {
  /** Unique per connection for the life of the process. */
  readonly connId: number;
}

/**
 * A packet the pipeline sends to the controllers (output:CONTROLLER, a
 * table-miss flow, an invalid TTL). Each connection turns it into its own
 * OFPT_PACKET_IN: it chooses how much of the frame to send and whether to
 * buffer it (see `bufferPacket`).
 */
export interface PacketInEvent {
  reason: number;
  table_id: number;
  cookie: bigint;
  /** in_port, in_phy_port, metadata and tunnel_id, as the spec's packet-in match carries them. */
  match: Match;
  /** The whole frame as it left the pipeline. */
  frame: Buffer;
  /** max_len of the output action (OFPCML_NO_BUFFER for "send it all, unbuffered"). */
  max_len: number;
}

export type AsyncEvent =
  | { kind: 'packet-in'; event: PacketInEvent }
  | { kind: 'flow-removed'; msg: Omit<FlowRemoved, 'xid'> }
  | {
      kind: 'port-status';
      msg: Omit<PortStatus, 'xid'>;
      /** The connection whose PORT_MOD made the change; before OpenFlow 1.5 it is not told (connmgr). */
      origin?: RequestOrigin;
    };

/** FEATURES_REPLY's switch-wide fields. */
export interface SwitchFeatures {
  datapath_id: bigint;
  n_buffers: number;
  n_tables: number;
  capabilities: number;
}

/** What the connection manager needs from an OpenFlow switch. */
export interface OpenFlowSwitch {
  features(): SwitchFeatures;

  /**
   * Handles one message about switch state: FLOW_MOD, GROUP_MOD, PORT_MOD,
   * TABLE_MOD, METER_MOD, PACKET_OUT, a whole (reassembled) MULTIPART_REQUEST,
   * QUEUE_GET_CONFIG_REQUEST, EXPERIMENTER. Returns the replies in order (a
   * multipart reply with its body whole and flags 0: the connection splits
   * it), or throws an OfpError having changed nothing. An error OfpError
   * cannot express (an experimenter error, such as the ONF bundle errors of
   * OF1.3) comes back as an OFPT_ERROR among the replies instead, also
   * having changed nothing. Each reply carries its xid: the request's, except
   * where the spec gives another (the errors of a failed bundle commit carry
   * the failing message's). When it returns (or
   * its promise resolves) the change is applied everywhere, datapath caches
   * included, so a BARRIER_REPLY sent after it tells the truth.
   */
  handle(msg: OfpMessage, origin: RequestOrigin): OfpMessage[] | Promise<OfpMessage[]>;

  /**
   * Stores a frame in the packet buffer pool for a later PACKET_OUT or
   * FLOW_MOD with its buffer_id; returns OFP_NO_BUFFER when the pool has no
   * room or buffering is off.
   */
  bufferPacket(frame: Buffer, inPort: number): number;

  /** Subscribes to asynchronous events; returns the unsubscribe function. */
  onAsync(listener: (e: AsyncEvent) => void): () => void;

  /**
   * Tells the switch whether any controller is connected, for fail mode
   * `standalone` (forward as an L2 learning switch while none is).
   */
  setControllerConnected(connected: boolean): void;

  /**
   * SET_CONFIG's fragment handling mode (OFPC_FRAG_*), switch-wide. Returns
   * whether the switch now uses it; false leaves the mode as it was (a mode
   * the datapath lacks). Optional: without it only OFPC_FRAG_NORMAL is
   * supported.
   */
  setFragHandling?(frag: number): boolean;

  /**
   * Tells the switch that a connection closed, so that it can drop what
   * belonged to it (bundles opened by it). Optional: a switch with no
   * per-connection state need not implement it.
   */
  connectionClosed?(connId: number): void;
}
