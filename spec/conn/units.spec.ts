/**
 * The connection manager's pure parts: targets, version negotiation,
 * generation ids and roles, async filtering, backoff, packet-in building.
 * Expected values come from the spec's text and Open vSwitch's documented
 * behaviour, written out by hand.
 */
import t from 'tap';
import {
  Backoff,
  defaultAsyncMasks,
  formatTarget,
  GenerationId,
  negotiateVersion,
  parseActiveTarget,
  parsePassiveTarget,
  receivesAsync,
  slaveMayNotSend,
  buildPacketIn,
  encodeHello,
} from '../../lib/conn/index.js';
import {
  OFP_NO_BUFFER,
  OFPCML,
  OFPCR_ROLE,
  OFPET,
  OFPHET,
  OFPHFC,
  OFPMP,
  OFPR,
  OFPT,
  type OfpMessage,
} from '../../lib/openflow/index.js';
import type { PacketInEvent } from '../../lib/ofproto/switch-api.js';

t.test('parseActiveTarget() accepts OVS syntax with the default port 6653', async (t) => {
  t.same(parseActiveTarget('tcp:127.0.0.1'), { ok: true, value: { kind: 'tcp', host: '127.0.0.1', port: 6653 } });
  t.same(parseActiveTarget('ssl:ctl.example:6633'), { ok: true, value: { kind: 'ssl', host: 'ctl.example', port: 6633 } });
  t.same(parseActiveTarget('tcp:[::1]:7000'), { ok: true, value: { kind: 'tcp', host: '::1', port: 7000 } });
  for (const bad of ['foo', 'tcp:', 'tcp:1.2.3.4:0', 'tcp:1.2.3.4:65536', 'udp:1.2.3.4', 'tcp:::1', 'ptcp:6653', 'tcp:h:x']) {
    const r = parseActiveTarget(bad);
    t.equal(r.ok, false, bad);
    if (!r.ok) t.match(r.error, /expected "tcp:HOST\[:PORT\]" or "ssl:HOST\[:PORT\]"/);
  }
});

t.test('parsePassiveTarget() accepts ptcp/pssl/punix', async (t) => {
  t.same(parsePassiveTarget('ptcp:6634:127.0.0.1'), { ok: true, value: { kind: 'ptcp', port: 6634, host: '127.0.0.1' } });
  t.same(parsePassiveTarget('ptcp:6634'), { ok: true, value: { kind: 'ptcp', port: 6634, host: undefined } });
  t.same(parsePassiveTarget('ptcp:'), { ok: true, value: { kind: 'ptcp', port: 6653, host: undefined } });
  t.same(parsePassiveTarget('ptcp:0'), { ok: true, value: { kind: 'ptcp', port: 0, host: undefined } });
  t.same(parsePassiveTarget('pssl:6653:[::1]'), { ok: true, value: { kind: 'pssl', port: 6653, host: '::1' } });
  t.same(parsePassiveTarget('punix:/run/x.sock'), { ok: true, value: { kind: 'punix', path: '/run/x.sock' } });
  for (const bad of ['punix:', 'tcp:1.2.3.4', 'ptcp:x', 'ptcp:1:::1', 'ptcp:70000']) t.equal(parsePassiveTarget(bad).ok, false, bad);
  t.equal(formatTarget({ kind: 'ptcp', port: 6653, host: '::1' }), 'ptcp:6653:[::1]');
  t.equal(formatTarget({ kind: 'tcp', host: '::1', port: 1 }), 'tcp:[::1]:1');
});

t.test('negotiateVersion() follows OF1.3 §6.3.1', async (t) => {
  const bm = (versions: number[]) => [{ type: OFPHET.VERSIONBITMAP, bitmaps: [versions.reduce((a, v) => a | (1 << v), 0)] }];
  t.same(negotiateVersion(6, 1, bm([1, 4, 6])), { ok: true, version: 4 }, 'bitmaps: highest common');
  t.same(negotiateVersion(5, 1, []), { ok: true, version: 4 }, 'no bitmap, peer newer: min is 1.3');
  t.same(negotiateVersion(4, 1, undefined), { ok: true, version: 4 }, 'unparseable elements: header version');
  const old = negotiateVersion(1, 7, []);
  t.equal(old.ok, false, 'OF1.0 only');
  if (!old.ok) {
    const e = old.error as Extract<OfpMessage, { type: OFPT.ERROR }> & { code: number };
    t.equal(e.err_type, OFPET.HELLO_FAILED);
    t.equal(e.code, OFPHFC.INCOMPATIBLE);
    t.equal(e.version, 1, 'the error is in a version the peer reads');
    t.equal(e.xid, 7);
    t.match(e.data.toString('ascii'), /We support version 0x04/);
  }
  t.equal(negotiateVersion(6, 1, bm([5, 6])).ok, false, 'bitmap without 1.3');
});

t.test('encodeHello() is version 4 with a bitmap of {4}', async (t) => {
  // ofp_header(04 00 0010 xid) + elem (0001 0008 00000010)
  t.equal(encodeHello(9).toString('hex'), '04000010' + '00000009' + '00010008' + '00000010');
});

t.test('GenerationId uses the spec wrap-around comparison', async (t) => {
  const g = new GenerationId();
  t.equal(g.current, undefined);
  t.ok(g.offer(10n));
  t.ok(g.isStale(9n));
  t.notOk(g.isStale(10n), 'equal is not stale');
  t.ok(g.offer(10n));
  t.notOk(g.offer(3n), 'older refused');
  t.equal(g.current, 10n, 'refusal changes nothing');
  const max = (1n << 64n) - 1n;
  t.notOk(g.offer(max - 5n), '2^64-6 is 16 behind 10, modulo 2^64');
  const w = new GenerationId();
  t.ok(w.offer(max - 5n));
  t.ok(w.offer(2n), '2 is newer than 2^64-6 (wrapped)');
  t.ok(w.isStale(max), '2^64-1 is older than 2 after the wrap');
  const h = new GenerationId();
  h.offer(0n);
  t.notOk(h.isStale((1n << 63n) - 1n), 'up to half the ring ahead is newer');
  t.ok(h.isStale((1n << 63n) + 1n), 'more than half the ring ahead counts as behind');
});

t.test('slaveMayNotSend() lists the spec and OVS refusals', async (t) => {
  const of = (type: OFPT, extra: object = {}) => ({ type, xid: 1, ...extra }) as unknown as OfpMessage;
  for (const type of [OFPT.PACKET_OUT, OFPT.FLOW_MOD, OFPT.GROUP_MOD, OFPT.PORT_MOD, OFPT.TABLE_MOD, OFPT.METER_MOD]) {
    t.ok(slaveMayNotSend(of(type)), OFPT[type]);
  }
  for (const type of [OFPT.SET_ASYNC, OFPT.SET_CONFIG, OFPT.BARRIER_REQUEST, OFPT.ROLE_REQUEST, OFPT.GET_ASYNC_REQUEST]) {
    t.notOk(slaveMayNotSend(of(type)), OFPT[type]);
  }
  t.notOk(slaveMayNotSend(of(OFPT.MULTIPART_REQUEST, { mp_type: OFPMP.TABLE_FEATURES, flags: 0, body: [] })), 'table features query');
  t.ok(slaveMayNotSend(of(OFPT.MULTIPART_REQUEST, { mp_type: OFPMP.TABLE_FEATURES, flags: 0, body: [{}] })), 'table features set');
  t.notOk(slaveMayNotSend(of(OFPT.MULTIPART_REQUEST, { mp_type: OFPMP.FLOW, flags: 0, body: {} })), 'flow stats');
  t.ok(slaveMayNotSend(of(OFPT.EXPERIMENTER, { experimenter: 0x4f4e4600, exp_type: 2300, data: Buffer.alloc(0) })), 'ONF bundle control');
  t.ok(slaveMayNotSend(of(OFPT.EXPERIMENTER, { experimenter: 0x4f4e4600, exp_type: 2301, data: Buffer.alloc(0) })), 'ONF bundle add');
  t.notOk(slaveMayNotSend(of(OFPT.EXPERIMENTER, { experimenter: 0x2320, exp_type: 2300, data: Buffer.alloc(0) })), 'another experimenter');
});

t.test('receivesAsync() applies the OF1.3 defaults and the service rule', async (t) => {
  const conn = (role: OFPCR_ROLE, type: 'primary' | 'service' = 'primary', missSendLen = 128) => ({
    role,
    type,
    missSendLen,
    asyncMasks: defaultAsyncMasks(),
  });
  for (const role of [OFPCR_ROLE.MASTER, OFPCR_ROLE.EQUAL]) {
    const c = conn(role);
    t.ok(receivesAsync(c, 'packet-in', OFPR.NO_MATCH));
    t.ok(receivesAsync(c, 'packet-in', OFPR.ACTION));
    t.notOk(receivesAsync(c, 'packet-in', OFPR.INVALID_TTL), 'INVALID_TTL off by default');
    for (const r of [0, 1, 2]) t.ok(receivesAsync(c, 'port-status', r));
    for (const r of [0, 1, 2, 3]) t.ok(receivesAsync(c, 'flow-removed', r));
    t.notOk(receivesAsync(c, 'flow-removed', 4), 'METER_DELETE is not an OF1.3 default');
  }
  const s = conn(OFPCR_ROLE.SLAVE);
  t.notOk(receivesAsync(s, 'packet-in', OFPR.NO_MATCH));
  t.notOk(receivesAsync(s, 'flow-removed', 0));
  t.ok(receivesAsync(s, 'port-status', 2));
  t.notOk(receivesAsync(conn(OFPCR_ROLE.EQUAL, 'service', 0), 'port-status', 0), 'service without miss_send_len: nothing');
  t.ok(receivesAsync(conn(OFPCR_ROLE.EQUAL, 'service', 65535), 'packet-in', 0), 'service that asked');
  const custom = { ...conn(OFPCR_ROLE.SLAVE), asyncMasks: { packet_in_mask: [0, 4] as [number, number], port_status_mask: [0, 0] as [number, number], flow_removed_mask: [0, 0] as [number, number] } };
  t.ok(receivesAsync(custom, 'packet-in', OFPR.INVALID_TTL), 'SET_ASYNC masks for slave');
  t.notOk(receivesAsync(custom, 'port-status', 0));
});

t.test('Backoff doubles 1, 2, 4, 8, 8 s and resets after a long connection', async (t) => {
  const b = new Backoff(1000, 8000);
  let now = 0;
  const waits: number[] = [];
  for (let i = 0; i < 5; i++) {
    b.attemptStarted(now);
    now += 10; // refused at once
    const w = b.disconnected(now);
    waits.push(w);
    now += w;
  }
  t.same(waits, [1000, 2000, 4000, 8000, 8000]);
  // A connection that lasted longer than the backoff: start again from 1 s.
  b.attemptStarted(now);
  now += 60_000;
  t.equal(b.disconnected(now), 1000);
  // A timed-out attempt always doubles, however long it took.
  b.attemptStarted(now);
  b.attemptAbandoned();
  now += 5000;
  t.equal(b.disconnected(now), 2000);
  t.equal(b.attemptStarted(now), 2000, 'an attempt may take max(min, backoff)');
  const c = new Backoff(500, 3000);
  const seq: number[] = [];
  for (let i = 0; i < 5; i++) {
    c.attemptStarted(0);
    seq.push(c.disconnected(1));
  }
  t.same(seq, [500, 1000, 2000, 3000, 3000], 'configurable bounds');
});

t.test('buildPacketIn() sends what the spec and OVS say', async (t) => {
  const frame = Buffer.alloc(300, 7);
  const ev = (reason: number, max_len: number): PacketInEvent => ({
    reason,
    table_id: 3,
    cookie: 9n,
    match: [{ field: 'in_port', value: 5 }],
    frame,
    max_len,
  });
  const calls: number[] = [];
  const buf = (f: Buffer, port: number) => {
    calls.push(port);
    t.equal(f.length, 300);
    return 42;
  };
  let p = buildPacketIn(ev(OFPR.ACTION, OFPCML.NO_BUFFER), 128, buf);
  t.equal(p.buffer_id, OFP_NO_BUFFER);
  t.equal(p.data.length, 300, 'NO_BUFFER: whole frame');
  t.equal(calls.length, 0, 'not buffered');
  p = buildPacketIn(ev(OFPR.ACTION, 64), 128, buf);
  t.equal(p.buffer_id, 42);
  t.equal(p.data.length, 64, 'max_len of the action');
  t.equal(p.total_len, 300);
  t.same(calls, [5], 'buffered with its in_port');
  p = buildPacketIn(ev(OFPR.NO_MATCH, 100), 128, buf);
  t.equal(p.data.length, 100, 'table-miss flow: its action max_len');
  p = buildPacketIn(ev(OFPR.INVALID_TTL, OFPCML.NO_BUFFER), 32, buf);
  t.equal(p.data.length, 32, 'invalid TTL: miss_send_len');
  p = buildPacketIn(ev(OFPR.ACTION, 1000), 128, buf);
  t.equal(p.buffer_id, OFP_NO_BUFFER, 'whole frame fits: unbuffered');
  t.equal(p.data.length, 300);
  p = buildPacketIn(ev(OFPR.ACTION, 64), 128, () => OFP_NO_BUFFER);
  t.equal(p.buffer_id, OFP_NO_BUFFER, 'pool full');
  t.equal(p.data.length, 300, 'unbuffered means the full packet');
  t.equal(p.table_id, 3);
  t.equal(p.cookie, 9n);
});
