/**
 * The decoded form of every OpenFlow 1.3 message and structure.
 *
 * These are plain values, so that a decoding can be printed, compared with
 * another implementation's (Ryu's JSON, tshark) and built by hand in tests:
 * - field names are the spec's (`buffer_id`, `idle_timeout`), except where a
 *   spec field called `type` would clash with the message's own `type`
 *   (`err_type`, `group_type`, `mp_type`);
 * - numbers for fields up to 32 bits, bigints for 64-bit fields;
 * - Ethernet addresses as "aa:bb:cc:dd:ee:ff", IPv4 as dotted quads, IPv6 in
 *   the RFC 5952 text form; opaque payloads as Buffers.
 * Experimenter structures keep their bytes so that they round-trip exactly.
 */
import type {
  OFPAT,
  OFPCR_ROLE,
  OFPGC,
  OFPGT,
  OFPHET,
  OFPIT,
  OFPMBT,
  OFPMC,
  OFPMP,
  OFPQT,
  OFPT,
  OFPTFPT,
} from './constants.js';

/* ---------------------------------------------------------------- match */

/** The OpenFlow basic OXM fields (class 0x8000), by their OXM_OF_* names. */
export type OxmName =
  | 'in_port'
  | 'in_phy_port'
  | 'metadata'
  | 'eth_dst'
  | 'eth_src'
  | 'eth_type'
  | 'vlan_vid'
  | 'vlan_pcp'
  | 'ip_dscp'
  | 'ip_ecn'
  | 'ip_proto'
  | 'ipv4_src'
  | 'ipv4_dst'
  | 'tcp_src'
  | 'tcp_dst'
  | 'udp_src'
  | 'udp_dst'
  | 'sctp_src'
  | 'sctp_dst'
  | 'icmpv4_type'
  | 'icmpv4_code'
  | 'arp_op'
  | 'arp_spa'
  | 'arp_tpa'
  | 'arp_sha'
  | 'arp_tha'
  | 'ipv6_src'
  | 'ipv6_dst'
  | 'ipv6_flabel'
  | 'icmpv6_type'
  | 'icmpv6_code'
  | 'ipv6_nd_target'
  | 'ipv6_nd_sll'
  | 'ipv6_nd_tll'
  | 'mpls_label'
  | 'mpls_tc'
  | 'mpls_bos'
  | 'pbb_isid'
  | 'tunnel_id'
  | 'ipv6_exthdr';

/** number (≤ 32 bits), bigint (metadata, tunnel_id) or address text. */
export type OxmValue = number | bigint | string;

/** One OpenFlow basic match field; `mask` only where the spec allows one. */
export interface OxmBasic {
  field: OxmName;
  value: OxmValue;
  mask?: OxmValue;
}

/**
 * A field of another OXM class (Nicira's NXM_0/NXM_1, experimenter 0xffff),
 * kept as bytes: `payload` is everything after the 4-byte OXM header (for
 * the experimenter class it starts with the experimenter id).
 */
export interface OxmOther {
  field: 'other';
  oxm_class: number;
  oxm_field: number;
  hasmask: boolean;
  payload: Buffer;
}

export type OxmField = OxmBasic | OxmOther;

/** struct ofp_match with type OFPMT_OXM: just its fields, in wire order. */
export type Match = OxmField[];

/** An OXM header as listed in table features (no value). */
export interface OxmId {
  oxm_class: number;
  oxm_field: number;
  hasmask: boolean;
  /** oxm_length from the header: the payload length it announces. */
  length: number;
  /** Only for the experimenter class (0xffff), which carries it after the header. */
  experimenter?: number;
}

/* -------------------------------------------------------------- actions */

export interface ActionOutput {
  type: OFPAT.OUTPUT;
  port: number;
  max_len: number;
}
export interface ActionBare {
  type:
    | OFPAT.COPY_TTL_OUT
    | OFPAT.COPY_TTL_IN
    | OFPAT.DEC_MPLS_TTL
    | OFPAT.POP_VLAN
    | OFPAT.DEC_NW_TTL
    | OFPAT.POP_PBB;
}
export interface ActionSetMplsTtl {
  type: OFPAT.SET_MPLS_TTL;
  mpls_ttl: number;
}
export interface ActionPush {
  type: OFPAT.PUSH_VLAN | OFPAT.PUSH_MPLS | OFPAT.PUSH_PBB;
  ethertype: number;
}
export interface ActionPopMpls {
  type: OFPAT.POP_MPLS;
  ethertype: number;
}
export interface ActionSetQueue {
  type: OFPAT.SET_QUEUE;
  queue_id: number;
}
export interface ActionGroup {
  type: OFPAT.GROUP;
  group_id: number;
}
export interface ActionSetNwTtl {
  type: OFPAT.SET_NW_TTL;
  nw_ttl: number;
}
export interface ActionSetField {
  type: OFPAT.SET_FIELD;
  field: OxmField;
}
/** `data` is everything after the 8-byte experimenter action header, padding included. */
export interface ActionExperimenter {
  type: OFPAT.EXPERIMENTER;
  experimenter: number;
  data: Buffer;
}

export type Action =
  | ActionOutput
  | ActionBare
  | ActionSetMplsTtl
  | ActionPush
  | ActionPopMpls
  | ActionSetQueue
  | ActionGroup
  | ActionSetNwTtl
  | ActionSetField
  | ActionExperimenter;

/* --------------------------------------------------------- instructions */

export interface InstructionGotoTable {
  type: OFPIT.GOTO_TABLE;
  table_id: number;
}
export interface InstructionWriteMetadata {
  type: OFPIT.WRITE_METADATA;
  metadata: bigint;
  metadata_mask: bigint;
}
/** WRITE_ACTIONS, APPLY_ACTIONS, CLEAR_ACTIONS (the last with no actions). */
export interface InstructionActions {
  type: OFPIT.WRITE_ACTIONS | OFPIT.APPLY_ACTIONS | OFPIT.CLEAR_ACTIONS;
  actions: Action[];
}
export interface InstructionMeter {
  type: OFPIT.METER;
  meter_id: number;
}
/** `data` is everything after the experimenter id. */
export interface InstructionExperimenter {
  type: OFPIT.EXPERIMENTER;
  experimenter: number;
  data: Buffer;
}

export type Instruction =
  | InstructionGotoTable
  | InstructionWriteMetadata
  | InstructionActions
  | InstructionMeter
  | InstructionExperimenter;

/* ----------------------------------------------------- common structures */

/** struct ofp_port, 64 bytes. */
export interface Port {
  port_no: number;
  hw_addr: string;
  name: string;
  config: number;
  state: number;
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  curr_speed: number;
  max_speed: number;
}

/** struct ofp_bucket, 16 bytes + actions. */
export interface Bucket {
  weight: number;
  watch_port: number;
  watch_group: number;
  actions: Action[];
}

/** struct ofp_meter_band_drop / _dscp_remark / _experimenter, 16 bytes each. */
export type MeterBand =
  | { type: OFPMBT.DROP; rate: number; burst_size: number }
  | { type: OFPMBT.DSCP_REMARK; rate: number; burst_size: number; prec_level: number }
  | { type: OFPMBT.EXPERIMENTER; rate: number; burst_size: number; experimenter: number; data: Buffer };

/** struct ofp_queue_prop_min_rate / _max_rate / _experimenter. */
export type QueueProp =
  | { property: OFPQT.MIN_RATE | OFPQT.MAX_RATE; rate: number }
  | { property: OFPQT.EXPERIMENTER; experimenter: number; data: Buffer };

/** struct ofp_packet_queue, 16 bytes + properties. */
export interface PacketQueue {
  queue_id: number;
  port: number;
  properties: QueueProp[];
}

/** struct ofp_hello_elem_header and its one defined element. */
export type HelloElem =
  | { type: OFPHET.VERSIONBITMAP; bitmaps: number[] }
  | { type: number; data: Buffer };

/* --------------------------------------------------- multipart bodies */

/** struct ofp_desc, 1056 bytes. */
export interface DescStats {
  mfr_desc: string;
  hw_desc: string;
  sw_desc: string;
  serial_num: string;
  dp_desc: string;
}

/** struct ofp_flow_stats_request and ofp_aggregate_stats_request, 32 bytes + match. */
export interface FlowStatsRequest {
  table_id: number;
  out_port: number;
  out_group: number;
  cookie: bigint;
  cookie_mask: bigint;
  match: Match;
}

/** struct ofp_flow_stats, 48 bytes + match + instructions. */
export interface FlowStats {
  table_id: number;
  duration_sec: number;
  duration_nsec: number;
  priority: number;
  idle_timeout: number;
  hard_timeout: number;
  flags: number;
  cookie: bigint;
  packet_count: bigint;
  byte_count: bigint;
  match: Match;
  instructions: Instruction[];
}

/** struct ofp_aggregate_stats_reply, 24 bytes. */
export interface AggregateStats {
  packet_count: bigint;
  byte_count: bigint;
  flow_count: number;
}

/** struct ofp_table_stats, 24 bytes. */
export interface TableStats {
  table_id: number;
  active_count: number;
  lookup_count: bigint;
  matched_count: bigint;
}

/** struct ofp_port_stats, 112 bytes. */
export interface PortStats {
  port_no: number;
  rx_packets: bigint;
  tx_packets: bigint;
  rx_bytes: bigint;
  tx_bytes: bigint;
  rx_dropped: bigint;
  tx_dropped: bigint;
  rx_errors: bigint;
  tx_errors: bigint;
  rx_frame_err: bigint;
  rx_over_err: bigint;
  rx_crc_err: bigint;
  collisions: bigint;
  duration_sec: number;
  duration_nsec: number;
}

/** struct ofp_queue_stats, 40 bytes. */
export interface QueueStats {
  port_no: number;
  queue_id: number;
  tx_bytes: bigint;
  tx_packets: bigint;
  tx_errors: bigint;
  duration_sec: number;
  duration_nsec: number;
}

/** struct ofp_bucket_counter, 16 bytes. */
export interface BucketCounter {
  packet_count: bigint;
  byte_count: bigint;
}

/** struct ofp_group_stats, 40 bytes + bucket counters. */
export interface GroupStats {
  group_id: number;
  ref_count: number;
  packet_count: bigint;
  byte_count: bigint;
  duration_sec: number;
  duration_nsec: number;
  bucket_stats: BucketCounter[];
}

/** struct ofp_group_desc, 8 bytes + buckets. */
export interface GroupDesc {
  group_type: OFPGT;
  group_id: number;
  buckets: Bucket[];
}

/** struct ofp_group_features, 40 bytes. */
export interface GroupFeatures {
  types: number;
  capabilities: number;
  /** Indexed by OFPGT. */
  max_groups: [number, number, number, number];
  /** Bitmaps of OFPAT_* supported by each group type, indexed by OFPGT. */
  actions: [number, number, number, number];
}

/** struct ofp_meter_band_stats, 16 bytes. */
export interface MeterBandStats {
  packet_band_count: bigint;
  byte_band_count: bigint;
}

/** struct ofp_meter_stats, 40 bytes + band stats. */
export interface MeterStats {
  meter_id: number;
  flow_count: number;
  packet_in_count: bigint;
  byte_in_count: bigint;
  duration_sec: number;
  duration_nsec: number;
  band_stats: MeterBandStats[];
}

/** struct ofp_meter_config, 8 bytes + bands. */
export interface MeterConfig {
  flags: number;
  meter_id: number;
  bands: MeterBand[];
}

/** struct ofp_meter_features, 16 bytes. */
export interface MeterFeatures {
  max_meter: number;
  band_types: number;
  capabilities: number;
  max_bands: number;
  max_color: number;
}

/**
 * An instruction or action as listed in table features: its type, and
 * whatever bytes followed the 4-byte type/len header (usually none; the
 * experimenter id and data for experimenter ones), kept so they round-trip.
 */
export interface FeatureId {
  type: number;
  data: Buffer;
}

export type TableFeatureProp =
  | { type: OFPTFPT.INSTRUCTIONS | OFPTFPT.INSTRUCTIONS_MISS; instruction_ids: FeatureId[] }
  | { type: OFPTFPT.NEXT_TABLES | OFPTFPT.NEXT_TABLES_MISS; table_ids: number[] }
  | {
      type:
        | OFPTFPT.WRITE_ACTIONS
        | OFPTFPT.WRITE_ACTIONS_MISS
        | OFPTFPT.APPLY_ACTIONS
        | OFPTFPT.APPLY_ACTIONS_MISS;
      action_ids: FeatureId[];
    }
  | {
      type:
        | OFPTFPT.MATCH
        | OFPTFPT.WILDCARDS
        | OFPTFPT.WRITE_SETFIELD
        | OFPTFPT.WRITE_SETFIELD_MISS
        | OFPTFPT.APPLY_SETFIELD
        | OFPTFPT.APPLY_SETFIELD_MISS;
      oxm_ids: OxmId[];
    }
  | {
      type: OFPTFPT.EXPERIMENTER | OFPTFPT.EXPERIMENTER_MISS;
      experimenter: number;
      exp_type: number;
      /** The experimenter_data words, as bytes. */
      data: Buffer;
    };

/** struct ofp_table_features, 64 bytes + properties. */
export interface TableFeatures {
  table_id: number;
  name: string;
  metadata_match: bigint;
  metadata_write: bigint;
  config: number;
  max_entries: number;
  properties: TableFeatureProp[];
}

/** struct ofp_experimenter_multipart_header + data. */
export interface ExperimenterMultipart {
  experimenter: number;
  exp_type: number;
  data: Buffer;
}

/** The body of a MULTIPART_REQUEST, by multipart type. */
export type MultipartRequestBody =
  | { mp_type: OFPMP.DESC | OFPMP.TABLE | OFPMP.GROUP_DESC | OFPMP.GROUP_FEATURES | OFPMP.METER_FEATURES | OFPMP.PORT_DESC }
  | { mp_type: OFPMP.FLOW | OFPMP.AGGREGATE; body: FlowStatsRequest }
  | { mp_type: OFPMP.PORT_STATS; body: { port_no: number } }
  | { mp_type: OFPMP.QUEUE; body: { port_no: number; queue_id: number } }
  | { mp_type: OFPMP.GROUP; body: { group_id: number } }
  | { mp_type: OFPMP.METER | OFPMP.METER_CONFIG; body: { meter_id: number } }
  | { mp_type: OFPMP.TABLE_FEATURES; body: TableFeatures[] }
  | { mp_type: OFPMP.EXPERIMENTER; body: ExperimenterMultipart };

/** The body of a MULTIPART_REPLY, by multipart type. */
export type MultipartReplyBody =
  | { mp_type: OFPMP.DESC; body: DescStats }
  | { mp_type: OFPMP.FLOW; body: FlowStats[] }
  | { mp_type: OFPMP.AGGREGATE; body: AggregateStats }
  | { mp_type: OFPMP.TABLE; body: TableStats[] }
  | { mp_type: OFPMP.PORT_STATS; body: PortStats[] }
  | { mp_type: OFPMP.QUEUE; body: QueueStats[] }
  | { mp_type: OFPMP.GROUP; body: GroupStats[] }
  | { mp_type: OFPMP.GROUP_DESC; body: GroupDesc[] }
  | { mp_type: OFPMP.GROUP_FEATURES; body: GroupFeatures }
  | { mp_type: OFPMP.METER; body: MeterStats[] }
  | { mp_type: OFPMP.METER_CONFIG; body: MeterConfig[] }
  | { mp_type: OFPMP.METER_FEATURES; body: MeterFeatures }
  | { mp_type: OFPMP.TABLE_FEATURES; body: TableFeatures[] }
  | { mp_type: OFPMP.PORT_DESC; body: Port[] }
  | { mp_type: OFPMP.EXPERIMENTER; body: ExperimenterMultipart };

/* -------------------------------------------------------------- messages */

/** What every message carries from its ofp_header. */
export interface Header {
  /** ofp_header.version; 4 unless a HELLO or ERROR came from another version. Encoders default it to 4. */
  version?: number;
  xid: number;
}

export interface Hello extends Header {
  type: OFPT.HELLO;
  elements: HelloElem[];
  /**
   * Bytes after the last well-formed element. OF1.3 §7.5.1 has a receiver
   * ignore what it does not understand, and negotiation needs only the
   * header's version, so a malformed element ends the list rather than
   * failing the hello; its bytes are kept so the message round-trips.
   */
  trailing?: Buffer;
}

/** struct ofp_error_msg; an experimenter error (err_type 0xffff) has exp_type and experimenter instead of code. */
export type ErrorMsg = Header & { type: OFPT.ERROR; data: Buffer } & (
    | { err_type: number; code: number }
    | { err_type: 0xffff; exp_type: number; experimenter: number }
  );

export interface EchoRequest extends Header {
  type: OFPT.ECHO_REQUEST;
  data: Buffer;
}
export interface EchoReply extends Header {
  type: OFPT.ECHO_REPLY;
  data: Buffer;
}
/** struct ofp_experimenter_header + data. */
export interface Experimenter extends Header {
  type: OFPT.EXPERIMENTER;
  experimenter: number;
  exp_type: number;
  data: Buffer;
}
export interface FeaturesRequest extends Header {
  type: OFPT.FEATURES_REQUEST;
}
/** struct ofp_switch_features, 32 bytes. */
export interface FeaturesReply extends Header {
  type: OFPT.FEATURES_REPLY;
  datapath_id: bigint;
  n_buffers: number;
  n_tables: number;
  auxiliary_id: number;
  capabilities: number;
  reserved: number;
}
export interface GetConfigRequest extends Header {
  type: OFPT.GET_CONFIG_REQUEST;
}
/** struct ofp_switch_config, 12 bytes. */
export interface SwitchConfig extends Header {
  type: OFPT.GET_CONFIG_REPLY | OFPT.SET_CONFIG;
  flags: number;
  miss_send_len: number;
}
/** struct ofp_packet_in, 32 bytes with an empty match, + frame. */
export interface PacketIn extends Header {
  type: OFPT.PACKET_IN;
  buffer_id: number;
  total_len: number;
  reason: number;
  table_id: number;
  cookie: bigint;
  match: Match;
  data: Buffer;
}
/** struct ofp_flow_removed, 56 bytes with an empty match. */
export interface FlowRemoved extends Header {
  type: OFPT.FLOW_REMOVED;
  cookie: bigint;
  priority: number;
  reason: number;
  table_id: number;
  duration_sec: number;
  duration_nsec: number;
  idle_timeout: number;
  hard_timeout: number;
  packet_count: bigint;
  byte_count: bigint;
  match: Match;
}
/** struct ofp_port_status, 80 bytes. */
export interface PortStatus extends Header {
  type: OFPT.PORT_STATUS;
  reason: number;
  desc: Port;
}
/** struct ofp_packet_out, 24 bytes + actions + frame. */
export interface PacketOut extends Header {
  type: OFPT.PACKET_OUT;
  buffer_id: number;
  in_port: number;
  actions: Action[];
  data: Buffer;
}
/** struct ofp_flow_mod, 56 bytes with an empty match, + instructions. */
export interface FlowMod extends Header {
  type: OFPT.FLOW_MOD;
  cookie: bigint;
  cookie_mask: bigint;
  table_id: number;
  command: number;
  idle_timeout: number;
  hard_timeout: number;
  priority: number;
  buffer_id: number;
  out_port: number;
  out_group: number;
  flags: number;
  match: Match;
  instructions: Instruction[];
}
/** struct ofp_group_mod, 16 bytes + buckets. */
export interface GroupMod extends Header {
  type: OFPT.GROUP_MOD;
  command: OFPGC;
  group_type: OFPGT;
  group_id: number;
  buckets: Bucket[];
}
/** struct ofp_port_mod, 40 bytes. */
export interface PortMod extends Header {
  type: OFPT.PORT_MOD;
  port_no: number;
  hw_addr: string;
  config: number;
  mask: number;
  advertise: number;
}
/** struct ofp_table_mod, 16 bytes. */
export interface TableMod extends Header {
  type: OFPT.TABLE_MOD;
  table_id: number;
  config: number;
}
/** struct ofp_multipart_request, 16 bytes + body. */
export type MultipartRequest = Header & { type: OFPT.MULTIPART_REQUEST; flags: number } & MultipartRequestBody;
/** struct ofp_multipart_reply, 16 bytes + body. */
export type MultipartReply = Header & { type: OFPT.MULTIPART_REPLY; flags: number } & MultipartReplyBody;
export interface BarrierRequest extends Header {
  type: OFPT.BARRIER_REQUEST;
}
export interface BarrierReply extends Header {
  type: OFPT.BARRIER_REPLY;
}
/** struct ofp_queue_get_config_request, 16 bytes. */
export interface QueueGetConfigRequest extends Header {
  type: OFPT.QUEUE_GET_CONFIG_REQUEST;
  port: number;
}
/** struct ofp_queue_get_config_reply, 16 bytes + queues. */
export interface QueueGetConfigReply extends Header {
  type: OFPT.QUEUE_GET_CONFIG_REPLY;
  port: number;
  queues: PacketQueue[];
}
/** struct ofp_role_request, 24 bytes (also the reply). */
export interface RoleMessage extends Header {
  type: OFPT.ROLE_REQUEST | OFPT.ROLE_REPLY;
  role: OFPCR_ROLE;
  generation_id: bigint;
}
export interface GetAsyncRequest extends Header {
  type: OFPT.GET_ASYNC_REQUEST;
}
/**
 * struct ofp_async_config, 32 bytes (GET_ASYNC_REPLY and SET_ASYNC).
 * Each mask pair is [master/equal, slave].
 */
export interface AsyncConfig extends Header {
  type: OFPT.GET_ASYNC_REPLY | OFPT.SET_ASYNC;
  packet_in_mask: [number, number];
  port_status_mask: [number, number];
  flow_removed_mask: [number, number];
}
/** struct ofp_meter_mod, 16 bytes + bands. */
export interface MeterMod extends Header {
  type: OFPT.METER_MOD;
  command: OFPMC;
  flags: number;
  meter_id: number;
  bands: MeterBand[];
}

export type OfpMessage =
  | Hello
  | ErrorMsg
  | EchoRequest
  | EchoReply
  | Experimenter
  | FeaturesRequest
  | FeaturesReply
  | GetConfigRequest
  | SwitchConfig
  | PacketIn
  | FlowRemoved
  | PortStatus
  | PacketOut
  | FlowMod
  | GroupMod
  | PortMod
  | TableMod
  | MultipartRequest
  | MultipartReply
  | BarrierRequest
  | BarrierReply
  | QueueGetConfigRequest
  | QueueGetConfigReply
  | RoleMessage
  | GetAsyncRequest
  | AsyncConfig
  | MeterMod;

/** The message of a given OFPT type. */
export type MessageOf<T extends OFPT> = Extract<OfpMessage, { type: T }>;
