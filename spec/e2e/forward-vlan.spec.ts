/**
 * VLAN access and trunk ports built from flows, over real interfaces. h1 is
 * on access port 1 (VLAN 10), h2 on access port 2 (VLAN 20), and port 3 is a
 * trunk to h3, which has a subinterface per VLAN. Judged from the hosts:
 * who can ping whom, and what tcpdump -e shows on each wire (tags on the
 * trunk, none on the access ports).
 *
 * veth strips a received frame's tag into metadata, so this also covers the
 * AF_PACKET port restoring tags from PACKET_AUXDATA: h3's tagged replies
 * must still match dl_vlan on the trunk.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { capture, netnsSkip, type Netns } from '../helpers/netns.js';
import { startDaemon } from '../helpers/daemon.js';
import { ROOT } from '../helpers/paths.js';
import { hostMac, makeLab, ofctlIn, ovsOfctlIn, parseDumpFlows, ping } from '../helpers/forwarding.js';

const skip = netnsSkip('tcpdump', 'ping', 'ovs-ofctl', 'python3');
const OFPVID_PRESENT = 0x1000;

// Access port -> VLAN, and the trunk.
const ACCESS = [
  { port: 1, vid: 10 },
  { port: 2, vid: 20 },
];
const TRUNK = 3;

const FLOWS = [
  ...ACCESS.map(({ port, vid }) => `priority=10,in_port=${port},actions=push_vlan:0x8100,set_field:${OFPVID_PRESENT | vid}->vlan_vid,output:${TRUNK}`),
  ...ACCESS.map(({ port, vid }) => `priority=10,in_port=${TRUNK},dl_vlan=${vid},actions=pop_vlan,output:${port}`),
];

/**
 * Subinterfaces eth0.10 and eth0.20 on h3. The kernel's own VLAN devices when
 * it has them; a kernel built without 802.1Q (CONFIG_VLAN_8021Q unset, as on
 * some CI VMs) gets the same thing from apps/vlan_tagger.py, taps bridged to
 * eth0 in user space.
 */
async function vlanSubinterfaces(h3: Netns, vids: number[]): Promise<string> {
  const kernel = vids.every((vid) => spawnSync('ip', ['netns', 'exec', h3.name, 'ip', 'link', 'add', 'link', 'eth0', 'name', `eth0.${vid}`, 'type', 'vlan', 'id', String(vid)]).status === 0);
  if (kernel) return 'kernel 802.1Q devices';
  for (const vid of vids) spawnSync('ip', ['netns', 'exec', h3.name, 'ip', 'link', 'del', `eth0.${vid}`]);
  const tagger = h3.spawn(['python3', join(ROOT, 'spec', 'e2e', 'apps', 'vlan_tagger.py'), 'eth0', ...vids.map((vid) => `${vid}=eth0.${vid}`)]);
  let out = '';
  let err = '';
  tagger.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vlan_tagger not ready: ${err}`)), 10_000);
    tagger.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    tagger.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vlan_tagger exited (${code}): ${err}`));
    });
  });
  return 'vlan_tagger.py (no 802.1Q in this kernel)';
}

t.test('VLAN access ports 1 (VLAN 10) and 2 (VLAN 20), trunk port 3', { skip, timeout: 120_000 }, async (t) => {
  const { sw, hosts } = await makeLab(t, 'e2e-vl', ['10.0.10.1/24', '10.0.20.2/24', null]);
  const [h1, h2, h3] = hosts as [Netns, Netns, Netns];
  const [mac1, mac2] = [hostMac(1), hostMac(2)];
  t.comment(`h3's subinterfaces: ${await vlanSubinterfaces(h3, [10, 20])}`);
  for (const vid of [10, 20]) {
    h3.must('ip', 'link', 'set', `eth0.${vid}`, 'address', `02:00:00:00:${vid}:03`);
    h3.must('ip', 'addr', 'add', `10.0.${vid}.3/24`, 'dev', `eth0.${vid}`);
    h3.must('ip', 'link', 'set', `eth0.${vid}`, 'up');
  }
  // h1 also claims an address in VLAN 20's subnet: it would reach h2 if the
  // switch leaked between VLANs.
  h1.must('ip', 'addr', 'add', '10.0.20.1/24', 'dev', 'eth0');

  const d = await startDaemon(
    ['--port', '1=p1', '--port', '2=p2', '--port', `${TRUNK}=p3`, '--fail-mode', 'secure', '--controller', 'none'],
    {},
    15_000,
    { netns: sw.name },
  );
  t.teardown(() => d.stop('SIGKILL'));
  const target = `tcp:127.0.0.1:${d.port}`;
  const dir = mkdtempSync(join(tmpdir(), 'e2e-vlan-'));
  const file = join(dir, 'flows.txt');
  writeFileSync(file, FLOWS.join('\n') + '\n');
  const add = await ofctlIn(sw, '-O', 'OpenFlow13', 'add-flows', target, file);
  t.equal(add.code, 0, `ofctl add-flows: ${add.stderr}`);

  const onTrunk = await capture(h3, 'eth0');
  const onH1 = await capture(h1, 'eth0');
  const onH2 = await capture(h2, 'eth0');
  const p1 = await ping(h1, '10.0.10.3', 3);
  t.equal(p1.received, 3, `h1 (VLAN 10) pings h3's eth0.10: 3 of 3\n${p1.out}`);
  const p2 = await ping(h2, '10.0.20.3', 3);
  t.equal(p2.received, 3, `h2 (VLAN 20) pings h3's eth0.20: 3 of 3\n${p2.out}`);
  // Full-size frames: with the tag they are 1518 bytes on the trunk, 4 over
  // the MTU's 1514, which the kernel allows only for an 802.1Q frame.
  const big = await h1.run(['ping', '-c', '3', '-i', '0.2', '-W', '2', '-s', '1472', '-M', 'do', '10.0.10.3'], 15_000);
  t.match(big.stdout, / 3 received/, `h1 pings h3 with full-size frames, unfragmented\n${big.stdout}${big.stderr}`);
  const leak = await ping(h1, '10.0.20.2', 2);
  t.equal(leak.received, 0, 'h1 cannot reach h2 (another VLAN)');
  const trunk = await onTrunk.stop();
  const atH1 = await onH1.stop();
  const atH2 = await onH2.stop();

  // On the trunk every frame of VLAN 10's subnet carries tag 10, and of VLAN 20's tag 20, both ways.
  for (const vid of [10, 20]) {
    const subnet = `10.0.${vid}.`;
    // h1's probe for h2 (below) is the one frame of 10.0.20.x that belongs to VLAN 10.
    const lines = trunk.filter((l) => l.includes(subnet) && !l.includes('tell 10.0.20.1,'));
    const echo = lines.filter((l) => l.includes('ICMP echo request'));
    const reply = lines.filter((l) => l.includes('ICMP echo reply'));
    const n = vid === 10 ? 6 : 3; // VLAN 10 had the full-size pings too
    t.equal(echo.length, n, `h3's eth0 saw ${n} echo requests in VLAN ${vid}`);
    t.equal(reply.length, n, `h3's eth0 sent ${n} echo replies in VLAN ${vid}`);
    t.same(lines.filter((l) => !l.includes(`802.1Q (0x8100), length`) || !l.includes(`vlan ${vid},`)), [], `all of them tagged ${vid} on the trunk\n${lines.join('\n')}`);
  }
  t.equal(trunk.filter((l) => l.includes('length 1518: vlan 10,') && /ICMP echo (request|reply)/.test(l)).length, 6, 'the full-size echoes and replies crossed the trunk as 1518-byte tagged frames');
  // h1's probe for h2 went out in VLAN 10 (where nobody has 10.0.20.2), never in VLAN 20.
  const probes = trunk.filter((l) => l.includes('who-has 10.0.20.2 tell 10.0.20.1'));
  t.ok(probes.length > 0 && probes.every((l) => l.includes('vlan 10,')), `h1's ARP for h2 is on the trunk in VLAN 10 only\n${probes.join('\n')}`);

  // The access ports carry plain Ethernet.
  for (const [name, lines, addr] of [['h1', atH1, '10.0.10.3'], ['h2', atH2, '10.0.20.3']] as const) {
    t.ok(lines.some((l) => l.includes(`${addr} > `) && l.includes('ICMP echo reply')), `${name} received h3's echo replies`);
    t.same(lines.filter((l) => l.includes('802.1Q') || l.includes('vlan ')), [], `${name} saw no tagged frame\n${lines.join('\n')}`);
  }
  t.equal(atH1.filter((l) => l.includes('length 1514: 10.0.10.3 > 10.0.10.1: ICMP echo reply')).length, 3, 'h1 got the full-size replies back as untagged 1514-byte frames');
  t.same(atH2.filter((l) => l.startsWith(mac1)), [], 'nothing from h1 reached h2');
  t.same(atH1.filter((l) => l.startsWith(mac2)), [], 'nothing from h2 reached h1');

  const dump = await ovsOfctlIn(sw, 'dump-flows', target);
  t.equal(dump.code, 0, `ovs-ofctl dump-flows: ${dump.stderr}`);
  const flows = parseDumpFlows(dump.stdout);
  for (const { port, vid } of ACCESS) {
    const push = flows.find((f) => f.line.includes(`in_port=${port} actions=push_vlan:0x8100,set_field:${OFPVID_PRESENT | vid}->vlan_vid,output:${TRUNK}`));
    const pop = flows.find((f) => f.line.includes(`in_port=${TRUNK},dl_vlan=${vid} actions=pop_vlan,output:${port}`));
    t.ok(push && push.nPackets >= 4, `ovs-ofctl: access ${port} -> trunk counted the ARP request and echoes: ${push?.line}`);
    t.ok(pop && pop.nPackets >= 4, `ovs-ofctl: trunk VLAN ${vid} -> access ${port} counted the ARP reply and echo replies: ${pop?.line}`);
  }

  t.equal(await d.stop(), 0, 'the daemon stops cleanly');
});
