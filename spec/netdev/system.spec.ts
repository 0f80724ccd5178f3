/**
 * System ports against real interfaces: a network namespace on the other
 * end of a veth pair sends and sniffs frames with scapy and the kernel's
 * own stack, so every expected byte comes from outside the addon.
 *
 * Receive-path tests run in both receive modes (recvmmsg and TPACKET_V3).
 */
import { spawn } from 'node:child_process';
import t from 'tap';
import { FrameBatch } from '../../lib/netdev/ring.js';
import { SystemNetdev } from '../../lib/netdev/system.js';
import {
  blastFrom,
  checkChecksums,
  collect,
  ETH_TEST,
  etherType,
  kernelStats,
  makeHost,
  missingPrerequisite,
  run,
  sh,
  testFrame,
  waitFor,
  waitForOutput,
} from './helpers.js';

const why = missingPrerequisite();
if (why) {
  t.plan(0, `system netdev tests skipped: ${why}`);
} else {
  for (const mode of ['mmsg', 'tpacket_v3'] as const) {
    t.test(`${mode}: receive path`, async (t) => {
      const host = makeHost(t);
      const nd = new SystemNetdev(host.port, { mode });
      t.teardown(() => nd.close());

      t.test('a frame sent from a namespace arrives intact, even to a MAC nobody has', async (t) => {
        const frames = collect(nd, (f) => etherType(f) === 0x0800);
        const sent = host
          .scapy(
            `p = Ether(src='02:00:00:00:00:01', dst='02:de:ad:be:ef:01')/IP(src='198.18.0.1', dst='198.18.0.2')/UDP(sport=1234, dport=5678)/Raw(b'ofswitch' * 8)
sendp(p, iface='eth0')
print(raw(p).hex())`,
          )
          .trim();
        await waitFor(() => frames.length >= 1, 3000, 'the frame');
        t.same(frames, [sent]);
        const link = JSON.parse(sh('ip', ['-d', '-j', 'link', 'show', host.port])) as Array<{ promiscuity: number }>;
        t.ok(link[0]!.promiscuity >= 1, 'the interface is promiscuous while the port is open');
      });

      t.test('VLAN tags stripped by veth come back: 802.1Q, priority-tagged, 802.1ad + 802.1Q', async (t) => {
        const frames = collect(nd, (f) => f[12] === 0x81 || f[12] === 0x88);
        const sent = host
          .scapy(
            `ps = [Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/Dot1Q(vlan=100, prio=5)/IP(src='198.18.0.1', dst='198.18.0.2')/UDP()/Raw(b'q' * 30),
      Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/Dot1Q(vlan=0, prio=3)/IP(src='198.18.0.1', dst='198.18.0.2')/UDP()/Raw(b'p' * 30),
      Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/Dot1AD(vlan=10)/Dot1Q(vlan=20)/IP(src='198.18.0.1', dst='198.18.0.2')/UDP()/Raw(b'd' * 30)]
for p in ps:
    sendp(p, iface='eth0')
    print(raw(p).hex())`,
          )
          .trim()
          .split('\n');
        await waitFor(() => frames.length >= 3, 3000, 'three tagged frames');
        t.same(frames, sent);
      });

      t.test('partial TCP and UDP checksums from the kernel are completed', async (t) => {
        host.exec('ip', ['addr', 'add', '198.18.0.1/24', 'dev', 'eth0']);
        host.exec('ip', ['neigh', 'replace', '198.18.0.2', 'lladdr', '02:00:00:00:00:02', 'dev', 'eth0']);
        const frames = collect(nd, (f) => etherType(f) === 0x0800 && (f[23] === 6 || f[23] === 17));
        const before = nd.ioCounters().csumCompleted;
        // A SYN (the connect times out: nobody answers) and a datagram, both
        // through a veth with tx checksum offload on, as it is by default.
        await new Promise<void>((resolve) => {
          const c = spawn('ip', [
            'netns', 'exec', host.ns, 'bash', '-c',
            'echo hi > /dev/udp/198.18.0.2/9; timeout 0.3 bash -c "</dev/tcp/198.18.0.2/80"; true',
          ]);
          c.on('exit', () => resolve());
        });
        await waitFor(() => frames.length >= 2, 3000, 'a TCP SYN and a UDP datagram');
        t.ok(nd.ioCounters().csumCompleted - before >= 2, 'the frames arrived with partial checksums');
        t.same(checkChecksums(frames), frames.map(() => 'ok'), 'scapy agrees with every checksum');
      });

      t.test('a partial checksum behind a stripped tag is completed at the shifted offset', async (t) => {
        // This kernel may have no 8021q module, so the tagged frames come
        // from a packet socket with PACKET_VNET_HDR (NEEDS_CSUM, the pseudo-
        // header sum in the field), which is how a VM's virtio-net queue
        // hands the kernel a partial frame. veth strips the outer tag, so
        // csum_start reaches us relative to the untagged frame. What must
        // come out is the frame as scapy builds it with every checksum full.
        const frames = collect(nd, (f) => f[12] === 0x81 || f[12] === 0x88);
        const before = nd.ioCounters();
        const sent = host
          .scapy(
            `import socket, struct
def partial(p, tags):
    b = bytearray(raw(p))
    l3 = 14 + 4 * tags
    l4 = l3 + 20
    ps = sum(struct.unpack('!4H', bytes(b[l3 + 12:l3 + 20]))) + 6 + (len(b) - l4)
    while ps > 0xffff: ps = (ps & 0xffff) + (ps >> 16)
    b[l4 + 16:l4 + 18] = struct.pack('!H', ps)
    return struct.pack('=BBHHHH', 1, 0, 0, 0, l4, 16) + bytes(b)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.setsockopt(263, 15, 1)  # SOL_PACKET, PACKET_VNET_HDR
s.bind(('eth0', 0))
ip = IP(src='198.18.6.1', dst='198.18.6.2')/TCP(sport=1000, dport=2000, flags='PA', seq=7)/Raw(b'x' * 101)
for p, tags in [(Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/Dot1Q(vlan=5)/ip, 1),
                (Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/Dot1AD(vlan=6)/Dot1Q(vlan=7)/ip, 2)]:
    s.send(partial(p, tags))
    print(raw(p).hex())`,
          )
          .trim()
          .split('\n');
        await waitFor(() => frames.length >= 2, 3000, 'two tagged TCP frames');
        t.same(frames, sent, 'tags back, checksums complete, bytes as scapy builds them');
        const after = nd.ioCounters();
        t.equal(after.csumCompleted - before.csumCompleted, 2, 'both arrived partial');
      });

      t.test('a UDP GSO super-frame (UDP_SEGMENT) is cut into its datagrams', async (t) => {
        host.exec('ip', ['addr', 'replace', '198.18.0.1/24', 'dev', 'eth0']);
        host.exec('ip', ['neigh', 'replace', '198.18.0.2', 'lladdr', '02:00:00:00:00:02', 'dev', 'eth0']);
        const frames = collect(nd, (f) => etherType(f) === 0x0800 && f[23] === 17 && f[36] === 0x1b && f[37] === 0x58);
        const before = nd.ioCounters();
        host.exec('/usr/bin/python3', ['-c', `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1000)  # UDP_SEGMENT: one send, 1000-byte datagrams
s.sendto(bytes(range(250)) * 16, ('198.18.0.2', 7000))`]);
        await waitFor(() => frames.length >= 4, 3000, 'four datagrams');
        const after = nd.ioCounters();
        t.equal(after.gsoFrames - before.gsoFrames, 1, 'one super-frame');
        t.equal(after.gsoSegments - before.gsoSegments, 4, 'four segments');
        const payload = Buffer.concat(frames.map((h) => Buffer.from(h, 'hex').subarray(42)));
        t.same(payload, Buffer.from(Array.from({ length: 4000 }, (_, i) => i % 250)), 'the datagrams carry the data in order');
        t.same(checkChecksums(frames), frames.map(() => 'ok'), 'scapy agrees with every checksum');
      });

      t.test('a burst of 1,000 frames is received whole, in far fewer wakeups and calls', async (t) => {
        let n = 0;
        nd.onReceive((ring) => {
          for (let i = 0; i < ring.count; i++) if (etherType(ring.frame(i)) === ETH_TEST) n++;
        });
        const c0 = nd.ioCounters();
        await blastFrom(host.ns, host.dev, testFrame('02:00:00:00:00:01', '02:00:00:00:00:02', 7), 1000);
        await waitFor(() => n >= 1000, 5000, '1,000 frames');
        await new Promise((r) => setTimeout(r, 50));
        const c = nd.ioCounters();
        t.equal(n, 1000);
        t.equal(c.rxPackets - c0.rxPackets, 1000, 'rx_packets counts them');
        t.equal(c.rxBytes - c0.rxBytes, 64_000, 'rx_bytes counts them');
        t.equal(c.kernelDrops, 0, 'the kernel dropped none');
        const wakeups = c.wakeups - c0.wakeups;
        const batches = c.rxBatches - c0.rxBatches;
        t.ok(wakeups < 250, `${wakeups} wakeups`);
        t.ok(batches < 250, `${batches} batches handed to JS`);
        if (mode === 'mmsg') {
          const calls = c.rxSyscalls - c0.rxSyscalls;
          t.ok(calls < 300, `${calls} recvmmsg calls`);
        }
      });
    });
  }

  t.test('sending', async (t) => {
    const host = makeHost(t);
    const nd = new SystemNetdev(host.port);
    t.teardown(() => nd.close());
    const mine = collect(nd, (f) => etherType(f) === ETH_TEST);

    t.test('frames we send arrive in the namespace byte for byte, and never come back to us', async (t) => {
      const sniffer = host.spawnScapy(`
ps = sniff(iface='eth0', count=3, timeout=8, lfilter=lambda p: p.type == ${ETH_TEST},
           started_callback=lambda: print('ready', flush=True))
for p in ps: print(raw(p).hex())
print('done')`);
      await waitForOutput(sniffer, 'ready');
      const frames = [0, 1, 2].map((i) => testFrame(nd.hwAddr(), '02:00:00:00:00:01', i));
      const done = waitForOutput(sniffer, 'done');
      t.equal(nd.send(FrameBatch.of(frames)), 3);
      const out = await done;
      const got = out.split('\n').filter((l) => /^[0-9a-f]{40,}$/.test(l));
      t.same(got, frames.map((f) => Buffer.from(f).toString('hex')));
      await new Promise((r) => setTimeout(r, 100));
      t.same(mine, [], 'our own transmissions are not received');
    });

    t.test('counters match what the other end counted', async (t) => {
      const k0 = kernelStats('eth0', host.ns);
      const c0 = nd.stats();
      const batch = FrameBatch.of(Array.from({ length: 500 }, (_, i) => testFrame(nd.hwAddr(), '02:00:00:00:00:01', i)));
      t.equal(nd.send(batch), 500);
      await blastFrom(host.ns, host.dev, testFrame('02:00:00:00:00:01', '02:00:00:00:00:02', 1), 300);
      await waitFor(() => nd.stats().rx_packets - c0.rx_packets >= 300n, 5000, '300 frames');
      const k1 = kernelStats('eth0', host.ns);
      const c1 = nd.stats();
      t.equal(Number(c1.tx_packets - c0.tx_packets), 500);
      t.equal(Number(c1.tx_bytes - c0.tx_bytes), 500 * 64);
      t.equal(k1.rx - k0.rx, 500, 'the host received what we counted as sent');
      t.equal(Number(c1.rx_packets - c0.rx_packets), k1.tx - k0.tx, 'we received what the host counted as sent');
      t.equal(c1.rx_dropped, 0n);
      t.equal(c1.tx_dropped + c1.tx_errors + c1.rx_errors, 0n);
    });
  });

  t.test('frames the kernel drops for want of queue space are counted as rx_dropped', async (t) => {
    const host = makeHost(t);
    // A small queue (the kernel doubles it: ~128 KiB, ~130 small frames)
    // and an event loop that does not run while the burst arrives.
    const nd = new SystemNetdev(host.port, { rcvbuf: 65536 });
    t.teardown(() => nd.close());
    let n = 0;
    nd.onReceive((ring) => {
      for (let i = 0; i < ring.count; i++) if (etherType(ring.frame(i)) === ETH_TEST) n++;
    });
    const burst = blastFrom(host.ns, host.dev, testFrame('02:00:00:00:00:01', '02:00:00:00:00:02', 3), 5000);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
    await burst;
    const settled = async (): Promise<void> => {
      for (let last = -1; last !== n; ) {
        last = n;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await settled();
    const s = nd.stats();
    t.ok(s.rx_dropped > 0n, `${s.rx_dropped} dropped by the kernel`);
    t.equal(Number(s.rx_packets), n, 'rx_packets counts what the handler saw');
    t.equal(s.rx_packets + s.rx_dropped, 5000n, 'received + dropped = sent');
  });

  // TCP through two of our ports joined back to back. veth has TSO and
  // checksum offload on by default, so the hosts' stacks send GSO
  // super-frames with partial checksums; they only get through whole if the
  // port segments and completes them.
  const variants = [
    { name: 'IPv4', a: '198.18.3.1', b: '198.18.3.2', prefix: 24 },
    { name: 'IPv6', a: 'fd00:3::1', b: 'fd00:3::2', prefix: 64 },
  ];
  for (const v of variants) {
    t.test(`TCP (${v.name}) between two namespaces through two ports: checksums completed, GSO segmented`, async (t) => {
      const a = makeHost(t);
      const b = makeHost(t);
      const na = new SystemNetdev(a.port);
      const nb = new SystemNetdev(b.port);
      t.teardown(() => {
        na.close();
        nb.close();
      });
      // A wire: every batch goes out of the other port as it is, zero-copy.
      na.onReceive((ring) => nb.send(ring));
      nb.onReceive((ring) => na.send(ring));
      for (const [h, addr] of [
        [a, v.a],
        [b, v.b],
      ] as const) {
        const dev = 'eth0';
        if (v.name === 'IPv6') h.exec('sysctl', ['-qw', 'net.ipv6.conf.eth0.disable_ipv6=0']);
        h.exec('ip', ['addr', 'add', `${addr}/${v.prefix}`, 'dev', dev, ...(v.name === 'IPv6' ? ['nodad'] : [])]);
      }
      const server = spawn('ip', ['netns', 'exec', b.ns, '/usr/bin/python3', '-u', '-c', `
import socket, hashlib
s = socket.socket(socket.AF_INET6 if ':' in '${v.b}' else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('${v.b}', 5001)); s.listen(1); print('ready', flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    d = c.recv(1 << 16)
    if not d: break
    h.update(d); n += len(d)
print(n, h.hexdigest(), flush=True)
print('done', flush=True)`]);
      await waitForOutput(server, 'ready');
      const done = waitForOutput(server, 'done', 30000);
      const client = (
        await run('ip', ['netns', 'exec', a.ns, '/usr/bin/python3', '-c', `
import socket, hashlib
data = bytes(range(256)) * 16384
s = socket.create_connection(('${v.b}', 5001), timeout=20); s.sendall(data); s.close()
print(len(data), hashlib.sha256(data).hexdigest())`])
      ).trim();
      const out = await done;
      t.equal(out.split('\n').find((l) => /^\d+ [0-9a-f]{64}$/.test(l)), client, '4 MiB arrive intact');
      const ca = na.ioCounters();
      t.ok(ca.gsoFrames > 0, `GSO super-frames segmented: ${ca.gsoFrames} into ${ca.gsoSegments} segments`);
      t.ok(ca.csumCompleted > 0, `partial checksums completed: ${ca.csumCompleted}`);
      t.equal(ca.rxDropped + ca.rxErrors + ca.kernelDrops, 0, 'nothing dropped');
    });
  }

  t.test('link state, MTU, MAC and speed come from the kernel and follow its changes', async (t) => {
    const host = makeHost(t);
    const nd = new SystemNetdev(host.port);
    t.teardown(() => nd.close());

    const link = JSON.parse(sh('ip', ['-j', 'link', 'show', host.port])) as Array<{ address: string; mtu: number }>;
    t.equal(nd.hwAddr(), link[0]!.address);
    t.equal(nd.mtu(), link[0]!.mtu);
    const speed = /Speed:\s*(\d+)Mb\/s/.exec(sh('ethtool', [host.port]))?.[1];
    t.equal(nd.features().curr_speed, Number(speed) * 1000, `ethtool says ${speed} Mb/s`);
    // The kernel raises a new veth's carrier from its link-watch work, up to a
    // second after both ends are up: wait for it rather than race it.
    await waitFor(() => nd.linkUp(), 3000, 'the carrier of the new veth');
    t.equal(nd.linkUp(), true);

    const changes: number[] = [];
    nd.onChange(() => changes.push(Date.now()));
    const timed = async (what: string, cmd: () => void, cond: () => boolean): Promise<void> => {
      const t0 = Date.now();
      cmd();
      await waitFor(cond, 1000, what);
      const ms = Date.now() - t0;
      // Promptly, not by polling: the time includes spawning `ip`, which a
      // loaded CI machine can stretch, hence the margin.
      t.ok(ms <= 500, `${what} noticed in ${ms} ms`);
    };
    await timed('our end down', () => sh('ip', ['link', 'set', host.port, 'down']), () => !nd.linkUp());
    await timed('our end up', () => sh('ip', ['link', 'set', host.port, 'up']), () => nd.linkUp());
    await timed('carrier lost (peer down)', () => host.exec('ip', ['link', 'set', 'eth0', 'down']), () => !nd.linkUp());
    await timed('carrier back', () => host.exec('ip', ['link', 'set', 'eth0', 'up']), () => nd.linkUp());
    t.ok(changes.length >= 4, 'each change told the listeners');
    await timed('MTU change', () => sh('ip', ['link', 'set', host.port, 'mtu', '1400']), () => nd.mtu() === 1400);
    await timed(
      'MAC change',
      () => sh('ip', ['link', 'set', host.port, 'address', '02:00:00:aa:bb:cc']),
      () => nd.hwAddr() === '02:00:00:aa:bb:cc',
    );

    nd.setAdminUp(false);
    await waitFor(() => !nd.linkUp(), 1000, 'setAdminUp(false)');
    t.match(sh('ip', ['link', 'show', host.port]), /state DOWN/);
    nd.setAdminUp(true);
    await waitFor(() => nd.linkUp(), 1000, 'setAdminUp(true)');

    // After the link went down and up, the socket still receives.
    const frames = collect(nd, (f) => etherType(f) === ETH_TEST);
    await blastFrom(host.ns, host.dev, testFrame('02:00:00:00:00:01', '02:00:00:00:00:02', 9), 5);
    await waitFor(() => frames.length === 5, 3000, 'frames after the link came back');
    t.pass('still receiving after down/up');
  });

  t.test('opening a missing interface fails with ENODEV', async (t) => {
    t.throws(() => new SystemNetdev('ofs-missing-0'), { code: 'ENODEV' });
  });
}
