/**
 * NXAST_CT (35) and NXAST_NAT (36): the connection-tracking actions,
 * decoded, checked and printed as Open vSwitch does:
 * `ct(commit,force,table=5,zone=NXM_NX_REG0[0..15],nat(src=10.1.12.0-10.1.13.255:1-1023),exec(set_field:0x1->ct_mark),alg=ftp)`.
 *
 * ct `data` (after the 8-byte experimenter header): subtype(2) flags(2)
 * zone_src(4) zone_ofs_nbits|zone_imm(2) recirc_table(1) pad(3) alg(2),
 * then nested OpenFlow actions to the end. Only nat and set_field of
 * ct_mark / ct_label may nest; a ct without commit may nest only a bare nat.
 *
 * nat `data`: subtype(2) pad(2) flags(2) range_present(2), then the range
 * parts range_present names, in order: IPv4 min/max (4 each) or IPv6
 * min/max (16 each), then L4 port min/max (2 each).
 */
import { decodeActions, OFPAT, OfpError, Reader } from '../../openflow/index.js';
import type { Action } from '../../openflow/types.js';
import { formatAction, type ActionFormat } from './actions.js';
import { formatIpv4, formatIpv6 } from './addr.js';
import { ovsErrorName } from './error-names.js';
import type { PrereqFlow } from './nx-fields.js';
import { checkSrc, formatSf, subfieldOfsNbits, type Subfield } from './nx-subfield.js';
import { reject } from './reject.js';

export const NXAST_CT = 35;
export const NXAST_NAT = 36;
const NX_VENDOR_ID = 0x00002320;
const NX_CT_F_COMMIT = 1;
const NX_CT_F_FORCE = 2;
const NX_CT_RECIRC_NONE = 0xff;
const IPPORT_FTP = 21;
const IPPORT_TFTP = 69;

const NX_NAT_F_SRC = 1;
const NX_NAT_F_DST = 2;
const NX_NAT_F_PERSISTENT = 4;
const NX_NAT_F_PROTO_HASH = 8;
const NX_NAT_F_PROTO_RANDOM = 16;
const NX_NAT_F_MASK = 0x1f;
const RANGE_IPV4_MIN = 1;
const RANGE_IPV4_MAX = 2;
const RANGE_IPV6_MIN = 4;
const RANGE_IPV6_MAX = 8;
const RANGE_PROTO_MIN = 16;
const RANGE_PROTO_MAX = 32;

/** NXM_NX_CT_MARK and NXM_NX_CT_LABEL: the fields only a ct action may set. */
export const isCtField = (oxmClass: number, oxmField: number): boolean => oxmClass === 1 && (oxmField === 107 || oxmField === 108);

export interface Nat {
  readonly flags: number;
  readonly af: 'none' | 'ipv4' | 'ipv6';
  readonly min?: Uint8Array;
  readonly max?: Uint8Array;
  readonly protoMin: number;
  readonly protoMax: number;
}

export interface Ct {
  readonly flags: number;
  readonly zoneSrc?: Subfield;
  readonly zoneImm: number;
  readonly recircTable: number;
  readonly alg: number;
  /** The nested actions; a nat among them is decoded. */
  readonly actions: readonly (Action | Nat)[];
}

const isNat = (a: Action | Nat): a is Nat => 'af' in a;

/** `decode_NXAST_RAW_NAT`. */
export function decodeNat(data: Buffer): Nat {
  if (data.length < 8) reject('OFPBAC_BAD_LEN', 'nat action');
  const flags = data.readUInt16BE(4);
  const present = data.readUInt16BE(6);
  if (flags & ~NX_NAT_F_MASK || (flags & NX_NAT_F_SRC && flags & NX_NAT_F_DST) || (flags & NX_NAT_F_PROTO_HASH && flags & NX_NAT_F_PROTO_RANDOM)) {
    reject('OFPBAC_BAD_ARGUMENT', `nat flags 0x${flags.toString(16)}`);
  }
  let p = 8;
  const take = (n: number): Buffer => {
    if (data.length - p < n) reject('OFPBAC_BAD_ARGUMENT', 'nat range overruns the action');
    p += n;
    return data.subarray(p - n, p);
  };
  const bad = (why: string): never => reject('OFPBAC_BAD_ARGUMENT', `nat: ${why}`);
  let af: Nat['af'] = 'none';
  let min: Buffer | undefined;
  let max: Buffer | undefined;
  if (present & RANGE_IPV4_MIN) {
    if (present & (RANGE_IPV6_MIN | RANGE_IPV6_MAX)) bad('IPv4 and IPv6 ranges');
    min = take(4);
    if (min.readUInt32BE(0) === 0) bad('zero address');
    af = 'ipv4';
    if (present & RANGE_IPV4_MAX) {
      max = take(4);
      if (max.readUInt32BE(0) < min.readUInt32BE(0)) bad('range ends below its start');
    }
  } else if (present & RANGE_IPV4_MAX) {
    bad('IPv4 max without min');
  } else if (present & RANGE_IPV6_MIN) {
    min = take(16);
    if (min.every((b) => b === 0)) bad('zero address');
    af = 'ipv6';
    if (present & RANGE_IPV6_MAX) {
      max = take(16);
      if (Buffer.compare(max, min) < 0) bad('range ends below its start');
    }
  } else if (present & RANGE_IPV6_MAX) {
    bad('IPv6 max without min');
  }
  let protoMin = 0;
  let protoMax = 0;
  if (present & RANGE_PROTO_MIN) {
    if (af === 'none') bad('port range without addresses');
    protoMin = take(2).readUInt16BE(0);
    if (protoMin === 0) bad('zero port');
    if (present & RANGE_PROTO_MAX) {
      protoMax = take(2).readUInt16BE(0);
      if (protoMax < protoMin) bad('port range ends below its start');
    }
  } else if (present & RANGE_PROTO_MAX) {
    bad('port max without min');
  }
  return { flags, af, min, max, protoMin, protoMax };
}

/** `format_NAT`. */
export function formatNat(n: Nat): string {
  if (!(n.flags & (NX_NAT_F_SRC | NX_NAT_F_DST))) return 'nat';
  let s = `nat(${n.flags & NX_NAT_F_SRC ? 'src' : 'dst'}`;
  if (n.af !== 'none') {
    s += '=';
    const bracket = n.protoMin !== 0;
    const addr = (b: Uint8Array): string =>
      n.af === 'ipv4' ? formatIpv4(Buffer.from(b).readUInt32BE(0)) : bracket ? `[${formatIpv6(b)}]` : formatIpv6(b);
    s += addr(n.min!);
    if (n.max && !n.max.every((b) => b === 0) && Buffer.compare(n.max, n.min!) !== 0) s += `-${addr(n.max)}`;
    if (n.protoMin) {
      s += `:${n.protoMin}`;
      if (n.protoMax && n.protoMax !== n.protoMin) s += `-${n.protoMax}`;
    }
    s += ',';
    if (n.flags & NX_NAT_F_PERSISTENT) s += 'persistent,';
    if (n.flags & NX_NAT_F_PROTO_HASH) s += 'hash,';
    if (n.flags & NX_NAT_F_PROTO_RANDOM) s += 'random,';
  }
  if (s.endsWith(',')) s = s.slice(0, -1);
  return s + ')';
}

/** A nested action that is a Nicira nat, decoded; anything else as is. */
function nested(a: Action): Action | Nat {
  if (a.type === OFPAT.EXPERIMENTER && a.experimenter >>> 0 === NX_VENDOR_ID && a.data.length >= 2 && a.data.readUInt16BE(0) === NXAST_NAT) return decodeNat(a.data);
  return a;
}

/**
 * `decode_NXAST_RAW_CT`, with the nesting rules of `ofpacts_verify`. Each
 * nested action is first decoded as Open vSwitch would anywhere (an unknown
 * type or vendor is refused as such), and only then judged for nesting.
 */
export function decodeCt(data: Buffer): Ct {
  if (data.length < 16) reject('OFPBAC_BAD_LEN', 'ct action');
  const flags = data.readUInt16BE(2);
  if (flags & NX_CT_F_FORCE && !(flags & NX_CT_F_COMMIT)) reject('OFPBAC_BAD_ARGUMENT', 'ct force without commit');
  const zoneHeader = data.readUInt32BE(4);
  let zoneSrc: Subfield | undefined;
  if (zoneHeader) {
    zoneSrc = subfieldOfsNbits(zoneHeader, data.readUInt16BE(8));
    checkSrc(zoneSrc);
    if (zoneSrc.nBits !== 16) reject('OFPBAC_BAD_SET_LEN', `ct zone of ${zoneSrc.nBits} bits`);
  }
  let list: Action[];
  try {
    list = decodeActions(new Reader(data, 16, data.length));
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    return reject(ovsErrorName(e.type, e.code) ?? 'OFPBAC_BAD_LEN', `ct nested actions: ${e.message}`);
  }
  const actions = list.map(nested);
  // Decoding proper: whatever Open vSwitch refuses in any action list (the text is not kept).
  for (const a of actions) if (!isNat(a) && !isCtSetField(a)) formatAction(a, { strict: true, inCt: true });
  for (const a of actions) {
    if (!isNat(a) && !isCtSetField(a)) reject('OFPBAC_BAD_ARGUMENT', `ct action cannot nest action ${a.type}`);
  }
  if (!(flags & NX_CT_F_COMMIT) && actions.some((a) => !isNat(a) || a.flags !== 0 || a.af !== 'none')) {
    reject('OFPBAC_BAD_ARGUMENT', 'ct actions other than a bare nat need commit');
  }
  return { flags, zoneSrc, zoneImm: zoneHeader ? 0 : data.readUInt16BE(8), recircTable: data[10]!, alg: data.readUInt16BE(14), actions };
}

const isCtSetField = (a: Action | Nat): boolean =>
  !isNat(a) && a.type === OFPAT.SET_FIELD && a.field.field === 'other' && isCtField(a.field.oxm_class, a.field.oxm_field);

/** `format_CT`: a leading nat prints outside exec(...). */
export function formatCt(ct: Ct, fmt: ActionFormat): string {
  let s = 'ct(';
  if (ct.flags & NX_CT_F_COMMIT) s += 'commit,';
  if (ct.flags & NX_CT_F_FORCE) s += 'force,';
  if (ct.recircTable !== NX_CT_RECIRC_NONE) s += `table=${ct.recircTable},`;
  if (ct.zoneSrc) s += `zone=${formatSf(ct.zoneSrc)},`;
  else if (ct.zoneImm) s += `zone=${ct.zoneImm},`;
  let rest = ct.actions;
  if (rest.length && isNat(rest[0]!)) {
    s += formatNat(rest[0]) + ',';
    rest = rest.slice(1);
  }
  const inner: ActionFormat = { ...fmt, inCt: true };
  if (rest.length) s += `exec(${rest.map((a) => (isNat(a) ? formatNat(a) : formatAction(a, inner))).join(',')}),`;
  if (ct.alg === IPPORT_FTP) s += 'alg=ftp,';
  else if (ct.alg === IPPORT_TFTP) s += 'alg=tftp,';
  else if (ct.alg) s += `alg=${ct.alg},`;
  if (s.endsWith(',')) s = s.slice(0, -1);
  return s + ')';
}

const isIpAny = (f: PrereqFlow): boolean => f.dlType === 0x0800 || f.dlType === 0x86dd;

/** `check_NAT`: nat needs IP, and an address range of the flow's family. */
export function checkNat(n: Nat, flow: PrereqFlow): void {
  if (!isIpAny(flow) || (n.af === 'ipv4' && flow.dlType !== 0x0800) || (n.af === 'ipv6' && flow.dlType !== 0x86dd)) {
    reject('OFPBAC_MATCH_INCONSISTENT', 'nat on a flow of another family');
  }
}

/**
 * `check_CT`: ct needs IP (and TCP for the FTP helper, UDP for TFTP), and
 * cannot commit what the match says is invalid. Open vSwitch checks either
 * the zone field's prerequisites or the nested actions, not both.
 */
export function checkCt(ct: Ct, flow: PrereqFlow & { ctStateInvalid?: boolean }): void {
  if (
    !isIpAny(flow) ||
    (flow.ctStateInvalid && ct.flags & NX_CT_F_COMMIT) ||
    (ct.alg === IPPORT_FTP && flow.nwProto !== 6) ||
    (ct.alg === IPPORT_TFTP && flow.nwProto !== 17)
  ) {
    reject('OFPBAC_MATCH_INCONSISTENT', 'ct on a flow it cannot track');
  }
  if (ct.zoneSrc) return checkSrc(ct.zoneSrc, flow);
  for (const a of ct.actions) if (isNat(a)) checkNat(a, flow);
}
