/**
 * ONFST_FLOW_MONITOR (ONF extension 1870 to OpenFlow 1.3, the flow monitor
 * that OpenFlow 1.4 later adopted): the multipart request, as ovs-ofctl
 * decodes and prints it:
 *
 *   ONFST_FLOW_MONITOR request (OF1.3) (xid=0x1):
 *    id=1 flags=add,delete out_port=5 table=3 ip,in_port=7
 *
 * The experimenter body is a list of requests, each 16 bytes —
 *   id(4) flags(2) match_len(2) out_port(4) table_id(1) zeros(3)
 * — and an OpenFlow 1.1+ match (ofp_match header, OXMs, padding to 8),
 * whose own length is what Open vSwitch reads (match_len is not). Flags are
 * NXFMF_* (initial 1, add 2, delete 4, modify 8, actions 16, own 32), and
 * one of add / delete / modify is required. A port of 0xffffffff (none) and
 * a table of 0xff (all) are not printed.
 */
import { decodeMatch, OfpError, Reader } from '../../openflow/index.js';
import { ovsErrorName } from './error-names.js';
import { formatOvsMatch } from './flow-match.js';
import type { PrintOptions } from './options.js';
import { ovsMatchFromOxm } from './oxm-match.js';
import { formatPort, isOvsPortNumber, ofpPortTo16, reservedPortName } from './ports.js';
import { OvsReject, reject } from './reject.js';

export const ONF_VENDOR_ID = 0x4f4e4600;
export const ONFST_FLOW_MONITOR = 1870;

const REQUEST_LEN = 16;
const OFPMT_STANDARD = 0;
const OFPMT11_STANDARD_LENGTH = 88;
const OFPP_NONE = 0xffffffff;
const FLAG_NAMES = ['initial', 'add', 'delete', 'modify', 'actions', 'own'];
const NXFMF_ADD_DELETE_MODIFY = 2 | 4 | 8;

/** Whether an experimenter multipart is the ONF flow monitor, which Open vSwitch names. */
export const isOnfFlowMonitor = (experimenter: number, expType: number): boolean =>
  experimenter >>> 0 === ONF_VENDOR_ID && expType >>> 0 === ONFST_FLOW_MONITOR;

/** One request's match: our codec's OXM decode, with Open vSwitch's error names. */
function pullMatch(data: Buffer, off: number): { text: string; end: number } {
  if (data.length - off >= 4 && data.readUInt16BE(off) === OFPMT_STANDARD && data.readUInt16BE(off + 2) !== OFPMT11_STANDARD_LENGTH) {
    // Open vSwitch reads a standard (OF1.1) match only at its fixed length.
    reject('OFPBMC_BAD_LEN', 'standard match of another length');
  }
  const r = new Reader(data, off, data.length);
  try {
    const match = decodeMatch(r);
    return { text: formatOvsMatch(ovsMatchFromOxm(match, true), 0x8000), end: r.off };
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    return reject(ovsErrorName(e.type, e.code) ?? 'OFPBMC_BAD_LEN', e.message);
  }
}

/** The text after the header line of an ONFST_FLOW_MONITOR request: one line per request. */
export function formatOnfFlowMonitorRequest(data: Buffer, opts?: PrintOptions): string {
  let s = '';
  let off = 0;
  try {
    while (off < data.length) {
      if (data.length - off < REQUEST_LEN) reject('OFPBRC_BAD_LEN', 'leftover bytes after the last request');
      const id = data.readUInt32BE(off);
      const flags = data.readUInt16BE(off + 4);
      const outPort = data.readUInt32BE(off + 8);
      const table = data[off + 12]!;
      if (!(flags & NXFMF_ADD_DELETE_MODIFY) || flags & ~0x3f) reject('OFPMOFC_BAD_FLAGS', `flags 0x${flags.toString(16)}`);
      if (data[off + 13] || data[off + 14] || data[off + 15]) reject('NXBRC_MUST_BE_ZERO', 'request padding');
      if (!isOvsPortNumber(outPort)) reject('OFPBAC_BAD_OUT_PORT', `port ${outPort}`);
      const match = pullMatch(data, off + REQUEST_LEN);
      off = match.end;
      let line = `\n id=${id} flags=${FLAG_NAMES.filter((_, i) => flags & (1 << i)).join(',')}`;
      // Open vSwitch holds the port in 16 bits: 0xffffff00 (OFPP_MAX) has no name there and prints as 65280.
      if (outPort !== OFPP_NONE) line += ` out_port=${reservedPortName(outPort) ?? formatPort(ofpPortTo16(outPort), opts)}`;
      if (table !== 0xff) line += ` table=${table}`;
      if (match.text) line += ` ${match.text}`;
      s += line;
    }
  } catch (e) {
    if (e instanceof OvsReject) e.partial = s + e.partial;
    throw e;
  }
  return s;
}
