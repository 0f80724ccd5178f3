/**
 * ofswitchd's command line, environment and config file (lib/cli/daemon-*.ts):
 * defaults, precedence, and refusals that name the source, the key and what
 * was expected.
 */
import t from 'tap';
import { parseDaemonArgs, type DaemonConfig } from '../../lib/cli/daemon-config.js';
import { defaultDpid, parsePortSpec } from '../../lib/cli/daemon-values.js';
import { createNetdev, PortTypeError } from '../../lib/cli/daemon-ports.js';
import { JsonSplitter } from '../../lib/cli/daemon-ctl.js';

function run(argv: string[], env: Record<string, string> = {}, files: Record<string, string> = {}): DaemonConfig {
  const r = parseDaemonArgs(argv, env, { readFile: (p) => read(files, p), isRoot: false });
  if (r.kind !== 'run') throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r.config;
}

function read(files: Record<string, string>, p: string): string {
  const f = files[p];
  if (f === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  return f;
}

function refusal(argv: string[], env: Record<string, string> = {}, files: Record<string, string> = {}): string {
  const r = parseDaemonArgs(argv, env, { readFile: (p) => read(files, p), isRoot: false });
  if (r.kind === 'run') throw new Error('accepted');
  return r.stderr.trim();
}

t.test('defaults work on a fresh machine', async (t) => {
  const c = run([], { XDG_RUNTIME_DIR: '/run/user/1000' });
  t.equal(c.bridges.length, 1);
  const b = c.bridges[0]!;
  t.equal(b.name, 'br0');
  t.same(b.listen, ['ptcp:6634:127.0.0.1']);
  t.same(b.controllers, ['tcp:127.0.0.1:6653']);
  t.equal(b.failMode, 'standalone', 'as Open vSwitch');
  t.equal(b.dpid, defaultDpid('br0'));
  t.equal(c.ctl, '/run/user/1000/ofswitchd.ctl');
  t.equal(c.logLevel, 'info');
  t.same([c.probeIntervalMs, c.maxBackoffMs, c.packetInRate, c.packetInQueue], [5000, 8000, 0, 100]);
  t.equal(run([], {}).ctl, '/tmp/ofswitchd.ctl');
  t.equal(run([], { OFSWITCH_RUNDIR: '/srv/run' }).ctl, '/srv/run/ofswitchd.ctl');
  const root = parseDaemonArgs([], {}, { isRoot: true });
  t.equal(root.kind === 'run' && root.config.ctl, '/var/run/ofswitch/ofswitchd.ctl');
});

t.test('the default dpid is stable, per name, and locally administered', async (t) => {
  t.equal(defaultDpid('br0'), defaultDpid('br0'));
  t.not(defaultDpid('br0'), defaultDpid('br1'));
  t.equal(defaultDpid('br0') >> 40n, 0x02n, '02:00:... in the low 48 bits');
});

t.test('flags, repeatable flags and environment variables (the rig passes env)', async (t) => {
  const c = run(
    ['--controller', 'tcp:10.0.0.1', '--controller', 'ssl:[::1]:6633', '--port', '1=a:dummy', '--port', '7=b:dummy', '--dpid', '0x1a', '--private-key', 'k', '--certificate', 'c', '--ca-cert', 'ca'],
    { OF_FAIL_MODE: 'secure' },
  );
  const b = c.bridges[0]!;
  t.same(b.controllers, ['tcp:10.0.0.1:6653', 'ssl:[::1]:6633']);
  t.same(b.ports, [
    { number: 1, iface: 'a', type: 'dummy' },
    { number: 7, iface: 'b', type: 'dummy' },
  ]);
  t.equal(b.dpid, 0x1an);
  t.equal(b.failMode, 'secure');
  t.same(c.ssl, { privateKey: 'k', certificate: 'c', caCertificate: 'ca' });
  const e = run([], { OF_DPID: '0000000000000001', OF_CONTROLLER: 'tcp:127.0.0.1:6653', OF_PORTS: '1=t1,2=t2,3=t3', OF_LISTEN: 'punix:/tmp/x.sock' });
  t.equal(e.bridges[0]!.dpid, 1n);
  t.same(e.bridges[0]!.ports.map((p) => `${p.number}=${p.iface}:${p.type}`), ['1=t1:system', '2=t2:system', '3=t3:system'], 'type defaults to system, as OVS');
  t.same(e.bridges[0]!.listen, ['punix:/tmp/x.sock']);
  t.equal(run(['--dpid', '2'], { OF_DPID: '3' }).bridges[0]!.dpid, 2n, 'a flag beats the environment');
  t.equal(run(['--probe-interval', '0.5', '--max-backoff', '2']).probeIntervalMs, 500);
});

t.test('bad values are refused naming the flag or variable and what was expected', async (t) => {
  t.equal(refusal(['--controller', 'foo']), 'ofswitchd: --controller: expected "tcp:HOST[:PORT]" or "ssl:HOST[:PORT]", got "foo"');
  t.equal(refusal([], { OF_CONTROLLER: 'tcp:a,udp:b' }), 'ofswitchd: OF_CONTROLLER: expected "tcp:HOST[:PORT]" or "ssl:HOST[:PORT]", got "udp:b"');
  t.match(refusal(['--listen', 'tcp:1.2.3.4']), /--listen: expected "ptcp:PORT\[:IP\]", "pssl:PORT\[:IP\]" or "punix:PATH", got "tcp:1.2.3.4"/);
  t.match(refusal(['--port', '1:t1']), /--port: expected "N=IFACE\[:TYPE\[:KEY=V\+\.\.\.\]\]"/);
  t.match(refusal(['--port', '1=t1:bogus']), /TYPE one of system, tap, internal, patch, vxlan, dummy, got "1=t1:bogus"/);
  t.match(refusal(['--port', '0=t1']), /port number from 1 to 4294967040/);
  t.match(refusal(['--port', '1=a:dummy', '--port', '1=b:dummy']), /port number 1 is used twice/);
  t.match(refusal(['--port', '1=a:dummy', '--port', '2=a:dummy']), /interface "a" is used twice/);
  t.match(refusal(['--fail-mode', 'open']), /--fail-mode: expected "secure" or "standalone", got "open"/);
  t.match(refusal(['--dpid', '12345678901234567']), /--dpid: expected a datapath id of 1 to 16 hex digits/);
  t.match(refusal(['--log-level', 'loud']), /--log-level: expected one of trace, debug, info/);
  t.match(refusal(['--probe-interval', '-1']), /--probe-interval: expected a number of seconds from 0 to 86400, got "-1"/);
  t.match(refusal(['--controller', 'ssl:1.2.3.4']), /ssl:1.2.3.4:6653 needs --private-key, --certificate and --ca-cert/);
  t.match(refusal(['--private-key', 'k']), /go together/);
  const unknown = parseDaemonArgs(['--frobnicate'], {}, {});
  t.same([unknown.kind, unknown.kind === 'exit' && unknown.code], ['exit', 2]);
  t.match(unknown.kind === 'exit' ? unknown.stderr : '', /unknown option '--frobnicate'/);
});

t.test('--help and --version print and exit 0', async (t) => {
  const h = parseDaemonArgs(['--help'], {}, {});
  t.equal(h.kind, 'exit');
  if (h.kind === 'exit') {
    t.equal(h.code, 0);
    t.match(h.stdout, /Usage: ofswitchd/);
    t.match(h.stdout, /--controller <target>/);
    t.match(h.stdout, /OF_PORTS/);
    t.match(h.stdout, /Examples:/);
    t.equal(h.stderr, '');
  }
  const v = parseDaemonArgs(['--version'], {}, { version: '1.2.3' });
  t.same(v.kind === 'exit' && [v.code, v.stdout.trim()], [0, '1.2.3']);
});

t.test('the config file: every key, several bridges, paths relative to the file', async (t) => {
  const file = JSON.stringify({
    logLevel: 'warn',
    ctl: 'run/ctl.sock',
    probeInterval: 2,
    maxBackoff: 4,
    packetInRate: 1000,
    packetInBurst: 50,
    packetInQueue: 10,
    ssl: { privateKey: 'k.pem', certificate: 'c.pem', caCertificate: '/etc/ca.pem' },
    bridges: [
      { name: 'br0', dpid: '0000000000000001', failMode: 'secure', controllers: ['tcp:192.0.2.1'], listen: ['pssl:6653'], ports: ['1=p1:dummy', { number: 2, iface: 'p2', type: 'dummy' }] },
      { name: 'br1' },
    ],
  });
  const c = run(['--config', '/etc/ofswitch/sw.json'], {}, { '/etc/ofswitch/sw.json': file });
  t.equal(c.logLevel, 'warn');
  t.equal(c.ctl, '/etc/ofswitch/run/ctl.sock');
  t.same([c.probeIntervalMs, c.maxBackoffMs, c.packetInRate, c.packetInBurst, c.packetInQueue], [2000, 4000, 1000, 50, 10]);
  t.same(c.ssl, { privateKey: '/etc/ofswitch/k.pem', certificate: '/etc/ofswitch/c.pem', caCertificate: '/etc/ca.pem' });
  t.equal(c.bridges.length, 2);
  t.same(c.bridges[0]!.ports.map((p) => p.number), [1, 2]);
  t.same(c.bridges[0]!.listen, ['pssl:6653']);
  t.same([c.bridges[1]!.name, c.bridges[1]!.controllers, c.bridges[1]!.listen, c.bridges[1]!.failMode], ['br1', [], [], 'standalone']);
  t.equal(c.bridges[1]!.dpid, defaultDpid('br1'));
  // Flags beat the file; but per-bridge flags with two bridges are ambiguous.
  t.equal(run(['--config', 'f.json', '--log-level', 'debug'], {}, { 'f.json': file }).logLevel, 'debug');
  t.match(refusal(['--config', 'f.json', '--dpid', '1'], {}, { 'f.json': file }), /--dpid applies to a single bridge, but f.json lists 2/);
  const one = JSON.stringify({ bridges: [{ name: 'sw', controllers: ['tcp:1.1.1.1'] }] });
  const c1 = run(['--controller', 'tcp:2.2.2.2'], { OF_CONFIG: 'one.json' }, { 'one.json': one });
  t.same([c1.bridges[0]!.name, c1.bridges[0]!.controllers], ['sw', ['tcp:2.2.2.2:6653']], 'the flag overrides the single bridge');
});

t.test('a bad config file is refused with the file, the key and what was expected', async (t) => {
  const bad = (obj: unknown) => refusal(['--config', 'config.json'], {}, { 'config.json': typeof obj === 'string' ? obj : JSON.stringify(obj) });
  t.equal(
    bad({ bridges: [{ name: 'br0', controllers: ['tcp:1.2.3.4', 'foo'] }] }),
    'ofswitchd: config.json: bridges[0].controllers[1]: expected "tcp:HOST[:PORT]" or "ssl:HOST[:PORT]", got "foo"',
  );
  t.match(bad('{ nope'), /^ofswitchd: config.json: not valid JSON/);
  t.match(bad({ bridges: [{ name: 'br0', contollers: [] }] }), /config.json: bridges\[0\].contollers: unknown key \(known: name, dpid, controllers/);
  t.match(bad({ probeInterval: 'soon' }), /config.json: probeInterval: expected a number of seconds from 0 to 86400, got "soon"/);
  t.match(bad({ bridges: [] }), /config.json: bridges: expected at least one bridge/);
  t.match(bad({ bridges: [{ name: 'a' }, { name: 'a' }] }), /bridges\[1\].name: bridge "a" is listed twice/);
  t.match(bad({ bridges: [{ name: 'a', ports: [{ number: 1 }] }] }), /bridges\[0\].ports\[0\].iface: missing/);
  t.match(bad({ bridges: [{ name: 'a', ports: [{ number: 1, iface: 'x', type: 'veth' }] }] }), /bridges\[0\].ports\[0\].type: expected one of system/);
  t.match(bad({ ssl: { privateKey: 'k' } }), /config.json: ssl.certificate: missing/);
  t.match(bad({ bridges: [{ name: 'a', listen: 'ptcp:1' }] }), /bridges\[0\].listen: expected a list, got "ptcp:1"/);
  t.match(refusal(['--config', 'missing.json']), /^ofswitchd: missing.json: cannot read \(ENOENT\)/);
});

t.test('ports: a missing interface is refused by name; patch and vxlan need their options', async (t) => {
  t.equal(createNetdev(parsePortSpec('3=p3:dummy')).name, 'p3');
  t.throws(() => createNetdev(parsePortSpec('1=no-such-if9')), /^port 1=no-such-if9:system: (no interface named no-such-if9|.*need root)/);
  // Without their options they are refused (spec/netdev/patch.spec.ts and vxlan.spec.ts test them working).
  t.throws(() => parsePortSpec('1=t1:patch'), /^port 1=t1:patch: missing option peer/);
  t.throws(() => parsePortSpec('1=t1:vxlan'), /^port 1=t1:vxlan: missing option remote_ip/);
  t.throws(() => createNetdev({ number: 1, iface: 't1', type: 'vxlan' }), new PortTypeError(`port 1=t1:vxlan: missing option remote_ip (the tunnel's far end, an IPv4 or IPv6 address)`));
  const patch = createNetdev(parsePortSpec('1=t1:patch:peer=t2'));
  t.teardown(() => (patch as unknown as { close(): void }).close());
  t.equal(patch.type, 'patch');
  t.notOk(patch.linkUp(), 'a patch port without its peer is down');
});

t.test('the control socket reads JSON values laid end to end, however cut', async (t) => {
  const s = new JsonSplitter();
  const stream = '{"id":0,"method":"version","params":[]}{"id":1,"method":"x","params":["a}\\"b"]} {"id":2}';
  const out: string[] = [];
  for (const ch of stream) out.push(...s.push(ch));
  t.same(out.map((v) => JSON.parse(v).id), [0, 1, 2]);
  t.same(JSON.parse(out[1]!).params, ['a}"b']);
  t.throws(() => new JsonSplitter().push('x'), /expected a JSON object/);
});
