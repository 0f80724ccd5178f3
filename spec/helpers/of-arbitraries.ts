/**
 * fast-check arbitraries for every OpenFlow 1.3 message in types.ts: random
 * VALID values, built to the contract in types.ts and not from the codec
 * (see spec/openflow/properties.spec.ts for what they are used for). Matches
 * have OXM basic fields with the right value sizes and their prerequisites;
 * experimenter payloads are sized as the wire needs (actions, instructions,
 * bands and queue properties in multiples of 8 bytes; table-features
 * experimenter data in whole 32-bit words); strings come in the form
 * types.ts names (lower-case MAC, dotted quad, RFC 5952 IPv6).
 */
import fc from 'fast-check';
import {
  OFPAT,
  OFPCR_ROLE,
  OFPET,
  OFPGC,
  OFPGT,
  OFPHET,
  OFPIT,
  OFPMBT,
  OFPMC,
  OFPMP,
  OFPQT,
  OFPT,
  OFPTFPT,
  OFPXMC,
} from '../../lib/openflow/index.js';
import type {
  Action,
  Bucket,
  FeatureId,
  FlowStats,
  FlowStatsRequest,
  HelloElem,
  Instruction,
  Match,
  MeterBand,
  MultipartReplyBody,
  MultipartRequestBody,
  OfpMessage,
  OxmBasic,
  OxmField,
  OxmId,
  OxmName,
  OxmOther,
  PacketQueue,
  Port,
  QueueProp,
  TableFeatureProp,
  TableFeatures,
} from '../../lib/openflow/index.js';

/* ------------------------------------------------------------ scalars */

export const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
export const xid = u32;
const bytes = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
/** 0..max bytes, a multiple of `unit` long. */
const bytesOf = (unit: number, maxUnits: number): fc.Arbitrary<Buffer> =>
  fc.integer({ min: 0, max: maxUnits }).chain((n) => fc.uint8Array({ minLength: n * unit, maxLength: n * unit }).map((a) => Buffer.from(a)));
/** A NUL-terminated fixed-width string's text: printable ASCII, at most `max` characters. */
const text = (max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });

/* ------------------------------------------------------- address text */

const hex2 = (b: number): string => b.toString(16).padStart(2, '0');
const macText = (b: Uint8Array): string => [...b].map(hex2).join(':');
const ipv4Text = (b: Uint8Array): string => [...b].join('.');
/** RFC 5952 §4: lower case, no leading zeros, the longest (leftmost) run of >= 2 zero groups as "::". */
function ipv6Text(b: Uint8Array): string {
  const g = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const h = g.map((x) => x.toString(16));
  return best < 0 ? h.join(':') : `${h.slice(0, best).join(':')}::${h.slice(best + bestLen).join(':')}`;
}

/* ------------------------------------------------------------------ OXM */

type Kind = 'uint' | 'u64' | 'mac' | 'ipv4' | 'ipv6';
/** OF1.3.5 §7.2.3.7 table 12: value bytes, maskable, representation, significant bits of a uint. */
const OXM: Record<OxmName, { len: number; maskable: boolean; kind: Kind; bits?: number }> = {
  in_port: { len: 4, maskable: false, kind: 'uint' },
  in_phy_port: { len: 4, maskable: false, kind: 'uint' },
  metadata: { len: 8, maskable: true, kind: 'u64' },
  eth_dst: { len: 6, maskable: true, kind: 'mac' },
  eth_src: { len: 6, maskable: true, kind: 'mac' },
  eth_type: { len: 2, maskable: false, kind: 'uint' },
  vlan_vid: { len: 2, maskable: true, kind: 'uint', bits: 13 },
  vlan_pcp: { len: 1, maskable: false, kind: 'uint', bits: 3 },
  ip_dscp: { len: 1, maskable: false, kind: 'uint', bits: 6 },
  ip_ecn: { len: 1, maskable: false, kind: 'uint', bits: 2 },
  ip_proto: { len: 1, maskable: false, kind: 'uint' },
  ipv4_src: { len: 4, maskable: true, kind: 'ipv4' },
  ipv4_dst: { len: 4, maskable: true, kind: 'ipv4' },
  tcp_src: { len: 2, maskable: false, kind: 'uint' },
  tcp_dst: { len: 2, maskable: false, kind: 'uint' },
  udp_src: { len: 2, maskable: false, kind: 'uint' },
  udp_dst: { len: 2, maskable: false, kind: 'uint' },
  sctp_src: { len: 2, maskable: false, kind: 'uint' },
  sctp_dst: { len: 2, maskable: false, kind: 'uint' },
  icmpv4_type: { len: 1, maskable: false, kind: 'uint' },
  icmpv4_code: { len: 1, maskable: false, kind: 'uint' },
  arp_op: { len: 2, maskable: false, kind: 'uint' },
  arp_spa: { len: 4, maskable: true, kind: 'ipv4' },
  arp_tpa: { len: 4, maskable: true, kind: 'ipv4' },
  arp_sha: { len: 6, maskable: true, kind: 'mac' },
  arp_tha: { len: 6, maskable: true, kind: 'mac' },
  ipv6_src: { len: 16, maskable: true, kind: 'ipv6' },
  ipv6_dst: { len: 16, maskable: true, kind: 'ipv6' },
  ipv6_flabel: { len: 4, maskable: true, kind: 'uint', bits: 20 },
  icmpv6_type: { len: 1, maskable: false, kind: 'uint' },
  icmpv6_code: { len: 1, maskable: false, kind: 'uint' },
  ipv6_nd_target: { len: 16, maskable: false, kind: 'ipv6' },
  ipv6_nd_sll: { len: 6, maskable: false, kind: 'mac' },
  ipv6_nd_tll: { len: 6, maskable: false, kind: 'mac' },
  mpls_label: { len: 4, maskable: false, kind: 'uint', bits: 20 },
  mpls_tc: { len: 1, maskable: false, kind: 'uint', bits: 3 },
  mpls_bos: { len: 1, maskable: false, kind: 'uint', bits: 1 },
  pbb_isid: { len: 3, maskable: true, kind: 'uint' },
  tunnel_id: { len: 8, maskable: true, kind: 'u64' },
  ipv6_exthdr: { len: 2, maskable: true, kind: 'uint', bits: 9 },
};
const OXM_NAMES = Object.keys(OXM) as OxmName[];

/** Value bytes: mostly random, often all zero or all one (to hit "::" and full masks). */
const valueBytes = (len: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ minLength: len, maxLength: len }) },
    { weight: 2, arbitrary: fc.array(fc.constantFrom(0, 0, 0xff, 1), { minLength: len, maxLength: len }).map((a) => Uint8Array.from(a)) },
  );

function represent(name: OxmName, b: Uint8Array): OxmBasic['value'] {
  const f = OXM[name];
  switch (f.kind) {
    case 'mac':
      return macText(b);
    case 'ipv4':
      return ipv4Text(b);
    case 'ipv6':
      return ipv6Text(b);
    case 'u64':
      return Buffer.from(b).readBigUInt64BE(0);
    case 'uint': {
      let v = 0;
      for (const x of b) v = v * 256 + x;
      return f.bits === undefined ? v : v % 2 ** f.bits;
    }
  }
}

/** One basic field; `value` fixes it (a prerequisite); `mask` false forbids one (set_field). */
function oxmBasic(name: OxmName, opts: { value?: number; mask?: boolean } = {}): fc.Arbitrary<OxmBasic> {
  const f = OXM[name];
  if (opts.value !== undefined) return fc.constant({ field: name, value: opts.value });
  const masked = f.maskable && opts.mask !== false ? fc.boolean() : fc.constant(false);
  return fc.tuple(valueBytes(f.len), valueBytes(f.len), masked).map(([v, m, hasMask]): OxmBasic => {
    if (!hasMask) return { field: name, value: represent(name, v) };
    // A value bit under a zero mask bit is meaningless (§7.2.3.5): keep them consistent.
    const value = v.map((x, i) => x & m[i]!);
    return { field: name, value: represent(name, value), mask: represent(name, m) };
  });
}

/** A field of another class, kept as bytes: NXM_1, or experimenter (payload starts with its id). */
function oxmOther(allowMask: boolean): fc.Arbitrary<OxmOther> {
  return fc
    .tuple(fc.constantFrom(OFPXMC.NXM_0, OFPXMC.NXM_1, OFPXMC.EXPERIMENTER), fc.integer({ min: 0, max: 127 }), allowMask ? fc.boolean() : fc.constant(false), fc.integer({ min: 0, max: 6 }))
    .chain(([oxm_class, oxm_field, hasmask, n]) => {
      const min = oxm_class === OFPXMC.EXPERIMENTER ? 4 : 0;
      const len = hasmask ? Math.max(2, 2 * n) + min : n + min;
      return fc.uint8Array({ minLength: len, maxLength: len }).map((p): OxmOther => ({ field: 'other', oxm_class, oxm_field, hasmask, payload: Buffer.from(p) }));
    });
}

/**
 * A match whose prerequisites hold (§7.2.3.6), in an order that puts them
 * first: some L2 fields, then one network protocol and its fields, then one
 * transport protocol and its fields, then fields of other classes.
 */
const matchArb: fc.Arbitrary<Match> = fc
  .record({
    l2: fc.subarray(['in_port', 'metadata', 'eth_dst', 'eth_src', 'tunnel_id'] as OxmName[]),
    phy: fc.boolean(),
    vlan: fc.constantFrom('none', 'vid', 'vid+pcp'),
    l3: fc.constantFrom('none', 'ipv4', 'ipv6', 'arp', 'mpls', 'pbb'),
    l3fields: fc.subarray(['a', 'b', 'c', 'd']),
    l4: fc.constantFrom('none', 'tcp', 'udp', 'sctp', 'icmp'),
    l4fields: fc.subarray(['a', 'b']),
    nd: fc.constantFrom('none', 'ns', 'na'),
    others: fc.array(oxmOther(true), { maxLength: 2 }),
  })
  .chain((p) => {
    const parts: fc.Arbitrary<OxmField>[] = p.l2.map((n) => oxmBasic(n));
    if (p.phy && p.l2.includes('in_port')) parts.push(oxmBasic('in_phy_port'));
    if (p.vlan !== 'none') {
      // vlan_pcp needs a present VLAN: an exact vid with OFPVID_PRESENT.
      parts.push(p.vlan === 'vid' ? oxmBasic('vlan_vid') : fc.integer({ min: 0x1000, max: 0x1fff }).map((v) => ({ field: 'vlan_vid' as const, value: v })));
      if (p.vlan === 'vid+pcp') parts.push(oxmBasic('vlan_pcp'));
    }
    const pick = (names: OxmName[]): void => names.forEach((n, i) => p.l3fields.includes('abcd'[i]!) && parts.push(oxmBasic(n)));
    const ethType: Record<string, number> = { ipv4: 0x0800, ipv6: 0x86dd, arp: 0x0806, mpls: 0x8847, pbb: 0x88e7 };
    if (p.l3 !== 'none') parts.push(oxmBasic('eth_type', { value: ethType[p.l3]! }));
    if (p.l3 === 'arp') pick(['arp_op', 'arp_spa', 'arp_tpa', 'arp_sha']);
    if (p.l3 === 'mpls') pick(['mpls_label', 'mpls_tc', 'mpls_bos']);
    if (p.l3 === 'pbb') pick(['pbb_isid']);
    if (p.l3 === 'ipv4' || p.l3 === 'ipv6') {
      pick(p.l3 === 'ipv4' ? ['ip_dscp', 'ip_ecn', 'ipv4_src', 'ipv4_dst'] : ['ipv6_src', 'ipv6_dst', 'ipv6_flabel', 'ipv6_exthdr']);
      const l4 = p.l4 === 'icmp' ? (p.l3 === 'ipv4' ? 'icmpv4' : 'icmpv6') : p.l4;
      const proto: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmpv4: 1, icmpv6: 58 };
      if (l4 !== 'none') {
        parts.push(oxmBasic('ip_proto', { value: proto[l4]! }));
        const names = (l4.startsWith('icmp') ? ['type', 'code'] : ['src', 'dst']).map((s) => `${l4}_${s}` as OxmName);
        if (l4 === 'icmpv6' && p.nd !== 'none') {
          parts.push(oxmBasic('icmpv6_type', { value: p.nd === 'ns' ? 135 : 136 }));
          parts.push(oxmBasic('ipv6_nd_target'), oxmBasic(p.nd === 'ns' ? 'ipv6_nd_sll' : 'ipv6_nd_tll'));
        } else {
          names.forEach((n, i) => p.l4fields.includes('ab'[i]!) && parts.push(oxmBasic(n)));
        }
      }
    }
    return fc.tuple(...parts).map((fields) => [...fields, ...p.others]);
  });

/* -------------------------------------------------- actions, instructions */

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant(OFPAT.OUTPUT), port: u32, max_len: u16 }),
  fc.record({
    type: fc.constantFrom(OFPAT.COPY_TTL_OUT, OFPAT.COPY_TTL_IN, OFPAT.DEC_MPLS_TTL, OFPAT.POP_VLAN, OFPAT.DEC_NW_TTL, OFPAT.POP_PBB),
  }),
  fc.record({ type: fc.constant(OFPAT.SET_MPLS_TTL), mpls_ttl: u8 }),
  fc.record({ type: fc.constantFrom(OFPAT.PUSH_VLAN, OFPAT.PUSH_MPLS, OFPAT.PUSH_PBB), ethertype: u16 }),
  fc.record({ type: fc.constant(OFPAT.POP_MPLS), ethertype: u16 }),
  fc.record({ type: fc.constant(OFPAT.SET_QUEUE), queue_id: u32 }),
  fc.record({ type: fc.constant(OFPAT.GROUP), group_id: u32 }),
  fc.record({ type: fc.constant(OFPAT.SET_NW_TTL), nw_ttl: u8 }),
  // OF1.3 set_field carries no mask.
  fc.record({ type: fc.constant(OFPAT.SET_FIELD), field: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...OXM_NAMES).chain((n) => oxmBasic(n, { mask: false })) }, { weight: 1, arbitrary: oxmOther(false) }) }),
  // 8-byte header + data: data keeps the action a multiple of 8.
  fc.record({ type: fc.constant(OFPAT.EXPERIMENTER), experimenter: u32, data: bytesOf(8, 3) }),
);
const actionsArb = fc.array(actionArb, { maxLength: 5 });

/** At most one instruction of each type (§5.9). */
const instructionsArb: fc.Arbitrary<Instruction[]> = fc.uniqueArray(
  fc.oneof(
    fc.record({ type: fc.constant(OFPIT.GOTO_TABLE), table_id: u8 }),
    fc.record({ type: fc.constant(OFPIT.WRITE_METADATA), metadata: u64, metadata_mask: u64 }),
    fc.record({ type: fc.constantFrom(OFPIT.WRITE_ACTIONS, OFPIT.APPLY_ACTIONS), actions: actionsArb }),
    fc.record({ type: fc.constant(OFPIT.CLEAR_ACTIONS), actions: fc.constant([] as Action[]) }),
    fc.record({ type: fc.constant(OFPIT.METER), meter_id: u32 }),
    fc.record({ type: fc.constant(OFPIT.EXPERIMENTER), experimenter: u32, data: bytesOf(8, 2) }),
  ) as fc.Arbitrary<Instruction>,
  { selector: (i) => i.type, maxLength: 4 },
);

/* ----------------------------------------------------- common structures */

const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 }).map(macText);
const bucketArb: fc.Arbitrary<Bucket> = fc.record({ weight: u16, watch_port: u32, watch_group: u32, actions: actionsArb });
const bandArb: fc.Arbitrary<MeterBand> = fc.oneof(
  fc.record({ type: fc.constant(OFPMBT.DROP), rate: u32, burst_size: u32 }),
  fc.record({ type: fc.constant(OFPMBT.DSCP_REMARK), rate: u32, burst_size: u32, prec_level: u8 }),
  fc.record({ type: fc.constant(OFPMBT.EXPERIMENTER), rate: u32, burst_size: u32, experimenter: u32, data: bytesOf(8, 2) }),
);
const queuePropArb: fc.Arbitrary<QueueProp> = fc.oneof(
  fc.record({ property: fc.constantFrom(OFPQT.MIN_RATE, OFPQT.MAX_RATE), rate: u16 }),
  fc.record({ property: fc.constant(OFPQT.EXPERIMENTER), experimenter: u32, data: bytesOf(8, 2) }),
);
const queueArb: fc.Arbitrary<PacketQueue> = fc.record({ queue_id: u32, port: u32, properties: fc.array(queuePropArb, { maxLength: 3 }) });
const helloElemArb: fc.Arbitrary<HelloElem> = fc.oneof(
  fc.record({ type: fc.constant(OFPHET.VERSIONBITMAP), bitmaps: fc.array(u32, { minLength: 1, maxLength: 3 }) }),
  // An element the codec does not know: kept as bytes, padded on the wire.
  fc.record({ type: u16.filter((x) => x !== OFPHET.VERSIONBITMAP), data: bytes(13) }),
);
const portArb: fc.Arbitrary<Port> = fc.record({
  port_no: u32,
  hw_addr: macArb,
  name: text(15),
  config: u32,
  state: u32,
  curr: u32,
  advertised: u32,
  supported: u32,
  peer: u32,
  curr_speed: u32,
  max_speed: u32,
});

/* ---------------------------------------------------------- multipart */

const flowStatsRequestArb: fc.Arbitrary<FlowStatsRequest> = fc.record({ table_id: u8, out_port: u32, out_group: u32, cookie: u64, cookie_mask: u64, match: matchArb });
const flowStatsArb: fc.Arbitrary<FlowStats> = fc.record({
  table_id: u8,
  duration_sec: u32,
  duration_nsec: u32,
  priority: u16,
  idle_timeout: u16,
  hard_timeout: u16,
  flags: u16,
  cookie: u64,
  packet_count: u64,
  byte_count: u64,
  match: matchArb,
  instructions: instructionsArb,
});

const featureIds = (types: number[]): fc.Arbitrary<FeatureId[]> =>
  fc.array(
    fc.oneof(
      fc.record({ type: fc.constantFrom(...types), data: fc.constant(Buffer.alloc(0)) }),
      // An experimenter id: the experimenter, maybe more.
      fc.record({ type: fc.constant(0xffff), data: bytesOf(4, 2).filter((b) => b.length >= 4) }),
    ),
    { maxLength: 6 },
  );
const oxmIdArb: fc.Arbitrary<OxmId> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 39 }), fc.boolean()).map(([code, hasmask]): OxmId => {
    const f = OXM[OXM_NAMES[code]!];
    const mask = hasmask && f.maskable;
    return { oxm_class: OFPXMC.OPENFLOW_BASIC, oxm_field: code, hasmask: mask, length: mask ? 2 * f.len : f.len };
  }),
  fc.record({ oxm_class: fc.constantFrom(OFPXMC.NXM_0, OFPXMC.NXM_1), oxm_field: fc.integer({ min: 0, max: 127 }), hasmask: fc.boolean(), length: u8 }),
  fc.record({ oxm_class: fc.constant(OFPXMC.EXPERIMENTER), oxm_field: fc.integer({ min: 0, max: 127 }), hasmask: fc.boolean(), length: fc.integer({ min: 4, max: 255 }), experimenter: u32 }),
);
const INSTRUCTION_TYPES = [OFPIT.GOTO_TABLE, OFPIT.WRITE_METADATA, OFPIT.WRITE_ACTIONS, OFPIT.APPLY_ACTIONS, OFPIT.CLEAR_ACTIONS, OFPIT.METER];
const ACTION_TYPES = Object.values(OFPAT).filter((v): v is number => typeof v === 'number' && v !== OFPAT.EXPERIMENTER);
const tablePropArb: fc.Arbitrary<TableFeatureProp> = fc.oneof(
  fc.record({ type: fc.constantFrom(OFPTFPT.INSTRUCTIONS, OFPTFPT.INSTRUCTIONS_MISS), instruction_ids: featureIds(INSTRUCTION_TYPES) }),
  fc.record({ type: fc.constantFrom(OFPTFPT.NEXT_TABLES, OFPTFPT.NEXT_TABLES_MISS), table_ids: fc.array(u8, { maxLength: 9 }) }),
  fc.record({
    type: fc.constantFrom(OFPTFPT.WRITE_ACTIONS, OFPTFPT.WRITE_ACTIONS_MISS, OFPTFPT.APPLY_ACTIONS, OFPTFPT.APPLY_ACTIONS_MISS),
    action_ids: featureIds(ACTION_TYPES),
  }),
  fc.record({
    type: fc.constantFrom(OFPTFPT.MATCH, OFPTFPT.WILDCARDS, OFPTFPT.WRITE_SETFIELD, OFPTFPT.WRITE_SETFIELD_MISS, OFPTFPT.APPLY_SETFIELD, OFPTFPT.APPLY_SETFIELD_MISS),
    oxm_ids: fc.array(oxmIdArb, { maxLength: 6 }),
  }),
  // experimenter_data is uint32_t[]: whole words.
  fc.record({ type: fc.constantFrom(OFPTFPT.EXPERIMENTER, OFPTFPT.EXPERIMENTER_MISS), experimenter: u32, exp_type: u32, data: bytesOf(4, 3) }),
);
const tableFeaturesArb: fc.Arbitrary<TableFeatures> = fc.record({
  table_id: u8,
  name: text(31),
  metadata_match: u64,
  metadata_write: u64,
  config: u32,
  max_entries: u32,
  properties: fc.array(tablePropArb, { maxLength: 5 }),
});
const experimenterMpArb = fc.record({ experimenter: u32, exp_type: u32, data: bytes(24) });

const REQUEST_BODIES: Record<string, fc.Arbitrary<MultipartRequestBody>> = {
  'DESC, TABLE, GROUP_DESC, GROUP_FEATURES, METER_FEATURES, PORT_DESC': fc.record({
    mp_type: fc.constantFrom(OFPMP.DESC, OFPMP.TABLE, OFPMP.GROUP_DESC, OFPMP.GROUP_FEATURES, OFPMP.METER_FEATURES, OFPMP.PORT_DESC),
  }),
  'FLOW, AGGREGATE': fc.record({ mp_type: fc.constantFrom(OFPMP.FLOW, OFPMP.AGGREGATE), body: flowStatsRequestArb }),
  PORT_STATS: fc.record({ mp_type: fc.constant(OFPMP.PORT_STATS), body: fc.record({ port_no: u32 }) }),
  QUEUE: fc.record({ mp_type: fc.constant(OFPMP.QUEUE), body: fc.record({ port_no: u32, queue_id: u32 }) }),
  GROUP: fc.record({ mp_type: fc.constant(OFPMP.GROUP), body: fc.record({ group_id: u32 }) }),
  'METER, METER_CONFIG': fc.record({ mp_type: fc.constantFrom(OFPMP.METER, OFPMP.METER_CONFIG), body: fc.record({ meter_id: u32 }) }),
  TABLE_FEATURES: fc.record({ mp_type: fc.constant(OFPMP.TABLE_FEATURES), body: fc.array(tableFeaturesArb, { maxLength: 3 }) }),
  EXPERIMENTER: fc.record({ mp_type: fc.constant(OFPMP.EXPERIMENTER), body: experimenterMpArb }),
};

const list = <T>(a: fc.Arbitrary<T>, maxLength = 3): fc.Arbitrary<T[]> => fc.array(a, { maxLength });
const REPLY_BODIES: Record<string, fc.Arbitrary<MultipartReplyBody>> = {
  DESC: fc.record({
    mp_type: fc.constant(OFPMP.DESC),
    body: fc.record({ mfr_desc: text(255), hw_desc: text(255), sw_desc: text(255), serial_num: text(31), dp_desc: text(255) }),
  }),
  FLOW: fc.record({ mp_type: fc.constant(OFPMP.FLOW), body: list(flowStatsArb) }),
  AGGREGATE: fc.record({ mp_type: fc.constant(OFPMP.AGGREGATE), body: fc.record({ packet_count: u64, byte_count: u64, flow_count: u32 }) }),
  TABLE: fc.record({ mp_type: fc.constant(OFPMP.TABLE), body: list(fc.record({ table_id: u8, active_count: u32, lookup_count: u64, matched_count: u64 }), 5) }),
  PORT_STATS: fc.record({
    mp_type: fc.constant(OFPMP.PORT_STATS),
    body: list(
      fc.record({
        port_no: u32,
        rx_packets: u64,
        tx_packets: u64,
        rx_bytes: u64,
        tx_bytes: u64,
        rx_dropped: u64,
        tx_dropped: u64,
        rx_errors: u64,
        tx_errors: u64,
        rx_frame_err: u64,
        rx_over_err: u64,
        rx_crc_err: u64,
        collisions: u64,
        duration_sec: u32,
        duration_nsec: u32,
      }),
    ),
  }),
  QUEUE: fc.record({
    mp_type: fc.constant(OFPMP.QUEUE),
    body: list(fc.record({ port_no: u32, queue_id: u32, tx_bytes: u64, tx_packets: u64, tx_errors: u64, duration_sec: u32, duration_nsec: u32 })),
  }),
  GROUP: fc.record({
    mp_type: fc.constant(OFPMP.GROUP),
    body: list(
      fc.record({
        group_id: u32,
        ref_count: u32,
        packet_count: u64,
        byte_count: u64,
        duration_sec: u32,
        duration_nsec: u32,
        bucket_stats: list(fc.record({ packet_count: u64, byte_count: u64 }), 4),
      }),
    ),
  }),
  GROUP_DESC: fc.record({
    mp_type: fc.constant(OFPMP.GROUP_DESC),
    body: list(fc.record({ group_type: fc.constantFrom(OFPGT.ALL, OFPGT.SELECT, OFPGT.INDIRECT, OFPGT.FF), group_id: u32, buckets: list(bucketArb) })),
  }),
  GROUP_FEATURES: fc.record({
    mp_type: fc.constant(OFPMP.GROUP_FEATURES),
    body: fc.record({ types: u32, capabilities: u32, max_groups: fc.tuple(u32, u32, u32, u32), actions: fc.tuple(u32, u32, u32, u32) }),
  }),
  METER: fc.record({
    mp_type: fc.constant(OFPMP.METER),
    body: list(
      fc.record({
        meter_id: u32,
        flow_count: u32,
        packet_in_count: u64,
        byte_in_count: u64,
        duration_sec: u32,
        duration_nsec: u32,
        band_stats: list(fc.record({ packet_band_count: u64, byte_band_count: u64 }), 4),
      }),
    ),
  }),
  METER_CONFIG: fc.record({ mp_type: fc.constant(OFPMP.METER_CONFIG), body: list(fc.record({ flags: u16, meter_id: u32, bands: list(bandArb) })) }),
  METER_FEATURES: fc.record({
    mp_type: fc.constant(OFPMP.METER_FEATURES),
    body: fc.record({ max_meter: u32, band_types: u32, capabilities: u32, max_bands: u8, max_color: u8 }),
  }),
  TABLE_FEATURES: fc.record({ mp_type: fc.constant(OFPMP.TABLE_FEATURES), body: list(tableFeaturesArb) }),
  PORT_DESC: fc.record({ mp_type: fc.constant(OFPMP.PORT_DESC), body: list(portArb, 4) }),
  EXPERIMENTER: fc.record({ mp_type: fc.constant(OFPMP.EXPERIMENTER), body: experimenterMpArb }),
};

/* ------------------------------------------------------------ messages */

const hdr = { version: fc.constant(4), xid };
const bare = (type: OFPT): fc.Arbitrary<OfpMessage> => fc.record({ ...hdr, type: fc.constant(type) }) as fc.Arbitrary<OfpMessage>;

export const MESSAGES: Record<string, fc.Arbitrary<OfpMessage>> = {
  HELLO: fc.record({ ...hdr, type: fc.constant(OFPT.HELLO), elements: list(helloElemArb) }),
  ERROR: fc.oneof(
    fc.record({ ...hdr, type: fc.constant(OFPT.ERROR), err_type: u16.filter((x) => x !== OFPET.EXPERIMENTER), code: u16, data: bytes(80) }),
    fc.record({ ...hdr, type: fc.constant(OFPT.ERROR), err_type: fc.constant(OFPET.EXPERIMENTER as 0xffff), exp_type: u16, experimenter: u32, data: bytes(80) }),
  ),
  ECHO_REQUEST: fc.record({ ...hdr, type: fc.constant(OFPT.ECHO_REQUEST), data: bytes(64) }),
  ECHO_REPLY: fc.record({ ...hdr, type: fc.constant(OFPT.ECHO_REPLY), data: bytes(64) }),
  EXPERIMENTER: fc.record({ ...hdr, type: fc.constant(OFPT.EXPERIMENTER), experimenter: u32, exp_type: u32, data: bytes(64) }),
  FEATURES_REQUEST: bare(OFPT.FEATURES_REQUEST),
  FEATURES_REPLY: fc.record({ ...hdr, type: fc.constant(OFPT.FEATURES_REPLY), datapath_id: u64, n_buffers: u32, n_tables: u8, auxiliary_id: u8, capabilities: u32, reserved: u32 }),
  GET_CONFIG_REQUEST: bare(OFPT.GET_CONFIG_REQUEST),
  'GET_CONFIG_REPLY, SET_CONFIG': fc.record({ ...hdr, type: fc.constantFrom(OFPT.GET_CONFIG_REPLY, OFPT.SET_CONFIG), flags: u16, miss_send_len: u16 }),
  PACKET_IN: fc.record({ ...hdr, type: fc.constant(OFPT.PACKET_IN), buffer_id: u32, total_len: u16, reason: u8, table_id: u8, cookie: u64, match: matchArb, data: bytes(100) }),
  FLOW_REMOVED: fc.record({
    ...hdr,
    type: fc.constant(OFPT.FLOW_REMOVED),
    cookie: u64,
    priority: u16,
    reason: u8,
    table_id: u8,
    duration_sec: u32,
    duration_nsec: u32,
    idle_timeout: u16,
    hard_timeout: u16,
    packet_count: u64,
    byte_count: u64,
    match: matchArb,
  }),
  PORT_STATUS: fc.record({ ...hdr, type: fc.constant(OFPT.PORT_STATUS), reason: u8, desc: portArb }),
  PACKET_OUT: fc.record({ ...hdr, type: fc.constant(OFPT.PACKET_OUT), buffer_id: u32, in_port: u32, actions: actionsArb, data: bytes(100) }),
  FLOW_MOD: fc.record({
    ...hdr,
    type: fc.constant(OFPT.FLOW_MOD),
    cookie: u64,
    cookie_mask: u64,
    table_id: u8,
    command: fc.integer({ min: 0, max: 4 }),
    idle_timeout: u16,
    hard_timeout: u16,
    priority: u16,
    buffer_id: u32,
    out_port: u32,
    out_group: u32,
    flags: fc.integer({ min: 0, max: 31 }),
    match: matchArb,
    instructions: instructionsArb,
  }),
  GROUP_MOD: fc.record({
    ...hdr,
    type: fc.constant(OFPT.GROUP_MOD),
    command: fc.constantFrom(OFPGC.ADD, OFPGC.MODIFY, OFPGC.DELETE),
    group_type: fc.constantFrom(OFPGT.ALL, OFPGT.SELECT, OFPGT.INDIRECT, OFPGT.FF),
    group_id: u32,
    buckets: list(bucketArb),
  }),
  PORT_MOD: fc.record({ ...hdr, type: fc.constant(OFPT.PORT_MOD), port_no: u32, hw_addr: macArb, config: u32, mask: u32, advertise: u32 }),
  TABLE_MOD: fc.record({ ...hdr, type: fc.constant(OFPT.TABLE_MOD), table_id: u8, config: u32 }),
  BARRIER_REQUEST: bare(OFPT.BARRIER_REQUEST),
  BARRIER_REPLY: bare(OFPT.BARRIER_REPLY),
  QUEUE_GET_CONFIG_REQUEST: fc.record({ ...hdr, type: fc.constant(OFPT.QUEUE_GET_CONFIG_REQUEST), port: u32 }),
  QUEUE_GET_CONFIG_REPLY: fc.record({ ...hdr, type: fc.constant(OFPT.QUEUE_GET_CONFIG_REPLY), port: u32, queues: list(queueArb) }),
  'ROLE_REQUEST, ROLE_REPLY': fc.record({
    ...hdr,
    type: fc.constantFrom(OFPT.ROLE_REQUEST, OFPT.ROLE_REPLY),
    role: fc.constantFrom(OFPCR_ROLE.NOCHANGE, OFPCR_ROLE.EQUAL, OFPCR_ROLE.MASTER, OFPCR_ROLE.SLAVE),
    generation_id: u64,
  }),
  GET_ASYNC_REQUEST: bare(OFPT.GET_ASYNC_REQUEST),
  'GET_ASYNC_REPLY, SET_ASYNC': fc.record({
    ...hdr,
    type: fc.constantFrom(OFPT.GET_ASYNC_REPLY, OFPT.SET_ASYNC),
    packet_in_mask: fc.tuple(u32, u32),
    port_status_mask: fc.tuple(u32, u32),
    flow_removed_mask: fc.tuple(u32, u32),
  }),
  METER_MOD: fc.record({
    ...hdr,
    type: fc.constant(OFPT.METER_MOD),
    command: fc.constantFrom(OFPMC.ADD, OFPMC.MODIFY, OFPMC.DELETE),
    flags: u16,
    meter_id: u32,
    bands: list(bandArb),
  }),
};
for (const [name, body] of Object.entries(REQUEST_BODIES)) {
  MESSAGES[`MULTIPART_REQUEST ${name}`] = fc
    .tuple(xid, u16, body)
    .map(([x, flags, b]) => ({ version: 4, xid: x, type: OFPT.MULTIPART_REQUEST, flags, ...b }) as OfpMessage);
}
for (const [name, body] of Object.entries(REPLY_BODIES)) {
  MESSAGES[`MULTIPART_REPLY ${name}`] = fc
    .tuple(xid, u16, body)
    .map(([x, flags, b]) => ({ version: 4, xid: x, type: OFPT.MULTIPART_REPLY, flags, ...b }) as OfpMessage);
}
