/**
 * OpenFlow 1.3 constants (OpenFlow Switch Specification 1.3.5, `openflow.h`).
 *
 * Names mirror the spec with the common prefix kept as the enum's name, so
 * `OFPT_FLOW_MOD` is `OFPT.FLOW_MOD` and a reader with the spec open finds
 * every value. Error types and codes live in `errors.ts`.
 */

export const OFP_VERSION = 0x04;
/** struct ofp_header, 8 bytes. */
export const OFP_HEADER_LEN = 8;
/** The largest message the 16-bit length field can describe. */
export const OFP_MAX_MESSAGE_LEN = 0xffff;
export const OFP_TCP_PORT = 6653;
export const OFP_SSL_PORT = 6653;
export const OFP_DEFAULT_MISS_SEND_LEN = 128;
export const OFP_NO_BUFFER = 0xffffffff;
export const OFP_MAX_PORT_NAME_LEN = 16;
export const OFP_MAX_TABLE_NAME_LEN = 32;
export const DESC_STR_LEN = 256;
export const SERIAL_NUM_LEN = 32;
export const OFP_FLOW_PERMANENT = 0;
export const OFP_DEFAULT_PRIORITY = 0x8000;

/** enum ofp_type */
export enum OFPT {
  HELLO = 0,
  ERROR = 1,
  ECHO_REQUEST = 2,
  ECHO_REPLY = 3,
  EXPERIMENTER = 4,
  FEATURES_REQUEST = 5,
  FEATURES_REPLY = 6,
  GET_CONFIG_REQUEST = 7,
  GET_CONFIG_REPLY = 8,
  SET_CONFIG = 9,
  PACKET_IN = 10,
  FLOW_REMOVED = 11,
  PORT_STATUS = 12,
  PACKET_OUT = 13,
  FLOW_MOD = 14,
  GROUP_MOD = 15,
  PORT_MOD = 16,
  TABLE_MOD = 17,
  MULTIPART_REQUEST = 18,
  MULTIPART_REPLY = 19,
  BARRIER_REQUEST = 20,
  BARRIER_REPLY = 21,
  QUEUE_GET_CONFIG_REQUEST = 22,
  QUEUE_GET_CONFIG_REPLY = 23,
  ROLE_REQUEST = 24,
  ROLE_REPLY = 25,
  GET_ASYNC_REQUEST = 26,
  GET_ASYNC_REPLY = 27,
  SET_ASYNC = 28,
  METER_MOD = 29,
}

/** enum ofp_hello_elem_type */
export enum OFPHET {
  VERSIONBITMAP = 1,
}

/** enum ofp_port_no: reserved port numbers. */
export enum OFPP {
  MAX = 0xffffff00,
  IN_PORT = 0xfffffff8,
  TABLE = 0xfffffff9,
  NORMAL = 0xfffffffa,
  FLOOD = 0xfffffffb,
  ALL = 0xfffffffc,
  CONTROLLER = 0xfffffffd,
  LOCAL = 0xfffffffe,
  ANY = 0xffffffff,
}

/** enum ofp_table */
export enum OFPTT {
  MAX = 0xfe,
  ALL = 0xff,
}

/** enum ofp_port_config */
export enum OFPPC {
  PORT_DOWN = 1 << 0,
  NO_RECV = 1 << 2,
  NO_FWD = 1 << 5,
  NO_PACKET_IN = 1 << 6,
}

/** enum ofp_port_state */
export enum OFPPS {
  LINK_DOWN = 1 << 0,
  BLOCKED = 1 << 1,
  LIVE = 1 << 2,
}

/** enum ofp_port_features */
export enum OFPPF {
  _10MB_HD = 1 << 0,
  _10MB_FD = 1 << 1,
  _100MB_HD = 1 << 2,
  _100MB_FD = 1 << 3,
  _1GB_HD = 1 << 4,
  _1GB_FD = 1 << 5,
  _10GB_FD = 1 << 6,
  _40GB_FD = 1 << 7,
  _100GB_FD = 1 << 8,
  _1TB_FD = 1 << 9,
  OTHER = 1 << 10,
  COPPER = 1 << 11,
  FIBER = 1 << 12,
  AUTONEG = 1 << 13,
  PAUSE = 1 << 14,
  PAUSE_ASYM = 1 << 15,
}

/** enum ofp_port_reason */
export enum OFPPR {
  ADD = 0,
  DELETE = 1,
  MODIFY = 2,
}

/** enum ofp_capabilities */
export enum OFPC {
  FLOW_STATS = 1 << 0,
  TABLE_STATS = 1 << 1,
  PORT_STATS = 1 << 2,
  GROUP_STATS = 1 << 3,
  IP_REASM = 1 << 5,
  QUEUE_STATS = 1 << 6,
  PORT_BLOCKED = 1 << 8,
}

/** enum ofp_config_flags */
export enum OFPC_FRAG {
  NORMAL = 0,
  DROP = 1,
  REASM = 2,
  MASK = 3,
}

/** enum ofp_table_config (OF1.3 keeps only the deprecated mask). */
export enum OFPTC {
  DEPRECATED_MASK = 3,
}

/** enum ofp_match_type */
export enum OFPMT {
  STANDARD = 0,
  OXM = 1,
}

/** enum ofp_oxm_class */
export enum OFPXMC {
  NXM_0 = 0x0000,
  NXM_1 = 0x0001,
  OPENFLOW_BASIC = 0x8000,
  EXPERIMENTER = 0xffff,
}

/** enum oxm_ofb_match_fields */
export enum OFPXMT {
  OFB_IN_PORT = 0,
  OFB_IN_PHY_PORT = 1,
  OFB_METADATA = 2,
  OFB_ETH_DST = 3,
  OFB_ETH_SRC = 4,
  OFB_ETH_TYPE = 5,
  OFB_VLAN_VID = 6,
  OFB_VLAN_PCP = 7,
  OFB_IP_DSCP = 8,
  OFB_IP_ECN = 9,
  OFB_IP_PROTO = 10,
  OFB_IPV4_SRC = 11,
  OFB_IPV4_DST = 12,
  OFB_TCP_SRC = 13,
  OFB_TCP_DST = 14,
  OFB_UDP_SRC = 15,
  OFB_UDP_DST = 16,
  OFB_SCTP_SRC = 17,
  OFB_SCTP_DST = 18,
  OFB_ICMPV4_TYPE = 19,
  OFB_ICMPV4_CODE = 20,
  OFB_ARP_OP = 21,
  OFB_ARP_SPA = 22,
  OFB_ARP_TPA = 23,
  OFB_ARP_SHA = 24,
  OFB_ARP_THA = 25,
  OFB_IPV6_SRC = 26,
  OFB_IPV6_DST = 27,
  OFB_IPV6_FLABEL = 28,
  OFB_ICMPV6_TYPE = 29,
  OFB_ICMPV6_CODE = 30,
  OFB_IPV6_ND_TARGET = 31,
  OFB_IPV6_ND_SLL = 32,
  OFB_IPV6_ND_TLL = 33,
  OFB_MPLS_LABEL = 34,
  OFB_MPLS_TC = 35,
  OFB_MPLS_BOS = 36,
  OFB_PBB_ISID = 37,
  OFB_TUNNEL_ID = 38,
  OFB_IPV6_EXTHDR = 39,
}

/** enum ofp_vlan_id */
export enum OFPVID {
  PRESENT = 0x1000,
  NONE = 0x0000,
}

/** enum ofp_ipv6exthdr_flags */
export enum OFPIEH {
  NONEXT = 1 << 0,
  ESP = 1 << 1,
  AUTH = 1 << 2,
  DEST = 1 << 3,
  FRAG = 1 << 4,
  ROUTER = 1 << 5,
  HOP = 1 << 6,
  UNREP = 1 << 7,
  UNSEQ = 1 << 8,
}

/** enum ofp_instruction_type */
export enum OFPIT {
  GOTO_TABLE = 1,
  WRITE_METADATA = 2,
  WRITE_ACTIONS = 3,
  APPLY_ACTIONS = 4,
  CLEAR_ACTIONS = 5,
  METER = 6,
  EXPERIMENTER = 0xffff,
}

/** enum ofp_action_type */
export enum OFPAT {
  OUTPUT = 0,
  COPY_TTL_OUT = 11,
  COPY_TTL_IN = 12,
  SET_MPLS_TTL = 15,
  DEC_MPLS_TTL = 16,
  PUSH_VLAN = 17,
  POP_VLAN = 18,
  PUSH_MPLS = 19,
  POP_MPLS = 20,
  SET_QUEUE = 21,
  GROUP = 22,
  SET_NW_TTL = 23,
  DEC_NW_TTL = 24,
  SET_FIELD = 25,
  PUSH_PBB = 26,
  POP_PBB = 27,
  EXPERIMENTER = 0xffff,
}

/** enum ofp_controller_max_len */
export enum OFPCML {
  MAX = 0xffe5,
  NO_BUFFER = 0xffff,
}

/** enum ofp_flow_mod_command */
export enum OFPFC {
  ADD = 0,
  MODIFY = 1,
  MODIFY_STRICT = 2,
  DELETE = 3,
  DELETE_STRICT = 4,
}

/** enum ofp_flow_mod_flags */
export enum OFPFF {
  SEND_FLOW_REM = 1 << 0,
  CHECK_OVERLAP = 1 << 1,
  RESET_COUNTS = 1 << 2,
  NO_PKT_COUNTS = 1 << 3,
  NO_BYT_COUNTS = 1 << 4,
}

/** enum ofp_group_mod_command */
export enum OFPGC {
  ADD = 0,
  MODIFY = 1,
  DELETE = 2,
}

/** enum ofp_group_type */
export enum OFPGT {
  ALL = 0,
  SELECT = 1,
  INDIRECT = 2,
  FF = 3,
}

/** enum ofp_group: reserved group numbers. */
export enum OFPG {
  MAX = 0xffffff00,
  ALL = 0xfffffffc,
  ANY = 0xffffffff,
}

/** enum ofp_group_capabilities */
export enum OFPGFC {
  SELECT_WEIGHT = 1 << 0,
  SELECT_LIVENESS = 1 << 1,
  CHAINING = 1 << 2,
  CHAINING_CHECKS = 1 << 3,
}

/** enum ofp_packet_in_reason */
export enum OFPR {
  NO_MATCH = 0,
  ACTION = 1,
  INVALID_TTL = 2,
}

/** enum ofp_flow_removed_reason */
export enum OFPRR {
  IDLE_TIMEOUT = 0,
  HARD_TIMEOUT = 1,
  DELETE = 2,
  GROUP_DELETE = 3,
  /** OF1.4's reason, which Open vSwitch also sends to OF1.3 controllers. */
  METER_DELETE = 4,
}

/** enum ofp_meter: reserved meter numbers. */
export enum OFPM {
  MAX = 0xffff0000,
  SLOWPATH = 0xfffffffd,
  CONTROLLER = 0xfffffffe,
  ALL = 0xffffffff,
}

/** enum ofp_meter_band_type */
export enum OFPMBT {
  DROP = 1,
  DSCP_REMARK = 2,
  EXPERIMENTER = 0xffff,
}

/** enum ofp_meter_mod_command */
export enum OFPMC {
  ADD = 0,
  MODIFY = 1,
  DELETE = 2,
}

/** enum ofp_meter_flags */
export enum OFPMF {
  KBPS = 1 << 0,
  PKTPS = 1 << 1,
  BURST = 1 << 2,
  STATS = 1 << 3,
}

/** enum ofp_multipart_type */
export enum OFPMP {
  DESC = 0,
  FLOW = 1,
  AGGREGATE = 2,
  TABLE = 3,
  PORT_STATS = 4,
  QUEUE = 5,
  GROUP = 6,
  GROUP_DESC = 7,
  GROUP_FEATURES = 8,
  METER = 9,
  METER_CONFIG = 10,
  METER_FEATURES = 11,
  TABLE_FEATURES = 12,
  PORT_DESC = 13,
  EXPERIMENTER = 0xffff,
}

/** enum ofp_multipart_request_flags */
export enum OFPMPF_REQ {
  MORE = 1 << 0,
}

/** enum ofp_multipart_reply_flags */
export enum OFPMPF_REPLY {
  MORE = 1 << 0,
}

/** enum ofp_table_feature_prop_type */
export enum OFPTFPT {
  INSTRUCTIONS = 0,
  INSTRUCTIONS_MISS = 1,
  NEXT_TABLES = 2,
  NEXT_TABLES_MISS = 3,
  WRITE_ACTIONS = 4,
  WRITE_ACTIONS_MISS = 5,
  APPLY_ACTIONS = 6,
  APPLY_ACTIONS_MISS = 7,
  MATCH = 8,
  WILDCARDS = 10,
  WRITE_SETFIELD = 12,
  WRITE_SETFIELD_MISS = 13,
  APPLY_SETFIELD = 14,
  APPLY_SETFIELD_MISS = 15,
  EXPERIMENTER = 0xfffe,
  EXPERIMENTER_MISS = 0xffff,
}

/** enum ofp_queue_properties */
export enum OFPQT {
  MIN_RATE = 1,
  MAX_RATE = 2,
  EXPERIMENTER = 0xffff,
}

/** enum ofp_queue: the wildcard queue id. */
export const OFPQ_ALL = 0xffffffff;
/** Rates above 1000 (in 1/10 of a percent) mean "disabled". */
export const OFPQ_MIN_RATE_UNCFG = 0xffff;
export const OFPQ_MAX_RATE_UNCFG = 0xffff;

/** enum ofp_controller_role */
export enum OFPCR_ROLE {
  NOCHANGE = 0,
  EQUAL = 1,
  MASTER = 2,
  SLAVE = 3,
}
