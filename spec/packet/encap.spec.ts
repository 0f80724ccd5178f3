/**
 * pushVlan/popVlan, pushMpls/popMpls, pushPbb/popPbb against the frames
 * scapy builds with the header added or removed, layer by layer
 * (fixtures/packets/encap.json); then the round trips (a push undone by its
 * pop gives the original bytes back, and so does a pop undone by pushing
 * the same header); then refusals (no headroom, nothing to pop).
 *
 * Frames sit in a slot with headroom, as the datapath keeps them: every
 * operation must move the start and leave the end where it was.
 */
import t from 'tap';
import { popMpls, popPbb, popVlan, pushMpls, pushPbb, pushVlan, PBB_PUSH_LEN } from '../../lib/packet/encap.js';
import { extractKey } from '../../lib/packet/extract.js';
import { KW, newKey } from '../../lib/packet/flow-key.js';
import { mplsLse } from '../../lib/packet/mpls.js';
import { pbbItci } from '../../lib/packet/pbb.js';
import { get16, get32 } from '../../lib/packet/wire.js';
import { fromHex, loadJson, toHex } from './helpers.js';

interface EncapCase {
  frame: string;
  op: 'push_vlan' | 'pop_vlan' | 'push_mpls' | 'pop_mpls' | 'push_pbb' | 'pop_pbb';
  args: Record<string, number>;
  before: string;
  after: string;
}

const HEADROOM = 64;
const cases = loadJson<{ cases: EncapCase[] }>('encap.json').cases;

/** A slot of 2048 bytes with `frame` at HEADROOM and garbage around it. */
function slot(frame: Uint8Array): Uint8Array {
  const s = new Uint8Array(2048).fill(0xcc);
  s.set(frame, HEADROOM);
  return s;
}

function apply(s: Uint8Array, off: number, len: number, c: EncapCase): number {
  const a = c.args;
  switch (c.op) {
    case 'push_vlan':
      return pushVlan(s, off, len, a.tpid, a.tci);
    case 'pop_vlan':
      return popVlan(s, off, len);
    case 'push_mpls':
      // BoS 1 on purpose: pushMpls decides it from the packet.
      return pushMpls(s, off, len, a.eth_type, mplsLse(a.label, a.tc, 1, a.ttl));
    case 'pop_mpls':
      return popMpls(s, off, len, a.eth_type);
    case 'push_pbb':
      return pushPbb(s, off, len, pbbItci(a.isid, a.pcp, a.dei, a.uca));
    case 'pop_pbb':
      return popPbb(s, off, len);
    default: {
      const never: never = c.op;
      throw new Error(String(never));
    }
  }
}

t.test('push and pop give the frames scapy builds', async (t) => {
  t.ok(cases.length >= 16);
  for (const c of cases) {
    const before = fromHex(c.before);
    const s = slot(before);
    const end = HEADROOM + before.length;
    const off = apply(s, HEADROOM, before.length, c);
    t.not(off, -1, `${c.frame}: ${c.op} acts`);
    t.equal(toHex(s.subarray(off, end)), c.after, `${c.frame}: ${c.op} ${JSON.stringify(c.args)}`);
    t.equal(s[end], 0xcc, `${c.frame}: nothing written past the end`);
  }
});

t.test('a pop undone by a push, and a push undone by a pop, give the original bytes', async (t) => {
  for (const c of cases) {
    const before = fromHex(c.before);
    const s = slot(before);
    const end = HEADROOM + before.length;
    let off = apply(s, HEADROOM, before.length, c);
    switch (c.op) {
      case 'push_vlan':
        off = popVlan(s, off, end - off);
        break;
      case 'push_mpls':
        off = popMpls(s, off, end - off, get16(before, 12 + 4 * vlanCount(before)));
        break;
      case 'push_pbb':
        off = popPbb(s, off, end - off);
        break;
      case 'pop_vlan':
        off = pushVlan(s, off, end - off, get16(before, 12), get16(before, 14));
        break;
      case 'pop_mpls': {
        const at = 12 + 4 * vlanCount(before);
        off = pushMpls(s, off, end - off, get16(before, at), get32(before, at + 2));
        break;
      }
      case 'pop_pbb':
        continue; // the backbone addresses and B-tags are gone: no push restores them
    }
    t.equal(off, HEADROOM, `${c.frame}: ${c.op} and back: same start`);
    t.equal(toHex(s.subarray(off, end)), c.before, `${c.frame}: ${c.op} and back`);
  }
});

function vlanCount(b: Uint8Array): number {
  let n = 0;
  while (n < 2 && [0x8100, 0x88a8].includes(get16(b, 12 + 4 * n))) n++;
  return n;
}

t.test('pushed headers are what the flow key then sees', async (t) => {
  const key = newKey();
  const c = cases.find((x) => x.frame === 'ipv4_tcp_payload' && x.op === 'push_vlan')!;
  const s = slot(fromHex(c.before));
  const end = HEADROOM + c.before.length / 2;
  let off = pushVlan(s, HEADROOM, end - HEADROOM, 0x8100, 0xa00a);
  off = pushMpls(s, off, end - off, 0x8847, mplsLse(16, 5, 0, 7));
  extractKey(s.subarray(off, end), end - off, 1, key);
  t.equal(key[KW.ETH_TYPE_VLAN], ((0x8847 << 16) | 0xa00a | 0x1000) >>> 0, 'MPLS goes after the VLAN tag');
  t.equal(key[KW.MPLS_LSE], mplsLse(16, 5, 1, 7), 'BoS set on the only entry');
  off = pushMpls(s, off, end - off, 0x8847, mplsLse(17, 0, 1, 8));
  extractKey(s.subarray(off, end), end - off, 1, key);
  t.equal(key[KW.MPLS_LSE], mplsLse(17, 0, 0, 8), 'BoS cleared on top of a stack');
  off = pushPbb(s, off, end - off, pbbItci(0x42));
  extractKey(s.subarray(off, end), end - off, 1, key);
  t.equal(key[KW.ETH_TYPE_VLAN] >>> 16, 0x88e7);
  t.equal(key[KW.PBB_ISID], 0x42);
  t.equal(key[KW.ETH_TYPE_VLAN] & 0xffff, 0, 'the VLAN tag is inside the customer frame now');
});

t.test('pushes refuse without headroom, pops refuse without their header', async (t) => {
  const frame = fromHex(cases.find((x) => x.frame === 'ipv4_udp_64')!.before);
  const s = new Uint8Array(frame.length + 2);
  s.set(frame, 2);
  t.equal(pushVlan(s, 2, frame.length, 0x8100, 1), -1, 'pushVlan: 2 bytes of headroom');
  t.equal(pushMpls(s, 2, frame.length, 0x8847, 0), -1, 'pushMpls: 2 bytes of headroom');
  s.set(frame, 0);
  t.equal(pushPbb(s, PBB_PUSH_LEN - 1, frame.length - PBB_PUSH_LEN, 0), -1, 'pushPbb: 17 bytes of headroom');
  t.equal(popVlan(s, 0, frame.length), -1, 'popVlan: untagged');
  t.equal(popMpls(s, 0, frame.length, 0x0800), -1, 'popMpls: not MPLS');
  t.equal(popPbb(s, 0, frame.length), -1, 'popPbb: not PBB');
  t.equal(pushVlan(s, 8, 13, 0x8100, 1), -1, 'pushVlan: a runt');
  t.equal(toHex(s.subarray(0, frame.length)), toHex(frame), 'refusals change nothing');
});
