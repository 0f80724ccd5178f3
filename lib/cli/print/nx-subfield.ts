/**
 * A field bit range inside a Nicira action (struct mf_subfield): a field
 * header plus `ofs` and `n_bits`, decoded and checked as Open vSwitch does.
 *
 * Decoding only maps the header to a field (OFPBAC_BAD_SET_TYPE when there
 * is none); the range and prerequisite checks (`mf_check_src` /
 * `mf_check_dst`) run where Open vSwitch runs them, which for learn specs
 * is the flow_mod consistency check, not the decode.
 */
import { formatSubfield, nxFieldByHeader, nxPrereqOk, type NxField, type PrereqFlow } from './nx-fields.js';
import { reject } from './reject.js';

export interface Subfield {
  readonly field: NxField;
  readonly ofs: number;
  readonly nBits: number;
}

/** The field a header names, or OFPBAC_BAD_SET_TYPE (mf_vl_mff_mf_from_nxm_header). */
export function subfieldOf(header: number, ofs: number, nBits: number): Subfield {
  const field = nxFieldByHeader(header);
  if (field === undefined) return reject('OFPBAC_BAD_SET_TYPE', `NXM header 0x${(header >>> 0).toString(16)}`);
  return { field, ofs, nBits };
}

/** The (ofs << 6) | (n_bits - 1) encoding of reg_load, ct zones and multipath. */
export const subfieldOfsNbits = (header: number, ofsNbits: number): Subfield => subfieldOf(header, ofsNbits >>> 6, (ofsNbits & 0x3f) + 1);

export const formatSf = (sf: Subfield): string => formatSubfield(sf.field, sf.ofs, sf.nBits);

/** `mf_check_src`: the range lies within the field and, given a flow, its prerequisites hold. */
export function checkSrc(sf: Subfield, flow?: PrereqFlow): void {
  if (sf.nBits === 0 || sf.ofs >= sf.field.bits || sf.ofs + sf.nBits > sf.field.bits) {
    reject('OFPBAC_BAD_SET_LEN', `${formatSf(sf)} exceeds ${sf.field.bits} bits`);
  }
  if (flow !== undefined && !nxPrereqOk(sf.field, flow)) reject('OFPBAC_MATCH_INCONSISTENT', `${sf.field.name} lacks prerequisites`);
}

/** `mf_check_dst`: `checkSrc`, and the field must be writable. */
export function checkDst(sf: Subfield, flow?: PrereqFlow): void {
  checkSrc(sf, flow);
  if (!sf.field.writable) reject('OFPBAC_BAD_SET_ARGUMENT', `${sf.field.name} is read-only`);
}
