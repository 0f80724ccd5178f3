/**
 * TAP and internal ports against the kernel's own stack: a TAP device moved
 * into a namespace gets an address there, and `ping` from the namespace is
 * answered by a tiny ARP/ICMP responder on our end, so the kernel is the
 * judge of every frame we send and the source of every frame we receive.
 */
import t from 'tap';
import { FrameBatch } from '../../lib/netdev/ring.js';
import { openInternalNetdev, TapNetdev } from '../../lib/netdev/tap.js';
import { makeHost, missingPrerequisite, run, sh, uniq, waitFor } from './helpers.js';

const PEER_MAC = Buffer.from('020000000402', 'hex');
const PEER_IP = Buffer.from([198, 18, 4, 2]);

/** Ones-complement checksum of b[off, off+len). */
function checksum(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (b[off + i]! << 8) | (b[off + i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** The reply a host at PEER_IP/PEER_MAC would give to an ARP request or ICMP echo request, or null. */
function answer(req: Uint8Array): Uint8Array | null {
  const type = (req[12]! << 8) | req[13]!;
  if (type === 0x0806 && req[21] === 1 && Buffer.from(req.subarray(38, 42)).equals(PEER_IP)) {
    const r = Buffer.from(req.subarray(0, 42));
    r.set(req.subarray(6, 12), 0); // to the asker
    r.set(PEER_MAC, 6);
    r[21] = 2; // ARP reply
    r.set(PEER_MAC, 22);
    r.set(PEER_IP, 28);
    r.set(req.subarray(22, 32), 32); // target = the asker's MAC and IP
    return r;
  }
  if (type === 0x0800 && req[23] === 1 && req[34] === 8 && Buffer.from(req.subarray(30, 34)).equals(PEER_IP)) {
    const ihl = (req[14]! & 15) * 4;
    const r = Buffer.from(req);
    r.set(req.subarray(6, 12), 0);
    r.set(PEER_MAC, 6);
    r.set(req.subarray(30, 34), 26); // swap addresses: the IP checksum stays valid
    r.set(req.subarray(26, 30), 30);
    const icmp = 14 + ihl;
    r[icmp] = 0; // echo reply
    r[icmp + 2] = r[icmp + 3] = 0;
    const ipLen = (req[16]! << 8) | req[17]!;
    const c = checksum(r, icmp, ipLen - ihl);
    r[icmp + 2] = c >> 8;
    r[icmp + 3] = c & 0xff;
    return r.subarray(0, 14 + ipLen);
  }
  return null;
}

const why = missingPrerequisite();
if (why) {
  t.plan(0, `tap netdev tests skipped: ${why}`);
} else {
  t.test('a TAP device: created down, pinged through from a namespace, deleted on close', async (t) => {
    const name = `ofst${uniq()}`;
    const tap = new TapNetdev(name);
    t.teardown(() => tap.close());
    t.equal(tap.name, name);
    t.equal(tap.type, 'tap');
    const link = JSON.parse(sh('ip', ['-d', '-j', 'link', 'show', name])) as Array<{
      address: string;
      mtu: number;
      linkinfo: { info_kind: string; info_data: { type: string } };
    }>;
    t.equal(link[0]!.linkinfo.info_kind, 'tun');
    t.equal(link[0]!.linkinfo.info_data.type, 'tap');
    t.equal(tap.hwAddr(), link[0]!.address);
    t.equal(tap.mtu(), link[0]!.mtu);
    t.equal(tap.linkUp(), false, 'created down');

    let answered = 0;
    tap.onReceive((ring) => {
      const replies: Uint8Array[] = [];
      for (let i = 0; i < ring.count; i++) {
        const r = answer(ring.frame(i));
        if (r) replies.push(r);
      }
      if (replies.length) answered += tap.send(FrameBatch.of(replies));
    });

    const host = makeHost(t);
    sh('ip', ['link', 'set', name, 'netns', host.ns]);
    host.exec('ip', ['addr', 'add', '198.18.4.1/24', 'dev', name]);
    host.exec('ip', ['link', 'set', name, 'up']);
    const out = await run('ip', ['netns', 'exec', host.ns, 'ping', '-c', '3', '-i', '0.2', '-W', '2', '198.18.4.2']);
    t.match(out, /3 received/, 'three echo replies reached the kernel');
    t.ok(answered >= 4, `${answered} replies sent (ARP and ICMP)`);
    const c = tap.ioCounters();
    t.ok(c.rxPackets >= 4, `${c.rxPackets} frames received from the kernel`);
    t.equal(c.txPackets, answered);
    t.equal(c.rxErrors + c.txErrors + c.txDropped, 0);

    tap.close();
    await waitFor(() => {
      try {
        host.exec('ip', ['link', 'show', name]);
        return false;
      } catch {
        return true;
      }
    }, 2000, 'the device to go');
    t.pass('the device is deleted on close');
  });

  t.test('an internal port is a TAP named after the bridge', async (t) => {
    const bridge = `ofsbr${uniq()}`;
    const local = openInternalNetdev(bridge);
    t.equal(local.type, 'internal');
    t.equal(local.name, bridge);
    t.match(sh('ip', ['-d', 'link', 'show', bridge]), /tun type tap/);
    sh('ip', ['link', 'set', bridge, 'up']);
    await waitFor(() => local.adminUp(), 1000, 'admin up');
    local.close();
    t.throws(() => sh('ip', ['link', 'show', bridge]), 'deleted on close');
  });

  t.test('a TAP name the kernel refuses is an error with its errno', async (t) => {
    t.throws(() => new TapNetdev('x'.repeat(16)), { code: 'ENAMETOOLONG' });
  });
}
