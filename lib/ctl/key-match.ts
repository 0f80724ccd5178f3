/**
 * Flow keys and megaflow masks as ovs-ofctl match text, for
 * `ofproto/trace`'s "Flow:", "Final flow:" and "Megaflow:" lines.
 *
 * The key (with a mask) becomes lib/cli/print's OvsMatch, which prints in
 * Open vSwitch's match_format order and names. A flow (a packet's key) is
 * printed under the mask Open vSwitch uses for a packet
 * (flow_wildcards_init_for_packet): the fields a packet of that kind has;
 * a megaflow under its wildcards, with Open vSwitch's `recirc_id=0,eth,`
 * in front.
 */
import { formatOvsMatch, type Masked, type OvsMatch } from '../cli/print/flow-match.js';
import { KEY_WORDS, KW, PBB_CUSTOMER_TARGETS, PBB_CUSTOMER_WORDS } from '../packet/flow-key.js';

const macBytes = (hi: number, lo: number): Uint8Array =>
  Uint8Array.of((hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);

const v6Bytes = (k: Uint32Array, at: number): Uint8Array => {
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const w = k[at + i]! >>> 0;
    b[4 * i] = w >>> 24;
    b[4 * i + 1] = (w >>> 16) & 0xff;
    b[4 * i + 2] = (w >>> 8) & 0xff;
    b[4 * i + 3] = w & 0xff;
  }
  return b;
};

const anyBits = (m: Uint32Array, at: number, n: number): boolean => {
  for (let i = 0; i < n; i++) if (m[at + i] !== 0) return true;
  return false;
};

/** The OvsMatch of (key, mask); `ttl` prints nw_ttl when its bits are in the mask. */
export function ovsMatchFromKey(k: Uint32Array, m: Uint32Array, tcpFlags?: number): OvsMatch {
  const o: OvsMatch = {};
  if (m[KW.IN_PORT] !== 0) o.in_port = k[KW.IN_PORT]! >>> 0;
  if (anyBits(m, KW.METADATA_HI, 2)) {
    o.metadata = {
      value: (BigInt(k[KW.METADATA_HI]!) << 32n) | BigInt(k[KW.METADATA_LO]!),
      mask: (BigInt(m[KW.METADATA_HI]!) << 32n) | BigInt(m[KW.METADATA_LO]!),
    };
  }
  if (anyBits(m, KW.TUNNEL_HI, 2)) {
    o.tun_id = {
      value: (BigInt(k[KW.TUNNEL_HI]!) << 32n) | BigInt(k[KW.TUNNEL_LO]!),
      mask: (BigInt(m[KW.TUNNEL_HI]!) << 32n) | BigInt(m[KW.TUNNEL_LO]!),
    };
  }
  const w10 = k[KW.ETH_TYPE_VLAN]!;
  const m10 = m[KW.ETH_TYPE_VLAN]!;
  if ((m10 & 0xffff) !== 0) {
    const tags: Masked<number>[] = [{ value: w10 & 0xffff, mask: m10 & 0xffff }];
    if ((m[KW.VLAN_INNER]! & 0xffff) !== 0) tags.push({ value: k[KW.VLAN_INNER]! & 0xffff, mask: m[KW.VLAN_INNER]! & 0xffff });
    o.vlans = tags;
  }
  if (anyBits(m, KW.ETH_SRC_HI, 2)) o.dl_src = { value: macBytes(k[KW.ETH_SRC_HI]!, k[KW.ETH_SRC_LO]!), mask: macBytes(m[KW.ETH_SRC_HI]!, m[KW.ETH_SRC_LO]!) };
  if (anyBits(m, KW.ETH_DST_HI, 2)) o.dl_dst = { value: macBytes(k[KW.ETH_DST_HI]!, k[KW.ETH_DST_LO]!), mask: macBytes(m[KW.ETH_DST_HI]!, m[KW.ETH_DST_LO]!) };
  const type = w10 >>> 16;
  if ((m10 >>> 16) !== 0) o.dl_type = type;
  const w11 = k[KW.IP_PROTO_TOS_TTL]!;
  const m11 = m[KW.IP_PROTO_TOS_TTL]!;
  const isIp = type === 0x0800 || type === 0x86dd;
  const isArp = type === 0x0806 || type === 0x8035;
  if (isIp || isArp) {
    if (m[KW.NW_SRC] !== 0) o.nw_src = { value: k[KW.NW_SRC]! >>> 0, mask: m[KW.NW_SRC]! >>> 0 };
    if (m[KW.NW_DST] !== 0) o.nw_dst = { value: k[KW.NW_DST]! >>> 0, mask: m[KW.NW_DST]! >>> 0 };
  }
  if (isIp) {
    if (m11 >>> 24 !== 0) o.nw_proto = w11 >>> 24;
    if (((m11 >>> 16) & 0xff) !== 0) o.nw_tos = { value: (w11 >>> 16) & 0xff, mask: (m11 >>> 16) & 0xff };
    if (((m11 >>> 8) & 0xff) !== 0) o.nw_ttl = (w11 >>> 8) & 0xff;
    if ((m11 & 3) !== 0) o.nw_frag = { value: w11 & 3, mask: m11 & 3 };
  }
  if (type === 0x86dd) {
    if (anyBits(m, KW.IPV6_SRC, 4)) o.ipv6_src = { value: v6Bytes(k, KW.IPV6_SRC), mask: v6Bytes(m, KW.IPV6_SRC) };
    if (anyBits(m, KW.IPV6_DST, 4)) o.ipv6_dst = { value: v6Bytes(k, KW.IPV6_DST), mask: v6Bytes(m, KW.IPV6_DST) };
    if (m[KW.IPV6_FLABEL] !== 0) o.ipv6_label = { value: k[KW.IPV6_FLABEL]!, mask: m[KW.IPV6_FLABEL] === 0xfffff ? 0xffffffff : m[KW.IPV6_FLABEL]! };
    if (anyBits(m, KW.ND_TARGET, 4)) o.nd_target = { value: v6Bytes(k, KW.ND_TARGET), mask: v6Bytes(m, KW.ND_TARGET) };
  }
  if (isArp) {
    if ((m[KW.ARP_OP_EXTHDR]! >>> 16) !== 0) o.nw_proto = (k[KW.ARP_OP_EXTHDR]! >>> 16) & 0xff;
  }
  if (isArp || type === 0x86dd) {
    if (anyBits(m, KW.ARP_SHA_HI, 2)) o.arp_sha = { value: macBytes(k[KW.ARP_SHA_HI]!, k[KW.ARP_SHA_LO]!), mask: macBytes(m[KW.ARP_SHA_HI]!, m[KW.ARP_SHA_LO]!) };
    if (anyBits(m, KW.ARP_THA_HI, 2)) o.arp_tha = { value: macBytes(k[KW.ARP_THA_HI]!, k[KW.ARP_THA_LO]!), mask: macBytes(m[KW.ARP_THA_HI]!, m[KW.ARP_THA_LO]!) };
  }
  if (isIp) {
    const tp = k[KW.TP_PORTS]!;
    const mt = m[KW.TP_PORTS]!;
    const icmp = (w11 >>> 24) === 1 || (w11 >>> 24) === 58;
    if (icmp) {
      if (((mt >>> 16) & 0xff) !== 0) o.tp_src = { value: (tp >>> 16) & 0xff, mask: 0xffff };
      if ((mt & 0xff) !== 0) o.tp_dst = { value: tp & 0xff, mask: 0xffff };
    } else {
      if (mt >>> 16 !== 0) o.tp_src = { value: tp >>> 16, mask: mt >>> 16 };
      if ((mt & 0xffff) !== 0) o.tp_dst = { value: tp & 0xffff, mask: mt & 0xffff };
    }
    if (tcpFlags !== undefined && (w11 >>> 24) === 6) o.tcp_flags = { value: tcpFlags, mask: 0xfff };
  }
  if ((type === 0x8847 || type === 0x8848) && m[KW.MPLS_LSE] !== 0) o.mpls_lse = [{ value: k[KW.MPLS_LSE]! | 0, mask: m[KW.MPLS_LSE]! | 0 }];
  if (type === 0x88e7 && m[KW.PBB_ISID] !== 0) o.extra = [`pbb_isid=0x${(k[KW.PBB_ISID]! >>> 0).toString(16)}`];
  if (type === 0x88e7 && anyBits(m, KW.C_ETH_DST_HI, PBB_CUSTOMER_WORDS.length)) {
    // The customer frame beneath the I-TAG (flow-key.ts words 36..41, and the L3/L4 words), as a match of its own.
    const [ck, cm] = [pbbCustomerView(k), pbbCustomerView(m)];
    (o.extra ??= []).push(`customer(${formatOvsMatch(ovsMatchFromKey(ck, cm), 0x8000)})`);
  }
  return o;
}

/** A PBB frame's key (or mask) with the customer frame's L2 words where a frame's own are, and no port, metadata or tunnel. */
function pbbCustomerView(k: Uint32Array): Uint32Array {
  const c = k.slice();
  c.fill(0, KW.IN_PORT, KW.TUNNEL_LO + 1);
  for (let i = 0; i < PBB_CUSTOMER_WORDS.length; i++) {
    c[PBB_CUSTOMER_TARGETS[i]!] = k[PBB_CUSTOMER_WORDS[i]!]!;
    c[PBB_CUSTOMER_WORDS[i]!] = 0;
  }
  c[KW.PBB_ISID] = 0;
  return c;
}

/** The mask Open vSwitch gives a packet of this key's kind (every field it has). */
export function packetMask(k: Uint32Array): Uint32Array {
  const m = new Uint32Array(KEY_WORDS);
  m[KW.IN_PORT] = 0xffffffff;
  m[KW.ETH_DST_HI] = m[KW.ETH_SRC_HI] = 0xffff;
  m[KW.ETH_DST_LO] = m[KW.ETH_SRC_LO] = 0xffffffff;
  m[KW.ETH_TYPE_VLAN] = 0xffffffff;
  if ((k[KW.VLAN_INNER]! & 0x1000) !== 0) m[KW.VLAN_INNER] = 0xffff;
  const type = k[KW.ETH_TYPE_VLAN]! >>> 16;
  if ((k[KW.METADATA_HI]! | k[KW.METADATA_LO]!) !== 0) m[KW.METADATA_HI] = m[KW.METADATA_LO] = 0xffffffff;
  if (type === 0x0800 || type === 0x86dd) {
    m[KW.IP_PROTO_TOS_TTL] = 0xffffff03;
    const proto = k[KW.IP_PROTO_TOS_TTL]! >>> 24;
    if (type === 0x0800) m[KW.NW_SRC] = m[KW.NW_DST] = 0xffffffff;
    else {
      for (let i = 0; i < 4; i++) m[KW.IPV6_SRC + i] = m[KW.IPV6_DST + i] = 0xffffffff;
      m[KW.IPV6_FLABEL] = 0xfffff;
    }
    if ((k[KW.IP_PROTO_TOS_TTL]! & 2) === 0) {
      if (proto === 6 || proto === 17 || proto === 132) m[KW.TP_PORTS] = 0xffffffff;
      if (proto === 1 || proto === 58) m[KW.TP_PORTS] = 0x00ff00ff;
      if (proto === 58) {
        const t = (k[KW.TP_PORTS]! >>> 16) & 0xff;
        if (t === 135 || t === 136) {
          for (let i = 0; i < 4; i++) m[KW.ND_TARGET + i] = 0xffffffff;
          m[KW.ARP_SHA_HI] = m[KW.ARP_THA_HI] = 0xffff;
          m[KW.ARP_SHA_LO] = m[KW.ARP_THA_LO] = 0xffffffff;
        }
      }
    }
  } else if (type === 0x0806 || type === 0x8035) {
    m[KW.NW_SRC] = m[KW.NW_DST] = 0xffffffff;
    m[KW.ARP_OP_EXTHDR] = 0xffff0000;
    m[KW.ARP_SHA_HI] = m[KW.ARP_THA_HI] = 0xffff;
    m[KW.ARP_SHA_LO] = m[KW.ARP_THA_LO] = 0xffffffff;
  } else if (type === 0x8847 || type === 0x8848) {
    m[KW.MPLS_LSE] = 0xffffffff;
  } else if (type === 0x88e7) {
    m[KW.PBB_ISID] = 0xffffff;
    if (k[KW.C_ETH_TYPE_VLAN] !== 0) {
      // The customer frame extraction read: what a packet of its own kind has, in the customer words.
      const cm = packetMask(pbbCustomerView(k));
      for (let i = 0; i < PBB_CUSTOMER_WORDS.length; i++) m[PBB_CUSTOMER_WORDS[i]!] = cm[PBB_CUSTOMER_TARGETS[i]!]!;
      for (let w = KW.IP_PROTO_TOS_TTL; w <= KW.IPV6_FLABEL; w++) m[w] = cm[w]!;
    }
  }
  return m;
}

/** A packet's flow as Open vSwitch's trace prints it. */
export function flowText(k: Uint32Array): string {
  const m = packetMask(k);
  const type = k[KW.ETH_TYPE_VLAN]! >>> 16;
  return formatOvsMatch(ovsMatchFromKey(k, m, type === 0x0800 || type === 0x86dd ? 0 : undefined), 0x8000);
}

/** A megaflow (key & mask, mask) as Open vSwitch's trace prints it. */
export function megaflowText(k: Uint32Array, m: Uint32Array): string {
  const body = formatOvsMatch(ovsMatchFromKey(k, m), 0x8000);
  return body === '' ? 'recirc_id=0,eth' : `recirc_id=0,eth,${body}`;
}
