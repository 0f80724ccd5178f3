/**
 * Flow key extraction: a received frame in, every OpenFlow 1.3 match field
 * out, in the layout of flow-key.ts.
 *
 * What
 * ----
 * `extractKey` fills all KEY_WORDS words: in_port and in_phy_port (both
 * the receiving port; a tunnel port that knows better overwrites
 * in_phy_port), metadata and tunnel_id zero (a tunnel port sets
 * tunnel_id after the call), and every header field the frame has, each
 * absent field zero. `Extractor.extract` does the same for a frame at any
 * offset of a buffer and also records where the headers are (the L3 and
 * L4 offsets, TCP flags, ...), which the datapath's actions need and the
 * key does not carry.
 *
 * The semantics are Open vSwitch's (lib/flow.c, miniflow_extract), field
 * for field, wherever OpenFlow 1.3 leaves room; spec/packet/ovs-oracle
 * holds us to `ovs-ofctl ofp-print` of the same frames, and of every
 * truncation of them:
 *  - Up to two VLAN tags (TPID 0x8100 or 0x88a8, in either position) are
 *    parsed; vlan_vid/vlan_pcp come from the outer one and eth_type is what
 *    follows the last one parsed. A tag is taken only if the frame holds it
 *    and the type field after it. Untagged: vlan_vid 0 without
 *    OFPVID_PRESENT.
 *  - An 802.3 length in place of the type: the RFC 1042 SNAP type, or
 *    0x05ff (ethernet.ts).
 *  - A header is read only when whole and its length fields fit (the
 *    views' `check()` functions): an IPv4 header cut short leaves eth_type
 *    alone set; a TCP header cut short leaves the L3 fields but no ports.
 *    The IP Total Length / Payload Length, not the frame, bounds what
 *    follows, so Ethernet padding is never read as a header. A frame
 *    shorter than an Ethernet header gives a key with only the ports.
 *  - IPv4 and IPv6 fragments: nw_frag ANY for any fragment, LATER as well
 *    when the offset is nonzero; later fragments have no transport fields.
 *    An IPv6 later fragment's ip_proto is 44 (the Fragment header), since
 *    the header it names is not in this packet. An IPv6 Fragment header
 *    with offset 0 and M 0 (an "atomic fragment") is not a fragment.
 *  - An IPv6 extension header chain that runs past Payload Length leaves
 *    the addresses (and ipv6_exthdr, which Open vSwitch lacks) but no
 *    ip_proto, traffic class, hop limit, flow label or transport fields.
 *  - ARP/RARP fields only for Ethernet/IPv4 ARP (hardware 1, protocol
 *    0x0800, lengths 6 and 4). arp_op keeps all 16 bits (OpenFlow's
 *    field is 16 bits wide; Open vSwitch keeps only an op <= 255).
 *  - MPLS: eth_type 0x8847/0x8848 and the top label stack entry. Open
 *    vSwitch parses nothing beneath the stack (it re-parses after a pop, by
 *    recirculating); we read the payload into the L3/L4 words, marked in
 *    word PBB_ISID's top byte (extractBeneathMpls), so that translation can
 *    match it after a pop_mpls without recirculating.
 *  - PBB: eth_type 0x88e7 and the I-SID (Open vSwitch parses no PBB; the
 *    rule, read the I-TAG only if whole, is the one it applies elsewhere),
 *    and the customer frame beneath (extractCustomer): its L2 header into
 *    words C_ETH_DST_HI..C_VLAN_INNER, its L3/L4 into the usual words, so
 *    that translation can match it after a pop_pbb without recirculating.
 *  - ICMPv6 ND target, SLL, TLL: type 135/136 with code 0 (icmpv6.ts has
 *    the option rules). ip_dscp/ip_ecn come from TOS / Traffic Class;
 *    nw_ttl from TTL / Hop Limit.
 *
 * How
 * ---
 * One pass of offset arithmetic through the same offset tables and check
 * functions the views use, without going through view objects: a key
 * reads each field once, so a view would add a reset per header and buy
 * nothing, and without views `extractKey` needs no owner at all. Nothing
 * is allocated: the ipv6_exthdr walk keeps its state in a number
 * (ipv6-ext.ts), and 32-bit fields are read signed (wire.ts get32i), since
 * an unsigned read of 2^31 or more that V8 does not inline returns a heap
 * number. bench/packet counts the garbage collections over millions of
 * frames to show it.
 */
import { ARP, checkArp } from './arp.js';
import { ETH, ETH_TYPE, LLC_SNAP, isVlanTpid, snapType } from './ethernet.js';
import { ICMPV4 } from './icmpv4.js';
import { KW, MPLS_BENEATH, NW_FRAG } from './flow-key.js';
import { ICMPV6, ND, ND_OPT } from './icmpv6.js';
import { IPPROTO } from './ip.js';
import { IPV4, IP_FRAG, checkIpv4 } from './ipv4.js';
import { IPV6, checkIpv6 } from './ipv6.js';
import { IPV6_EXT, IPV6_FRAG, IPV6_RT, exthdrBits, exthdrStep, EXTHDR_START, ipv6ExtHeaderLen, isIpv6ExtHeader } from './ipv6-ext.js';
import { MPLS } from './mpls.js';
import { ITAG } from './pbb.js';
import { SCTP } from './sctp.js';
import { TCP, TCP_FLAG, checkTcp } from './tcp.js';
import { UDP } from './udp.js';
import { VLAN, OFPVID_PRESENT } from './vlan.js';
import { WireError, get16, get32i } from './wire.js';

/** How many VLAN tags are parsed, as Open vSwitch's default flow_vlan_limit. */
export const MAX_VLAN_HEADERS = 2;

/**
 * Where the headers of the last extracted frame are: absolute offsets in
 * its buffer, -1 when the header is absent or was not readable.
 */
export interface FrameLayout {
  /** The first MPLS label stack entry (OVS's l2_5). */
  mpls: number;
  /** The IPv4/IPv6/ARP header (IPv4/IPv6 only when they passed their checks). */
  l3: number;
  /** The transport header, when the key has its fields (TCP, UDP, SCTP, ICMP, ICMPv6). */
  l4: number;
  /** The end of the IP packet (Total Length / Payload Length); transport reads stop here. -1 without IP. */
  l3End: number;
  /** VLAN tags parsed (0 .. MAX_VLAN_HEADERS). */
  vlans: number;
  /** TCP's 12 flag bits when l4 is TCP, else 0 (not an OF1.3 field: for datapath statistics). */
  tcpFlags: number;
  /**
   * An IPv6 Routing header with Segments Left > 0 was walked: the transport
   * checksum's pseudo-header then holds the final destination, not the
   * IPv6 header's, and a rewrite of ipv6_dst must leave it alone
   * (set-field.ts).
   */
  routed: boolean;
}

/**
 * Fills `key` from the `len`-byte frame at frame[0] received on `inPort`.
 * Never throws and allocates nothing; see the essay for the rules.
 */
export function extractKey(frame: Uint8Array, len: number, inPort: number, key: Uint32Array): void {
  extractFrame(frame, 0, len, inPort, key, null);
}

/**
 * Extraction for the datapath: frames at an offset in a slot buffer, and
 * the layout of each recorded on this object (valid until the next call).
 * One per thread that extracts; holds no reference to the last frame.
 */
export class Extractor implements FrameLayout {
  mpls = -1;
  l3 = -1;
  l4 = -1;
  l3End = -1;
  vlans = 0;
  tcpFlags = 0;
  routed = false;

  /** Fills `key` from buf[off, off+len), received on `inPort`; records the layout here. */
  extract(buf: Uint8Array, off: number, len: number, inPort: number, key: Uint32Array): void {
    extractFrame(buf, off, len, inPort, key, this);
  }
}

/** The shared body of `extractKey` and `Extractor.extract`. */
export function extractFrame(
  buf: Uint8Array,
  off: number,
  len: number,
  inPort: number,
  key: Uint32Array,
  lay: FrameLayout | null,
): void {
  // One native fill: a counted loop to KEY_WORDS (an imported binding, read
  // each iteration) cost twice as much in bench/packet.
  key.fill(0);
  key[KW.IN_PORT] = inPort >>> 0;
  key[KW.IN_PHY_PORT] = inPort >>> 0;
  if (lay !== null) {
    lay.mpls = lay.l3 = lay.l4 = lay.l3End = -1;
    lay.vlans = lay.tcpFlags = 0;
    lay.routed = false;
  }
  const end = off + Math.max(0, Math.min(len, buf.length - off));
  if (end - off < ETH.HEADER_LEN) return;

  key[KW.ETH_DST_HI] = get16(buf, off + ETH.DST);
  key[KW.ETH_DST_LO] = get32i(buf, off + ETH.DST + 2);
  key[KW.ETH_SRC_HI] = get16(buf, off + ETH.SRC);
  key[KW.ETH_SRC_LO] = get32i(buf, off + ETH.SRC + 2);

  // p walks type fields: first the one after the MACs, then each tag's.
  let p = off + ETH.TYPE;
  let type = get16(buf, p);
  let vlan = 0;
  let n = 0;
  while (n < MAX_VLAN_HEADERS && isVlanTpid(type) && end - p >= 2 + VLAN.HEADER_LEN) {
    // The DEI bit's place becomes OFPVID_PRESENT (vlan.ts).
    const tci = get16(buf, p + 2) | OFPVID_PRESENT;
    if (n === 0) vlan = tci;
    else key[KW.VLAN_INNER] = tci;
    n++;
    p += VLAN.TAG_LEN;
    type = get16(buf, p);
  }
  p += 2;
  if (type < ETH_TYPE.MIN) {
    type = snapType(buf, p, end);
    p += LLC_SNAP.HEADER_LEN; // only read again when the SNAP header was there
  }
  key[KW.ETH_TYPE_VLAN] = ((type << 16) | vlan) >>> 0;
  if (lay !== null) lay.vlans = n;

  switch (type) {
    case ETH_TYPE.IPV4:
      extractIpv4(buf, p, end, key, lay);
      return;
    case ETH_TYPE.IPV6:
      extractIpv6(buf, p, end, key, lay);
      return;
    case ETH_TYPE.ARP:
    case ETH_TYPE.RARP:
      if (checkArp(buf, p, end - p) !== WireError.OK) return;
      if (lay !== null) lay.l3 = p;
      extractArp(buf, p, key);
      return;
    case ETH_TYPE.MPLS:
    case ETH_TYPE.MPLS_MCAST:
      if (end - p >= MPLS.HEADER_LEN) {
        key[KW.MPLS_LSE] = get32i(buf, p);
        if (lay !== null) lay.mpls = p;
        extractBeneathMpls(buf, p, end, key);
      }
      return;
    case ETH_TYPE.PBB:
      if (end - p >= ITAG.HEADER_LEN) {
        key[KW.PBB_ISID] = get32i(buf, p + ITAG.TCI) & ITAG.ISID_MASK;
        extractCustomer(buf, p + ITAG.C_DST, end, key);
      }
      return;
    default:
      return;
  }
}

/**
 * The customer frame of a PBB frame, whose C-DA is at buf[p] (the I-TAG,
 * whole, is before it): its L2 header into words C_ETH_DST_HI..C_VLAN_INNER
 * by the rules of the frame's own (tags, SNAP), its IPv4/IPv6/ARP fields
 * into the usual words. The layout is left alone, as beneath MPLS: the
 * datapath re-extracts after pop_pbb (execute.ts ensureL3). A customer
 * frame that is itself MPLS or PBB gets its L2 words only: the key has one
 * MPLS_LSE and one PBB_ISID word, and the backbone frame's own are where
 * those would go.
 */
function extractCustomer(buf: Uint8Array, p: number, end: number, key: Uint32Array): void {
  key[KW.C_ETH_DST_HI] = get16(buf, p + ETH.DST);
  key[KW.C_ETH_DST_LO] = get32i(buf, p + ETH.DST + 2);
  key[KW.C_ETH_SRC_HI] = get16(buf, p + ETH.SRC);
  key[KW.C_ETH_SRC_LO] = get32i(buf, p + ETH.SRC + 2);
  let q = p + ETH.TYPE;
  let type = get16(buf, q);
  let vlan = 0;
  for (let n = 0; n < MAX_VLAN_HEADERS && isVlanTpid(type) && end - q >= 2 + VLAN.HEADER_LEN; n++) {
    const tci = get16(buf, q + 2) | OFPVID_PRESENT;
    if (n === 0) vlan = tci;
    else key[KW.C_VLAN_INNER] = tci;
    q += VLAN.TAG_LEN;
    type = get16(buf, q);
  }
  q += 2;
  if (type < ETH_TYPE.MIN) {
    type = snapType(buf, q, end);
    q += LLC_SNAP.HEADER_LEN;
  }
  key[KW.C_ETH_TYPE_VLAN] = ((type << 16) | vlan) >>> 0;
  switch (type) {
    case ETH_TYPE.IPV4:
      extractIpv4(buf, q, end, key, null);
      return;
    case ETH_TYPE.IPV6:
      extractIpv6(buf, q, end, key, null);
      return;
    case ETH_TYPE.ARP:
    case ETH_TYPE.RARP:
      if (checkArp(buf, q, end - q) === WireError.OK) extractArp(buf, q, key);
      return;
    default:
      return;
  }
}

function extractArp(buf: Uint8Array, p: number, key: Uint32Array): void {
  key[KW.NW_SRC] = get32i(buf, p + ARP.SPA);
  key[KW.NW_DST] = get32i(buf, p + ARP.TPA);
  key[KW.ARP_OP_EXTHDR] = (get16(buf, p + ARP.OPER) << 16) >>> 0;
  key[KW.ARP_SHA_HI] = get16(buf, p + ARP.SHA);
  key[KW.ARP_SHA_LO] = get32i(buf, p + ARP.SHA + 2);
  key[KW.ARP_THA_HI] = get16(buf, p + ARP.THA);
  key[KW.ARP_THA_LO] = get32i(buf, p + ARP.THA + 2);
}

/**
 * The packet beneath the label stack whose top entry is at buf[p]: walks
 * to the bottom-of-stack entry and reads what follows into the L3/L4
 * words, recording its kind and the stack's depth in word PBB_ISID's top
 * byte (flow-key.ts MPLS_BENEATH). Nothing in the stack names the payload
 * (pop_mpls is told its EtherType), so it is read by its first bytes:
 * IP version 4 or 6, else an Ethernet/IPv4 ARP; translation uses the
 * fields only after a pop to the matching EtherType. The layout is left
 * alone: the datapath re-extracts after a pop (execute.ts ensureL3).
 */
function extractBeneathMpls(buf: Uint8Array, p: number, end: number, key: Uint32Array): void {
  let depth = 1;
  while ((buf[p + 2]! & 1) === 0) {
    p += MPLS.HEADER_LEN;
    // A stack deeper than the depth field holds is left unparsed beneath.
    if (end - p < MPLS.HEADER_LEN || ++depth > MPLS_BENEATH.DEPTH_MAX) return;
  }
  p += MPLS.HEADER_LEN;
  if (end - p < 1) return;
  let kind: number = MPLS_BENEATH.NONE;
  const version = buf[p]! >>> 4;
  if (version === 4 && checkIpv4(buf, p, end - p) === WireError.OK) {
    extractIpv4(buf, p, end, key, null);
    kind = MPLS_BENEATH.IPV4;
  } else if (version === 6 && checkIpv6(buf, p, end - p) === WireError.OK) {
    extractIpv6(buf, p, end, key, null);
    kind = MPLS_BENEATH.IPV6;
  } else if (checkArp(buf, p, end - p) === WireError.OK) {
    extractArp(buf, p, key);
    kind = MPLS_BENEATH.ARP;
  }
  if (kind === MPLS_BENEATH.NONE) return;
  key[KW.PBB_ISID] = ((kind | (depth << MPLS_BENEATH.DEPTH_SHIFT)) << MPLS_BENEATH.SHIFT) >>> 0;
}

function extractIpv4(buf: Uint8Array, p: number, end: number, key: Uint32Array, lay: FrameLayout | null): void {
  if (checkIpv4(buf, p, end - p) !== WireError.OK) return;
  const l3End = p + get16(buf, p + IPV4.TOTAL_LEN);
  key[KW.NW_SRC] = get32i(buf, p + IPV4.SRC);
  key[KW.NW_DST] = get32i(buf, p + IPV4.DST);
  const proto = buf[p + IPV4.PROTOCOL];
  const ff = get16(buf, p + IPV4.FLAGS_FRAG);
  let frag = 0;
  if ((ff & (IP_FRAG.MF | IP_FRAG.OFFSET_MASK)) !== 0) {
    frag = NW_FRAG.ANY;
    if ((ff & IP_FRAG.OFFSET_MASK) !== 0) frag |= NW_FRAG.LATER;
  }
  key[KW.IP_PROTO_TOS_TTL] = ((proto << 24) | (buf[p + IPV4.TOS] << 16) | (buf[p + IPV4.TTL] << 8) | frag) >>> 0;
  if (lay !== null) {
    lay.l3 = p;
    lay.l3End = l3End;
  }
  if ((frag & NW_FRAG.LATER) === 0) extractL4(buf, p + (buf[p] & 0x0f) * 4, l3End, proto, key, lay);
}

function extractIpv6(buf: Uint8Array, p: number, end: number, key: Uint32Array, lay: FrameLayout | null): void {
  if (checkIpv6(buf, p, end - p) !== WireError.OK) return;
  const l3End = p + IPV6.HEADER_LEN + get16(buf, p + IPV6.PAYLOAD_LEN);
  for (let i = 0; i < 4; i++) {
    key[KW.IPV6_SRC + i] = get32i(buf, p + IPV6.SRC + 4 * i);
    key[KW.IPV6_DST + i] = get32i(buf, p + IPV6.DST + 4 * i);
  }
  if (lay !== null) {
    lay.l3 = p;
    lay.l3End = l3End;
  }

  // The extension header chain (ipv6-ext.ts): q walks headers, nh names the one at q.
  let nh = buf[p + IPV6.NEXT_HEADER];
  let q = p + IPV6.HEADER_LEN;
  let state = EXTHDR_START;
  let frag = 0;
  for (;;) {
    state = exthdrStep(state, nh);
    if (!isIpv6ExtHeader(nh)) break;
    if (l3End - q < IPV6_EXT.MIN_LEN) {
      key[KW.ARP_OP_EXTHDR] = exthdrBits(state);
      return;
    }
    if (nh === IPPROTO.FRAGMENT) {
      const offlg = get16(buf, q + IPV6_FRAG.OFFLG);
      nh = buf[q + IPV6_FRAG.NEXT_HEADER];
      q += IPV6_FRAG.HEADER_LEN;
      // Any nonzero bit (reserved ones included) makes it a fragment, as in Open vSwitch.
      if (offlg !== 0) {
        frag = NW_FRAG.ANY;
        if ((offlg & IPV6_FRAG.OFFSET_MASK) !== 0) {
          frag |= NW_FRAG.LATER;
          nh = IPPROTO.FRAGMENT;
          break;
        }
      }
    } else {
      const hlen = ipv6ExtHeaderLen(nh, buf, q);
      if (hlen > l3End - q) {
        key[KW.ARP_OP_EXTHDR] = exthdrBits(state);
        return;
      }
      if (nh === IPPROTO.ROUTING && buf[q + IPV6_RT.SEGMENTS_LEFT] !== 0 && lay !== null) lay.routed = true;
      nh = buf[q];
      q += hlen;
    }
  }

  const w0 = get32i(buf, p);
  const tc = (w0 >>> 20) & 0xff;
  key[KW.IPV6_FLABEL] = w0 & IPV6.FLOW_LABEL_MASK;
  key[KW.IP_PROTO_TOS_TTL] = ((nh << 24) | (tc << 16) | (buf[p + IPV6.HOP_LIMIT] << 8) | frag) >>> 0;
  key[KW.ARP_OP_EXTHDR] = exthdrBits(state);
  if ((frag & NW_FRAG.LATER) === 0) extractL4(buf, q, l3End, nh, key, lay);
}

/** Transport fields of the header at buf[p], bounded by `end` (the IP packet's end). */
function extractL4(buf: Uint8Array, p: number, end: number, proto: number, key: Uint32Array, lay: FrameLayout | null): void {
  const n = end - p;
  switch (proto) {
    case IPPROTO.TCP:
      if (checkTcp(buf, p, n) !== WireError.OK) return;
      key[KW.TP_PORTS] = get32i(buf, p);
      if (lay !== null) lay.tcpFlags = get16(buf, p + TCP.CTL) & TCP_FLAG.MASK;
      break;
    case IPPROTO.UDP:
      if (n < UDP.HEADER_LEN) return;
      key[KW.TP_PORTS] = get32i(buf, p);
      break;
    case IPPROTO.SCTP:
      if (n < SCTP.HEADER_LEN) return;
      key[KW.TP_PORTS] = get32i(buf, p);
      break;
    case IPPROTO.ICMP:
      if (n < ICMPV4.HEADER_LEN) return;
      key[KW.TP_PORTS] = (buf[p] << 16) | buf[p + 1];
      break;
    case IPPROTO.ICMPV6: {
      if (n < ICMPV6.HEADER_LEN) return;
      const type = buf[p + ICMPV6.TYPE];
      const code = buf[p + ICMPV6.CODE];
      key[KW.TP_PORTS] = (type << 16) | code;
      if (code === 0 && (type === ND.TYPE_NS || type === ND.TYPE_NA)) extractNd(buf, p, end, key);
      break;
    }
    default:
      return;
  }
  if (lay !== null) lay.l4 = p;
}

/** ND target and link-layer options of the NS/NA at buf[p] (icmpv6.ts has the rules). */
function extractNd(buf: Uint8Array, p: number, end: number, key: Uint32Array): void {
  if (end - p < ND.OPTIONS) return;
  for (let i = 0; i < 4; i++) key[KW.ND_TARGET + i] = get32i(buf, p + ND.TARGET + 4 * i);
  for (let o = p + ND.OPTIONS; end - o >= ND_OPT.UNIT; ) {
    const optLen = buf[o + ND_OPT.LEN] * ND_OPT.UNIT;
    if (optLen === 0 || optLen > end - o) return;
    if (optLen === ND_OPT.UNIT) {
      const t = buf[o + ND_OPT.TYPE];
      if (t === ND_OPT.SOURCE_LINKADDR || t === ND_OPT.TARGET_LINKADDR) {
        const w = t === ND_OPT.SOURCE_LINKADDR ? KW.ARP_SHA_HI : KW.ARP_THA_HI;
        if (key[w] !== 0 || key[w + 1] !== 0) {
          // The same option twice: the message is invalid, and says nothing.
          for (let i = 0; i < 4; i++) key[KW.ND_TARGET + i] = 0;
          key[KW.ARP_SHA_HI] = key[KW.ARP_SHA_LO] = key[KW.ARP_THA_HI] = key[KW.ARP_THA_LO] = 0;
          return;
        }
        key[w] = get16(buf, o + ND_OPT.LLADDR);
        key[w + 1] = get32i(buf, o + ND_OPT.LLADDR + 2);
      }
    }
    o += optLen;
  }
}
