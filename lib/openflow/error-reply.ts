/**
 * The OFPT_ERROR reply to a message that was refused: the spec (§7.4.4)
 * asks for the offending request's xid and at least its first 64 bytes.
 */
import { OFPT } from './constants.js';
import type { OfpError } from './errors.js';
import type { ErrorMsg } from './types.js';

/** How much of the offending message an error reply carries. */
export const OFP_ERROR_DATA_LEN = 64;

export function errorReply(err: OfpError, request: Buffer, version = request.length > 0 ? request[0]! : 4): ErrorMsg {
  const xid = request.length >= 8 ? request.readUInt32BE(4) : 0;
  return {
    version,
    xid,
    type: OFPT.ERROR,
    err_type: err.type,
    code: err.code,
    data: Buffer.from(request.subarray(0, OFP_ERROR_DATA_LEN)),
  };
}
