/**
 * `--bundle`: flow and group changes applied all or nothing.
 *
 * OpenFlow 1.3 has no bundles; OpenFlow 1.4 does, and ONF extension EXT-230
 * carries them to 1.3 switches as OFPT_EXPERIMENTER messages (experimenter
 * 0x4f4e4600, "ONF\0"). ovs-ofctl uses exactly that with -O OpenFlow13, and
 * so do we, byte for byte:
 *
 *   ONFT_BUNDLE_CONTROL (2300): bundle_id u32, type u16, flags u16
 *   ONFT_BUNDLE_ADD_MESSAGE (2301): bundle_id u32, pad u16, flags u16,
 *                                   then the whole message being added
 *
 * The conversation is ovs-ofctl's: the changes get their xids first; OPEN
 * (atomic, ordered) and wait for its reply; each change inside an ADD whose
 * own xid is the change's; a barrier; COMMIT and wait. A switch reports
 * failures at the latest when it commits: an error for each failed change
 * (with the change's xid), then the commit's own OFPBFC_MSG_FAILED. We
 * print them all as ovs-ofctl does ("Error OFPBAC_BAD_OUT_GROUP for:" and
 * the failed change, decoded) and fail the command with "talking to SWITCH
 * (Protocol error)". A switch without the extension refuses the OPEN, which
 * is reported the same way, with nothing applied.
 *
 * The codec carries these as plain OFPT_EXPERIMENTER messages; this module
 * builds and reads their 8-byte bodies itself.
 */
import { OFPT, type ErrorMsg, type OfpMessage } from '../../openflow/index.js';
import { formatBytes } from '../print/index.js';
import { ovsErrorName } from '../print/error-names.js';
import { versionAndXid } from '../print/messages.js';
import { decodeReply, ErrorReply, type RawMessage, type Vconn } from '../vconn.js';
import type { RequestBatch } from './requests.js';
import { CommandError, type Session } from './session.js';

export const ONF_EXPERIMENTER = 0x4f4e4600;
export const ONFT_BUNDLE_CONTROL = 2300;
export const ONFT_BUNDLE_ADD_MESSAGE = 2301;
/** ONF experimenter error types for bundles: 2300 + the OpenFlow 1.4 OFPBFC code. */
const ONFERR_ET_BUNDLE_BASE = 2300;

/** enum ofp14_bundle_ctrl_type */
export enum OFPBCT {
  OPEN_REQUEST = 0,
  OPEN_REPLY = 1,
  CLOSE_REQUEST = 2,
  CLOSE_REPLY = 3,
  COMMIT_REQUEST = 4,
  COMMIT_REPLY = 5,
  DISCARD_REQUEST = 6,
  DISCARD_REPLY = 7,
}

/** enum ofp14_bundle_flags */
export const OFPBF_ATOMIC = 1 << 0;
export const OFPBF_ORDERED = 1 << 1;

/** enum ofp14_bundle_failed_code, by code. */
const OFPBFC_NAMES = [
  'UNKNOWN',
  'EPERM',
  'BAD_ID',
  'BUNDLE_EXIST',
  'BUNDLE_CLOSED',
  'OUT_OF_BUNDLES',
  'BAD_TYPE',
  'BAD_FLAGS',
  'MSG_BAD_LEN',
  'MSG_BAD_XID',
  'MSG_UNSUP',
  'MSG_CONFLICT',
  'MSG_TOO_MANY',
  'MSG_FAILED',
  'TIMEOUT',
  'BUNDLE_IN_PROGRESS',
];

const BUNDLE_ID = 0;
const FLAGS = OFPBF_ATOMIC | OFPBF_ORDERED;

/** struct onf_bundle_ctrl body: bundle_id, type, flags. */
export function bundleControl(xid: number, type: OFPBCT, flags = FLAGS, bundleId = BUNDLE_ID): OfpMessage {
  const data = Buffer.alloc(8);
  data.writeUInt32BE(bundleId >>> 0, 0);
  data.writeUInt16BE(type, 4);
  data.writeUInt16BE(flags, 6);
  return { type: OFPT.EXPERIMENTER, xid, experimenter: ONF_EXPERIMENTER, exp_type: ONFT_BUNDLE_CONTROL, data };
}

/** struct onf_bundle_add_msg: bundle_id, pad, flags, and the message (which keeps its xid, also the add's). */
export function bundleAdd(inner: Buffer, flags = FLAGS, bundleId = BUNDLE_ID): OfpMessage {
  const data = Buffer.alloc(8 + inner.length);
  data.writeUInt32BE(bundleId >>> 0, 0);
  data.writeUInt16BE(flags, 6);
  inner.copy(data, 8);
  return { type: OFPT.EXPERIMENTER, xid: inner.readUInt32BE(4), experimenter: ONF_EXPERIMENTER, exp_type: ONFT_BUNDLE_ADD_MESSAGE, data };
}

/** The bundle control type of a reply, or undefined if it is not one. */
function controlType(m: RawMessage): number | undefined {
  const msg = decodeReply(m);
  if (msg.type !== OFPT.EXPERIMENTER || msg.experimenter >>> 0 !== ONF_EXPERIMENTER || msg.exp_type !== ONFT_BUNDLE_CONTROL) return undefined;
  return msg.data.length >= 6 ? msg.data.readUInt16BE(4) : undefined;
}

/** ovs-ofctl's name for an error, bundle errors included. */
function errorName(e: ErrorMsg): string | undefined {
  if ('code' in e) return ovsErrorName(e.err_type, e.code);
  if (e.experimenter >>> 0 === ONF_EXPERIMENTER) {
    const name = OFPBFC_NAMES[e.exp_type - ONFERR_ET_BUNDLE_BASE];
    if (name !== undefined) return `OFPBFC_${name}`;
  }
  return undefined;
}

const FLAG_NAMES: readonly [number, string][] = [
  [OFPBF_ATOMIC, 'atomic'],
  [OFPBF_ORDERED, 'ordered'],
];

/** How ovs-ofctl prints a bundle control message (the printer proper does not know the extension). */
function formatBundleControl(buf: Buffer): string | undefined {
  if (buf.length < 24 || buf[1] !== OFPT.EXPERIMENTER) return undefined;
  if (buf.readUInt32BE(8) !== ONF_EXPERIMENTER || buf.readUInt32BE(12) !== ONFT_BUNDLE_CONTROL) return undefined;
  const type = buf.readUInt16BE(20);
  const flags = buf.readUInt16BE(22);
  const names = FLAG_NAMES.filter(([bit]) => flags & bit).map(([, n]) => n);
  const typeName = OFPBCT[type] ?? String(type);
  return (
    `ONFT_BUNDLE_CONTROL${versionAndXid(buf[0]!, buf.readUInt32BE(4))}\n` +
    ` bundle_id=${buf.readUInt32BE(16)} type=${typeName} flags=${names.length ? names.join(' ') : '0'}\n`
  );
}

/** "Error NAME for: MESSAGE" for each error, the message found among ours by xid where possible. */
function printErrors(s: Session, errors: readonly RawMessage[], sent: ReadonlyMap<number, Buffer>): void {
  const opts = { verbosity: s.opts.verbosity + 1 };
  for (const m of errors) {
    const msg = decodeReply(m);
    if (msg.type !== OFPT.ERROR) continue;
    const name = errorName(msg);
    if (name === undefined) {
      s.io.stderr.write('***decode error***');
      continue;
    }
    const request = sent.get(m.xid) ?? msg.data;
    s.io.stderr.write(`Error ${name} for: ${formatBundleControl(request) ?? formatBytes(request, opts)}`);
  }
}

/** Sends a batch (its xids already given) as one atomic, ordered bundle; see the essay at the top. */
export async function sendBundle(s: Session, v: Vconn, batch: RequestBatch): Promise<void> {
  const inner = new Map<number, Buffer>();
  const encoded: Buffer[] = [];
  for (const bytes of batch.messages()) {
    encoded.push(bytes);
    inner.set(bytes.readUInt32BE(4), bytes);
  }
  const errors: RawMessage[] = [];
  // As ovs-ofctl: errors for other xids that arrive before a control
  // message's reply are collected in order; the first message with the
  // control's xid is its reply, an error included; what follows is not read.
  const control = async (type: OFPBCT, expect: OFPBCT): Promise<boolean> => {
    const xid = v.allocXid();
    const msg = bundleControl(xid, type);
    let before: RawMessage[] = [];
    const takeBefore = (): boolean => {
      before = v.takeErrors();
      return true;
    };
    try {
      const reply = await v.transact(msg, takeBefore);
      errors.push(...before);
      return controlType(reply) === expect;
    } catch (e) {
      if (!(e instanceof ErrorReply)) throw e;
      errors.push(...before, { raw: e.raw, type: OFPT.ERROR, xid });
      return false;
    }
  };

  let ok = await control(OFPBCT.OPEN_REQUEST, OFPBCT.OPEN_REPLY);
  if (ok) {
    for (const bytes of encoded) {
      v.send(bundleAdd(bytes));
      if (v.congested) await v.drained();
    }
    errors.push(...(await v.barrier()));
    ok = errors.length === 0;
    if (ok) ok = await control(OFPBCT.COMMIT_REQUEST, OFPBCT.COMMIT_REPLY);
    else await control(OFPBCT.DISCARD_REQUEST, OFPBCT.DISCARD_REPLY);
  }
  if (ok && errors.length === 0) return;
  printErrors(s, errors, inner);
  throw new CommandError(`talking to ${v.name} (Protocol error)`);
}
