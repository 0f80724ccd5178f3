/**
 * `dump-flows SWITCH` without loading ofctl.
 *
 * Where a 100,000-flow dump spends its time is the switch gathering and
 * sending the replies; ovs-ofctl, a small C program, is connected within a
 * few milliseconds and prints as they come. Node needs tens of
 * milliseconds to start, and loading ofctl proper (commander, the codec,
 * the printer: some sixty modules) costs as much again, on the same CPUs
 * the switch is working on. So bin/ofctl, for the one command line
 * ofctl-early.ts recognises (and standard output not a terminal, where
 * port names would be wanted), hands the early connection here: this
 * module and the few it imports (the fast path's engine,
 * flow-reply-core.ts, with lean-text.ts for the rare parts) check the
 * switch's HELLO, print each OFPST_FLOW reply as it arrives, and exit.
 *
 * It does only what it is sure of. At the first message that is anything
 * else — a HELLO other than a plain OpenFlow 1.3 one, an error, an echo
 * request, an unsolicited message, a reply the lean engine gives up on —
 * or if the switch closes the connection first, it stops, having written
 * out every reply before that message, and returns the connection as an
 * EarlyConnection whose bytes start with the switch's HELLO and then that
 * message: ofctl proper adopts it (Vconn.adopt) and carries on exactly as
 * if it had read everything itself, with the same xids and text.
 */
import type { EarlyConnection } from '../ofctl-early.js';
import { AsciiOut } from './ascii-out.js';
import { FlowReplyCore, MAX_TEXT_PER_BYTE } from './flow-reply-core.js';
import { LEAN_TEXT } from './lean-text.js';

const OFP_VERSION = 4;
const OFP_HEADER_LEN = 8;
const OFPT_HELLO = 0;
const OFPT_MULTIPART_REPLY = 19;
const OFPMP_FLOW = 1;
const OFPMPF_REPLY_MORE = 1;
const OFPHET_VERSIONBITMAP = 1;
/** ofctl-early.ts's flow request. */
const DUMP_XID = 2;

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);

/**
 * Whether a HELLO agrees on OpenFlow 1.3 for certain, as conn/hello.ts
 * negotiateVersion() would: version 1.3 with no elements, or with just a
 * version bitmap that includes 1.3. Anything else goes to ofctl proper.
 */
export function isPlainHello(m: Buffer): boolean {
  if (m[0] !== OFP_VERSION || m[1] !== OFPT_HELLO) return false;
  if (m.length === OFP_HEADER_LEN) return true;
  return m.length === 16 && u16(m, 8) === OFPHET_VERSIONBITMAP && u16(m, 10) === 8 && (u32(m, 12) & (1 << OFP_VERSION)) !== 0;
}

/** What the dump came to: 0 once every reply is printed, or the connection for ofctl proper to go on with. */
export type LeanResult = 0 | EarlyConnection;

/**
 * Prints the replies to ofctl-early.ts's flow request; see the essay at
 * the top. Never fails: anything unexpected is ofctl proper's to handle.
 */
export async function leanDump(early: EarlyConnection, stdout: NodeJS.WritableStream = process.stdout): Promise<LeanResult> {
  try {
    await early.connected;
  } catch {
    return early;
  }
  early.detach();
  const socket = early.socket;
  const engine = new FlowReplyCore({ verbosity: 1 }, LEAN_TEXT);
  // The same buffer sizes as flow-commands.ts printFlowReplies(): a reply is at most 64 KiB.
  const out = new AsciiOut(
    (b) => {
      stdout.write(b);
      // Written already (a file; a pipe with room): the buffer can be reused (ascii-out.ts).
      return (stdout as { writableLength?: number }).writableLength === 0;
    },
    2 * MAX_TEXT_PER_BYTE * 0x10000,
    MAX_TEXT_PER_BYTE * 0x10000,
  );

  return new Promise<LeanResult>((resolve) => {
    let hello: Buffer | undefined;
    /** The start of a message split across reads. */
    let rest: Buffer | undefined;
    let finished = false;
    /** What ofctl-early.ts received before we took over and we have not started on yet. */
    const backlog = early.chunks.splice(0);

    const stop = (): void => {
      finished = true;
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
    };

    /** Gives the connection to ofctl proper, `unread` (and whatever comes next) still to be read. */
    const handOver = (unread: Buffer[]): void => {
      stop();
      out.flush();
      const chunks = hello ? [hello, ...unread, ...backlog] : [...unread, ...backlog];
      let ended = socket.destroyed || socket.readableEnded;
      const collect = (c: Buffer): void => void chunks.push(c);
      const onEnd = (): void => void (ended = true);
      socket.on('data', collect);
      socket.on('close', onEnd);
      socket.on('error', onEnd);
      resolve({
        name: early.name,
        endpoint: early.endpoint,
        socket,
        connected: Promise.resolve(),
        chunks,
        closed: () => ended,
        detach: () => {
          socket.off('data', collect);
          socket.off('close', onEnd);
          socket.off('error', onEnd);
        },
      });
    };

    const done = (): void => {
      stop();
      out.flush();
      socket.end();
      socket.destroySoon();
      // Exit only once standard output has taken everything (a pipe may be asynchronous).
      stdout.write('', () => resolve(0));
    };

    /** Handles one whole message; false once the dump is over or handed over. */
    const message = (m: Buffer, unread: () => Buffer[]): boolean => {
      if (hello === undefined) {
        if (!isPlainHello(m)) {
          handOver(unread());
          return false;
        }
        hello = Buffer.from(m);
        return true;
      }
      if (m[1] !== OFPT_MULTIPART_REPLY || u32(m, 4) !== DUMP_XID || m.length < 16 || u16(m, 8) !== OFPMP_FLOW || !engine.writeFlowReply(m, out)) {
        handOver(unread());
        return false;
      }
      if ((u16(m, 10) & OFPMPF_REPLY_MORE) === 0) {
        done();
        return false;
      }
      return true;
    };

    const onData = (chunk: Buffer): void => {
      if (finished) return;
      let b = chunk;
      let off = 0;
      if (rest !== undefined) {
        const head = rest;
        rest = undefined;
        if (head.length < OFP_HEADER_LEN) {
          b = Buffer.concat([head, chunk]);
        } else {
          const need = u16(head, 2) - head.length;
          if (need > chunk.length) {
            rest = Buffer.concat([head, chunk]);
            return;
          }
          const m = Buffer.concat([head, chunk.subarray(0, need)]);
          if (!message(m, () => [m, chunk.subarray(need)])) return;
          off = need;
        }
      }
      while (b.length - off >= OFP_HEADER_LEN) {
        const len = u16(b, off + 2);
        if (len < OFP_HEADER_LEN) {
          // Not OpenFlow framing: ofctl proper says so.
          handOver([b.subarray(off)]);
          return;
        }
        if (b.length - off < len) break;
        const at = off;
        if (!message(b.subarray(at, at + len), () => [b.subarray(at)])) return;
        off += len;
      }
      if (off < b.length) rest = b.subarray(off);
    };
    const onClose = (): void => {
      if (finished) return;
      handOver(rest ? [rest] : []);
    };
    const onError = onClose;

    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
    while (backlog.length > 0 && !finished) onData(backlog.shift()!);
    if (!finished && early.closed()) onClose();
  });
}
