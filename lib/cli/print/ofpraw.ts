/**
 * The length rules ovs-ofctl applies to an OpenFlow 1.3 message before it
 * looks inside (its "ofpraw" table): each message type has a fixed part
 * and is either exactly that long or longer by a multiple of some unit
 * (8 for TLV lists, the entry size for arrays of fixed entries). A message
 * that breaks its rule is OFPBRC_BAD_LEN, reported without a header line,
 * because ovs-ofctl refuses it before naming it.
 */
import { OFPMP, OFPT } from '../../openflow/constants.js';

/** [fixed length, unit]: unit 0 means exactly the fixed length; 1 means any longer length. */
type Rule = readonly [number, number];

const MESSAGES: Readonly<Partial<Record<OFPT, Rule>>> = {
  [OFPT.HELLO]: [8, 1],
  [OFPT.ERROR]: [12, 1],
  [OFPT.ECHO_REQUEST]: [8, 1],
  [OFPT.ECHO_REPLY]: [8, 1],
  [OFPT.EXPERIMENTER]: [16, 1],
  [OFPT.FEATURES_REQUEST]: [8, 0],
  [OFPT.FEATURES_REPLY]: [32, 0],
  [OFPT.GET_CONFIG_REQUEST]: [8, 0],
  [OFPT.GET_CONFIG_REPLY]: [12, 0],
  [OFPT.SET_CONFIG]: [12, 0],
  [OFPT.PACKET_IN]: [24, 1],
  [OFPT.FLOW_REMOVED]: [48, 8],
  [OFPT.PORT_STATUS]: [80, 0],
  [OFPT.PACKET_OUT]: [24, 1],
  [OFPT.FLOW_MOD]: [48, 8],
  [OFPT.GROUP_MOD]: [16, 8],
  [OFPT.PORT_MOD]: [40, 0],
  [OFPT.TABLE_MOD]: [16, 0],
  [OFPT.BARRIER_REQUEST]: [8, 0],
  [OFPT.BARRIER_REPLY]: [8, 0],
  [OFPT.QUEUE_GET_CONFIG_REQUEST]: [16, 0],
  [OFPT.QUEUE_GET_CONFIG_REPLY]: [16, 8],
  [OFPT.ROLE_REQUEST]: [24, 0],
  [OFPT.ROLE_REPLY]: [24, 0],
  [OFPT.GET_ASYNC_REQUEST]: [8, 0],
  [OFPT.GET_ASYNC_REPLY]: [32, 0],
  [OFPT.SET_ASYNC]: [32, 0],
  [OFPT.METER_MOD]: [16, 16],
};

const REQUESTS: Readonly<Partial<Record<OFPMP, Rule>>> = {
  [OFPMP.DESC]: [16, 0],
  [OFPMP.FLOW]: [48, 8],
  [OFPMP.AGGREGATE]: [48, 8],
  [OFPMP.TABLE]: [16, 0],
  [OFPMP.PORT_STATS]: [24, 0],
  [OFPMP.QUEUE]: [24, 0],
  [OFPMP.GROUP]: [24, 0],
  [OFPMP.GROUP_DESC]: [16, 0],
  [OFPMP.GROUP_FEATURES]: [16, 0],
  [OFPMP.METER]: [24, 0],
  [OFPMP.METER_CONFIG]: [24, 0],
  [OFPMP.METER_FEATURES]: [16, 0],
  [OFPMP.TABLE_FEATURES]: [16, 8],
  [OFPMP.PORT_DESC]: [16, 0],
  [OFPMP.EXPERIMENTER]: [24, 1],
};

const REPLIES: Readonly<Partial<Record<OFPMP, Rule>>> = {
  [OFPMP.DESC]: [1072, 0],
  [OFPMP.FLOW]: [16, 8],
  [OFPMP.AGGREGATE]: [40, 0],
  [OFPMP.TABLE]: [16, 24],
  [OFPMP.PORT_STATS]: [16, 112],
  [OFPMP.QUEUE]: [16, 40],
  [OFPMP.GROUP]: [16, 8],
  [OFPMP.GROUP_DESC]: [16, 8],
  [OFPMP.GROUP_FEATURES]: [56, 0],
  [OFPMP.METER]: [16, 8],
  [OFPMP.METER_CONFIG]: [16, 8],
  [OFPMP.METER_FEATURES]: [32, 0],
  [OFPMP.TABLE_FEATURES]: [80, 8],
  [OFPMP.PORT_DESC]: [16, 64],
  [OFPMP.EXPERIMENTER]: [24, 1],
};

/** Whether ovs-ofctl accepts the length of this OF1.3 message (other versions are not checked). */
export function ovsLengthOk(buf: Uint8Array): boolean {
  if (buf.length < 8 || buf[0] !== 4) return true;
  const type = buf[1]! as OFPT;
  let rule: Rule | undefined;
  if (type === OFPT.MULTIPART_REQUEST || type === OFPT.MULTIPART_REPLY) {
    if (buf.length < 16) return false;
    const mp = ((buf[8]! << 8) | buf[9]!) as OFPMP;
    rule = (type === OFPT.MULTIPART_REQUEST ? REQUESTS : REPLIES)[mp];
  } else {
    rule = MESSAGES[type];
  }
  if (rule === undefined) return true;
  const fixed = rule[0];
  let unit = rule[1];
  // The ONF flow monitor request (experimenter 0x4f4e4600, type 1870) is a list of 8-byte units.
  if (type === OFPT.MULTIPART_REQUEST && buf.length >= 24 && ((buf[8]! << 8) | buf[9]!) === OFPMP.EXPERIMENTER) {
    const view = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    if (view.readUInt32BE(16) === 0x4f4e4600 && view.readUInt32BE(20) === 1870) unit = 8;
  }
  if (buf.length < fixed) return false;
  return unit === 0 ? buf.length === fixed : (buf.length - fixed) % unit === 0;
}
