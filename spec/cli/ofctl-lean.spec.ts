/**
 * `dump-flows SWITCH` through lib/cli/ofctl/lean-dump.ts, the path that
 * prints without loading ofctl proper, judged against ovs-ofctl on a stub
 * switch (spec/helpers/ofp-stub-switch.ts) that answers the flow request
 * with replies built here byte by byte:
 *
 * - plain replies, which the lean path prints by itself;
 * - replies it must hand over to ofctl proper half way: a flow with a VLAN
 *   match, an echo request from the switch between replies (it must be
 *   answered), an unsolicited message, an error instead of a reply, a
 *   switch that hangs up mid-dump, and a HELLO with a version bitmap the
 *   lean path does not take on itself;
 *
 * in each case ofctl's standard output and exit status must be
 * ovs-ofctl's. Standard output is a pipe here, so the lean path is the
 * one taken (bin/ofctl skips it only on a terminal).
 *
 * Needs ovs-ofctl (skipped without it).
 */
import t from 'tap';
import { join } from 'node:path';
import { OfpStubSwitch, runClient, StubOfpt, type RecordedMessage, type StubSession } from '../helpers/ofp-stub-switch.js';
import { missing } from '../helpers/peers.js';
import { ROOT } from '../helpers/paths.js';
import { comparableStdout } from './ofctl-harness.js';

const OFPMP_FLOW = 1;
const OFPT_PORT_STATUS = 12;

function ofctlArgv(args: string[]): [string, string[]] {
  return ['/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" "$@"', process.execPath, join(ROOT, 'bin', 'ofctl'), ...args]];
}

/** A message of `length` bytes, zero after the header (or just its first `size` bytes). */
function header(type: number, xid: number, length: number, size = length): Buffer {
  const b = Buffer.alloc(size);
  b[0] = 4;
  b[1] = type;
  b.writeUInt16BE(length, 2);
  b.writeUInt32BE(xid, 4);
  return b;
}

/** An OXM TLV of the OpenFlow basic class. */
function oxm(field: number, value: number[]): Buffer {
  return Buffer.from([0x80, 0x00, field << 1, value.length, ...value]);
}

/** struct ofp_flow_stats: tcp to 10.0.x.y port 80+i, output to port 1 + i % 3; `vlan` adds a VLAN match. */
function flowEntry(i: number, vlan = false): Buffer {
  const oxms = Buffer.concat([
    oxm(0, [0, 0, 0, 1 + (i % 3)]),
    ...(vlan ? [oxm(6, [0x10, 0x05])] : []),
    oxm(5, [0x08, 0x00]),
    oxm(10, [6]),
    oxm(12, [10, 0, (i >> 8) & 0xff, i & 0xff]),
    oxm(14, [((80 + i) >> 8) & 0xff, (80 + i) & 0xff]),
  ]);
  const matchLen = 4 + oxms.length;
  const padded = (matchLen + 7) & ~7;
  const inst = Buffer.alloc(24);
  inst.writeUInt16BE(4, 0); // OFPIT_APPLY_ACTIONS
  inst.writeUInt16BE(24, 2);
  inst.writeUInt16BE(0, 8); // OFPAT_OUTPUT
  inst.writeUInt16BE(16, 10);
  inst.writeUInt32BE(1 + ((i + 1) % 3), 12);
  inst.writeUInt16BE(0xffff, 16);
  const b = Buffer.alloc(48 + padded + inst.length);
  b.writeUInt16BE(b.length, 0);
  b.writeUInt32BE(i, 4); // duration_sec
  b.writeUInt32BE(i * 1_000_000, 8);
  b.writeUInt16BE(100 + (i % 7), 12);
  b.writeBigUInt64BE(BigInt(i), 32);
  b.writeBigUInt64BE(BigInt(i * 60), 40);
  b.writeUInt16BE(1, 48); // OFPMT_OXM
  b.writeUInt16BE(matchLen, 50);
  oxms.copy(b, 52);
  inst.copy(b, 48 + padded);
  return b;
}

function flowReply(xid: number, entries: Buffer[], more: boolean): Buffer {
  const body = Buffer.concat(entries);
  const h = header(StubOfpt.MULTIPART_REPLY, xid, 16 + body.length, 16);
  h.writeUInt16BE(OFPMP_FLOW, 8);
  h.writeUInt16BE(more ? 1 : 0, 10);
  return Buffer.concat([h, body]);
}

/** N reply messages of 200 flows each, the flows numbered from 0. */
function replies(xid: number, n: number, vlanAt = -1): Buffer[] {
  const out: Buffer[] = [];
  for (let r = 0; r < n; r++) {
    const entries: Buffer[] = [];
    for (let i = 0; i < 200; i++) entries.push(flowEntry(r * 200 + i, r * 200 + i === vlanAt));
    out.push(flowReply(xid, entries, r < n - 1));
  }
  return out;
}

type Script = (xid: number, session: StubSession) => void;

interface Case {
  readonly name: string;
  readonly script: Script;
  /** The switch's HELLO, if not the stub's own (version 1.3, no elements). */
  readonly hello?: Buffer;
}

const CASES: Case[] = [
  { name: 'plain replies', script: (xid, s) => replies(xid, 4).forEach((m) => s.send(m)) },
  { name: 'an empty table', script: (xid, s) => s.send(flowReply(xid, [], false)) },
  {
    name: 'a VLAN match in the third reply',
    script: (xid, s) => replies(xid, 5, 2 * 200 + 17).forEach((m) => s.send(m)),
  },
  {
    // Many small reads: ofctl-early.ts holds several chunks when the lean path starts, and the hand-over comes in the middle of them.
    name: 'a VLAN match, every reply written in small pieces',
    script: (xid, s) => {
      for (const m of replies(xid, 5, 3 * 200 + 1)) for (let at = 0; at < m.length; at += 3000) s.send(m.subarray(at, at + 3000));
    },
  },
  {
    name: 'an echo request and a port status between replies, sent in pieces',
    script: (xid, s) => {
      const [a, b, c] = replies(xid, 3);
      s.send(a!);
      const echo = header(StubOfpt.ECHO_REQUEST, 0x99, 8);
      const status = header(OFPT_PORT_STATUS, 0, 80);
      const rest = Buffer.concat([echo, status, b!, c!]);
      s.send(rest.subarray(0, 5));
      setTimeout(() => {
        s.send(rest.subarray(5, 1000));
        setTimeout(() => s.send(rest.subarray(1000)), 30);
      }, 30);
    },
  },
  {
    name: 'an error after the first reply',
    script: (xid, s) => {
      s.send(replies(xid, 2)[0]!);
      const err = header(StubOfpt.ERROR, xid, 12 + 16);
      err.writeUInt16BE(1, 8); // OFPET_BAD_REQUEST
      err.writeUInt16BE(2, 10); // OFPBRC_BAD_MULTIPART
      err.fill(0xab, 12);
      s.send(err);
    },
  },
  {
    name: 'the switch hanging up mid-dump',
    script: (xid, s) => {
      s.send(replies(xid, 3)[0]!);
      setTimeout(() => s.socket.end(), 50);
    },
  },
  {
    name: 'a HELLO offering 1.0 to 1.3 in its bitmap and a trailing element',
    hello: Buffer.from('0400001800000000' + '0001000800000012' + '0002000800000000', 'hex'),
    script: (xid, s) => replies(xid, 2).forEach((m) => s.send(m)),
  },
];

t.test('dump-flows prints what ovs-ofctl prints, through the lean path and its hand-over', { skip: missing('ovs-ofctl') }, async (t) => {
  for (const c of CASES) {
    let echoReplies = 0;
    const sw = await OfpStubSwitch.start({
      onMessage: (msg: RecordedMessage, session: StubSession) => {
        if (msg.type === StubOfpt.HELLO && c.hello) {
          const h = Buffer.from(c.hello);
          h.writeUInt32BE(msg.xid, 4);
          session.send(h);
          return true;
        }
        if (msg.type === StubOfpt.ECHO_REPLY) {
          echoReplies++;
          return true;
        }
        if (msg.type !== StubOfpt.MULTIPART_REQUEST || msg.bytes.readUInt16BE(8) !== OFPMP_FLOW) return false;
        c.script(msg.xid, session);
        return true;
      },
    });
    try {
      const theirs = await runClient(sw, 'ovs-ofctl', ['-O', 'OpenFlow13', 'dump-flows', '{target}']);
      const theirEchoes = echoReplies;
      const [cmd, argv] = ofctlArgv(['dump-flows', '{target}']);
      const ours = await runClient(sw, cmd, argv);
      t.equal(ours.status, theirs.status, `${c.name}: exit status ${theirs.status}`);
      t.same(comparableStdout(ours.stdout), comparableStdout(theirs.stdout), `${c.name}: the same output`);
      if (theirEchoes > 0) t.equal(echoReplies - theirEchoes, theirEchoes, `${c.name}: the echo request was answered`);
      if (theirs.status !== 0) t.match(ours.stderr, /^ofctl: /m, `${c.name}: a reason on stderr`);
      if (process.env.OFC_DEBUG) t.comment(`${theirs.stderr}\n${theirs.stdout.slice(0, 600)}\n${ours.stderr}`);
    } finally {
      await sw.close();
    }
  }
});
