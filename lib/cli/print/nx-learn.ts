/**
 * NXAST_LEARN (16) and NXAST_LEARN2 (45): decoded, checked and printed as
 * Open vSwitch does (`learn(table=1,hard_timeout=10,NXM_OF_VLAN_TCI[0..11],
 * NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])`).
 *
 * `data` is the action after its 8-byte experimenter header:
 *   subtype(2) idle_timeout(2) hard_timeout(2) priority(2) cookie(8)
 *   flags(2) table_id(1) pad(1) fin_idle_timeout(2) fin_hard_timeout(2)
 * then, for learn2, limit(4) result_dst_ofs(2) pad2(2) and the result
 * field's header when NX_LEARN_F_WRITE_RESULT is set; then the specs.
 *
 * A spec is a 16-bit header (src type bit 13, dst type bits 11-12, n_bits
 * bits 0-9), its source (a field header + offset, or the immediate value
 * in 2*ceil(n_bits/16) bytes) and, for a match or load, its destination
 * (field header + offset). A zero header ends the list; what follows it
 * must be zeros.
 */
import type { ActionFormat } from './actions.js';
import { putHex } from './fields.js';
import { formatNxValue, nxFieldByHeader, type PrereqFlow } from './nx-fields.js';
import { checkDst, checkSrc, formatSf, subfieldOf, type Subfield } from './nx-subfield.js';
import { reject } from './reject.js';

const NX_LEARN_F_SEND_FLOW_REM = 1;
const NX_LEARN_F_DELETE_LEARNED = 2;
const NX_LEARN_F_WRITE_RESULT = 4;
const NX_LEARN_SRC_IMMEDIATE = 1 << 13;
const NX_LEARN_DST_MASK = 3 << 11;
const NX_LEARN_DST_MATCH = 0;
const NX_LEARN_DST_LOAD = 1 << 11;
const NX_LEARN_DST_OUTPUT = 2 << 11;
const OFP_DEFAULT_PRIORITY = 0x8000;

interface LearnSpec {
  readonly nBits: number;
  readonly dstType: number;
  /** The source field, or undefined for an immediate value. */
  readonly src?: Subfield;
  /** The immediate value's ceil(n_bits/8) bytes. */
  readonly imm?: Buffer;
  readonly dst?: Subfield;
}

export interface Learn {
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly priority: number;
  readonly cookie: bigint;
  readonly flags: number;
  readonly tableId: number;
  readonly finIdleTimeout: number;
  readonly finHardTimeout: number;
  readonly limit: number;
  readonly resultDst?: Subfield;
  readonly specs: readonly LearnSpec[];
}

/** `decode_NXAST_RAW_LEARN` / `_LEARN2`: the action, or an OvsReject with Open vSwitch's error. */
export function decodeLearn(data: Buffer, learn2: boolean): Learn {
  const fixed = learn2 ? 32 : 24;
  if (data.length < fixed) reject('OFPBAC_BAD_LEN', `learn action of ${data.length + 8} bytes`);
  if (learn2 && data.readUInt16BE(30) !== 0) reject('NXBAC_MUST_BE_ZERO', 'learn2 pad');
  if (data[19] !== 0) reject('OFPBAC_BAD_ARGUMENT', 'learn pad');
  const tableId = data[18]!;
  if (tableId === 0xff) reject('OFPBAC_BAD_ARGUMENT', 'learn to table 255');
  const flags = data.readUInt16BE(16);
  const allowed = NX_LEARN_F_SEND_FLOW_REM | NX_LEARN_F_DELETE_LEARNED | (learn2 ? NX_LEARN_F_WRITE_RESULT : 0);
  if (flags & ~allowed) reject('OFPBAC_BAD_ARGUMENT', `learn flags 0x${flags.toString(16)}`);
  let p = fixed;
  let resultDst: Subfield | undefined;
  if (learn2) {
    const resultOfs = data.readUInt16BE(28);
    if (flags & NX_LEARN_F_WRITE_RESULT) {
      if (data.length < p + 4) reject('OFPBAC_BAD_LEN', 'learn2 result field');
      const header = data.readUInt32BE(p);
      // An experimenter OXM header (class 0xffff) is 8 bytes long.
      p += header >>> 16 === 0xffff ? 8 : 4;
      // nx_pull_header: an unknown or wrongly sized header is a match-field error here, a masked one a mask error.
      const field = nxFieldByHeader(header);
      if (field === undefined) reject('OFPBMC_BAD_FIELD', `learn2 result header 0x${header.toString(16)}`);
      if ((header >>> 8) & 1) reject('OFPBMC_BAD_MASK', 'learn2 result header with a mask');
      resultDst = { field: field!, ofs: resultOfs, nBits: 1 };
      if (!resultDst.field.writable) reject('OFPBAC_BAD_SET_ARGUMENT', 'learn2 result field is read-only');
    } else if (resultOfs !== 0) {
      reject('OFPBAC_BAD_ARGUMENT', 'learn2 result offset without a result field');
    }
  }
  const specs: LearnSpec[] = [];
  while (p + 2 <= data.length) {
    const header = data.readUInt16BE(p);
    if (header === 0) break;
    p += 2;
    const nBits = header & 0x3ff;
    const srcImm = (header & NX_LEARN_SRC_IMMEDIATE) !== 0;
    const dstType = header & NX_LEARN_DST_MASK;
    if (!(dstType === NX_LEARN_DST_MATCH || dstType === NX_LEARN_DST_LOAD || (dstType === NX_LEARN_DST_OUTPUT && !srcImm))) {
      reject('OFPBAC_BAD_ARGUMENT', `learn spec 0x${header.toString(16)}`);
    }
    const immWire = 2 * Math.ceil(nBits / 16);
    const need = (srcImm ? immWire : 6) + (dstType === NX_LEARN_DST_OUTPUT ? 0 : 6);
    if (data.length - p < need) reject('OFPBAC_BAD_LEN', 'learn spec overruns the action');
    let src: Subfield | undefined;
    let imm: Buffer | undefined;
    if (srcImm) {
      p += immWire;
      imm = data.subarray(p - Math.ceil(nBits / 8), p);
    } else {
      src = subfieldOf(data.readUInt32BE(p), data.readUInt16BE(p + 4), nBits);
      p += 6;
    }
    let dst: Subfield | undefined;
    if (dstType !== NX_LEARN_DST_OUTPUT) {
      dst = subfieldOf(data.readUInt32BE(p), data.readUInt16BE(p + 4), nBits);
      p += 6;
    }
    specs.push({ nBits, dstType, src, imm, dst });
  }
  for (; p < data.length; p++) if (data[p] !== 0) reject('OFPBAC_BAD_ARGUMENT', 'learn: bytes after the last spec');
  return {
    idleTimeout: data.readUInt16BE(2),
    hardTimeout: data.readUInt16BE(4),
    priority: data.readUInt16BE(6),
    cookie: data.readBigUInt64BE(8),
    flags,
    tableId,
    finIdleTimeout: data.readUInt16BE(20),
    finHardTimeout: data.readUInt16BE(22),
    limit: learn2 ? data.readUInt32BE(24) : 0,
    resultDst,
    specs,
  };
}

/** `learn_format`. */
export function formatLearn(l: Learn, fmt: ActionFormat): string {
  let s = `learn(table=${l.tableId}`;
  if (l.idleTimeout) s += `,idle_timeout=${l.idleTimeout}`;
  if (l.hardTimeout) s += `,hard_timeout=${l.hardTimeout}`;
  if (l.finIdleTimeout) s += `,fin_idle_timeout=${l.finIdleTimeout}`;
  if (l.finHardTimeout) s += `,fin_hard_timeout=${l.finHardTimeout}`;
  if (l.priority !== OFP_DEFAULT_PRIORITY) s += `,priority=${l.priority}`;
  if (l.flags & NX_LEARN_F_SEND_FLOW_REM) s += ',send_flow_rem';
  if (l.flags & NX_LEARN_F_DELETE_LEARNED) s += ',delete_learned';
  if (l.cookie) s += `,cookie=0x${l.cookie.toString(16)}`;
  if (l.limit) s += `,limit=${l.limit}`;
  if (l.resultDst) s += `,result_dst=${formatSf(l.resultDst)}`;
  for (const spec of l.specs) {
    s += ',';
    const { src, imm, dst } = spec;
    if (spec.dstType === NX_LEARN_DST_MATCH && imm && dst) {
      if (dst.ofs === 0 && dst.nBits === dst.field.bits) {
        // The whole field: its value, right-aligned in the field's bytes, under the field's name.
        const value = Buffer.alloc(dst.field.variable ? imm.length : dst.field.bytes);
        imm.copy(value, value.length - imm.length);
        s += `${dst.field.name}=${formatNxValue(dst.field, value, fmt.opts)}`;
      } else {
        s += `${formatSf(dst)}=${putHex(imm)}`;
      }
    } else if (spec.dstType === NX_LEARN_DST_MATCH && src && dst) {
      s += formatSf(dst);
      if (src.field !== dst.field || src.ofs !== dst.ofs) s += `=${formatSf(src)}`;
    } else if (spec.dstType === NX_LEARN_DST_LOAD && dst) {
      s += `load:${imm ? putHex(imm) : formatSf(src!)}->${formatSf(dst)}`;
    } else if (src) {
      s += `output:${formatSf(src)}`;
    }
  }
  return s + ')';
}

/**
 * `learn_check`, part of the flow_mod consistency check: source fields
 * against the flow's match; match destinations against the flow being
 * learnt, whose prerequisites only earlier immediate values can satisfy.
 */
export function checkLearn(l: Learn, flow: PrereqFlow): void {
  const learnt: { dlType?: number; nwProto?: number; icmpType?: number; icmpCode?: number; vlan?: boolean } = {};
  for (const spec of l.specs) {
    if (spec.src) checkSrc(spec.src, flow);
    const dst = spec.dst;
    if (dst === undefined) continue;
    if (spec.dstType === NX_LEARN_DST_MATCH) {
      checkSrc(dst, learnt);
      if (spec.imm && dst.ofs === 0 && dst.nBits === dst.field.bits) {
        const v = spec.imm.length ? Number(BigInt('0x' + spec.imm.toString('hex'))) : 0;
        if (dst.field.name === 'eth_type') learnt.dlType = v;
        else if (dst.field.name === 'vlan_tci') learnt.vlan = (v & 0x1000) !== 0;
        else if (dst.field.name === 'nw_proto') learnt.nwProto = v;
        else if (dst.field.name === 'icmp_type' || dst.field.name === 'icmpv6_type') learnt.icmpType = v;
        else if (dst.field.name === 'icmp_code' || dst.field.name === 'icmpv6_code') learnt.icmpCode = v;
      }
    } else {
      checkDst(dst, learnt);
    }
  }
}
