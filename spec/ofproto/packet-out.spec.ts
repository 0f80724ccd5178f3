/**
 * Packet buffers (buffers.ts) and PACKET_OUT (§7.3.7): the buffer id
 * lifecycle with OFPBRC_BUFFER_UNKNOWN / _EMPTY, and the packet-out checks
 * before the frame reaches the datapath.
 */
import t from 'tap';
import { PacketBuffers } from '../../lib/ofproto/buffers.js';
import { OFP_NO_BUFFER, OFPAT, OFPBAC, OFPBRC, OFPET, OFPP, OFPT, OfpError } from '../../lib/openflow/index.js';
import type { Action, PacketOut } from '../../lib/openflow/index.js';
import { errName, handle, output, refuses, setField, testBridge } from './util.js';

const code = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof OfpError)) throw e;
    return errName(e.type, e.code);
  }
};
const UNKNOWN = errName(OFPET.BAD_REQUEST, OFPBRC.BUFFER_UNKNOWN);
const EMPTY = errName(OFPET.BAD_REQUEST, OFPBRC.BUFFER_EMPTY);

t.test('PacketBuffers: ids, reuse and expiry', async (t) => {
  let now = 0;
  const pool = new PacketBuffers(2, () => now, 5000);
  const a = pool.store(Buffer.from('a'), 1);
  const b = pool.store(Buffer.from('b'), 2);
  t.not(a, b);
  t.equal(pool.store(Buffer.from('c'), 3), OFP_NO_BUFFER, 'full while both are young');
  t.same(pool.take(a), { frame: Buffer.from('a'), inPort: 1 });
  t.equal(code(() => pool.take(a)), EMPTY, 'a buffer is used once');
  const c = pool.store(Buffer.from('c'), 3);
  t.not(c, a, 'the slot comes back with a new id');
  t.equal(code(() => pool.take(a)), UNKNOWN, 'the old id is now unknown');
  now += 5000;
  const d = pool.store(Buffer.from('d'), 4);
  t.not(d, OFP_NO_BUFFER, 'an old packet gives way');
  t.equal(code(() => pool.take(b)), UNKNOWN, 'and its id expires');
  t.equal(code(() => pool.take(0x12345)), UNKNOWN, 'an id never issued');
  t.equal(code(() => pool.take(0)), UNKNOWN);
  t.equal(new PacketBuffers(0, () => 0).store(Buffer.alloc(1), 1), OFP_NO_BUFFER, 'no buffers at all');
  t.throws(() => new PacketBuffers(257, () => 0), RangeError);
});

const FRAME = Buffer.from(
  // dst, src, 802.1Q tag vid 10, IPv4, 20-byte header with protocol UDP
  'ffffffffffff' + '020000000001' + '8100000a' + '0800' + '45000020000000004011' + '0000' + '0a000001' + '0a000002',
  'hex',
);

function packetOut(actions: Action[], more: Partial<PacketOut> = {}): PacketOut {
  return { type: OFPT.PACKET_OUT, xid: 1, buffer_id: OFP_NO_BUFFER, in_port: OFPP.CONTROLLER, actions, data: FRAME, ...more };
}

t.test('PACKET_OUT goes to the datapath once checked', async (t) => {
  const tb = testBridge();
  const b = tb.bridge;
  const ran: [Buffer, number, readonly Action[]][] = [];
  b.attachDatapath({ packetOut: (frame, inPort, actions) => void ran.push([frame, inPort, actions]) });
  handle(b, packetOut([output(2)]));
  handle(b, packetOut([output(OFPP.TABLE)], { in_port: 1 }));
  handle(b, packetOut([{ type: OFPAT.POP_VLAN }, setField('udp_dst', 53), output(OFPP.IN_PORT)], { in_port: OFPP.LOCAL }));
  t.same(ran.map((r) => [r[1], r[2].length]), [[OFPP.CONTROLLER, 1], [1, 1], [OFPP.LOCAL, 3]], 'CONTROLLER, a port, LOCAL as in_port; output:TABLE allowed');
  const id = b.bufferPacket(Buffer.from('buffered'), 3);
  handle(b, packetOut([output(1)], { buffer_id: id, data: Buffer.alloc(0) }));
  t.same(ran[3]![0], Buffer.from('buffered'), 'a buffered packet');
  refuses(t, tb, packetOut([output(1)], { buffer_id: id }), OFPET.BAD_REQUEST, OFPBRC.BUFFER_EMPTY, 'used already');
  refuses(t, tb, packetOut([output(1)], { buffer_id: 0x777 }), OFPET.BAD_REQUEST, OFPBRC.BUFFER_UNKNOWN, 'never issued');
  refuses(t, tb, packetOut([output(1)], { in_port: 9 }), OFPET.BAD_REQUEST, OFPBRC.BAD_PORT, 'a port that does not exist');
  refuses(t, tb, packetOut([output(1)], { in_port: OFPP.ANY }), OFPET.BAD_REQUEST, OFPBRC.BAD_PORT, 'OFPP_ANY (§7.3.7; OVS allows it)');
  refuses(t, tb, packetOut([output(0)]), OFPET.BAD_ACTION, OFPBAC.BAD_OUT_PORT, 'a bad output');
  refuses(t, tb, packetOut([setField('tcp_dst', 80)]), OFPET.BAD_ACTION, OFPBAC.MATCH_INCONSISTENT, 'a TCP field on a UDP packet');
  refuses(t, tb, packetOut([{ type: OFPAT.POP_VLAN }, { type: OFPAT.POP_VLAN }]), OFPET.BAD_ACTION, OFPBAC.MATCH_INCONSISTENT, 'two pops, one tag');
  const id2 = b.bufferPacket(FRAME, 1);
  refuses(t, tb, packetOut([output(0)], { buffer_id: id2 }), OFPET.BAD_ACTION, OFPBAC.BAD_OUT_PORT, 'a refused packet-out');
  handle(b, packetOut([output(1)], { buffer_id: id2 }));
  t.equal(ran.length, 5, 'leaves its buffer for the next one');
});
