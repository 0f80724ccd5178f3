/**
 * OFPC_FRAG_DROP end to end (OpenFlow 1.3.5 §7.3.2: "IP fragments are
 * dropped"): two hosts on real veths, flows between their ports, and
 * pings of 3000 bytes, which with an MTU of 1500 leave h1 as three IPv4
 * fragments (a first and two later ones). The mode is set and read with
 * Open vSwitch's own `ovs-ofctl set-frags` / `get-frags` (set-frags checks
 * with a GET_CONFIG that the switch took it), and the verdict comes from
 * the hosts: ping's replies and h2's kernel counter of fragments received
 * (Ip: ReasmReqds in /proc/net/snmp, which counts first and later ones
 * alike). The switch goes NORMAL -> DROP -> NORMAL, and its megaflows for
 * fragments, installed in the first phase, must follow each change.
 * `set-frags reassemble` fails and leaves DROP in force, as on Open vSwitch.
 */
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { makeLab, ovsOfctlIn, ping } from '../helpers/forwarding.js';
import { netnsSkip, type Netns } from '../helpers/netns.js';

const skip = netnsSkip('ping', 'ovs-ofctl');
const LISTEN_PORT = 47310;
const PINGS = 3;
/** 3000 bytes of ICMP data + 8 of ICMP header in 1480-byte pieces: 3 fragments per echo request. */
const FRAGS_PER_PING = 3;

/** h's count of IPv4 fragments received (those handed to reassembly). */
function reasmReqds(h: Netns): number {
  const lines = h.must('cat', '/proc/net/snmp').split('\n').filter((l) => l.startsWith('Ip:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('ReasmReqds')]);
}

/** `ping -s 3000` from h1 to h2: replies, and how many fragments h2 received meanwhile. */
async function bigPing(h1: Netns, h2: Netns): Promise<{ received: number; fragsAtH2: number; out: string }> {
  const before = reasmReqds(h2);
  const r = await h1.run(['ping', '-c', String(PINGS), '-i', '0.2', '-W', '1', '-s', '3000', '10.0.0.2'], 20_000);
  const m = /(\d+) received/.exec(r.stdout);
  return { received: m ? Number(m[1]) : 0, fragsAtH2: reasmReqds(h2) - before, out: r.stdout + r.stderr };
}

t.test('OFPC_FRAG_DROP: fragments from a real host are dropped while it is set, and only then', { skip, timeout: 120_000 }, async (t) => {
  const { sw, hosts } = await makeLab(t, 'gap-fd', ['10.0.0.1/24', '10.0.0.2/24']);
  const [h1, h2] = hosts as [Netns, Netns];
  const d = await startDaemon(
    ['--listen', `ptcp:${LISTEN_PORT}:127.0.0.1`, '--port', '1=p1', '--port', '2=p2', '--fail-mode', 'secure', '--controller', 'none'],
    {},
    15_000,
    { netns: sw.name },
  );
  t.teardown(() => d.stop('SIGKILL'));
  const target = `tcp:127.0.0.1:${d.port}`;
  const ofctl = async (...args: string[]): Promise<{ code: number; out: string }> => {
    const r = await ovsOfctlIn(sw, ...args);
    return { code: r.code ?? -1, out: (r.stdout + r.stderr).trim() };
  };
  for (const flow of ['in_port=1,actions=output:2', 'in_port=2,actions=output:1']) {
    const r = await ofctl('add-flow', target, flow);
    t.equal(r.code, 0, `add-flow ${flow} ${r.out}`);
  }
  t.equal((await ofctl('get-frags', target)).out, 'normal', 'get-frags: normal at start');
  const warm = await ping(h1, '10.0.0.2', 2);
  t.equal(warm.received, 2, `small pings go through (ARP resolved)\n${warm.out}`);

  const normal = await bigPing(h1, h2);
  t.equal(normal.received, PINGS, `NORMAL: ping -s 3000 gets ${PINGS} of ${PINGS} replies\n${normal.out}`);
  t.equal(normal.fragsAtH2, PINGS * FRAGS_PER_PING, `NORMAL: h2 received ${PINGS * FRAGS_PER_PING} fragments`);

  const set = await ofctl('set-frags', target, 'drop');
  t.equal(set.code, 0, `set-frags drop (checked by ovs-ofctl with a GET_CONFIG) ${set.out}`);
  t.equal((await ofctl('get-frags', target)).out, 'drop', 'get-frags: drop');
  const dropped = await bigPing(h1, h2);
  t.equal(dropped.received, 0, `DROP: no reply to ping -s 3000\n${dropped.out}`);
  t.equal(dropped.fragsAtH2, 0, 'DROP: h2 received no fragment at all, first or later');
  const small = await ping(h1, '10.0.0.2', 3);
  t.equal(small.received, 3, `DROP: unfragmented pings still go through\n${small.out}`);

  const reasm = await ofctl('set-frags', target, 'reassemble');
  t.not(reasm.code, 0, `set-frags reassemble fails, as on Open vSwitch: ${reasm.out}`);
  t.equal((await ofctl('get-frags', target)).out, 'drop', 'get-frags: still drop');
  t.ok(
    d.logs.some((l) => l.msg === 'unsupported fragment handling mode, ignored' && l.frag === 2),
    'the daemon logs the unsupported mode (as Open vSwitch: "unsupported fragment handling mode reassemble")',
  );

  t.equal((await ofctl('set-frags', target, 'normal')).code, 0, 'set-frags normal');
  const again = await bigPing(h1, h2);
  t.equal(again.received, PINGS, `NORMAL again: ${PINGS} of ${PINGS} replies\n${again.out}`);
  t.equal(again.fragsAtH2, PINGS * FRAGS_PER_PING, `NORMAL again: h2 received ${PINGS * FRAGS_PER_PING} fragments`);
});
