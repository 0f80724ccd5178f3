/**
 * The Nicira extension actions (experimenter 0x00002320) that Open vSwitch
 * itself puts in OF1.3 flows and that are cheap to print: resubmit, note,
 * controller, output_trunc, fin_timeout, dec_ttl(ids), sample,
 * conjunction, ct_clear, exit, pop_queue, set_tunnel, register load / move
 * and stack push / pop; learn / learn2 (nx-learn.ts) and ct / nat
 * (nx-ct.ts), which are decoded and checked as Open vSwitch does. The rest
 * (bundle, multipath, encap, ...) print as `nx_action(subtype,hex)`, which
 * is not what ovs-ofctl prints but says what is there.
 *
 * `data` is what follows the 8-byte experimenter action header, so the
 * NXAST subtype is its first two bytes.
 */
import type { ActionFormat } from './actions.js';
import { checkCt, checkNat, decodeCt, decodeNat, formatCt, formatNat, NXAST_CT, NXAST_NAT } from './nx-ct.js';
import { formatSubfield, nxFieldByHeader, type PrereqFlow } from './nx-fields.js';
import { checkLearn, decodeLearn, formatLearn } from './nx-learn.js';
import { formatPort } from './ports.js';
import { OvsReject, reject } from './reject.js';

const NX_VENDOR_ID = 0x00002320;
const OFPP_IN_PORT_16 = 0xfff8;
const NXAST_LEARN = 16;
const NXAST_LEARN2 = 45;

/** Subtypes Open vSwitch 3.1 decodes (others: OFPBAC_BAD_VENDOR_TYPE). */
const KNOWN_SUBTYPES = new Set([
  1, 2, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 26, 27, 28, 29, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
]);

const PACKET_IN_REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'];

/** A 16-bit OVS port number as OpenFlow 1.1+ port text. */
const port16 = (p: number, fmt: ActionFormat): string => formatPort(p >= 0xff00 ? (0xffff0000 + p) >>> 0 : p, fmt.opts);

/** `mf_format_subfield` of a header and bit range; a header Open vSwitch does not know prints as hex. */
function subfield(header: number, ofs: number, nBits: number): string {
  const f = nxFieldByHeader(header);
  if (f !== undefined) return formatSubfield(f, ofs, nBits);
  const name = `0x${(header >>> 0).toString(16)}`;
  if (ofs === 0 && nBits === (header & 0xff) * 8) return `${name}[]`;
  if (nBits === 1) return `${name}[${ofs}]`;
  return `${name}[${ofs}..${ofs + nBits - 1}]`;
}

/**
 * learn, learn2, ct and nat: decoded with Open vSwitch's checks. Strict
 * printing passes its refusal on; lenient printing shows the raw action.
 */
function formatChecked(subtype: number, data: Buffer, fmt: ActionFormat): string {
  try {
    switch (subtype) {
      case NXAST_LEARN:
      case NXAST_LEARN2:
        return formatLearn(decodeLearn(data, subtype === NXAST_LEARN2), fmt);
      case NXAST_CT:
        return formatCt(decodeCt(data), fmt);
      default:
        // Open vSwitch accepts nat only inside ct (ofpacts_verify).
        if (fmt.strict && !fmt.inCt) reject('OFPBAC_BAD_SET_ARGUMENT', 'nat outside ct');
        return formatNat(decodeNat(data));
    }
  } catch (e) {
    if (fmt.strict || !(e instanceof OvsReject)) throw e;
    return `nx_action(${subtype},${data.subarray(2).toString('hex')})`;
  }
}

/** Text of a Nicira action, undefined when this is not one we print, or a refusal. */
export function formatNxAction(experimenter: number, data: Buffer, fmt: ActionFormat): string | undefined {
  if (experimenter >>> 0 !== NX_VENDOR_ID || data.length < 2) return undefined;
  const subtype = data.readUInt16BE(0);
  if (!KNOWN_SUBTYPES.has(subtype)) {
    if (fmt.strict) reject('OFPBAC_BAD_VENDOR_TYPE', `NXAST subtype ${subtype}`);
    return undefined;
  }
  const u16 = (o: number): number => (o + 2 <= data.length ? data.readUInt16BE(o) : 0);
  const u32 = (o: number): number => (o + 4 <= data.length ? data.readUInt32BE(o) : 0);
  switch (subtype) {
    case 1: // NXAST_RESUBMIT
    case 14: // NXAST_RESUBMIT_TABLE
    case 44: {
      // NXAST_RESUBMIT_TABLE_CT
      const inPort = u16(2);
      const table = subtype === 1 ? 255 : data[4]!;
      if (inPort !== OFPP_IN_PORT_16 && table === 255 && subtype !== 44) return `resubmit:${port16(inPort, fmt)}`;
      return `resubmit(${inPort !== OFPP_IN_PORT_16 ? port16(inPort, fmt) : ''},${table !== 255 ? table : ''}${subtype === 44 ? ',ct' : ''})`;
    }
    case 2: // NXAST_SET_TUNNEL
      return `set_tunnel:0x${u32(4).toString(16)}`;
    case 9: // NXAST_SET_TUNNEL64
      return `set_tunnel64:0x${data.readBigUInt64BE(8).toString(16)}`;
    case 4: // NXAST_SET_QUEUE
      return `set_queue:${u32(4)}`;
    case 5:
      return 'pop_queue';
    case 17:
      return 'exit';
    case 43:
      return 'ct_clear';
    case 8: // NXAST_NOTE
      return `note:${Array.from(data.subarray(2), (b) => b.toString(16).padStart(2, '0')).join('.')}`;
    case 18: // NXAST_DEC_TTL
      return 'dec_ttl';
    case 7: {
      // NXAST_REG_LOAD: ofs_nbits, dst, value
      const ofsNbits = u16(2);
      const value = data.readBigUInt64BE(8);
      return `load:0x${value.toString(16)}->${subfield(u32(4), ofsNbits >> 6, (ofsNbits & 0x3f) + 1)}`;
    }
    case 6: // NXAST_REG_MOVE: n_bits, src_ofs, dst_ofs, src, dst
      return `move:${subfield(u32(8), u16(4), u16(2))}->${subfield(u32(12), u16(6), u16(2))}`;
    case 27: // NXAST_STACK_PUSH: offset, field, n_bits
    case 28:
      return `${subtype === 27 ? 'push' : 'pop'}:${subfield(u32(4), u16(2), u16(8))}`;
    case 19: {
      // NXAST_FIN_TIMEOUT
      const parts: string[] = [];
      if (u16(2)) parts.push(`idle_timeout=${u16(2)}`);
      if (u16(4)) parts.push(`hard_timeout=${u16(4)}`);
      return `fin_timeout(${parts.join(',')})`;
    }
    case 21: {
      // NXAST_DEC_TTL_CNT_IDS: n_controllers, zeros[4], ids
      const n = u16(2);
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push(u16(8 + 2 * i));
      return ids.length === 1 && ids[0] === 0 ? 'dec_ttl' : `dec_ttl(${ids.join(',')})`;
    }
    case 20: // NXAST_CONTROLLER: max_len, controller_id, reason
      return formatController(u16(2), u16(4), data[6]!, undefined, false);
    case 37: {
      // NXAST_CONTROLLER2: zero[6], then properties
      let maxLen = 0xffff;
      let id = 0;
      let reason = 1;
      let userdata: Buffer | undefined;
      let pause = false;
      for (let o = 8; o + 4 <= data.length; ) {
        const t = data.readUInt16BE(o);
        const len = data.readUInt16BE(o + 2);
        if (len < 4) break;
        const v = data.subarray(o + 4, o + len);
        if (t === 0) maxLen = v.readUInt16BE(0);
        else if (t === 1) id = v.readUInt16BE(0);
        else if (t === 2) reason = v[0]!;
        else if (t === 3) userdata = Buffer.from(v);
        else if (t === 4) pause = true;
        o += (len + 7) & ~7;
      }
      return formatController(maxLen, id, reason, userdata, pause);
    }
    case 39: // NXAST_OUTPUT_TRUNC: port, max_len
      return `output(port=${port16(u16(2), fmt)},max_len=${u32(4)})`;
    case 29: // NXAST_SAMPLE
    case 38: {
      // NXAST_SAMPLE2
      let s = `sample(probability=${u16(2)},collector_set_id=${u32(4)},obs_domain_id=${u32(8)},obs_point_id=${u32(12)}`;
      if (subtype === 38) {
        if (u16(16)) s += `,sampling_port=${port16(u16(16), fmt)}`;
        if (data[18] === 1) s += ',ingress';
        else if (data[18] === 2) s += ',egress';
      }
      return s + ')';
    }
    case NXAST_LEARN:
    case NXAST_LEARN2:
    case NXAST_CT:
    case NXAST_NAT:
      return formatChecked(subtype, data, fmt);
    case 34: // NXAST_CONJUNCTION: clause, n_clauses, id
      return `conjunction(${u32(4)},${data[2]! + 1}/${data[3]!})`;
    default:
      return `nx_action(${subtype},${data.subarray(2).toString('hex')})`;
  }
}

function formatController(maxLen: number, id: number, reason: number, userdata: Buffer | undefined, pause: boolean): string {
  if (reason === 1 && !id && !userdata?.length && !pause) return `CONTROLLER:${maxLen}`;
  let s = 'controller(';
  if (reason !== 1) s += `reason=${PACKET_IN_REASONS[reason] ?? String(reason)},`;
  if (maxLen !== 0xffff) s += `max_len=${maxLen},`;
  if (id) s += `id=${id},`;
  if (userdata?.length) s += `userdata=${Array.from(userdata, (b) => b.toString(16).padStart(2, '0')).join('.')},`;
  if (pause) s += 'pause,';
  return (s.endsWith(',') ? s.slice(0, -1) : s) + ')';
}

/**
 * The flow_mod consistency check of a Nicira action that has one (learn,
 * ct, nat), against what is known of the packet at that point. The action
 * has already been printed, so it decodes.
 */
export function checkNxAction(experimenter: number, data: Buffer, flow: PrereqFlow & { ctStateInvalid?: boolean }): void {
  if (experimenter >>> 0 !== NX_VENDOR_ID || data.length < 2) return;
  const subtype = data.readUInt16BE(0);
  if (subtype === NXAST_LEARN || subtype === NXAST_LEARN2) checkLearn(decodeLearn(data, subtype === NXAST_LEARN2), flow);
  else if (subtype === NXAST_CT) checkCt(decodeCt(data), flow);
  else if (subtype === NXAST_NAT) checkNat(decodeNat(data), flow);
}
