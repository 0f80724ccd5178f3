/**
 * Ports (OpenFlow 1.3.5 §7.2.1, §7.3.4.3, §7.4.3): the model over a
 * device, PORT_STATUS for every change, PORT_MOD and its errors, port
 * descriptions and statistics.
 */
import t from 'tap';
import { DummyNetdev } from '../../lib/netdev/dummy.js';
import { OFPET, OFPMP, OFPP, OFPPC, OFPPF, OFPPMFC, OFPPR, OFPPS, OFPT } from '../../lib/openflow/index.js';
import type { Port, PortMod, PortStats } from '../../lib/openflow/index.js';
import type { AsyncEvent } from '../../lib/ofproto/switch-api.js';
import { handle, mp, refuses, testBridge } from './util.js';

const statuses = (events: AsyncEvent[]): [number, number, number, number][] =>
  events.filter((e) => e.kind === 'port-status').map((e) => {
    const m = (e as Extract<AsyncEvent, { kind: 'port-status' }>).msg;
    return [m.reason, m.desc.port_no, m.desc.config, m.desc.state];
  });

const portMod = (port_no: number, hw_addr: string, config: number, mask: number, advertise = 0): PortMod => ({
  type: OFPT.PORT_MOD,
  xid: 1,
  port_no,
  hw_addr,
  config,
  mask,
  advertise,
});

t.test('ports come and go with PORT_STATUS', async (t) => {
  const tb = testBridge({ nPorts: 0 });
  const b = tb.bridge;
  const dev = new DummyNetdev('eth9', { hwAddr: '02:00:00:00:00:09' });
  b.addPort(dev, 9);
  const desc = mp<Port[]>(b, { mp_type: OFPMP.PORT_DESC });
  t.same(desc.map((p) => [p.port_no, p.name, p.hw_addr, p.state]), [
    [9, 'eth9', '02:00:00:00:00:09', OFPPS.LIVE],
    [OFPP.LOCAL, 'br0', desc[1]!.hw_addr, OFPPS.LIVE],
  ], 'port desc: ours and LOCAL');
  dev.setLink(false);
  dev.setLink(false);
  dev.setLink(true);
  b.removePort(9);
  t.same(statuses(tb.events), [
    [OFPPR.ADD, 9, 0, OFPPS.LIVE],
    [OFPPR.MODIFY, 9, 0, OFPPS.LINK_DOWN],
    [OFPPR.MODIFY, 9, 0, OFPPS.LIVE],
    [OFPPR.DELETE, 9, 0, OFPPS.LIVE],
  ], 'add, link down (once), link up, delete');
  t.equal(b.addPort(new DummyNetdev('a')).portNo, 1, 'numbers are given lowest-first');
  t.throws(() => b.addPort(new DummyNetdev('a')), /exists/, 'names are unique');
  t.throws(() => b.addPort(new DummyNetdev('z'), OFPP.ANY), /reserved/);
});

t.test('PORT_MOD', async (t) => {
  const tb = testBridge({ nPorts: 0 });
  const b = tb.bridge;
  const dev = new DummyNetdev('p1', { hwAddr: '02:00:00:00:00:01', features: { supported: OFPPF._1GB_FD | OFPPF._10GB_FD } });
  b.addPort(dev, 1);
  tb.events.length = 0;
  handle(b, portMod(1, '02:00:00:00:00:01', OFPPC.PORT_DOWN | OFPPC.NO_PACKET_IN, OFPPC.PORT_DOWN | OFPPC.NO_PACKET_IN));
  t.same(statuses(tb.events), [[OFPPR.MODIFY, 1, OFPPC.PORT_DOWN | OFPPC.NO_PACKET_IN, OFPPS.LINK_DOWN]], 'one PORT_STATUS; PORT_DOWN takes the device down');
  t.notOk(b.portLive(1), 'a port configured down is not live');
  tb.events.length = 0;
  handle(b, portMod(1, '02:00:00:00:00:01', 0, OFPPC.PORT_DOWN));
  t.same(statuses(tb.events), [[OFPPR.MODIFY, 1, OFPPC.NO_PACKET_IN, OFPPS.LIVE]], 'the mask limits the change');
  tb.events.length = 0;
  handle(b, portMod(1, '02:00:00:00:00:01', OFPPC.NO_PACKET_IN, OFPPC.NO_PACKET_IN));
  t.same(statuses(tb.events), [], 'no change, no PORT_STATUS');
  handle(b, portMod(1, '02:00:00:00:00:01', 0, 0, OFPPF._1GB_FD));
  t.equal(mp<Port[]>(b, { mp_type: OFPMP.PORT_DESC })[0]!.advertised, OFPPF._1GB_FD, 'advertise');
  const bad = (pm: PortMod, code: OFPPMFC, what: string): void => refuses(t, tb, pm, OFPET.PORT_MOD_FAILED, code, what);
  bad(portMod(2, '02:00:00:00:00:01', 0, 0), OFPPMFC.BAD_PORT, 'a port that does not exist');
  bad(portMod(OFPP.ANY, '02:00:00:00:00:01', 0, 0), OFPPMFC.BAD_PORT, 'OFPP_ANY');
  bad(portMod(1, '02:00:00:00:00:02', 0, OFPPC.NO_FWD), OFPPMFC.BAD_HW_ADDR, 'another address');
  bad(portMod(1, '02:00:00:00:00:01', 1 << 1, 1 << 1), OFPPMFC.BAD_CONFIG, 'an undefined config bit');
  bad(portMod(1, '02:00:00:00:00:01', 0, 1 << 3), OFPPMFC.BAD_CONFIG, 'an undefined mask bit');
  bad(portMod(1, '02:00:00:00:00:01', 0, 0, OFPPF._100GB_FD), OFPPMFC.BAD_ADVERTISE, 'advertising what the port does not support');
  const local = mp<Port[]>(b, { mp_type: OFPMP.PORT_DESC }).find((p) => p.port_no === OFPP.LOCAL)!;
  handle(b, portMod(OFPP.LOCAL, local.hw_addr, OFPPC.NO_FWD, OFPPC.NO_FWD));
  t.equal(mp<Port[]>(b, { mp_type: OFPMP.PORT_DESC }).find((p) => p.port_no === OFPP.LOCAL)!.config, OFPPC.NO_FWD, 'the LOCAL port');
});

t.test('port stats', async (t) => {
  const tb = testBridge({ nPorts: 0 });
  const b = tb.bridge;
  const dev = new DummyNetdev('p1');
  b.addPort(dev, 1);
  b.addPort(new DummyNetdev('p2'), 2);
  dev.receive(Buffer.alloc(60));
  dev.receive(Buffer.alloc(100));
  dev.send(Buffer.alloc(70));
  tb.clock.advance(2250);
  const [s] = mp<PortStats[]>(b, { mp_type: OFPMP.PORT_STATS, body: { port_no: 1 } });
  t.same(
    [s!.port_no, s!.rx_packets, s!.rx_bytes, s!.tx_packets, s!.tx_bytes, s!.duration_sec, s!.duration_nsec],
    [1, 2n, 160n, 1n, 70n, 2, 250_000_000],
  );
  t.same(mp<PortStats[]>(b, { mp_type: OFPMP.PORT_STATS, body: { port_no: OFPP.ANY } }).map((x) => x.port_no), [1, 2, OFPP.LOCAL], 'OFPP_ANY: every port');
  t.same(mp<PortStats[]>(b, { mp_type: OFPMP.PORT_STATS, body: { port_no: 5 } }), [], 'a port that does not exist: none (as OVS)');
});
