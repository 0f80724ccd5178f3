/**
 * OXM: the type-length-value fields of OpenFlow 1.3 matches (spec §7.2.3),
 * also carried one at a time by set_field actions and as bare headers in
 * table-features properties.
 *
 * Wire form of one TLV: a 4-byte header, then the payload.
 *
 *     oxm_class u16 | oxm_field u7, oxm_hasmask u1 | oxm_length u8 | value [mask]
 *
 * What this module does, and what it leaves alone:
 * - The 40 OpenFlow-basic fields (class 0x8000) are decoded into named,
 *   typed values from one table (`OXM_OFB_FIELDS`), which also says how
 *   long each value is and whether OF1.3.5 table 12 lets it carry a mask.
 *   An unknown field code or a wrong length is an error here, because no
 *   later stage could make sense of the bytes.
 * - A mask on a field table 12 does not list as maskable (a masked TCP
 *   port, in_port) is well-formed bytes: Open vSwitch sends and accepts
 *   such matches in OF1.3, and a client (ofctl) must be able to read them
 *   back. The switch's pipeline refuses them with OFPBMC_BAD_MASK, using
 *   `maskable` from the table.
 * - Every other class (Nicira's NXM_0/NXM_1, experimenter 0xffff, classes
 *   nobody has assigned) is kept as bytes (`OxmOther`). Open vSwitch and
 *   Ryu send NXM fields in OF1.3 matches and set_field actions, and a codec
 *   that dropped or refused them could not round-trip what they send.
 * - Maskability, prerequisites, duplicates, reserved value bits and
 *   value/mask consistency are the pipeline's checks, not the codec's: a
 *   controller's bytes decode, and re-encode, exactly as sent.
 *
 * Errors depend on where the TLV sits. In a match they are OFPET_BAD_MATCH
 * (BAD_FIELD / BAD_LEN); inside a set_field action the spec maps
 * them to OFPET_BAD_ACTION (BAD_SET_TYPE / BAD_SET_LEN / BAD_SET_ARGUMENT),
 * and OF1.3 set_field takes no mask at all. `decodeOxmWithin` takes that
 * context as a constant object instead of a callback or a try/rethrow, so
 * the hot path allocates nothing but the decoded value.
 *
 * Bounds: a TLV is read from the caller's Reader but limited by an explicit
 * end (the match's or the action's), checked before any byte is read, so
 * neither a lying oxm_length nor a lying outer length can reach past it.
 */
import { parseIpv4, parseIpv6, parseMac, readIpv4, readIpv6, readMac } from './addr.js';
import { OFPMT, OFPXMC, OFPXMT } from './constants.js';
import { OFPBAC, OFPBMC, OFPET, OfpError } from './errors.js';
import type { Reader } from './reader.js';
import type { Match, OxmField, OxmId, OxmName, OxmValue } from './types.js';
import type { Writer } from './writer.js';
import type { DecodeCache } from './decode-cache.js';

/** The OXM header, 4 bytes. */
export const OXM_HEADER_LEN = 4;
/** struct ofp_match without fields: type and length, 4 bytes (padded to 8 on the wire). */
export const OFP_MATCH_HEADER_LEN = 4;

/** How a basic field's value is represented in `OxmBasic.value`. */
export const enum OxmKind {
  /** number; 1, 2, 3 or 4 bytes big-endian. */
  UINT = 0,
  /** bigint; 8 bytes. */
  U64 = 1,
  /** "aa:bb:cc:dd:ee:ff"; 6 bytes. */
  MAC = 2,
  /** dotted quad; 4 bytes. */
  IPV4 = 3,
  /** RFC 5952 text; 16 bytes. */
  IPV6 = 4,
}

/** One OpenFlow-basic field (class 0x8000), OF1.3.5 §7.2.3.7 table 12. */
export interface OxmFieldInfo {
  readonly name: OxmName;
  readonly code: OFPXMT;
  /** Value length in bytes; a masked TLV carries twice as many. */
  readonly len: number;
  /** Whether the spec lets this field carry a mask. */
  readonly maskable: boolean;
  readonly kind: OxmKind;
  /** The largest value of a UINT field (2^(8·len) − 1). */
  readonly max: number;
  /** The OXM header as a u32, without and with oxm_hasmask. */
  readonly header: number;
  readonly maskedHeader: number;
}

function field(name: OxmName, code: OFPXMT, len: number, maskable: boolean, kind: OxmKind): OxmFieldInfo {
  return {
    name,
    code,
    len,
    maskable,
    kind,
    max: 2 ** (8 * Math.min(len, 4)) - 1,
    header: oxmHeader(OFPXMC.OPENFLOW_BASIC, code, false, len),
    maskedHeader: oxmHeader(OFPXMC.OPENFLOW_BASIC, code, true, 2 * len),
  };
}

const U = OxmKind.UINT;

/** Every OpenFlow-basic field, indexed by its OFPXMT_OFB_* code. */
export const OXM_OFB_FIELDS: readonly OxmFieldInfo[] = Object.freeze([
  field('in_port', OFPXMT.OFB_IN_PORT, 4, false, U),
  field('in_phy_port', OFPXMT.OFB_IN_PHY_PORT, 4, false, U),
  field('metadata', OFPXMT.OFB_METADATA, 8, true, OxmKind.U64),
  field('eth_dst', OFPXMT.OFB_ETH_DST, 6, true, OxmKind.MAC),
  field('eth_src', OFPXMT.OFB_ETH_SRC, 6, true, OxmKind.MAC),
  field('eth_type', OFPXMT.OFB_ETH_TYPE, 2, false, U),
  // 12-bit VID plus the OFPVID_PRESENT bit (0x1000), kept raw.
  field('vlan_vid', OFPXMT.OFB_VLAN_VID, 2, true, U),
  field('vlan_pcp', OFPXMT.OFB_VLAN_PCP, 1, false, U),
  field('ip_dscp', OFPXMT.OFB_IP_DSCP, 1, false, U),
  field('ip_ecn', OFPXMT.OFB_IP_ECN, 1, false, U),
  field('ip_proto', OFPXMT.OFB_IP_PROTO, 1, false, U),
  field('ipv4_src', OFPXMT.OFB_IPV4_SRC, 4, true, OxmKind.IPV4),
  field('ipv4_dst', OFPXMT.OFB_IPV4_DST, 4, true, OxmKind.IPV4),
  field('tcp_src', OFPXMT.OFB_TCP_SRC, 2, false, U),
  field('tcp_dst', OFPXMT.OFB_TCP_DST, 2, false, U),
  field('udp_src', OFPXMT.OFB_UDP_SRC, 2, false, U),
  field('udp_dst', OFPXMT.OFB_UDP_DST, 2, false, U),
  field('sctp_src', OFPXMT.OFB_SCTP_SRC, 2, false, U),
  field('sctp_dst', OFPXMT.OFB_SCTP_DST, 2, false, U),
  field('icmpv4_type', OFPXMT.OFB_ICMPV4_TYPE, 1, false, U),
  field('icmpv4_code', OFPXMT.OFB_ICMPV4_CODE, 1, false, U),
  field('arp_op', OFPXMT.OFB_ARP_OP, 2, false, U),
  field('arp_spa', OFPXMT.OFB_ARP_SPA, 4, true, OxmKind.IPV4),
  field('arp_tpa', OFPXMT.OFB_ARP_TPA, 4, true, OxmKind.IPV4),
  field('arp_sha', OFPXMT.OFB_ARP_SHA, 6, true, OxmKind.MAC),
  field('arp_tha', OFPXMT.OFB_ARP_THA, 6, true, OxmKind.MAC),
  field('ipv6_src', OFPXMT.OFB_IPV6_SRC, 16, true, OxmKind.IPV6),
  field('ipv6_dst', OFPXMT.OFB_IPV6_DST, 16, true, OxmKind.IPV6),
  // 4 bytes on the wire, 20 significant bits; the rest is the pipeline's to check.
  field('ipv6_flabel', OFPXMT.OFB_IPV6_FLABEL, 4, true, U),
  field('icmpv6_type', OFPXMT.OFB_ICMPV6_TYPE, 1, false, U),
  field('icmpv6_code', OFPXMT.OFB_ICMPV6_CODE, 1, false, U),
  field('ipv6_nd_target', OFPXMT.OFB_IPV6_ND_TARGET, 16, false, OxmKind.IPV6),
  field('ipv6_nd_sll', OFPXMT.OFB_IPV6_ND_SLL, 6, false, OxmKind.MAC),
  field('ipv6_nd_tll', OFPXMT.OFB_IPV6_ND_TLL, 6, false, OxmKind.MAC),
  field('mpls_label', OFPXMT.OFB_MPLS_LABEL, 4, false, U),
  field('mpls_tc', OFPXMT.OFB_MPLS_TC, 1, false, U),
  field('mpls_bos', OFPXMT.OFB_MPLS_BOS, 1, false, U),
  // The only 3-byte field.
  field('pbb_isid', OFPXMT.OFB_PBB_ISID, 3, true, U),
  field('tunnel_id', OFPXMT.OFB_TUNNEL_ID, 8, true, OxmKind.U64),
  field('ipv6_exthdr', OFPXMT.OFB_IPV6_EXTHDR, 2, true, U),
]);

const BY_NAME: ReadonlyMap<string, OxmFieldInfo> = new Map(OXM_OFB_FIELDS.map((f) => [f.name, f]));

/** The basic field called `name` (an OxmName), or undefined. */
export function oxmFieldByName(name: string): OxmFieldInfo | undefined {
  return BY_NAME.get(name);
}

/** The basic field with OFPXMT_OFB_* code `code`, or undefined. */
export function oxmFieldByCode(code: number): OxmFieldInfo | undefined {
  return OXM_OFB_FIELDS[code];
}

/** An OXM header as the u32 it is on the wire. */
export function oxmHeader(oxmClass: number, oxmField: number, hasmask: boolean, length: number): number {
  return ((oxmClass << 16) | (oxmField << 9) | (hasmask ? 0x100 : 0) | length) >>> 0;
}

/* --------------------------------------------------------- error context */

/** The errors an OXM raises where it sits, and whether masks may appear at all. */
export interface OxmContext {
  readonly errType: OFPET;
  /** Unknown basic field. */
  readonly badField: number;
  /** Payload length wrong for the field, or TLV running past its container. */
  readonly badLen: number;
  /** A mask where none may be. */
  readonly badMask: number;
  /** False for set_field, which in OF1.3 takes no mask of any class. */
  readonly masks: boolean;
}

/** A TLV inside struct ofp_match. */
export const OXM_IN_MATCH: OxmContext = Object.freeze({
  errType: OFPET.BAD_MATCH,
  badField: OFPBMC.BAD_FIELD,
  badLen: OFPBMC.BAD_LEN,
  badMask: OFPBMC.BAD_MASK,
  masks: true,
});

/** The TLV inside struct ofp_action_set_field (spec §7.4.4, ofp_bad_action_code). */
export const OXM_IN_SET_FIELD: OxmContext = Object.freeze({
  errType: OFPET.BAD_ACTION,
  badField: OFPBAC.BAD_SET_TYPE,
  badLen: OFPBAC.BAD_SET_LEN,
  badMask: OFPBAC.BAD_SET_ARGUMENT,
  masks: false,
});

/* ---------------------------------------------------------------- decode */

/** One OXM TLV from `r`, as found in a match. */
export function decodeOxm(r: Reader): OxmField {
  return decodeOxmWithin(r, r.end, OXM_IN_MATCH);
}

/**
 * One OXM TLV at `r.off`, which must end by `end` (≤ r.end); raises
 * `ctx`'s errors. Leaves `r.off` just after the TLV.
 */
export function decodeOxmWithin(r: Reader, end: number, ctx: OxmContext): OxmField {
  const buf = r.buf;
  const off = r.off;
  if (end > r.end) end = r.end;
  if (end - off < OXM_HEADER_LEN) {
    throw new OfpError(ctx.errType, ctx.badLen, `OXM header needs 4 bytes, ${end - off} left`);
  }
  const oxmClass = (buf[off]! << 8) | buf[off + 1]!;
  const fh = buf[off + 2]!;
  const len = buf[off + 3]!;
  const hasmask = (fh & 1) === 1;
  const code = fh >>> 1;
  const p = off + OXM_HEADER_LEN;
  if (len > end - p) {
    throw new OfpError(ctx.errType, ctx.badLen, `OXM length ${len} runs past its container (${end - p} left)`);
  }

  if (oxmClass !== OFPXMC.OPENFLOW_BASIC) {
    if (hasmask && !ctx.masks) throw new OfpError(ctx.errType, ctx.badMask, 'set_field takes no mask');
    // The experimenter class starts its payload with the experimenter id.
    if (oxmClass === OFPXMC.EXPERIMENTER && len < 4) {
      throw new OfpError(ctx.errType, ctx.badLen, `experimenter OXM needs 4 bytes for its id, has ${len}`);
    }
    r.off = p + len;
    return {
      field: 'other',
      oxm_class: oxmClass,
      oxm_field: code,
      hasmask,
      payload: Buffer.from(buf.subarray(p, p + len)),
    };
  }

  const info = OXM_OFB_FIELDS[code];
  if (info === undefined) throw new OfpError(ctx.errType, ctx.badField, `unknown OXM_OF field ${code}`);
  if (hasmask && !ctx.masks) throw new OfpError(ctx.errType, ctx.badMask, `set_field takes no mask`);
  const want = hasmask ? 2 * info.len : info.len;
  if (len !== want) throw new OfpError(ctx.errType, ctx.badLen, `${info.name} needs length ${want}, has ${len}`);
  r.off = p + len;
  if (!hasmask) return { field: info.name, value: readValue(buf, p, info) };
  return { field: info.name, value: readValue(buf, p, info), mask: readValue(buf, p + info.len, info) };
}

function readValue(buf: Buffer, p: number, info: OxmFieldInfo): OxmValue {
  switch (info.kind) {
    case OxmKind.UINT:
      switch (info.len) {
        case 1:
          return buf[p]!;
        case 2:
          return (buf[p]! << 8) | buf[p + 1]!;
        case 3:
          return (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
        default:
          return buf.readUInt32BE(p);
      }
    case OxmKind.U64:
      return buf.readBigUInt64BE(p);
    case OxmKind.MAC:
      return readMac(buf, p);
    case OxmKind.IPV4:
      return ipv4Text(buf, p);
    case OxmKind.IPV6:
      return readIpv6(buf, p);
  }
}

/**
 * The dotted quad at buf[p], as readIpv4 writes it, made from the text of
 * its first three bytes, shared with every address in the same /24.
 *
 * Why: readIpv4 builds the text a piece at a time, a new string per
 * piece, and a table of flows mostly holds addresses of a few /24s (a
 * 100,000-flow bundle, ~400 of them): one string per address is what
 * decoding one leaves to collect.
 */
function ipv4Text(buf: Buffer, p: number): string {
  const key = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
  let prefix = IPV4_PREFIXES.get(key);
  if (prefix === undefined) {
    if (IPV4_PREFIXES.size >= IPV4_PREFIXES_MAX) return readIpv4(buf, p);
    prefix = `${buf[p]!}.${buf[p + 1]!}.${buf[p + 2]!}.`;
    IPV4_PREFIXES.set(key, prefix);
  }
  return prefix + DECIMAL[buf[p + 3]!]!;
}

/** ipv4Text's prefixes, by their three bytes; past the limit, addresses are made in full. */
const IPV4_PREFIXES = new Map<number, string>();
const IPV4_PREFIXES_MAX = 4096;
const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

/**
 * struct ofp_match (OFPMT_OXM), 4 bytes + TLVs + padding to 8, at `r.off`.
 * Leaves `r.off` after the padding.
 */
export function decodeMatch(r: Reader, cache?: DecodeCache): Match {
  const buf = r.buf;
  const start = r.off;
  const avail = r.end - start;
  if (avail < OFP_MATCH_HEADER_LEN) {
    throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, `match header needs 4 bytes, ${avail} left`);
  }
  const type = buf.readUInt16BE(start);
  const length = buf.readUInt16BE(start + 2);
  // OFPMT_STANDARD is OF1.1's fixed match; OF1.3 has only OXM.
  if (type !== OFPMT.OXM) throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_TYPE, `match type ${type}`);
  if (length < OFP_MATCH_HEADER_LEN) throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, `match length ${length}`);
  const padded = (length + 7) & ~7;
  if (padded > avail) {
    throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_LEN, `match length ${length} (${padded} padded), ${avail} left`);
  }
  const end = start + length;
  // Fields go to a scratch list first, then to an array of exactly their
  // number (exact-array.ts says why): a fresh list per match, then its
  // exact copy, was one array per flow_mod more for the collector. The
  // scratch list keeps its room (setting its length to 0 would give it up)
  // and, past `n`, the previous match's fields, which is harmless.
  const fields = matchScratch;
  let n = 0;
  r.off = start + OFP_MATCH_HEADER_LEN;
  canonicalSoFar = cache !== undefined;
  if (cache === undefined) while (r.off < end) fields[n++] = decodeOxmWithin(r, end, OXM_IN_MATCH);
  else while (r.off < end) fields[n++] = decodeMatchField(r, end, cache);
  // The padding's content is not checked: it carries nothing.
  for (let i = end; canonicalSoFar && i < start + padded; i++) if (buf[i] !== 0) canonicalSoFar = false;
  r.off = start + padded;
  const match = fields.slice(0, n);
  lastCanonical = canonicalSoFar ? match : null;
  return match;
}

/**
 * The last match decodeMatch returned, if its bytes are exactly what
 * encodeMatch writes for it, else null: decoded with a cache, every field
 * by decodeMatchField's shortcuts (an exact integer field of its own
 * length, whose value encodeOxm writes back as it was, or an exact IPv4
 * address), zero padding. Its bytes can then stand for the encoding
 * (ofproto's Rule.matchWire, taken from a bundled flow_mod's bytes)
 * without encoding it again.
 */
export function lastCanonicalMatch(): Match | null {
  return lastCanonical;
}

let lastCanonical: Match | null = null;
/** While decodeMatch runs: whether every field so far took a shortcut. */
let canonicalSoFar = false;

/** decodeMatch's scratch list. */
const matchScratch: OxmField[] = [];

/**
 * One TLV of a match, the shared object (DecodeCache) when it is a valid
 * unmasked integer basic field — exactly when decodeOxmWithin would return
 * { field, value } for it; an unmasked IPv4 address the same way, unshared;
 * anything else, errors included, goes there.
 */
function decodeMatchField(r: Reader, end: number, cache: DecodeCache): OxmField {
  const buf = r.buf;
  const off = r.off;
  if (end - off >= OXM_HEADER_LEN && ((buf[off]! << 8) | buf[off + 1]!) === OFPXMC.OPENFLOW_BASIC && (buf[off + 2]! & 1) === 0) {
    const info = OXM_OFB_FIELDS[buf[off + 2]! >>> 1];
    const p = off + OXM_HEADER_LEN;
    if (info !== undefined && info.kind === OxmKind.UINT && buf[off + 3] === info.len && p + info.len <= end) {
      r.off = p + info.len;
      return cache.field(info.code, info.name, readValue(buf, p, info) as number);
    }
    // An exact IPv4 address: not shared (addresses rarely repeat), but made
    // here as decodeOxmWithin would, without its general checks.
    if (info !== undefined && info.kind === OxmKind.IPV4 && buf[off + 3] === 4 && p + 4 <= end) {
      r.off = p + 4;
      return { field: info.name, value: ipv4Text(buf, p) } as OxmField;
    }
  }
  canonicalSoFar = false;
  return decodeOxmWithin(r, end, OXM_IN_MATCH);
}

/**
 * A list of OXM headers without values (table-features OFPTFPT_MATCH,
 * _WILDCARDS, _*_SETFIELD). `r` spans exactly the list; its own error is
 * raised if a header is cut short.
 */
export function decodeOxmIds(r: Reader): OxmId[] {
  const ids: OxmId[] = [];
  while (r.off < r.end) {
    const h = r.u32();
    const oxmClass = h >>> 16;
    const id: OxmId = { oxm_class: oxmClass, oxm_field: (h >>> 9) & 0x7f, hasmask: (h & 0x100) !== 0, length: h & 0xff };
    // 64-bit headers for the experimenter class (§7.3.5.5.2).
    if (oxmClass === OFPXMC.EXPERIMENTER) id.experimenter = r.u32();
    ids.push(id);
  }
  return ids;
}

/* ---------------------------------------------------------------- encode */

/** One OXM TLV. Throws TypeError/RangeError for a value its field cannot hold. */
export function encodeOxm(w: Writer, f: OxmField): void {
  if (f.field === 'other') {
    const n = f.payload.length;
    if (n > 0xff || (f.oxm_class === OFPXMC.EXPERIMENTER && n < 4)) {
      throw new RangeError(`OXM class ${f.oxm_class} field ${f.oxm_field}: payload of ${n} bytes`);
    }
    w.u32(oxmHeader(f.oxm_class & 0xffff, f.oxm_field & 0x7f, f.hasmask, n));
    w.bytes(f.payload);
    return;
  }
  const info = BY_NAME.get(f.field);
  if (info === undefined) throw new RangeError(`unknown OXM field ${JSON.stringify(f.field)}`);
  const mask = f.mask;
  const len = info.len;
  const total = OXM_HEADER_LEN + (mask === undefined ? len : 2 * len);
  // One room check for the whole TLV, then plain byte stores: this is the
  // flow_mod and flow-stats hot path. `w.off` moves only once every value
  // has been stored, so a value that throws leaves the writer as it was.
  reserve(w, total);
  const buf = w.buf;
  const at = w.off;
  buf.writeUInt32BE(mask === undefined ? info.header : info.maskedHeader, at);
  putValue(buf, at + OXM_HEADER_LEN, info, f.value);
  if (mask !== undefined) putValue(buf, at + OXM_HEADER_LEN + len, info, mask);
  w.off = at + total;
}

/**
 * Makes room for `n` more bytes in `w` without moving `w.off`. Writer grows
 * only through its writing methods, so a rare grow goes through zeros().
 */
function reserve(w: Writer, n: number): void {
  if (w.off + n > w.buf.length) {
    w.zeros(n);
    w.off -= n;
  }
}

/** Stores one value of `info`'s field at buf[p]; the caller has reserved the room. */
function putValue(buf: Buffer, p: number, info: OxmFieldInfo, v: OxmValue): void {
  switch (info.kind) {
    case OxmKind.UINT: {
      if (typeof v !== 'number') throw new TypeError(`${info.name} takes a number, not ${typeof v}`);
      const len = info.len;
      if (!(v >= 0 && v <= info.max && Math.floor(v) === v)) {
        throw new RangeError(`${info.name}: ${v} does not fit in ${len} bytes`);
      }
      if (len === 1) buf[p] = v;
      else if (len === 2) {
        buf[p] = v >>> 8;
        buf[p + 1] = v & 0xff;
      } else if (len === 3) {
        buf[p] = v >>> 16;
        buf[p + 1] = (v >>> 8) & 0xff;
        buf[p + 2] = v & 0xff;
      } else buf.writeUInt32BE(v, p);
      return;
    }
    case OxmKind.U64:
      if (typeof v !== 'bigint') throw new TypeError(`${info.name} takes a bigint, not ${typeof v}`);
      if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`${info.name}: ${v} does not fit in 8 bytes`);
      buf.writeBigUInt64BE(v, p);
      return;
    case OxmKind.MAC:
      if (typeof v !== 'string') throw new TypeError(`${info.name} takes an address string, not ${typeof v}`);
      parseMac(v, buf, p);
      return;
    case OxmKind.IPV4:
      if (typeof v !== 'string') throw new TypeError(`${info.name} takes an address string, not ${typeof v}`);
      parseIpv4(v, buf, p);
      return;
    case OxmKind.IPV6:
      if (typeof v !== 'string') throw new TypeError(`${info.name} takes an address string, not ${typeof v}`);
      parseIpv6(v, buf, p);
      return;
    default: {
      const never: never = info.kind;
      throw new RangeError(`OXM kind ${String(never)}`);
    }
  }
}

/** struct ofp_match: type OFPMT_OXM, length (back-patched), TLVs, zeros to 8. */
export function encodeMatch(w: Writer, m: Match): void {
  const start = w.off;
  w.u16(OFPMT.OXM);
  w.u16(0);
  for (let i = 0; i < m.length; i++) encodeOxm(w, m[i]!);
  const length = w.off - start;
  if (length > 0xffff) throw new RangeError(`match of ${length} bytes`);
  w.patchU16(start + 2, length);
  w.align8(start);
}

/** The inverse of decodeOxmIds. */
export function encodeOxmIds(w: Writer, ids: readonly OxmId[]): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    w.u32(oxmHeader(id.oxm_class & 0xffff, id.oxm_field & 0x7f, id.hasmask, id.length & 0xff));
    if (id.oxm_class === OFPXMC.EXPERIMENTER) {
      if (id.experimenter === undefined) throw new RangeError('an experimenter OXM id needs its experimenter');
      w.u32(id.experimenter);
    }
  }
}
