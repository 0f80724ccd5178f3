/**
 * An OpenFlow match → a (value, mask) pair over the flow key, with every
 * check OpenFlow 1.3.5 asks of a match before it may become a flow entry.
 *
 * The codec has already refused what no later stage could read (unknown
 * basic field codes, wrong lengths, masks on unmaskable fields). What is
 * left is semantics, checked here in one pass over the fields, with the
 * spec's error for each (§7.4.4, ofp_bad_match_code):
 * - a field of another OXM class (Nicira, experimenter): OFPBMC_BAD_FIELD,
 *   because we implement none;
 * - the same field twice: OFPBMC_DUP_FIELD;
 * - a value that does not fit the field's bits (vlan_vid > 0x1fff,
 *   ip_dscp > 63, a 20-bit flow label with more bits) or an in_port that no
 *   packet can arrive on (0, the unassigned range above OFPP_MAX, IN_PORT,
 *   TABLE, NORMAL, FLOOD, ALL, ANY): OFPBMC_BAD_VALUE;
 * - a mask with bits outside the field: OFPBMC_BAD_MASK;
 * - a value with 1-bits where its mask has 0-bits: OFPBMC_BAD_WILDCARDS
 *   (§7.2.3.5). Open vSwitch silently clears such bits; the spec asks for
 *   the error, and an error is the only answer that cannot surprise;
 * - a prerequisite not met (Table 12, see prereqs.ts): OFPBMC_BAD_PREREQ.
 *
 * The key layout (lib/packet/flow-key.ts) places each field at a word and
 * bit offset; `value` is ANDed with `mask`, as the classifier requires.
 * The original Match is not kept here: the rule keeps it for replies, so
 * that a controller reads back its own fields in its own order.
 */
import { parseIpv4, parseIpv6, parseMac } from '../openflow/addr.js';
import { OFPP } from '../openflow/constants.js';
import { OFPBMC, OFPET, OfpError } from '../openflow/errors.js';
import { OxmKind, oxmFieldByCode, oxmFieldByName, type OxmFieldInfo } from '../openflow/oxm.js';
import type { Match, OxmBasic, OxmValue } from '../openflow/types.js';
import { FIELD_PLACES, KEY_WORDS, type FieldPlace } from '../packet/flow-key.js';
import { prereqsHoldCode, unknownFacts, type Facts } from './prereqs.js';

export interface CompiledMatch {
  /** Key words; already ANDed with `mask`. */
  readonly value: Uint32Array;
  readonly mask: Uint32Array;
  /** What every packet matching it is known to carry, for action checks. */
  readonly facts: Facts;
}

/**
 * Space to compile into, owned by the caller and reused from one match to
 * the next (a Bridge compiles one flow_mod at a time): allocating two key
 * arrays per flow_mod costs more than the rest of compiling it. A result
 * compiled into scratch is valid until the next compile into it; whoever
 * keeps a match copies it (KeyArena, MaskInterner).
 */
export interface MatchScratch {
  readonly value: Uint32Array;
  readonly mask: Uint32Array;
  /** The compiled match's facts (a fresh object per match was most of what compiling one allocated). */
  readonly facts: Facts;
  /** The match's field codes, in order (at most the 40 basic fields: a repeated one is refused). */
  readonly codes: Uint8Array;
  /** What compileMatch returns: value, mask and facts above. */
  readonly result: CompiledMatch;
  readonly words: Uint32Array;
  readonly maskWords: Uint32Array;
  readonly bytes: Uint8Array;
}

export function newMatchScratch(): MatchScratch {
  const value = new Uint32Array(KEY_WORDS);
  const mask = new Uint32Array(KEY_WORDS);
  const facts = unknownFacts();
  return {
    value,
    mask,
    facts,
    codes: new Uint8Array(64),
    result: { value, mask, facts },
    words: new Uint32Array(4),
    maskWords: new Uint32Array(4),
    bytes: new Uint8Array(16),
  };
}

const VID_PRESENT = 0x1000;

/** FIELD_PLACES by OXM code: an array index costs less than a keyed property load per field. */
const PLACE_BY_CODE: FieldPlace[] = [];
for (const name of Object.keys(FIELD_PLACES) as (keyof typeof FIELD_PLACES)[]) {
  const info = oxmFieldByName(name);
  if (info !== undefined) PLACE_BY_CODE[info.code] = FIELD_PLACES[name];
}

/**
 * Per OXM code of a one-word integer field: its largest value, and its
 * full mask shifted into place (compileMatch's fast path); -1 (no value
 * qualifies) for the other fields.
 */
const UINT_MAX_BY_CODE: number[] = [];
const UINT_MASK_BY_CODE: number[] = [];
for (let code = 0; code < 64; code++) {
  const info = oxmFieldByCode(code);
  const place = PLACE_BY_CODE[code];
  const onlyWord = info !== undefined && info.kind === OxmKind.UINT && place !== undefined && place.words === 1;
  UINT_MAX_BY_CODE.push(onlyWord ? 2 ** Math.min(place.bits, 32) - 1 : -1);
  const m = new Uint32Array(1);
  if (onlyWord) fullMask(place, m);
  UINT_MASK_BY_CODE.push(m[0]!);
}
const OFPXMT_IN_PORT = oxmFieldByName('in_port')!.code;
const OFPXMT_IN_PHY_PORT = oxmFieldByName('in_phy_port')!.code;

/**
 * Compiles and validates `match`; throws the spec's OFPET_BAD_MATCH error.
 * Into `scratch` when given (see MatchScratch), else into new arrays.
 */
export function compileMatch(match: Match, scratch: MatchScratch = newMatchScratch()): CompiledMatch {
  const { value, mask, facts, codes, words, maskWords, bytes } = scratch;
  value.fill(0);
  mask.fill(0);
  facts.ethType = undefined;
  facts.ipProto = undefined;
  facts.icmpv6Type = undefined;
  facts.vlan = undefined;
  facts.inPort = false;
  // Fields seen so far, by OFPXMT code: codes 0..31 and 32..39.
  let seenLo = 0;
  let seenHi = 0;

  for (let i = 0; i < match.length; i++) {
    const f = match[i]!;
    if (f.field === 'other') {
      throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_FIELD, `OXM class 0x${f.oxm_class.toString(16)} field ${f.oxm_field}`);
    }
    const info = oxmFieldByName(f.field);
    if (info === undefined) throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_FIELD, `unknown field ${String(f.field)}`);
    const code = info.code;
    const bit = 1 << (code & 31);
    if (code < 32 ? (seenLo & bit) !== 0 : (seenHi & bit) !== 0) throw new OfpError(OFPET.BAD_MATCH, OFPBMC.DUP_FIELD, f.field);
    if (code < 32) seenLo |= bit;
    else seenHi |= bit;
    codes[i] = code;
    if (f.mask !== undefined && !info.maskable) throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_MASK, `${f.field} takes no mask`);

    const place = PLACE_BY_CODE[code]!;
    const v = f.value;
    // The commonest field, an exact integer in one word (ports, eth_type,
    // ip_proto, ...), without fieldToWords' general checks: a value within
    // the field's bits is all there is to check, and it is inside the full
    // mask by construction. Anything else (out of range included, for its
    // error) takes the general path.
    if (f.mask === undefined && typeof v === 'number' && v >= 0 && v <= UINT_MAX_BY_CODE[code]! && Number.isInteger(v)) {
      const at = place.word;
      value[at] = (value[at]! | (v << place.shift)) >>> 0;
      mask[at] = (mask[at]! | UINT_MASK_BY_CODE[code]!) >>> 0;
      if (code === OFPXMT_IN_PORT || code === OFPXMT_IN_PHY_PORT) checkIngressPort(f);
      noteFact(f, facts);
      continue;
    }
    // An IPv4 address, exact or masked, as the codec writes it: read straight
    // into its word (fieldToWords parses into bytes first). Text it does not
    // take, and values outside their mask, take the general path.
    if (info.kind === OxmKind.IPV4 && typeof v === 'string') {
      const a = dottedQuad(v);
      const m = f.mask === undefined ? 0xffffffff : typeof f.mask === 'string' ? dottedQuad(f.mask) : -1;
      if (a >= 0 && m >= 0 && (a & ~m) === 0) {
        const at = place.word;
        value[at] = (value[at]! | a) >>> 0;
        mask[at] = (mask[at]! | m) >>> 0;
        noteFact(f, facts);
        continue;
      }
    }
    fieldToWords(info, place, v, words, OFPET.BAD_MATCH, OFPBMC.BAD_VALUE, bytes);
    if (f.mask === undefined) fullMask(place, maskWords);
    else fieldToWords(info, place, f.mask, maskWords, OFPET.BAD_MATCH, OFPBMC.BAD_MASK, bytes);
    for (let w = 0; w < place.words; w++) {
      if ((words[w]! & ~maskWords[w]!) !== 0) {
        throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_WILDCARDS, `${f.field} value has bits outside its mask`);
      }
      value[place.word + w] = (value[place.word + w]! | words[w]!) >>> 0;
      mask[place.word + w] = (mask[place.word + w]! | maskWords[w]!) >>> 0;
    }
    if (f.field === 'in_port' || f.field === 'in_phy_port') checkIngressPort(f);
    noteFact(f, facts);
  }

  for (let i = 0; i < match.length; i++) {
    if (!prereqsHoldCode(codes[i]!, facts)) {
      throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_PREREQ, `${(match[i] as OxmBasic).field} lacks its prerequisites`);
    }
  }
  return scratch.result;
}

/**
 * A dotted quad as its 32-bit value, or -1 unless it is four decimal
 * octets of 1 to 3 digits, 0 to 255, without leading zeros: a subset of
 * what parseIpv4 takes (the rest, errors included, is left to it), which
 * is what readIpv4 writes.
 */
function dottedQuad(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let word = 0;
  let i = 0;
  for (let k = 0; k < 4; k++) {
    if (k > 0) {
      if (text.charCodeAt(i) !== 46 /* . */) return -1;
      i++;
    }
    const first = i;
    let octet = 0;
    while (i < n) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      octet = octet * 10 + d;
      i++;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && text.charCodeAt(first) === 48)) return -1;
    word = (word << 8) | octet;
  }
  return i === n ? word >>> 0 : -1;
}

/** What an exact field tells about the packet (only unmasked eth_type, ip_proto, icmpv6_type qualify). */
function noteFact(f: OxmBasic, facts: Facts): void {
  switch (f.field) {
    case 'eth_type':
      facts.ethType = f.value as number;
      break;
    case 'ip_proto':
      facts.ipProto = f.value as number;
      break;
    case 'icmpv6_type':
      facts.icmpv6Type = f.value as number;
      break;
    case 'in_port':
      facts.inPort = true;
      break;
    case 'vlan_vid': {
      const v = f.value as number;
      const m = f.mask === undefined ? 0x1fff : (f.mask as number);
      // OFPVID_NONE exactly means "no tag"; any match pinning the present bit means "a tag".
      if ((m & VID_PRESENT) !== 0) facts.vlan = (v & VID_PRESENT) !== 0;
      break;
    }
    default:
      break;
  }
}

/** in_port and in_phy_port: a port a packet can enter by (§4.5: physical, LOCAL, CONTROLLER). */
function checkIngressPort(f: OxmBasic): void {
  if (!isIngressPort(f.value as number)) {
    throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_VALUE, `${f.field} ${(f.value as number) >>> 0} is not an ingress port`);
  }
}

export function isIngressPort(port: number): boolean {
  return (port >= 1 && port <= OFPP.MAX) || port === OFPP.LOCAL || port === OFPP.CONTROLLER;
}

/** All ones over the field's bits, in the field's key words. */
function fullMask(place: FieldPlace, out: Uint32Array): void {
  if (place.words === 1) {
    out[0] = place.bits === 32 ? 0xffffffff : (((1 << place.bits) - 1) << place.shift) >>> 0;
    return;
  }
  // Wide fields are right-aligned in their words: the first holds the high bits.
  const top = place.bits - 32 * (place.words - 1);
  out[0] = top === 32 ? 0xffffffff : (1 << top) - 1;
  for (let w = 1; w < place.words; w++) out[w] = 0xffffffff;
}

/**
 * Writes `v` (a value or a mask of field `info`) as the field's key words
 * into out[0 .. place.words), shifted into place; raises (errType, code)
 * for a value that the field's bits cannot hold or a malformed address.
 */
export function fieldToWords(
  info: OxmFieldInfo,
  place: FieldPlace,
  v: OxmValue,
  out: Uint32Array,
  errType: number,
  code: number,
  bytes: Uint8Array = new Uint8Array(16),
): void {
  // badField, not a closure: this runs for every field of every flow_mod.
  switch (info.kind) {
    case OxmKind.UINT: {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw badField(info, errType, code, `${String(v)} is not a field value`);
      if (place.bits < 32 && v >= 2 ** place.bits) throw badField(info, errType, code, `${v} does not fit in ${place.bits} bits`);
      if (v > 0xffffffff) throw badField(info, errType, code, `${v} does not fit in 32 bits`);
      out[0] = (v << place.shift) >>> 0;
      return;
    }
    case OxmKind.U64: {
      if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw badField(info, errType, code, `${String(v)} is not a 64-bit value`);
      out[0] = Number(v >> 32n);
      out[1] = Number(v & 0xffffffffn);
      return;
    }
    case OxmKind.MAC:
    case OxmKind.IPV4:
    case OxmKind.IPV6: {
      if (typeof v !== 'string') throw badField(info, errType, code, `${String(v)} is not an address`);
      try {
        if (info.kind === OxmKind.MAC) parseMac(v, bytes);
        else if (info.kind === OxmKind.IPV4) parseIpv4(v, bytes);
        else parseIpv6(v, bytes);
      } catch {
        throw badField(info, errType, code, `${JSON.stringify(v)} is not an address`);
      }
      if (info.kind === OxmKind.IPV4) out[0] = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
      else bytesToWords(bytes, info.len, out);
      return;
    }
  }
}

function badField(info: OxmFieldInfo, errType: number, code: number, why: string): OfpError {
  return new OfpError(errType, code, `${info.name}: ${why}`);
}

/** The first `n` big-endian bytes → right-aligned words (6 bytes → [16-bit, 32-bit]). */
function bytesToWords(bytes: Uint8Array, n: number, out: Uint32Array): void {
  const nWords = Math.ceil(n / 4);
  let b = 0;
  for (let w = 0; w < nWords; w++) {
    const take = w === 0 ? n - 4 * (nWords - 1) : 4;
    let word = 0;
    for (let k = 0; k < take; k++) word = word * 256 + bytes[b++]!;
    out[w] = word >>> 0;
  }
}

/** Whether two compiled matches are the same (value, mask): "identical match fields". */
export function sameMatch(av: Uint32Array, am: Uint32Array, bv: Uint32Array, bm: Uint32Array): boolean {
  for (let i = 0; i < KEY_WORDS; i++) if (av[i] !== bv[i] || am[i] !== bm[i]) return false;
  return true;
}

/** Whether a mask wildcards everything (the table-miss match). */
export function isCatchAll(mask: Uint32Array): boolean {
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) return false;
  return true;
}
