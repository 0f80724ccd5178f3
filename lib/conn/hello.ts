/**
 * Version negotiation (OpenFlow 1.3.5 §6.3.1).
 *
 * Both sides send OFPT_HELLO as soon as the connection is up. Ours carries
 * header version 0x04 and a version bitmap with only bit 4 set: this switch
 * speaks OpenFlow 1.3 and nothing else. On the peer's HELLO:
 * - when both HELLOs carry a bitmap, the version is the highest bit set in
 *   both;
 * - otherwise it is the smaller of the two header versions;
 * and if that is not a version we speak, the peer gets OFPT_ERROR
 * OFPET_HELLO_FAILED / OFPHFC_INCOMPATIBLE with an ASCII explanation (as
 * Open vSwitch sends, in a version the peer can read) and the connection is
 * closed.
 *
 * A HELLO whose elements cannot be parsed is judged by its header version
 * alone; the spec says unknown elements must be ignored, and a peer with a
 * broken bitmap most likely still means what its header says.
 */
import {
  encodeMessage,
  OFP_VERSION,
  OFPET,
  OFPHET,
  OFPHFC,
  OFPT,
  type ErrorMsg,
  type HelloElem,
} from '../openflow/index.js';

/** Our HELLO, encoded once: version 4, xid 0 unless given, bitmap {4}. */
export function encodeHello(xid = 0): Buffer {
  return encodeMessage({
    type: OFPT.HELLO,
    xid,
    elements: [{ type: OFPHET.VERSIONBITMAP, bitmaps: [1 << OFP_VERSION] }],
  });
}

/** The versions a bitmap element lists (bit i of word j is version 32j + i). */
export function bitmapVersions(bitmaps: readonly number[]): number[] {
  const out: number[] = [];
  bitmaps.forEach((word, j) => {
    for (let i = 0; i < 32; i++) if ((word >>> i) & 1) out.push(32 * j + i);
  });
  return out;
}

export type Negotiation =
  | { ok: true; version: number }
  | { ok: false; error: ErrorMsg; reason: string };

/**
 * Negotiates with a peer's HELLO, given its header version and, when it
 * could be decoded, its elements.
 */
export function negotiateVersion(peerVersion: number, xid: number, elements: readonly HelloElem[] | undefined): Negotiation {
  const bitmap = elements?.find((e): e is { type: OFPHET.VERSIONBITMAP; bitmaps: number[] } => 'bitmaps' in e);
  let version: number;
  let peerDesc: string;
  if (bitmap) {
    const theirs = bitmapVersions(bitmap.bitmaps);
    version = theirs.includes(OFP_VERSION) ? OFP_VERSION : -1;
    peerDesc = theirs.length ? theirs.map(hex).join(', ') : 'none';
  } else {
    version = Math.min(peerVersion, OFP_VERSION);
    peerDesc = peerVersion >= OFP_VERSION ? `${hex(OFP_VERSION)} and earlier` : `${hex(peerVersion)} and earlier`;
  }
  if (version === OFP_VERSION) return { ok: true, version };
  const reason = `We support version ${hex(OFP_VERSION)}, you support ${peerDesc}, no common versions.`;
  return {
    ok: false,
    reason,
    error: {
      type: OFPT.ERROR,
      // An error the peer can parse: in its own version when that is lower.
      version: Math.min(peerVersion, OFP_VERSION) || OFP_VERSION,
      xid,
      err_type: OFPET.HELLO_FAILED,
      code: OFPHFC.INCOMPATIBLE,
      data: Buffer.from(reason, 'ascii'),
    },
  };
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(2, '0')}`;
}
