/**
 * Open vSwitch's own client against the connection manager (over a fake
 * switch): its requests, its version negotiation and its monitor must work
 * as they do against ovs-vswitchd.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { OFPCML, OFPR } from '../../lib/openflow/index.js';
import { missing, ovsEnv, run } from '../helpers/peers.js';
import { sleep, startHarness, waitFor } from '../helpers/conn-harness.js';

const skip = missing('ovs-ofctl');

t.test('ovs-ofctl show, dump-desc, dump-tables, dump-ports-desc', { skip }, async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const target = `tcp:127.0.0.1:${h.port}`;
  const env = ovsEnv();
  const show = await run('ovs-ofctl', ['-O', 'OpenFlow13', 'show', target], { env });
  t.equal(show.code, 0, show.stderr);
  t.match(show.stdout, /OFPT_FEATURES_REPLY \(OF1.3\) \(xid=0x\w+\): dpid:0000000000001234/);
  t.match(show.stdout, /n_tables:254, n_buffers:256/);
  t.match(show.stdout, / 1\(p1\): addr:02:00:00:00:00:01/);
  const desc = await run('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-desc', target], { env });
  t.equal(desc.code, 0, desc.stderr);
  t.match(desc.stdout, /Manufacturer: fake/);
  const tables = await run('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-tables', target], { env });
  t.equal(tables.code, 0, tables.stderr);
  t.match(tables.stdout, /table 0:/);
  const ports = await run('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-ports-desc', target], { env });
  t.equal(ports.code, 0, ports.stderr);
  t.match(ports.stdout, / 2\(p2\): addr:02:00:00:00:00:02/);
  t.equal(h.mgr.status().connections.length, 0, 'every ovs-ofctl connection was released');
});

t.test('ovs-ofctl asking for OpenFlow 1.0 only is refused', { skip }, async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const r = await run('ovs-ofctl', ['-O', 'OpenFlow10', 'show', `tcp:127.0.0.1:${h.port}`], { env: ovsEnv() });
  t.not(r.code, 0);
  t.match(r.stderr, /version negotiation failed/);
});

t.test('ovs-ofctl monitor with a miss length gets packet-ins; without one, nothing', { skip }, async (t) => {
  const h = await startHarness();
  t.teardown(h.stop);
  const env = ovsEnv();
  const target = `tcp:127.0.0.1:${h.port}`;
  // ovs-ofctl monitor prints what it receives on stderr when its output is
  // not a terminal; read both.
  const watch = (args: string[]) => {
    const p = spawn('ovs-ofctl', ['-O', 'OpenFlow13', 'monitor', target, ...args], { env });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString().replace(/^.*fatal_signal.*\n?/gm, '')));
    const exited = new Promise<void>((resolve) => p.on('close', () => resolve()));
    return { p, out: () => out, exited };
  };
  const withLen = watch(['65535']);
  const without = watch([]);
  t.teardown(() => {
    withLen.p.kill();
    without.p.kill();
  });
  await waitFor(() => h.mgr.status().connections.filter((c) => c.state === 'ready').length === 2, 3000, 'monitors');
  await sleep(300);
  const frame = Buffer.from('ffffffffffff0000000000010800450000140000000040060000000000000000', 'hex');
  h.sw.emit({ kind: 'packet-in', event: { reason: OFPR.ACTION, table_id: 0, cookie: 0n, match: [{ field: 'in_port', value: 1 }], frame, max_len: OFPCML.NO_BUFFER } });
  await sleep(300);
  withLen.p.kill('SIGTERM');
  without.p.kill('SIGTERM');
  await Promise.all([withLen.exited, without.exited]);
  t.match(withLen.out(), /OFPT_PACKET_IN \(OF1.3\) \(xid=0x0\): cookie=0x0 total_len=32 in_port=1 \(via action\) data_len=32 \(unbuffered\)/);
  t.equal(without.out(), '', 'a service connection that did not ask hears nothing, as with OVS');
});
