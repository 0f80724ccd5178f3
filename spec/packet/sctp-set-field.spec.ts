/**
 * set_field on sctp_src / sctp_dst, byte for byte against Open vSwitch
 * 3.1's userspace datapath (fixtures/packets/sctp-rewrites.json, recorded
 * by scripts/record-sctp-rewrites): the same flows, in the same ovs-ofctl
 * text, loaded into our switch; the same frame received on port 1; port 2
 * must send exactly the bytes Open vSwitch sent.
 *
 * The CRC32c covers the whole SCTP packet, so a port rewrite must change
 * it. Open vSwitch updates it so that the error the packet arrived with is
 * kept: a packet with a good CRC leaves with a good one (scapy computes the
 * same; one case is a short frame whose Ethernet padding the CRC must not
 * cover), a corrupted one leaves corrupted by the same amount, and the
 * receiver drops it as RFC 9260 §6.8 says, instead of accepting data the
 * switch laundered. We do the same (lib/packet/sctp.ts).
 *
 * Open vSwitch refuses pop_pbb, so for the PBB cases the frame to send is
 * Open vSwitch's frame for the same rewrite without the I-TAG (`egress_as`):
 * popping it leaves that very customer frame.
 *
 * The Ryu switch test tool's 16 SCTP set_field cases (plain, VLAN,
 * MPLS + pop_mpls, PBB + pop_pbb; IPv4 and IPv6) fail against us on the
 * four CRC bytes only, and the 12 Open vSwitch can run fail against it
 * the same way. The last test pins why: os-ken 2.5's serializer runs the
 * CRC over the Python text "bytearray(b'...')" of the segment, not over its
 * bytes, so the tool sends a packet whose CRC is wrong (tshark: bad) and
 * expects one whose CRC is that text's CRC — a value that no rewrite of
 * the packet (leaving the field, recomputing it, or keeping the error)
 * produces.
 */
import t from 'tap';
import { crc32c } from '../../lib/packet/checksum.js';
import { testSwitch } from '../datapath/harness.js';
import { fromHex, loadJson } from './helpers.js';

interface Case {
  name: string;
  source: string;
  flows: string[];
  in_port: number;
  out_port: number;
  ingress: string;
  /** null for PBB: Open vSwitch has no pop_pbb; see egress_as. */
  ovs_egress: string | null;
  /** The case whose Open vSwitch frame this one must send. */
  egress_as?: string;
  osken_egress: string | null;
  sctp_offset: { ingress: number; egress: number };
  /** The CRC32c each segment should carry, as wire bytes (hex), computed by scapy. */
  crc32c: { ingress: string; egress: string };
  tshark: { ingress: string | null; ovs_egress: string | null; osken_egress: string | null };
  /** The text os-ken's sctp._checksum ran over (Python's str() of the segment, CRC field zero). */
  osken_crc_text?: { ingress: string; egress: string };
}

interface Fixture {
  tools: Record<string, string>;
  cases: Case[];
}

const fx = loadJson<Fixture>('sctp-rewrites.json');
const ryu = fx.cases.filter((c) => c.name.startsWith('ryu '));
const good = fx.cases.filter((c) => c.name.startsWith('good '));
const byName = new Map(fx.cases.map((c) => [c.name, c]));

/** The frame Open vSwitch sends for this case (or, for PBB, for the same frame without the I-TAG). */
function ovsEgress(c: Case): string {
  const hex = c.egress_as !== undefined ? byName.get(c.egress_as)?.ovs_egress : c.ovs_egress;
  if (hex === undefined || hex === null) throw new Error(`${c.name}: no Open vSwitch frame in the fixture`);
  return hex;
}

/** The 4 CRC bytes of the SCTP header at `off` in a hex frame. */
const crcField = (hex: string, off: number): string => hex.slice((off + 8) * 2, (off + 12) * 2);

/** XOR of two 4-byte hex strings. */
const xor = (a: string, b: string): string => ((parseInt(a, 16) ^ parseInt(b, 16)) >>> 0).toString(16).padStart(8, '0');

/** A CRC32c value as RFC 4960 puts it on the wire (least significant byte first), in hex. */
const wire = (c: number): string => Buffer.from([c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24]).toString('hex');

t.test('the fixture holds the 16 Ryu cases and the good-CRC cases', async (t) => {
  t.equal(ryu.length, 16, fx.tools['ovs-vswitchd']);
  t.equal(ryu.filter((c) => c.ovs_egress === null && c.egress_as !== undefined).length, 4, 'the PBB cases');
  t.ok(good.length >= 8);
  for (const c of ryu) {
    t.equal(c.tshark.ingress, 'bad', `${c.name}: os-ken sends a wrong CRC32c (tshark)`);
    if (c.ovs_egress !== null) t.equal(c.tshark.ovs_egress, 'bad', `${c.name}: Open vSwitch keeps it wrong (tshark)`);
  }
  for (const c of good) {
    t.equal(c.tshark.ingress, 'good', `${c.name}: ingress CRC32c good (tshark)`);
    t.equal(c.tshark.ovs_egress, 'good', `${c.name}: Open vSwitch keeps it good (tshark)`);
  }
});

t.test(`our datapath sends the bytes ${fx.tools['ovs-vswitchd']} sends`, async (t) => {
  for (const c of fx.cases) {
    const sw = testSwitch({ nPorts: 3 });
    await sw.flows(c.flows);
    const frame = fromHex(c.ingress);
    // Twice: the first goes up to the slow path, the second hits the flow cache.
    for (const pass of ['upcall', 'cached']) {
      const out = sw.send(c.in_port, frame);
      t.same([...out.keys()], [c.out_port], `${c.name} (${pass}): one output, on port ${c.out_port}`);
      t.equal(out.get(c.out_port)?.[0], ovsEgress(c), `${c.name} (${pass})`);
      t.equal(out.get(c.out_port)?.length, 1);
    }
    t.equal(sw.packetIns.length, 0);
  }
});

t.test('a good CRC32c stays good and a wrong one stays wrong by the same amount', async (t) => {
  for (const c of good) {
    t.equal(crcField(ovsEgress(c), c.sctp_offset.egress), c.crc32c.egress, `${c.name}: equals scapy's recomputation`);
  }
  for (const c of ryu) {
    const errIn = xor(crcField(c.ingress, c.sctp_offset.ingress), c.crc32c.ingress);
    const errOut = xor(crcField(ovsEgress(c), c.sctp_offset.egress), c.crc32c.egress);
    t.not(errIn, '00000000', `${c.name}: arrives wrong`);
    t.equal(errOut, errIn, `${c.name}: leaves wrong by the same XOR`);
  }
});

t.test('what the Ryu tool expects is the CRC32c of Python text, which no rewrite of the packet gives', async (t) => {
  for (const c of ryu) {
    const exp = c.osken_egress!;
    const off = c.sctp_offset.egress;
    const want = crcField(exp, off);
    // Everything but the 4 CRC bytes is what Open vSwitch (and we) send.
    const mask = (h: string): string => h.slice(0, (off + 8) * 2) + '--------' + h.slice((off + 12) * 2);
    t.equal(mask(exp), mask(ovsEgress(c)), `${c.name}: only the CRC differs`);
    t.equal(c.tshark.osken_egress, 'bad', `${c.name}: the expected frame's CRC32c is wrong too (tshark)`);

    const text = c.osken_crc_text!;
    t.match(text.egress, /^bytearray\(b'/);
    const enc = new TextEncoder();
    const tIn = enc.encode(text.ingress);
    const tOut = enc.encode(text.egress);
    t.equal(wire(crc32c(tIn, 0, tIn.length)), crcField(c.ingress, c.sctp_offset.ingress), `${c.name}: ingress CRC = CRC32c of the text`);
    t.equal(wire(crc32c(tOut, 0, tOut.length)), want, `${c.name}: expected CRC = CRC32c of the text`);

    const leave = crcField(c.ingress, c.sctp_offset.ingress);
    const recompute = c.crc32c.egress;
    const keepError = xor(xor(leave, c.crc32c.ingress), c.crc32c.egress);
    t.equal(keepError, crcField(ovsEgress(c), off), `${c.name}: Open vSwitch keeps the error`);
    t.not(want, leave, `${c.name}: not the ingress field left alone`);
    t.not(want, recompute, `${c.name}: not a recomputed CRC32c`);
    t.not(want, keepError, `${c.name}: not the error kept`);
  }
  // The IPv6 case whose description says "udp(sctp_port=...)" sends SCTP: next header 132.
  const v6 = ryu.find((c) => c.name.includes('ethernet/ipv6/udp'));
  t.ok(v6, 'the mislabelled IPv6 case is in the fixture');
  t.equal(parseInt(v6!.ingress.slice(20 * 2, 21 * 2), 16), 132, 'its IPv6 next header is SCTP');
});
