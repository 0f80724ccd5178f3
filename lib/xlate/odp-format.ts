/**
 * Datapath programs and megaflow keys in Open vSwitch's datapath syntax
 * (odp-util.c), as `ovs-appctl dpctl/dump-flows` and `ofproto/trace`
 * print them:
 *
 *   recirc_id(0),in_port(1),eth(src=..,dst=..),eth_type(0x0800),
 *   ipv4(src=10.0.0.1,proto=6,frag=no), ... actions:set(ipv4(src=1.1.1.1)),2
 *
 * A field is shown when its mask has bits: plainly when the mask covers
 * the field, as value/mask otherwise; an attribute with no field shown is
 * left out (eth_type and in_port are always exact in a megaflow). Our own
 * instructions, which Open vSwitch lacks, print in the same style:
 * set(vlan(vid=..,pcp=..)), push_pbb(isid=..), pop_pbb, set(pbb(isid=..)),
 * dec_ttl, dec_mpls_ttl, copy_ttl_in, copy_ttl_out. Ports are OpenFlow
 * port numbers (the datapath's are the same), LOCAL by name.
 */
import { KW, PBB_CUSTOMER_TARGETS, PBB_CUSTOMER_WORDS } from '../packet/flow-key.js';
import type { XlateCache } from './context.js';
import { forEachOdp, ODP } from './odp.js';

const OFPP_LOCAL = 0xfffffffe;

export function formatPort(p: number): string {
  return p >>> 0 === OFPP_LOCAL ? 'LOCAL' : String(p >>> 0);
}

export function macText(hi: number, lo: number): string {
  const b = [(hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function ipv4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/** RFC 5952 text of the address in four words (most significant first). */
export function ipv6Text(w: ArrayLike<number>, at = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) {
    const x = w[at + i]! >>> 0;
    g.push(x >>> 16, x & 0xffff);
  }
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** A field: `name=value`, `name=value/mask`, or '' when the mask is 0; always value/mask when verbose. */
function fld(name: string, v: number, m: number, full: number, show: (x: number) => string, vb = false): string {
  if (vb) return `${name}=${show(v & full)}/${show(m & full)}`;
  if ((m & full) === 0) return '';
  return (m & full) === full ? `${name}=${show(v)}` : `${name}=${show(v)}/${show(m & full)}`;
}
const dec = (x: number): string => String(x >>> 0);
const hex = (x: number): string => `0x${(x >>> 0).toString(16)}`;
const hex16 = (x: number): string => `0x${(x & 0xffff).toString(16).padStart(4, '0')}`;
const join = (parts: string[]): string => parts.filter((p) => p !== '').join(',');

function macFld(name: string, vh: number, vl: number, mh: number, ml: number, vb = false): string {
  if (vb) return `${name}=${macText(vh, vl)}/${macText(mh, ml)}`;
  if ((mh & 0xffff) === 0 && ml === 0) return '';
  const full = (mh & 0xffff) === 0xffff && ml >>> 0 === 0xffffffff;
  return full ? `${name}=${macText(vh, vl)}` : `${name}=${macText(vh, vl)}/${macText(mh, ml)}`;
}

function v6Fld(name: string, p: Int32Array | Uint32Array, a: number, m: number, vb = false): string {
  if (vb) return `${name}=${ipv6Text(p, a)}/${ipv6Text(p, m)}`;
  let any = false;
  let full = true;
  for (let i = 0; i < 4; i++) {
    if (p[m + i] !== 0) any = true;
    if (p[m + i]! >>> 0 !== 0xffffffff) full = false;
  }
  if (!any) return '';
  return full ? `${name}=${ipv6Text(p, a)}` : `${name}=${ipv6Text(p, a)}/${ipv6Text(p, m)}`;
}

/** A program as `dpctl/dump-flows` prints its actions. */
export function formatOdpActions(prog: Int32Array, xc: XlateCache | null): string {
  const out: string[] = [];
  forEachOdp(prog, (op, a) => {
    const p = prog;
    switch (op) {
      case ODP.OUTPUT:
        out.push(formatPort(p[a]!));
        return;
      case ODP.USERSPACE: {
        const s = xc?.userspace[p[a]!];
        const cookie = s === undefined ? '0' : `0x${s.cookie.toString(16)}`;
        out.push(
          `userspace(pid=0,controller(reason=${s?.reason ?? 0},dont_send=0,continuation=0,recirc_id=0,rule_cookie=${cookie},controller_id=0,max_len=${s?.maxLen ?? 0}))`,
        );
        return;
      }
      case ODP.PUSH_VLAN: {
        const tpid = p[a]!;
        const tci = p[a + 1]!;
        out.push(`push_vlan(${tpid === 0x8100 ? '' : `tpid=${hex(tpid)},`}vid=${tci & 0xfff},pcp=${(tci >>> 13) & 7})`);
        return;
      }
      case ODP.POP_VLAN:
        out.push('pop_vlan');
        return;
      case ODP.SET_VLAN:
        out.push(`set(vlan(${join([fld('vid', p[a]! & 0xfff, p[a + 1]! & 0xfff, 0xfff, dec), fld('pcp', (p[a]! >>> 13) & 7, (p[a + 1]! >>> 13) & 7, 7, dec)])}))`);
        return;
      case ODP.PUSH_MPLS: {
        const l = p[a + 1]!;
        out.push(`push_mpls(label=${l >>> 12},tc=${(l >>> 9) & 7},ttl=${l & 0xff},bos=${(l >>> 8) & 1},eth_type=${hex(p[a]!)})`);
        return;
      }
      case ODP.POP_MPLS:
        out.push(`pop_mpls(eth_type=${hex(p[a]!)})`);
        return;
      case ODP.SET_MPLS: {
        const v = p[a]!;
        const m = p[a + 1]!;
        out.push(
          `set(mpls(${join([
            fld('label', v >>> 12, m >>> 12, 0xfffff, dec),
            fld('tc', (v >>> 9) & 7, (m >>> 9) & 7, 7, dec),
            fld('ttl', v & 0xff, m & 0xff, 0xff, dec),
            fld('bos', (v >>> 8) & 1, (m >>> 8) & 1, 1, dec),
          ])}))`,
        );
        return;
      }
      case ODP.PUSH_PBB:
        out.push(`push_pbb(isid=${p[a]! & 0xffffff})`);
        return;
      case ODP.POP_PBB:
        out.push('pop_pbb');
        return;
      case ODP.SET_PBB:
        out.push(`set(pbb(${fld('isid', p[a]!, p[a + 1]!, 0xffffff, dec)}))`);
        return;
      case ODP.SET_ETH:
        out.push(`set(eth(${join([macFld('src', p[a + 2]!, p[a + 3]!, p[a + 6]!, p[a + 7]!), macFld('dst', p[a]!, p[a + 1]!, p[a + 4]!, p[a + 5]!)])}))`);
        return;
      case ODP.SET_IPV4:
        out.push(
          `set(ipv4(${join([
            fld('src', p[a]!, p[a + 4]!, -1, ipv4Text),
            fld('dst', p[a + 1]!, p[a + 5]!, -1, ipv4Text),
            fld('tos', p[a + 2]!, p[a + 6]!, 0xff, hex),
            fld('ttl', p[a + 3]!, p[a + 7]!, 0xff, dec),
          ])}))`,
        );
        return;
      case ODP.SET_IPV6:
        out.push(
          `set(ipv6(${join([
            v6Fld('src', p, a, a + 11),
            v6Fld('dst', p, a + 4, a + 15),
            fld('label', p[a + 10]!, p[a + 21]!, 0xfffff, hex),
            fld('tclass', p[a + 8]!, p[a + 19]!, 0xff, hex),
            fld('hlimit', p[a + 9]!, p[a + 20]!, 0xff, dec),
          ])}))`,
        );
        return;
      case ODP.SET_TCP:
      case ODP.SET_UDP:
      case ODP.SET_SCTP: {
        const name = op === ODP.SET_TCP ? 'tcp' : op === ODP.SET_UDP ? 'udp' : 'sctp';
        out.push(`set(${name}(${join([fld('src', p[a]!, p[a + 2]!, 0xffff, dec), fld('dst', p[a + 1]!, p[a + 3]!, 0xffff, dec)])}))`);
        return;
      }
      case ODP.SET_ICMPV4:
      case ODP.SET_ICMPV6:
        out.push(
          `set(${op === ODP.SET_ICMPV4 ? 'icmp' : 'icmpv6'}(${join([fld('type', p[a]!, p[a + 2]!, 0xff, dec), fld('code', p[a + 1]!, p[a + 3]!, 0xff, dec)])}))`,
        );
        return;
      case ODP.SET_ARP:
        out.push(
          `set(arp(${join([
            fld('sip', p[a + 1]!, p[a + 8]!, -1, ipv4Text),
            fld('tip', p[a + 2]!, p[a + 9]!, -1, ipv4Text),
            fld('op', p[a]!, p[a + 7]!, 0xffff, dec),
            macFld('sha', p[a + 3]!, p[a + 4]!, p[a + 10]!, p[a + 11]!),
            macFld('tha', p[a + 5]!, p[a + 6]!, p[a + 12]!, p[a + 13]!),
          ])}))`,
        );
        return;
      case ODP.SET_ND:
        out.push(
          `set(nd(${join([
            v6Fld('target', p, a, a + 8),
            macFld('sll', p[a + 4]!, p[a + 5]!, p[a + 12]!, p[a + 13]!),
            macFld('tll', p[a + 6]!, p[a + 7]!, p[a + 14]!, p[a + 15]!),
          ])}))`,
        );
        return;
      case ODP.SET_PRIORITY:
        out.push(`set(skb_priority(${hex(p[a]!)}))`);
        return;
      case ODP.METER:
        out.push(`meter(${xc?.meterIds[p[a]!] ?? p[a]!})`);
        return;
      case ODP.DEC_NW_TTL:
        out.push('dec_ttl');
        return;
      case ODP.DEC_MPLS_TTL:
        out.push('dec_mpls_ttl');
        return;
      case ODP.COPY_TTL_IN:
        out.push('copy_ttl_in');
        return;
      case ODP.COPY_TTL_OUT:
        out.push('copy_ttl_out');
        return;
      case ODP.SET_ETH_TYPE:
        out.push(`set(eth_type(0x${(p[a]! & 0xffff).toString(16).padStart(4, '0')}))`);
        return;
      case ODP.SET_IP_PROTO:
        out.push(`set(ip(proto=${p[a]!}))`);
        return;
      case ODP.SET_TUNNEL:
        out.push(`set(tunnel(tun_id=0x${((BigInt(p[a]! >>> 0) << 32n) | BigInt(p[a + 1]! >>> 0)).toString(16)}))`);
        return;
      default:
        out.push(`unknown(${op as number})`);
    }
  });
  return out.length === 0 ? 'drop' : out.join(',');
}

const FRAG = ['no', 'first', 'later', 'later'];

/** A megaflow's key and mask as `dpctl/dump-flows` prints them. */
export function formatOdpKey(k: Uint32Array, m: Uint32Array, vb = false): string {
  const parts: string[] = ['recirc_id(0)', `in_port(${formatPort(k[KW.IN_PORT]!)})`];
  if (!vb && (m[KW.TUNNEL_HI]! | m[KW.TUNNEL_LO]!) !== 0) {
    parts.push(`tunnel(tun_id=0x${((BigInt(k[KW.TUNNEL_HI]! >>> 0) << 32n) | BigInt(k[KW.TUNNEL_LO]! >>> 0)).toString(16)})`);
  }
  return join([...parts, l2Onward(k, m, vb)]);
}

/**
 * A PBB frame's customer frame (key words C_ETH_DST_HI..C_VLAN_INNER and
 * the L3/L4 words) as an encap() of its own, when the mask looks at it.
 */
function pbbCustomer(k: Uint32Array, m: Uint32Array, vb: boolean): string {
  let any = vb;
  for (let i = 0; i < PBB_CUSTOMER_WORDS.length; i++) if (m[PBB_CUSTOMER_WORDS[i]!] !== 0) any = true;
  if (!any) return '';
  const ck = k.slice();
  const cm = m.slice();
  for (let i = 0; i < PBB_CUSTOMER_WORDS.length; i++) {
    ck[PBB_CUSTOMER_TARGETS[i]!] = k[PBB_CUSTOMER_WORDS[i]!]!;
    cm[PBB_CUSTOMER_TARGETS[i]!] = m[PBB_CUSTOMER_WORDS[i]!]!;
    ck[PBB_CUSTOMER_WORDS[i]!] = cm[PBB_CUSTOMER_WORDS[i]!] = 0;
  }
  return `encap(${l2Onward(ck, cm, vb)})`;
}

/** The Ethernet header and everything after it. */
function l2Onward(k: Uint32Array, m: Uint32Array, vb: boolean): string {
  const parts: string[] = [];
  const eth = join([
    macFld('src', k[KW.ETH_SRC_HI]!, k[KW.ETH_SRC_LO]!, m[KW.ETH_SRC_HI]!, m[KW.ETH_SRC_LO]!, vb),
    macFld('dst', k[KW.ETH_DST_HI]!, k[KW.ETH_DST_LO]!, m[KW.ETH_DST_HI]!, m[KW.ETH_DST_LO]!, vb),
  ]);
  if (eth !== '') parts.push(`eth(${eth})`);
  const w10 = k[KW.ETH_TYPE_VLAN]!;
  const m10 = m[KW.ETH_TYPE_VLAN]!;
  const type = w10 >>> 16;
  const tail = type === 0x88e7 ? join([l3Attrs(k, m, type, vb), pbbCustomer(k, m, vb)]) : l3Attrs(k, m, type, vb);
  const tagged = (w10 & 0x1000) !== 0 && ((m10 & 0x1fff) !== 0 || vb);
  if (!tagged) return join([...parts, `eth_type(${hex16(type)})`, tail]);
  const vlan = (w: number, mw: number): string =>
    `vlan(${join([fld('vid', w & 0xfff, mw & 0xfff, 0xfff, dec, vb), fld('pcp', (w >>> 13) & 7, (mw >>> 13) & 7, 7, dec, vb)]) || 'vid=0/0'})`;
  const innerW = k[KW.VLAN_INNER]!;
  const innerM = m[KW.VLAN_INNER]!;
  let inner = join([`eth_type(${hex16(type)})`, tail]);
  if ((innerW & 0x1000) !== 0 && ((innerM & 0x1fff) !== 0 || vb)) inner = `eth_type(0x8100),${vlan(innerW, innerM)},encap(${inner})`;
  return join([...parts, 'eth_type(0x8100)', vlan(w10, m10), `encap(${inner})`]);
}

function l3Attrs(k: Uint32Array, m: Uint32Array, type: number, vb: boolean): string {
  const w11 = k[KW.IP_PROTO_TOS_TTL]!;
  const m11 = m[KW.IP_PROTO_TOS_TTL]!;
  const proto = w11 >>> 24;
  const frag = vb ? `frag=${FRAG[w11 & 3]}/${hex(m11 & 3)}` : (m11 & 3) === 0 ? '' : (m11 & 3) === 3 ? `frag=${FRAG[w11 & 3]}` : `frag=${FRAG[w11 & 3]}/${hex(m11 & 3)}`;
  const out: string[] = [];
  if (type === 0x0800) {
    const a = join([
      fld('src', k[KW.NW_SRC]!, m[KW.NW_SRC]!, -1, ipv4Text, vb),
      fld('dst', k[KW.NW_DST]!, m[KW.NW_DST]!, -1, ipv4Text, vb),
      fld('proto', proto, m11 >>> 24, 0xff, dec, vb),
      fld('tos', (w11 >>> 16) & 0xff, (m11 >>> 16) & 0xff, 0xff, hex, vb),
      fld('ttl', (w11 >>> 8) & 0xff, (m11 >>> 8) & 0xff, 0xff, dec, vb),
      frag,
    ]);
    if (a !== '') out.push(`ipv4(${a})`);
  } else if (type === 0x86dd) {
    const a = join([
      v6Masked('src', k, m, KW.IPV6_SRC),
      v6Masked('dst', k, m, KW.IPV6_DST),
      fld('label', k[KW.IPV6_FLABEL]!, m[KW.IPV6_FLABEL]!, 0xfffff, hex, vb),
      fld('proto', proto, m11 >>> 24, 0xff, dec, vb),
      fld('tclass', (w11 >>> 16) & 0xff, (m11 >>> 16) & 0xff, 0xff, hex, vb),
      fld('hlimit', (w11 >>> 8) & 0xff, (m11 >>> 8) & 0xff, 0xff, dec, vb),
      frag,
    ]);
    if (a !== '') out.push(`ipv6(${a})`);
  } else if (type === 0x0806 || type === 0x8035) {
    const a = join([
      fld('sip', k[KW.NW_SRC]!, m[KW.NW_SRC]!, -1, ipv4Text, vb),
      fld('tip', k[KW.NW_DST]!, m[KW.NW_DST]!, -1, ipv4Text, vb),
      fld('op', k[KW.ARP_OP_EXTHDR]! >>> 16, m[KW.ARP_OP_EXTHDR]! >>> 16, 0xffff, dec, vb),
      macFld('sha', k[KW.ARP_SHA_HI]!, k[KW.ARP_SHA_LO]!, m[KW.ARP_SHA_HI]!, m[KW.ARP_SHA_LO]!, vb),
      macFld('tha', k[KW.ARP_THA_HI]!, k[KW.ARP_THA_LO]!, m[KW.ARP_THA_HI]!, m[KW.ARP_THA_LO]!, vb),
    ]);
    if (a !== '') out.push(`arp(${a})`);
  } else if (type === 0x8847 || type === 0x8848) {
    const v = k[KW.MPLS_LSE]!;
    const mm = m[KW.MPLS_LSE]!;
    const a = join([
      fld('label', v >>> 12, mm >>> 12, 0xfffff, dec, vb),
      fld('tc', (v >>> 9) & 7, (mm >>> 9) & 7, 7, dec, vb),
      fld('ttl', v & 0xff, mm & 0xff, 0xff, dec, vb),
      fld('bos', (v >>> 8) & 1, (mm >>> 8) & 1, 1, dec, vb),
    ]);
    if (a !== '') out.push(`mpls(${a})`);
  } else if (type === 0x88e7) {
    const a = fld('isid', k[KW.PBB_ISID]!, m[KW.PBB_ISID]!, 0xffffff, dec, vb);
    if (a !== '') out.push(`pbb(${a})`);
  }
  if (type === 0x0800 || type === 0x86dd) {
    const tp = k[KW.TP_PORTS]!;
    const mt = m[KW.TP_PORTS]!;
    const v6 = type === 0x86dd;
    if (proto === 6 || proto === 17 || proto === 132) {
      const a = join([fld('src', tp >>> 16, mt >>> 16, 0xffff, dec, vb), fld('dst', tp & 0xffff, mt & 0xffff, 0xffff, dec, vb)]);
      if (a !== '') out.push(`${proto === 6 ? 'tcp' : proto === 17 ? 'udp' : 'sctp'}(${a})`);
    } else if (proto === (v6 ? 58 : 1)) {
      const a = join([fld('type', (tp >>> 16) & 0xff, (mt >>> 16) & 0xff, 0xff, dec, vb), fld('code', tp & 0xff, mt & 0xff, 0xff, dec, vb)]);
      if (a !== '') out.push(`${v6 ? 'icmpv6' : 'icmp'}(${a})`);
      if (v6) {
        const nd = join([
          v6Masked('target', k, m, KW.ND_TARGET, vb),
          macFld('sll', k[KW.ARP_SHA_HI]!, k[KW.ARP_SHA_LO]!, m[KW.ARP_SHA_HI]!, m[KW.ARP_SHA_LO]!, vb),
          macFld('tll', k[KW.ARP_THA_HI]!, k[KW.ARP_THA_LO]!, m[KW.ARP_THA_HI]!, m[KW.ARP_THA_LO]!, vb),
        ]);
        if (nd !== '') out.push(`nd(${nd})`);
      }
    }
  }
  return join(out);
}

function v6Masked(name: string, k: Uint32Array, m: Uint32Array, at: number, vb = false): string {
  const both = new Uint32Array(8);
  for (let i = 0; i < 4; i++) {
    both[i] = k[at + i]!;
    both[4 + i] = m[at + i]!;
  }
  return v6Fld(name, both, 0, 4, vb);
}
