/**
 * The packet as translation sees it at one point of the pipeline walk.
 *
 * Translation keeps two of these (ofproto-dpif-xlate's `flow` and
 * `base_flow`): `flow`, what the OpenFlow actions so far have made of the
 * packet, which later lookups and actions read; and `base`, what the
 * datapath's copy of the packet looks like given the datapath actions
 * emitted so far. Actions change only `flow`; an output first commits the
 * difference (commit.ts), which emits datapath actions and makes `base`
 * equal to `flow`.
 *
 * The flow key (lib/packet/flow-key.ts) is the core of it, and lookups use
 * it as it is. Around it sits what the key cannot say:
 *  - the VLAN stack, outermost first, with TPIDs (the key has two TCIs and
 *    no TPIDs; a TPID of 0 means "as the packet has it");
 *  - the MPLS label stack entries known (the key has the top one only), and
 *    whether the packet's stack goes deeper than that;
 *  - whether the L3/L4 words describe the packet: not after a received PBB
 *    header was popped, nor after a received MPLS stack was popped unless
 *    extraction read what is beneath it (MPLS_BENEATH) and the pops name
 *    its type. Such fields read as zero, and actions that need their value (TTL
 *    decrement, TTL copies) become datapath-side operations (odp.ts).
 *  - on a received PBB frame, the customer frame beneath the I-TAG, as
 *    extraction read it (key words C_ETH_DST_HI..C_VLAN_INNER and the L3/L4
 *    words): `popReceivedPbb` makes it the packet.
 *
 * Invariant: key words ETH_TYPE_VLAN's low 16 bits, VLAN_INNER and
 * MPLS_LSE always mirror vlanTci[0], vlanTci[1] and mpls[0] (`sync`).
 */
import { KEY_WORDS, KW, MPLS_BENEATH, PBB_CUSTOMER_TARGETS, PBB_CUSTOMER_WORDS } from '../packet/flow-key.js';

/** Tags tracked on each side; a push beyond it is ignored (and reported). */
export const MAX_VLANS = 4;
/** Label stack entries tracked. */
export const MAX_MPLS = 4;

export const OFPVID_PRESENT = 0x1000;
export const ETH_TYPE_IPV4 = 0x0800;
export const ETH_TYPE_IPV6 = 0x86dd;
export const ETH_TYPE_ARP = 0x0806;
export const ETH_TYPE_RARP = 0x8035;
export const ETH_TYPE_MPLS = 0x8847;
export const ETH_TYPE_MPLS_MCAST = 0x8848;
export const ETH_TYPE_PBB = 0x88e7;
export const ETH_TYPE_VLAN = 0x8100;

/** Identity of the packet's own label stack entry 0 (entry k is this + k). */
export const MPLS_RECEIVED = 1 << 20;

export const isMplsType = (t: number): boolean => t === ETH_TYPE_MPLS || t === ETH_TYPE_MPLS_MCAST;
export const isIpType = (t: number): boolean => t === ETH_TYPE_IPV4 || t === ETH_TYPE_IPV6;

export class FlowState {
  /** The flow key, as later lookups see it. */
  readonly key = new Uint32Array(KEY_WORDS);
  /** TCIs with OFPVID_PRESENT, outermost first. */
  readonly vlanTci = new Int32Array(MAX_VLANS);
  /** TPIDs of those tags; 0 for a tag the packet arrived with (kept as it is). */
  readonly vlanTpid = new Int32Array(MAX_VLANS);
  nVlans = 0;
  /**
   * Label stack entries tracked, outermost first: each with its value, the
   * bits of it translation knows (-1 for all; an entry the packet carried
   * beneath the one the key shows is known only in the bits actions set),
   * and an identity, so that a commit can tell the entries both sides share
   * (commit.ts). Identities: the packet's entry k is MPLS_RECEIVED + k,
   * pushed entries get fresh small numbers.
   */
  readonly mpls = new Int32Array(MAX_MPLS);
  readonly mplsKnown = new Int32Array(MAX_MPLS);
  readonly mplsId = new Int32Array(MAX_MPLS);
  nMpls = 0;
  /** The packet's label stack continues beneath the entries tracked, from its entry mplsNext. */
  mplsMore = false;
  mplsNext = 0;
  /** The EtherType beneath the label stack, when translation knows it (it pushed the stack), else 0. */
  mplsPayloadType = 0;
  /** How many of the packet's own label stack entries have been popped. */
  mplsRecvPopped = 0;
  /** The L3/L4 words describe the packet (see the essay). */
  l3Known = true;
  /**
   * What extraction found beneath the packet's own label stack (flow-key.ts
   * MPLS_BENEATH, the top byte of word PBB_ISID), 0 when nothing: the L3/L4
   * words hold it, and become known when pops end that stack with its type.
   */
  mplsBeneath = 0;
  /** set_queue's queue id (Open vSwitch's skb_priority); 0 as received. */
  priority = 0;

  /** Loads a freshly extracted key. */
  load(key: Uint32Array): void {
    this.key.set(key);
    const w10 = key[KW.ETH_TYPE_VLAN]!;
    const inner = key[KW.VLAN_INNER]!;
    this.nVlans = 0;
    if ((w10 & OFPVID_PRESENT) !== 0) {
      this.vlanTci[0] = w10 & 0xffff;
      this.vlanTpid[0] = 0;
      this.nVlans = 1;
      if ((inner & OFPVID_PRESENT) !== 0) {
        this.vlanTci[1] = inner & 0xffff;
        this.vlanTpid[1] = 0;
        this.nVlans = 2;
      }
    }
    const type = w10 >>> 16;
    this.nMpls = 0;
    this.mplsMore = false;
    this.mplsNext = 0;
    this.mplsPayloadType = 0;
    this.mplsRecvPopped = 0;
    this.mplsBeneath = 0;
    if (isMplsType(type)) {
      this.mplsBeneath = key[KW.PBB_ISID]! >>> MPLS_BENEATH.SHIFT;
      this.mpls[0] = key[KW.MPLS_LSE]! | 0;
      this.mplsKnown[0] = -1;
      this.mplsId[0] = MPLS_RECEIVED;
      this.nMpls = 1;
      this.mplsMore = (key[KW.MPLS_LSE]! & 0x100) === 0;
      this.mplsNext = 1;
    }
    this.l3Known = !isMplsType(type) && type !== ETH_TYPE_PBB;
    this.priority = 0;
  }

  copyFrom(o: FlowState): void {
    this.key.set(o.key);
    this.vlanTci.set(o.vlanTci);
    this.vlanTpid.set(o.vlanTpid);
    this.nVlans = o.nVlans;
    this.mpls.set(o.mpls);
    this.mplsKnown.set(o.mplsKnown);
    this.mplsId.set(o.mplsId);
    this.nMpls = o.nMpls;
    this.mplsMore = o.mplsMore;
    this.mplsNext = o.mplsNext;
    this.mplsPayloadType = o.mplsPayloadType;
    this.mplsRecvPopped = o.mplsRecvPopped;
    this.l3Known = o.l3Known;
    this.mplsBeneath = o.mplsBeneath;
    this.priority = o.priority;
  }

  get ethType(): number {
    return this.key[KW.ETH_TYPE_VLAN]! >>> 16;
  }

  set ethType(t: number) {
    this.key[KW.ETH_TYPE_VLAN] = (((t & 0xffff) << 16) | (this.key[KW.ETH_TYPE_VLAN]! & 0xffff)) >>> 0;
  }

  get ipProto(): number {
    return this.key[KW.IP_PROTO_TOS_TTL]! >>> 24;
  }

  get nwTtl(): number {
    return (this.key[KW.IP_PROTO_TOS_TTL]! >>> 8) & 0xff;
  }

  set nwTtl(ttl: number) {
    this.key[KW.IP_PROTO_TOS_TTL] = ((this.key[KW.IP_PROTO_TOS_TTL]! & ~0xff00) | ((ttl & 0xff) << 8)) >>> 0;
  }

  /** The outermost tag is there. */
  get hasVlan(): boolean {
    return this.nVlans > 0;
  }

  pushVlan(tpid: number, tci: number): boolean {
    if (this.nVlans >= MAX_VLANS) return false;
    for (let i = this.nVlans; i > 0; i--) {
      this.vlanTci[i] = this.vlanTci[i - 1]!;
      this.vlanTpid[i] = this.vlanTpid[i - 1]!;
    }
    this.vlanTci[0] = (tci & 0xefff) | OFPVID_PRESENT;
    this.vlanTpid[0] = tpid;
    this.nVlans++;
    this.sync();
    return true;
  }

  popVlan(): boolean {
    if (this.nVlans === 0) return false;
    for (let i = 0; i < this.nVlans - 1; i++) {
      this.vlanTci[i] = this.vlanTci[i + 1]!;
      this.vlanTpid[i] = this.vlanTpid[i + 1]!;
    }
    this.nVlans--;
    this.sync();
    return true;
  }

  /** Pushes entry `lse` (identity `id`); the BoS bit follows from what is beneath. */
  pushMpls(ethType: number, lse: number, id: number): boolean {
    if (this.nMpls >= MAX_MPLS) return false;
    for (let i = this.nMpls; i > 0; i--) {
      this.mpls[i] = this.mpls[i - 1]!;
      this.mplsKnown[i] = this.mplsKnown[i - 1]!;
      this.mplsId[i] = this.mplsId[i - 1]!;
    }
    const bos = this.nMpls === 0 && !this.mplsMore ? 0x100 : 0;
    if (bos !== 0 && !isMplsType(this.ethType)) this.mplsPayloadType = this.ethType;
    this.mpls[0] = (lse & ~0x100) | bos;
    this.mplsKnown[0] = -1;
    this.mplsId[0] = id;
    this.nMpls++;
    this.ethType = ethType;
    this.sync();
    return true;
  }

  /**
   * Pops the top entry; the EtherType becomes `ethType`. When the packet's
   * stack goes on beneath, its next entry becomes the top, known in no bit.
   */
  popMpls(ethType: number): boolean {
    if (this.nMpls === 0) return false;
    if (this.mplsId[0]! >= MPLS_RECEIVED) this.mplsRecvPopped++;
    for (let i = 0; i < this.nMpls - 1; i++) {
      this.mpls[i] = this.mpls[i + 1]!;
      this.mplsKnown[i] = this.mplsKnown[i + 1]!;
      this.mplsId[i] = this.mplsId[i + 1]!;
    }
    this.nMpls--;
    if (this.nMpls === 0 && this.mplsMore && isMplsType(ethType)) {
      this.mpls[0] = 0;
      this.mplsKnown[0] = 0;
      this.mplsId[0] = MPLS_RECEIVED + this.mplsNext++;
      this.nMpls = 1;
    }
    this.ethType = ethType;
    if (!isMplsType(ethType)) {
      // Whatever is left of the stack is payload now: the packet extraction
      // read beneath it, if this pop ended exactly that stack and names
      // the payload's own type.
      if (!this.l3Known && this.nMpls === 0 && beneathIs(this.mplsBeneath, this.mplsRecvPopped, ethType)) this.l3Known = true;
      this.nMpls = 0;
      this.mplsMore = false;
      this.mplsBeneath = 0;
      if (!this.l3Known) clearL3(this.key);
    }
    this.sync();
    return true;
  }

  /**
   * pop_pbb of the PBB header the packet arrived with: the customer frame
   * extraction read beneath the I-TAG (flow-key.ts words 36..41 and the
   * L3/L4 words) becomes the packet, as if received so (its tags as the
   * packet has them, its L3/L4 fields known). A customer frame that is
   * itself MPLS has its top entry known in no bit (the key has no room
   * for it) and nothing known beneath; one that is PBB again, no I-SID.
   * False, changing nothing, when extraction could not read the customer
   * frame (an I-TAG cut short, which the datapath's pop leaves alone).
   */
  popReceivedPbb(): boolean {
    const k = this.key;
    if (k[KW.C_ETH_TYPE_VLAN] === 0) return false;
    for (let i = 0; i < PBB_CUSTOMER_WORDS.length; i++) {
      k[PBB_CUSTOMER_TARGETS[i]!] = k[PBB_CUSTOMER_WORDS[i]!]!;
      k[PBB_CUSTOMER_WORDS[i]!] = 0;
    }
    k[KW.PBB_ISID] = 0;
    k[KW.MPLS_LSE] = 0;
    const priority = this.priority;
    this.load(k);
    this.priority = priority;
    if (this.nMpls > 0) this.mplsKnown[0] = 0;
    return true;
  }

  /** The top entry is known in every bit. */
  get mplsTopKnown(): boolean {
    return this.nMpls > 0 && this.mplsKnown[0] === -1;
  }

  /** Sets bits `mask` of the top entry to `value`. */
  setMplsTop(value: number, mask: number): void {
    this.mpls[0] = (this.mpls[0]! & ~mask) | (value & mask);
    this.mplsKnown[0] = this.mplsKnown[0]! | mask;
    this.sync();
  }

  /** Writes the VLAN and MPLS mirrors into the key. */
  sync(): void {
    const k = this.key;
    k[KW.ETH_TYPE_VLAN] = ((k[KW.ETH_TYPE_VLAN]! & 0xffff0000) | (this.nVlans > 0 ? this.vlanTci[0]! & 0xffff : 0)) >>> 0;
    k[KW.VLAN_INNER] = this.nVlans > 1 ? this.vlanTci[1]! & 0xffff : 0;
    k[KW.MPLS_LSE] = this.nMpls > 0 ? this.mpls[0]! >>> 0 : 0;
  }
}

/**
 * Whether `beneath` (MPLS_BENEATH) describes the payload once `popped`
 * entries of the packet's stack are gone and the EtherType is `ethType`.
 */
export function beneathIs(beneath: number, popped: number, ethType: number): boolean {
  if (beneath >>> MPLS_BENEATH.DEPTH_SHIFT !== popped) return false;
  switch (beneath & MPLS_BENEATH.TYPE_MASK) {
    case MPLS_BENEATH.IPV4:
      return ethType === ETH_TYPE_IPV4;
    case MPLS_BENEATH.IPV6:
      return ethType === ETH_TYPE_IPV6;
    case MPLS_BENEATH.ARP:
      return ethType === ETH_TYPE_ARP || ethType === ETH_TYPE_RARP;
    default:
      return false;
  }
}

/** Zeroes every word above L2, and a PBB frame's customer words (the packet beneath is unknown). */
export function clearL3(k: Uint32Array): void {
  k[KW.IP_PROTO_TOS_TTL] = 0;
  for (let w = KW.NW_SRC; w <= KW.IPV6_FLABEL; w++) k[w] = 0;
  k[KW.PBB_ISID] = 0;
  for (let w = KW.C_ETH_DST_HI; w <= KW.C_VLAN_INNER; w++) k[w] = 0;
}
