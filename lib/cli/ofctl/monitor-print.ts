/**
 * monitor, ofp-print and ofp-parse.
 *
 * monitor SWITCH [MISS-LEN] [invalid_ttl] prints every message the switch
 * sends on its own (packet-ins, port status, flow removed, errors, echo
 * requests) on stderr as it arrives, as ovs-ofctl does, until the switch
 * closes the connection or we are interrupted. Open vSwitch sends nothing
 * asynchronous to a connection like ours until it sets a miss_send_len, so
 * with MISS-LEN we first read the switch config and set it, as ovs-ofctl
 * does. Differences, on purpose: ovs-ofctl asks Open vSwitch for its own
 * packet-in format (NXT_PACKET_IN2) unless `--packet-in-format=standard`;
 * we speak only OpenFlow 1.3 and get OFPT_PACKET_IN, which prints as
 * ovs-ofctl prints it with that option. `--detach` is not supported, nor
 * is `watch:`: OpenFlow 1.3 has no flow monitor of its own (it came with
 * 1.4's OFPMP_FLOW_MONITOR), and what ovs-ofctl 3.x sends for it under
 * `-O OpenFlow13` is an extension, ONF EXT-187 (ONFST_FLOW_MONITOR, an
 * experimenter multipart request; Open vSwitch answers it with the
 * switch's flows and then streams their changes), which ofctl does not
 * implement yet.
 *
 * ofp-print DATA [VERBOSITY] prints one message given as hex (white space
 * between bytes allowed), as `ovs-ofctl ofp-print` does; DATA `-` reads the
 * hex from stdin. As an extension DATA may be a file: hex text, or binary
 * messages back to back (each is printed, as `ofp-parse FILE` does).
 */
import { readFile } from 'node:fs/promises';
import { OFPT } from '../../openflow/index.js';
import { formatBytes } from '../print/index.js';
import { decodeReply, type RawMessage } from '../vconn.js';
import { readSource, readSourceBytes } from './flow-file.js';
import { sendChanges } from './requests.js';
import { CommandError, type Session } from './session.js';

/** OFPC_INVALID_TTL_TO_CONTROLLER: an OpenFlow 1.1/1.2 config bit; 1.3 dropped it. */
const OFPC_INVALID_TTL_TO_CONTROLLER = 1 << 2;

/** "2024-05-01 12:00:00.123: ", ovs-ofctl's --timestamp prefix (UTC). */
function timestamp(d = new Date()): string {
  return `${d.toISOString().slice(0, 23).replace('T', ' ')}: `;
}

/** monitor SWITCH [MISS-LEN] [invalid_ttl]. */
export async function monitor(s: Session, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args as [string, ...string[]];
  let missLen: number | undefined;
  let invalidTtl = false;
  for (const a of rest) {
    if (/^\d+$/.test(a)) missLen = Number(a);
    else if (a === 'invalid_ttl') invalidTtl = true;
    else if (a.startsWith('watch:')) throw new CommandError('watch: needs a flow monitor, which OpenFlow 1.3 has only as an extension (ONF EXT-187) that ofctl does not implement');
    else throw new CommandError(`${a}: unknown monitor argument (expected MISS-LEN or invalid_ttl)`);
  }
  if (missLen !== undefined && missLen > 0xffff) throw new CommandError(`${missLen}: miss_send_len must be at most 65535`);
  const v = await s.connect(name);
  if (missLen !== undefined || invalidTtl) {
    const reply = decodeReply(await v.transact({ type: OFPT.GET_CONFIG_REQUEST, xid: v.allocXid() }));
    if (reply.type !== OFPT.GET_CONFIG_REPLY) throw new CommandError(`${name}: bad reply to the switch config request`);
    if (invalidTtl) s.warn('invalid_ttl is an OpenFlow 1.1/1.2 setting; OpenFlow 1.3 switches ignore it');
    await sendChanges(
      s,
      v,
      [
        {
          type: OFPT.SET_CONFIG,
          flags: reply.flags | (invalidTtl ? OFPC_INVALID_TTL_TO_CONTROLLER : 0),
          miss_send_len: missLen ?? reply.miss_send_len,
        },
      ],
      { xidStride: 1, bundlable: false, what: 'config' },
    );
  }
  const popts = await s.printOptions(v, s.opts.verbosity + 2);
  const err = s.io.stderr;
  const print = (m: RawMessage): void => {
    if (s.opts.timestamp) err.write(timestamp());
    err.write(formatBytes(m.raw, popts));
    err.flush();
  };
  v.unsolicited = print;
  v.onEchoRequest = print;
  const interrupted = new Promise<'signal'>((resolve) => {
    const stop = (): void => resolve('signal');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const outcome = await Promise.race([v.closed(), interrupted]);
  if (outcome === 'signal') return 0;
  throw new CommandError(`${name}: talking to the switch: ${outcome.message.replace(`${name}: `, '')}`);
}

/** The bytes of hex text, bytes optionally separated by white space; undefined if anything else is there. */
export function parseHex(text: string): Buffer | undefined {
  const bytes: number[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const pair = text.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) return undefined;
    bytes.push(parseInt(pair, 16));
    i += 2;
  }
  return Buffer.from(bytes);
}

/** Binary messages laid end to end, each printed; the errors are ofp-parse's. */
function printMessages(s: Session, file: string, data: Buffer, verbosity: number): void {
  let off = 0;
  while (off < data.length) {
    if (data.length - off < 8) throw new CommandError(`${file}: unexpected end of file mid-message`);
    const length = data.readUInt16BE(off + 2);
    if (length < 8) throw new CommandError(`${file}: ${length}-byte message is too short for OpenFlow`);
    if (off + length > data.length) throw new CommandError(`${file}: unexpected end of file mid-message`);
    s.io.stdout.write(formatBytes(data.subarray(off, off + length), { verbosity }));
    off += length;
  }
}

async function isReadableFile(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

/** ofp-print DATA [VERBOSITY]. */
export async function ofpPrint(s: Session, args: readonly string[]): Promise<number> {
  const verbosity = args[1] === undefined ? 2 : Number.parseInt(args[1], 10) || 0;
  const data = args[0]!;
  let hexText: string;
  if (data === '-') {
    hexText = (await readSource('-', s.io.stdin)).split('\n')[0] ?? '';
  } else {
    const direct = parseHex(data);
    const file = direct === undefined ? await isReadableFile(data) : undefined;
    if (file !== undefined) {
      const asHex = parseHex(file.toString('latin1'));
      if (asHex !== undefined && asHex.length > 0) s.io.stdout.write(formatBytes(asHex, { verbosity }));
      else printMessages(s, data, file, verbosity);
      return 0;
    }
    hexText = data;
  }
  const bytes = parseHex(hexText);
  if (bytes === undefined) throw new CommandError('trailing garbage following hex bytes');
  s.io.stdout.write(formatBytes(bytes, { verbosity }));
  return 0;
}

/** ofp-parse FILE: binary messages, each printed at verbosity 2. */
export async function ofpParse(s: Session, args: readonly string[]): Promise<number> {
  const file = args[0]!;
  printMessages(s, file, await readSourceBytes(file, s.io.stdin), s.opts.verbosity + 2);
  return 0;
}
