/**
 * Forwarding with no controller (`--controller none`, fail-mode standalone):
 * the switch acts as a MAC-learning switch (NORMAL) from the start. Three
 * hosts, so the difference between flooding and learned forwarding is
 * visible on the one not addressed: h3's tcpdump and kernel counters show
 * what the switch sent it.
 */
import t from 'tap';
import { capture, iperf3, netnsSkip } from '../helpers/netns.js';
import { startDaemon } from '../helpers/daemon.js';
import { hostMac, ifCounter, makeLab, ping } from '../helpers/forwarding.js';

const skip = netnsSkip('tcpdump', 'iperf3', 'ping');
const IPERF_PORT = 17211;
// An address h1 sends to at a MAC no port has: unknown unicast.
const STRANGER_IP = '10.0.0.99';
const STRANGER_MAC = '02:00:00:00:00:99';

t.test('standalone: three hosts, flooding until learned, then unicast only to its port', { skip, timeout: 120_000 }, async (t) => {
  const { sw, hosts } = await makeLab(t, 'e2e-sa', ['10.0.0.1/24', '10.0.0.2/24', '10.0.0.3/24']);
  const [h1, h2, h3] = hosts as [typeof sw, typeof sw, typeof sw];
  const [mac1, mac2, mac3] = [hostMac(1), hostMac(2), hostMac(3)];
  h1.must('ip', 'neigh', 'add', STRANGER_IP, 'lladdr', STRANGER_MAC, 'dev', 'eth0', 'nud', 'permanent');

  const d = await startDaemon(
    ['--port', '1=p1', '--port', '2=p2', '--port', '3=p3', '--fail-mode', 'standalone', '--controller', 'none'],
    {},
    15_000,
    { netns: sw.name },
  );
  t.teardown(() => d.stop('SIGKILL'));

  // Everything h3 is sent before and while the switch learns.
  const early = await capture(h3, 'eth0');
  const p12 = await ping(h1, '10.0.0.2', 5);
  // No controller to wait for: NORMAL forwarding from the start.
  t.equal(p12.received, 5, `h1 pings h2 at once: 5 of 5\n${p12.out}`);
  const p21 = await ping(h2, '10.0.0.1', 5);
  t.equal(p21.received, 5, `h2 pings h1: 5 of 5\n${p21.out}`);
  const p13 = await ping(h1, '10.0.0.3', 3);
  t.equal(p13.received, 3, `h1 pings h3: 3 of 3\n${p13.out}`);
  const lost = await ping(h1, STRANGER_IP, 3);
  t.equal(lost.received, 0, 'nobody answers for the stranger');
  const seenEarly = await early.stop();
  t.ok(
    seenEarly.some((l) => l.startsWith(`${mac1} > ff:ff:ff:ff:ff:ff`) && l.includes('who-has 10.0.0.2')),
    `h3 saw h1's ARP broadcast for h2 (flooded)\n${seenEarly.slice(0, 20).join('\n')}`,
  );
  t.equal(
    seenEarly.filter((l) => l.startsWith(`${mac1} > ${STRANGER_MAC}`) && l.includes(`> ${STRANGER_IP}: ICMP echo request`)).length,
    3,
    'h3 saw all 3 pings to the unknown MAC (unknown unicast is flooded)',
  );

  // Both MACs are learned now: their unicast must not reach h3. The capture
  // keeps frames to h1 or h2; h3's own reply to h1 at the end shows it works.
  const late = await capture(h3, 'eth0', ['ether', 'dst', mac1, 'or', 'ether', 'dst', mac2]);
  const rx0 = ifCounter(h3, 'eth0', 'rx_packets');
  const h2rx0 = ifCounter(h2, 'eth0', 'rx_packets');
  const again = await ping(h1, '10.0.0.2', 5);
  t.equal(again.received, 5, `h1 pings h2 after learning: 5 of 5\n${again.out}`);
  const ip = await iperf3(h2, h1, '10.0.0.2', IPERF_PORT, 3);
  const h3rx = ifCounter(h3, 'eth0', 'rx_packets') - rx0;
  const h2rx = ifCounter(h2, 'eth0', 'rx_packets') - h2rx0;
  const mbps = ip.bitsPerSecond / 1e6;
  t.comment(`iperf3 h1 -> h2: ${ip.bytesReceived} bytes, ${mbps.toFixed(0)} Mbit/s, ${ip.retransmits} retransmits of about ${ip.segmentsSent} segments`);
  t.ok(ip.bytesReceived > 10e6, `iperf3 completed and h2 received ${ip.bytesReceived} bytes`);
  t.ok(mbps > 50, `a sane rate: ${mbps.toFixed(0)} Mbit/s`);
  t.ok(ip.retransmits <= Math.max(100, ip.segmentsSent * 0.01), `no retransmission storm: ${ip.retransmits} retransmits`);
  t.ok(h2rx > 10_000, `h2's kernel received ${h2rx} packets`);
  // An occasional broadcast (an ARP refresh) may reach h3; the transfer must not.
  t.ok(h3rx < 10, `h3's kernel received ${h3rx} packets meanwhile`);
  const back = await ping(h3, '10.0.0.1', 1);
  t.equal(back.received, 1, 'h3 pings h1');
  const seenLate = await late.stop();
  const between = seenLate.filter((l) => (l.startsWith(`${mac1} > ${mac2}`) || l.startsWith(`${mac2} > ${mac1}`)));
  t.same(between, [], 'h3 saw no unicast between h1 and h2');
  t.ok(seenLate.some((l) => l.startsWith(`${mac3} > ${mac1}`) && l.includes('ICMP echo request')), `the capture was live: h3's own ping to h1 is in it\n${seenLate.join('\n')}`);

  t.equal(await d.stop(), 0, 'the daemon stops cleanly');
});
