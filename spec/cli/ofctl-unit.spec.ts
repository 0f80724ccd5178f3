/**
 * ofctl's pieces on their own: flow files and their line commands, SWITCH
 * arguments, table names in --names lines, the bytes of bundles and of the
 * early dump request (against what ovs-ofctl itself sent, as recorded),
 * and the ASCII writer of the dump fast path.
 */
import t from 'tap';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage } from '../../lib/openflow/index.js';
import { bundleAdd, bundleControl, OFPBCT } from '../../lib/cli/ofctl/bundle.js';
import { FLOW_PREFIXES, GROUP_PREFIXES, meaningfulLines, splitCommand } from '../../lib/cli/ofctl/flow-file.js';
import { endpointForListener, parseEndpoint, resolveSwitch, TargetError } from '../../lib/cli/ofctl/switch-target.js';
import { nameTables } from '../../lib/cli/ofctl/table-names.js';
import { AsciiOut } from '../../lib/cli/ofctl/ascii-out.js';
import { earlyDumpTarget, EARLY_FLOW_REQUEST, EARLY_HELLO } from '../../lib/cli/ofctl-early.js';
import { FIXTURES } from '../helpers/paths.js';

t.test('meaningfulLines() drops comments and blank lines and keeps line numbers', async (t) => {
  t.same(meaningfulLines('# c\n\n in_port=1,actions=drop # x\n\t\nin_port=2 actions=drop'), [
    { text: 'in_port=1,actions=drop', line: 3 },
    { text: 'in_port=2 actions=drop', line: 5 },
  ]);
  t.same(meaningfulLines('in_port=1,\\\n actions=drop\n'), [
    { text: 'in_port=1,\\', line: 1 },
    { text: 'actions=drop', line: 2 },
  ], 'no line continuation, as in ovs-ofctl');
});

t.test('splitCommand() reads add-flows line commands as ovs-ofctl does', async (t) => {
  const cases: [string, string, string][] = [
    ['in_port=1,actions=drop', 'add', 'in_port=1,actions=drop'],
    ['add in_port=1,actions=drop', 'add', ' in_port=1,actions=drop'],
    ['a in_port=1', 'add', ' in_port=1'],
    ['d in_port=1', 'delete', ' in_port=1'],
    ['del,in_port=1', 'delete', ',in_port=1'],
    ['delete_strict priority=5', 'delete_strict', ' priority=5'],
    ['delete_s priority=5', 'delete_strict', ' priority=5'],
    ['m in_port=1,actions=drop', 'modify', ' in_port=1,actions=drop'],
    ['modify_strict in_port=1', 'modify_strict', ' in_port=1'],
    [',in_port=2', 'add', ',in_port=2'],
    ['dl_type=0x800,actions=drop', 'add', 'dl_type=0x800,actions=drop'],
    ['   mod in_port=1', 'modify', ' in_port=1'],
  ];
  for (const [line, command, text] of cases) t.same(splitCommand(line, FLOW_PREFIXES), { command, text }, line);
  t.same(splitCommand('insert_bucket group_id=1', GROUP_PREFIXES).command, 'insert_bucket');
});

t.test('parseEndpoint() and endpointForListener()', async (t) => {
  t.same(parseEndpoint('tcp:127.0.0.1:6634'), { kind: 'tcp', host: '127.0.0.1', port: 6634 });
  t.same(parseEndpoint('tcp:10.0.0.1'), { kind: 'tcp', host: '10.0.0.1', port: 6653 }, 'port 6653 by default');
  t.same(parseEndpoint('tcp:[::1]:99'), { kind: 'tcp', host: '::1', port: 99 });
  t.same(parseEndpoint('unix:/run/x.mgmt'), { kind: 'unix', path: '/run/x.mgmt' });
  t.equal(parseEndpoint('br0'), undefined, 'a bridge name');
  for (const bad of ['tcp:', 'tcp:h:0', 'tcp:h:99999', 'tcp:::1', 'ssl:h:1', 'ptcp:6634', 'frob:x', 'unix:']) {
    t.throws(() => parseEndpoint(bad), TargetError, bad);
  }
  t.same(endpointForListener('ptcp:6634:127.0.0.1'), { kind: 'tcp', host: '127.0.0.1', port: 6634 });
  t.same(endpointForListener('ptcp:6634'), { kind: 'tcp', host: '127.0.0.1', port: 6634 }, 'all addresses: use loopback');
  t.same(endpointForListener('ptcp:6634:[::]'), { kind: 'tcp', host: '::1', port: 6634 });
  t.same(endpointForListener('punix:/run/br0.sock'), { kind: 'unix', path: '/run/br0.sock' });
  t.same(endpointForListener('tcp:127.0.0.1:7'), { kind: 'tcp', host: '127.0.0.1', port: 7 });
  t.equal(endpointForListener('pssl:6634'), undefined);
});

/** A Unix socket listening at `path` (for resolution, which checks that a socket is there). */
async function listenAt(path: string, onRequest?: (text: string) => string): Promise<() => void> {
  const srv = createServer((c) => c.on('data', (d: Buffer) => (onRequest ? c.end(onRequest(d.toString())) : undefined)));
  await new Promise<void>((r) => srv.listen(path, r));
  return () => srv.close();
}

t.test('resolveSwitch() finds bridges: ofswitchd first, then Open vSwitch, then a socket path', async (t) => {
  const ours = mkdtempSync(join(tmpdir(), 'ofctl-ours-'));
  const ovs = mkdtempSync(join(tmpdir(), 'ofctl-ovs-'));
  const env = { OFSWITCH_RUNDIR: ours, OVS_RUNDIR: ovs };
  const closers = [
    await listenAt(join(ovs, 'br0.mgmt')),
    await listenAt(join(ovs, 'br1.mgmt')),
    await listenAt(join(ours, 'br1.mgmt')),
    await listenAt(join(ours, 'ofswitchd.ctl'), (req) => {
      const r = JSON.parse(req) as { id: number; method: string; params: string[] };
      const result = r.method === 'bridge/listeners' && r.params[0] === 'br2' ? 'ptcp:6699:127.0.0.1\npunix:/x\n' : null;
      return JSON.stringify({ id: r.id, result, error: result === null ? 'unknown bridge' : null });
    }),
  ];
  t.teardown(() => {
    closers.forEach((c) => c());
    rmSync(ours, { recursive: true, force: true });
    rmSync(ovs, { recursive: true, force: true });
  });
  const resolve = (name: string) => resolveSwitch(name, { env, isRoot: false });
  t.same(await resolve('br0'), { kind: 'unix', path: join(ovs, 'br0.mgmt') }, "Open vSwitch's management socket");
  t.same(await resolve('br1'), { kind: 'unix', path: join(ours, 'br1.mgmt') }, "ofswitchd's own comes first");
  t.same(await resolve('br2'), { kind: 'tcp', host: '127.0.0.1', port: 6699 }, "asked of ofswitchd's control socket");
  t.same(await resolve(join(ovs, 'br0.mgmt')), { kind: 'unix', path: join(ovs, 'br0.mgmt') }, 'a socket path');
  await t.rejects(resolve('br9'), { message: 'br9 is not a bridge or a socket' });
});

t.test('nameTables() puts table names where ovs-ofctl --names puts them', async (t) => {
  const names = new Map([
    [0, 'table0'],
    [1, 'acl'],
  ]);
  t.equal(
    nameTables('cookie=0x0, duration=1s, table=0, n_packets=0, n_bytes=0, priority=5,in_port=1 actions=goto_table:1', 0, names),
    'cookie=0x0, duration=1s, table=table0, n_packets=0, n_bytes=0, priority=5,in_port=1 actions=goto_table:acl',
  );
  t.equal(nameTables('priority=5 actions=drop', 0, names), 'table=table0, priority=5 actions=drop', '--no-stats shows a named table 0');
  t.equal(nameTables('cookie=0x5, priority=5 actions=drop', 0, names), 'cookie=0x5, table=table0, priority=5 actions=drop');
  t.equal(nameTables('table=7, actions=goto_table:9', 7, names), 'table=7, actions=goto_table:9', 'unnamed tables stay numbers');
  t.equal(nameTables('table=1, actions=output:2', 1, new Map()), 'table=1, actions=output:2');
});

// Captured from ovs-ofctl 3.1 (`--bundle add-flows`, through a TCP proxy to Open vSwitch).
const OVS_BUNDLE_OPEN = '04040018000000094f4e4600000008fc0000000000000003';
const OVS_BUNDLE_COMMIT = '040400180000000b4f4e4600000008fc0000000000040003';
const OVS_BUNDLE_ADD =
  '04040070000000064f4e4600000008fd0000000000000003040e005800000006000000000000000000000000000000000000000000008000ffffffffffffffffffffffff000000000001000c800000040000000100000000000400180000000000000010000000020000000000000000';

t.test('bundle messages are the bytes ovs-ofctl sends', async (t) => {
  t.equal(encodeMessage(bundleControl(9, OFPBCT.OPEN_REQUEST)).toString('hex'), OVS_BUNDLE_OPEN);
  t.equal(encodeMessage(bundleControl(0xb, OFPBCT.COMMIT_REQUEST)).toString('hex'), OVS_BUNDLE_COMMIT);
  const add = Buffer.from(OVS_BUNDLE_ADD, 'hex');
  const inner = add.subarray(24);
  t.equal(encodeMessage(bundleAdd(inner)).toString('hex'), OVS_BUNDLE_ADD);
});

t.test("the early dump request is what ovs-ofctl sends for dump-flows", async (t) => {
  const session = JSON.parse(readFileSync(join(FIXTURES, 'ovs-ofctl', 'session.json'), 'utf8')) as {
    commands: { label: string; messages: { dir: string; hex: string }[] }[];
  };
  const sent = session.commands.find((c) => c.label === 'dump-flows')!.messages.filter((m) => m.dir === 'to_switch');
  t.equal(EARLY_HELLO.toString('hex'), sent[0]!.hex, 'HELLO, xid 1');
  t.equal(EARLY_FLOW_REQUEST.toString('hex'), sent[1]!.hex, 'OFPST_FLOW request, xid 2');
  t.equal(earlyDumpTarget(['dump-flows', 'br0']), 'br0');
  t.equal(earlyDumpTarget(['-O', 'OpenFlow13', 'dump-flows', 'tcp:1.2.3.4:5']), 'tcp:1.2.3.4:5');
  t.equal(earlyDumpTarget(['--protocols=OpenFlow13', 'dump-flows', 'br0']), 'br0');
  for (const argv of [['dump-flows', 'br0', 'ip'], ['--sort', 'dump-flows', 'br0'], ['-O', 'OpenFlow10', 'dump-flows', 'br0'], ['show', 'br0'], ['--names', 'dump-flows', 'br0']]) {
    t.equal(earlyDumpTarget(argv), undefined, argv.join(' '));
  }
});

t.test('AsciiOut writes numbers as String() does', async (t) => {
  const check = (write: (o: AsciiOut) => void): string => {
    let text = '';
    const o = new AsciiOut((b) => (text += b.toString('latin1')), 4096);
    write(o);
    o.flush();
    return text;
  };
  fc.assert(
    fc.property(fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(0, 9, 10, 0x7fffffff, 0x80000000)), (n) => {
      return check((o) => o.dec(n)) === String(n);
    }),
  );
  fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (n) => check((o) => o.hex32(n)) === n.toString(16)));
  t.equal(check((o) => o.decPadded(7, 3)), '007');
  t.equal(check((o) => o.hex8(10)), '0a');
  let handed = 0;
  const o = new AsciiOut(() => handed++, 64, 32);
  o.mark();
  o.str('x'.repeat(20));
  o.rollback();
  o.str('y'.repeat(40));
  o.commit();
  t.equal(handed, 1, 'a full buffer is handed over at a record boundary');
});

t.test('AsciiOut reuses its buffer only when the sink is done with the bytes', async (t) => {
  const kept: Buffer[] = [];
  const copies: string[] = [];
  // Larger than Buffer's pool slices, so that each buffer has an ArrayBuffer of its own.
  const keeping = new AsciiOut((b) => void kept.push(b), 8192, 8);
  for (const word of ['first-record', 'second-record']) {
    keeping.str(word);
    keeping.commit();
  }
  t.same(
    kept.map((b) => b.toString('latin1')),
    ['first-record', 'second-record'],
    'a sink that keeps the bytes gets a fresh buffer each time',
  );
  t.not(kept[0]!.buffer, kept[1]!.buffer);
  const seen: ArrayBufferLike[] = [];
  const done = new AsciiOut(
    (b) => {
      copies.push(b.toString('latin1'));
      seen.push(b.buffer);
      return true;
    },
    8192,
    8,
  );
  for (const word of ['first-record', 'second-record']) {
    done.str(word);
    done.commit();
  }
  t.same(copies, ['first-record', 'second-record']);
  t.equal(seen[0], seen[1], 'a sink that is done with them gets the same buffer back');
});
