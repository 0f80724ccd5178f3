/**
 * Multipart request reassembly bounds and the packet-in rate limiter, driven
 * by hand (a clock that moves when told).
 */
import t from 'tap';
import { MultipartAssembler, PacketInScheduler } from '../../lib/conn/index.js';
import { OFPBRC, OFPMP, OFPMPF_REQ, OFPT, type MultipartRequest, type TableFeatures } from '../../lib/openflow/index.js';
import { ManualTimers } from '../helpers/manual-timers.js';

const tf = (table_id: number): TableFeatures => ({
  table_id,
  name: `t${table_id}`,
  metadata_match: 0n,
  metadata_write: 0n,
  config: 0,
  max_entries: 10,
  properties: [],
});

function piece(xid: number, mp_type: OFPMP, more: boolean, body?: unknown, size = 100) {
  const msg = { type: OFPT.MULTIPART_REQUEST, xid, flags: more ? OFPMPF_REQ.MORE : 0, mp_type, body } as unknown as MultipartRequest;
  const raw = Buffer.alloc(size);
  raw.writeUInt32BE(xid, 4);
  return { xid, mpType: mp_type, flags: msg.flags, msg, raw };
}

t.test('MultipartAssembler passes single requests through', async (t) => {
  const a = new MultipartAssembler();
  const r = a.add(piece(1, OFPMP.DESC, false), 0);
  t.equal(r.kind, 'complete');
  t.equal(a.pending, 0);
});

t.test('MultipartAssembler merges TABLE_FEATURES pieces, interleaved by xid', async (t) => {
  const a = new MultipartAssembler();
  t.equal(a.add(piece(1, OFPMP.TABLE_FEATURES, true, [tf(0)]), 0).kind, 'held');
  t.equal(a.add(piece(2, OFPMP.TABLE_FEATURES, true, [tf(5)]), 0).kind, 'held');
  t.equal(a.add(piece(1, OFPMP.TABLE_FEATURES, true, [tf(1)]), 0).kind, 'held');
  t.equal(a.pending, 2);
  t.equal(a.bytes, 300);
  const r1 = a.add(piece(1, OFPMP.TABLE_FEATURES, false, [tf(2)]), 0);
  t.equal(r1.kind, 'complete');
  if (r1.kind === 'complete' && r1.msg.mp_type === OFPMP.TABLE_FEATURES) {
    t.same(r1.msg.body.map((x) => x.table_id), [0, 1, 2]);
    t.equal(r1.msg.flags, 0);
    t.equal(r1.msg.xid, 1);
  }
  const r2 = a.add(piece(2, OFPMP.TABLE_FEATURES, false, []), 0);
  t.equal(r2.kind, 'complete');
  if (r2.kind === 'complete' && r2.msg.mp_type === OFPMP.TABLE_FEATURES) t.same(r2.msg.body.map((x) => x.table_id), [5]);
  t.equal(a.bytes, 0, 'nothing held afterwards');
});

t.test('MultipartAssembler drops empty pieces and refuses two bodies for a fixed type', async (t) => {
  const a = new MultipartAssembler();
  const empty = { xid: 3, mpType: OFPMP.FLOW, flags: OFPMPF_REQ.MORE, msg: undefined, raw: Buffer.alloc(16) };
  t.equal(a.add(empty, 0).kind, 'held');
  const r = a.add(piece(3, OFPMP.FLOW, false, { table_id: 1 }), 0);
  t.equal(r.kind, 'complete');
  if (r.kind === 'complete' && r.msg.mp_type === OFPMP.FLOW) t.equal(r.msg.body.table_id, 1);
  a.add(piece(4, OFPMP.FLOW, true, { table_id: 1 }), 0);
  const bad = a.add(piece(4, OFPMP.FLOW, false, { table_id: 2 }), 0);
  t.equal(bad.kind, 'error');
  if (bad.kind === 'error') t.equal(bad.error.code, OFPBRC.BAD_MULTIPART);
  const allEmpty = new MultipartAssembler();
  allEmpty.add(empty, 0);
  const r2 = allEmpty.add({ ...empty, flags: 0 }, 0);
  t.equal(r2.kind, 'error', 'a body was required');
  if (r2.kind === 'error') t.equal(r2.error.code, OFPBRC.BAD_LEN);
});

t.test('MultipartAssembler refuses a type change within a sequence', async (t) => {
  const a = new MultipartAssembler();
  a.add(piece(1, OFPMP.TABLE_FEATURES, true, []), 0);
  const r = a.add(piece(1, OFPMP.FLOW, false, {}), 0);
  t.equal(r.kind, 'error');
  if (r.kind === 'error') t.equal(r.error.code, OFPBRC.BAD_MULTIPART);
  t.equal(a.pending, 0);
});

t.test('MultipartAssembler bounds the bytes held per connection', async (t) => {
  const a = new MultipartAssembler(1000);
  for (let i = 0; i < 9; i++) t.equal(a.add(piece(1, OFPMP.TABLE_FEATURES, true, [], 100), 0).kind, 'held');
  t.equal(a.add(piece(2, OFPMP.TABLE_FEATURES, true, [], 100), 0).kind, 'held', 'exactly at the limit');
  const r = a.add(piece(1, OFPMP.TABLE_FEATURES, true, [], 100), 0);
  t.equal(r.kind, 'error');
  if (r.kind === 'error') {
    t.equal(r.error.code, OFPBRC.MULTIPART_BUFFER_OVERFLOW);
    t.equal(r.head.readUInt32BE(4), 1, 'the error names the sequence');
  }
  t.equal(a.bytes, 100, "the overflowing sequence's bytes are released");
});

t.test('MultipartAssembler times sequences out', async (t) => {
  const a = new MultipartAssembler(1 << 20, 1000);
  a.add(piece(7, OFPMP.TABLE_FEATURES, true, []), 0);
  a.add(piece(8, OFPMP.TABLE_FEATURES, true, []), 500);
  t.equal(a.nextExpiry(), 1000);
  t.same(a.expire(999), []);
  const gone = a.expire(1000);
  t.equal(gone.length, 1);
  t.equal(gone[0]!.readUInt32BE(4), 7);
  t.equal(a.pending, 1);
});

t.test('PacketInScheduler passes a burst, then paces at the rate, round-robin by port', async (t) => {
  const timers = new ManualTimers();
  const out: string[] = [];
  const s = new PacketInScheduler<string>(100, 4, timers, (x) => out.push(x));
  for (let i = 0; i < 4; i++) s.send(1, `a${i}`);
  t.same(out, ['a0', 'a1', 'a2', 'a3'], 'the burst goes straight out');
  s.send(1, 'a4');
  s.send(1, 'a5');
  s.send(2, 'b0');
  t.equal(s.stats.queued, 3);
  timers.advance(10); // one token per 10 ms at 100/s
  t.same(out.slice(4), ['a4']);
  timers.advance(10);
  t.same(out.slice(4), ['a4', 'b0'], 'port 2 is not starved by port 1');
  timers.advance(10);
  t.same(out.slice(4), ['a4', 'b0', 'a5']);
  t.equal(s.stats.bypassed, 4);
  t.equal(s.stats.limited, 3);
  t.equal(s.stats.dropped, 0);
});

t.test('PacketInScheduler drops from the longest queue beyond the burst', async (t) => {
  const timers = new ManualTimers();
  const out: string[] = [];
  const s = new PacketInScheduler<string>(100, 2, timers, (x) => out.push(x));
  s.send(1, 'x0');
  s.send(1, 'x1');
  s.send(1, 'q0');
  s.send(1, 'q1');
  s.send(2, 'r0');
  t.equal(s.stats.dropped, 1, 'a third waiting packet evicts one');
  t.equal(s.stats.queued, 2);
  timers.advance(1000);
  t.same(out, ['x0', 'x1', 'q1', 'r0'], 'the oldest of the longest queue went');
  t.equal(new PacketInScheduler(1000, 0, timers, () => {}).burst, 250, 'burst defaults to rate/4');
});
