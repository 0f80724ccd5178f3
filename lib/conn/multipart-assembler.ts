/**
 * Reassembly of multipart requests split with OFPMPF_REQ_MORE (OpenFlow
 * 1.3.5 §7.3.5), after Open vSwitch's ofpmp_assembler.
 *
 * Pieces are keyed by xid, so several split requests may be in progress at
 * once, interleaved with each other and with other messages. A piece whose
 * multipart type differs from the earlier pieces of its xid is refused with
 * OFPBRC_BAD_MULTIPART and its sequence is dropped. The bytes held for all
 * partial requests of one connection are bounded (`maxBytes`, 4 MiB by
 * default as in Open vSwitch, since a TABLE_FEATURES request can exceed
 * 1 MiB); the piece that would exceed it gets OFPBRC_MULTIPART_BUFFER_OVERFLOW
 * and its sequence is dropped. A sequence that sees no new piece for
 * `timeoutMs` (1 s, as Open vSwitch) is dropped and reported by `expire()`.
 *
 * When the last piece arrives, the request is merged into one message for
 * the switch:
 * - TABLE_FEATURES: the pieces' table lists are concatenated (each piece
 *   holds whole ofp_table_features, as the decoder requires);
 * - any other type: pieces with an empty body are dropped (the spec allows
 *   them anywhere in a sequence) and exactly one piece may remain, else
 *   OFPBRC_BAD_MULTIPART, which is what Open vSwitch answers.
 * The merged message has the first piece's xid and flags 0.
 */
import {
  OFPBRC,
  OFPET,
  OFPMP,
  OFPMPF_REQ,
  OfpError,
  type MultipartRequest,
  type TableFeatures,
} from '../openflow/index.js';

/** struct ofp_multipart_request header, 16 bytes. */
const MP_HEADER_LEN = 16;

interface Partial {
  mpType: number;
  pieces: MultipartRequest[];
  /** The first piece's first 64 bytes, for error replies. */
  head: Buffer;
  bytes: number;
  expires: number;
}

/**
 * One piece as the connection saw it. `msg` is its decoding, or undefined
 * for a piece with an empty body, which the codec cannot decode for types
 * whose body is required but which the spec allows inside a sequence.
 */
export interface MultipartPiece {
  xid: number;
  mpType: number;
  flags: number;
  msg: MultipartRequest | undefined;
  raw: Buffer;
}

export type AssembleResult =
  | { kind: 'held' }
  | { kind: 'complete'; msg: MultipartRequest; head: Buffer }
  | { kind: 'error'; error: OfpError; head: Buffer };

export class MultipartAssembler {
  private readonly partials = new Map<number, Partial>();
  private heldBytes = 0;

  constructor(
    private readonly maxBytes = 4 * 1024 * 1024,
    private readonly timeoutMs = 1000,
  ) {}

  /** Bytes held for partial requests. */
  get bytes(): number {
    return this.heldBytes;
  }

  get pending(): number {
    return this.partials.size;
  }

  /** Whether a sequence is in progress under `xid`. */
  has(xid: number): boolean {
    return this.partials.has(xid);
  }

  /**
   * Offers one piece. A piece without REQ_MORE and no sequence under its xid
   * comes straight back complete (its `msg` must then be defined).
   */
  add(piece: MultipartPiece, now: number): AssembleResult {
    const more = (piece.flags & OFPMPF_REQ.MORE) !== 0;
    let p = this.partials.get(piece.xid);
    if (!p) {
      if (!more && piece.msg) return { kind: 'complete', msg: piece.msg, head: piece.raw };
      p = { mpType: piece.mpType, pieces: [], head: Buffer.from(piece.raw.subarray(0, 64)), bytes: 0, expires: 0 };
      this.partials.set(piece.xid, p);
    }
    const head = p.head;
    if (p.mpType !== piece.mpType) {
      this.drop(piece.xid);
      return { kind: 'error', head, error: new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, 'multipart type changed within a sequence') };
    }
    if (this.heldBytes + piece.raw.length > this.maxBytes) {
      this.drop(piece.xid);
      return {
        kind: 'error',
        head,
        error: new OfpError(OFPET.BAD_REQUEST, OFPBRC.MULTIPART_BUFFER_OVERFLOW, `more than ${this.maxBytes} bytes of multipart requests`),
      };
    }
    if (piece.msg) p.pieces.push(piece.msg);
    p.bytes += piece.raw.length;
    this.heldBytes += piece.raw.length;
    p.expires = now + this.timeoutMs;
    if (more) return { kind: 'held' };
    this.drop(piece.xid);
    if (p.pieces.length === 0) {
      // Every piece was empty, for a type whose body is required.
      return { kind: 'error', head, error: new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_LEN, 'multipart request without a body') };
    }
    try {
      return { kind: 'complete', msg: merge(p.pieces, piece.xid), head };
    } catch (e) {
      if (e instanceof OfpError) return { kind: 'error', error: e, head };
      throw e;
    }
  }

  /** Drops the sequence under `xid`, if any (e.g. when a piece failed to decode). */
  drop(xid: number): void {
    const p = this.partials.get(xid);
    if (!p) return;
    this.heldBytes -= p.bytes;
    this.partials.delete(xid);
  }

  /** Drops sequences idle past their timeout; returns the first bytes of each. */
  expire(now: number): Buffer[] {
    const out: Buffer[] = [];
    for (const [xid, p] of this.partials) {
      if (now >= p.expires) {
        out.push(p.head);
        this.drop(xid);
      }
    }
    return out;
  }

  /** The earliest expiry time, or Infinity. */
  nextExpiry(): number {
    let t = Infinity;
    for (const p of this.partials.values()) t = Math.min(t, p.expires);
    return t;
  }

  clear(): void {
    this.partials.clear();
    this.heldBytes = 0;
  }
}

function hasBody(m: MultipartRequest): boolean {
  switch (m.mp_type) {
    case OFPMP.DESC:
    case OFPMP.TABLE:
    case OFPMP.GROUP_DESC:
    case OFPMP.GROUP_FEATURES:
    case OFPMP.METER_FEATURES:
    case OFPMP.PORT_DESC:
      return false;
    case OFPMP.TABLE_FEATURES:
      return m.body.length > 0;
    default:
      return true;
  }
}

function merge(pieces: MultipartRequest[], xid: number): MultipartRequest {
  const first = pieces[0]!;
  if (first.mp_type === OFPMP.TABLE_FEATURES) {
    const body: TableFeatures[] = [];
    for (const p of pieces) if (p.mp_type === OFPMP.TABLE_FEATURES) body.push(...p.body);
    return { version: first.version, xid, type: first.type, flags: 0, mp_type: OFPMP.TABLE_FEATURES, body };
  }
  const withBody = pieces.filter(hasBody);
  if (withBody.length > 1) {
    throw new OfpError(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART, `${withBody.length} pieces with a body`);
  }
  const one = withBody[0] ?? first;
  return { ...one, xid, flags: 0 } as MultipartRequest;
}

/** Whether a raw MULTIPART_REQUEST piece has an empty body (just the 16-byte header). */
export function isEmptyMultipartPiece(raw: Buffer): boolean {
  return raw.length === MP_HEADER_LEN;
}

/** The multipart type and flags of a raw MULTIPART_REQUEST of at least 16 bytes. */
export function multipartHeader(raw: Buffer): { mpType: number; flags: number } {
  return { mpType: raw.readUInt16BE(8), flags: raw.readUInt16BE(10) };
}
