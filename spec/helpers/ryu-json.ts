/**
 * Ryu's JSON for an OpenFlow 1.3 message, turned into the value our
 * `decodeMessage` must return for the same bytes.
 *
 * Ryu's test data (fixtures/ryu/json-of13) is Ryu's parser's reading of each
 * recorded message: one top-level key, the Ryu class (`OFPFlowMod`), whose
 * value holds the spec's fields; nested structures are again
 * `{Class: {...}}`; opaque bytes are base64; OXM fields are
 * `{OXMTlv: {field, value, mask}}`. Ryu names fields as the spec does, so
 * most of the mapping renames a few fields (`type` → `err_type`,
 * `group_type`, `mp_type`) and turns classes into OFPT/OFPAT/OFPIT/OFPMP
 * numbers. The rest is where the two forms differ in kind:
 *
 * - Lengths. Ryu reports `len`, `length`, `actions_len`, `match_len`; our
 *   decoded form derives them. Each one is checked against the byte size
 *   of what it measures, computed here from the spec's struct sizes (the
 *   `*Size` functions below), and the whole message's size is checked
 *   against the packet; so no length is dropped unchecked, and a wrong size
 *   function cannot hide because the total is anchored to real bytes.
 * - Experimenter payloads. We keep Nicira/ONF actions, experimenter OXM
 *   fields and experimenter multipart bodies as bytes; Ryu decodes them into
 *   fields. For those the mapping encodes Ryu's fields back into bytes
 *   following the layouts in Ryu's `nicira_ext.py` / `nx_actions.py` (the
 *   same as Open vSwitch's `nicira-ext.h`), so every field Ryu reports still
 *   lands in a compared byte. What that cannot see is listed in
 *   `NOT_INDEPENDENTLY_CHECKED`.
 * - Numbers. 64-bit fields are bigints in our form; Ryu writes them as bare
 *   JSON integers up to 2^64, which `JSON.parse` would round, so the files
 *   are read with `parseRyuJson`, which keeps integers beyond 2^53 exact.
 * - Fields Ryu leaves out of its JSON (ofp_header's version and xid,
 *   ofp_switch_features' reserved) are read from the packet at their spec
 *   offsets, which is as independent of our codec as Ryu is.
 *
 * Every Ryu object is read through `RyuObj`, which records the fields taken;
 * a field nobody took is reported as a problem, so a field cannot be skipped
 * by accident, only by a line that says why.
 *
 * Where Ryu's JSON and the spec (OpenFlow Switch Specification 1.3.5)
 * disagree, our codec follows the spec; each such place below is marked
 * "SPEC:".
 */
import { readFileSync } from 'node:fs';
import { OFPAT, OFPHET, OFPIT, OFPMBT, OFPMP, OFPQT, OFPT, OFPTFPT } from '../../lib/openflow/constants.js';
import type {
  Action,
  Bucket,
  FeatureId,
  FlowStatsRequest,
  HelloElem,
  Instruction,
  Match,
  MeterBand,
  MultipartReplyBody,
  MultipartRequestBody,
  OfpMessage,
  OxmField,
  OxmId,
  OxmName,
  PacketQueue,
  Port,
  QueueProp,
  TableFeatureProp,
  TableFeatures,
} from '../../lib/openflow/types.js';

/**
 * What the mapping could not compare field by field, and why. The test
 * prints it so that a reader of the results sees the gaps.
 */
export const NOT_INDEPENDENTLY_CHECKED: readonly string[] = [
  "NXActionNAT.range_present: Ryu does not report it; it is rebuilt from which range_* fields are set (non-empty, non-null), as Ryu's own serializer does.",
  'NXActionController2: Ryu does not report the order of its properties; they are rebuilt in the order Ryu serializes them (max_len, controller_id, reason, userdata, pause), which is the order in the recorded bytes.',
  'Padding bytes inside Nicira actions and the ONF flow monitor request are rebuilt as zeros; Ryu does not report them (Ryu pads with zeros too). The round trip of the recorded bytes covers them.',
  'The ofp_header fields version and xid, and ofp_switch_features.reserved, are not in Ryu\'s JSON; they are read from the packet at their spec offsets instead.',
];

/* ------------------------------------------------------------ JSON */

/**
 * JSON.parse, except that integers beyond 2^53 come back as exact bigints
 * (Ryu writes 64-bit fields such as cookie_mask = 2^64-1 as bare integers).
 */
export function parseRyuJson(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`Ryu JSON: ${what} at offset ${i}`);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const STRING = /"(?:[^"\\]|\\.)*"/y;
  const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
  const str = (): string => {
    STRING.lastIndex = i;
    const m = STRING.exec(text) ?? fail('string expected');
    i = STRING.lastIndex;
    return JSON.parse(m[0]) as string;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') return i++, o;
      for (;;) {
        ws();
        const k = str();
        ws();
        if (text[i++] !== ':') fail("':' expected");
        o[k] = value();
        ws();
        const d = text[i++];
        if (d === '}') return o;
        if (d !== ',') fail("',' or '}' expected");
      }
    }
    if (c === '[') {
      i++;
      const a: unknown[] = [];
      ws();
      if (text[i] === ']') return i++, a;
      for (;;) {
        a.push(value());
        ws();
        const d = text[i++];
        if (d === ']') return a;
        if (d !== ',') fail("',' or ']' expected");
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) return (i += word.length), v;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text) ?? fail('value expected');
    i = NUMBER.lastIndex;
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return v;
}

export function readRyuJson(file: string): unknown {
  return parseRyuJson(readFileSync(file, 'utf8'));
}

/* ------------------------------------------------- reading Ryu objects */

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The problems one mapping found: inconsistent lengths, fields left unmapped. */
class Ctx {
  readonly problems: string[] = [];
}

/**
 * One Ryu object `{Class: {fields}}`. Accessors throw on a missing field or
 * a value of the wrong kind (the mapping is wrong, or the file is not what
 * this helper was written for); `done()` reports fields nobody took.
 */
class RyuObj {
  private readonly taken = new Set<string>();

  constructor(
    readonly cls: string,
    private readonly o: Dict,
    readonly path: string,
    private readonly ctx: Ctx,
  ) {}

  static wrap(v: unknown, path: string, ctx: Ctx): RyuObj {
    if (!isDict(v)) throw new Error(`${path}: expected {RyuClass: {...}}, got ${String(v)}`);
    const keys = Object.keys(v);
    const inner = v[keys[0]!];
    if (keys.length !== 1 || !isDict(inner)) throw new Error(`${path}: expected one Ryu class, got keys ${keys.join(',')}`);
    return new RyuObj(keys[0]!, inner, `${path}.${keys[0]}`, ctx);
  }

  has(k: string): boolean {
    return k in this.o;
  }

  raw(k: string): unknown {
    if (!(k in this.o)) throw new Error(`${this.path}: Ryu's ${this.cls} has no field '${k}'`);
    this.taken.add(k);
    return this.o[k];
  }

  private bad(k: string, what: string, v: unknown): never {
    throw new Error(`${this.path}.${k}: expected ${what}, got ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`);
  }

  /** A field of up to 32 bits. */
  int(k: string): number {
    const v = this.raw(k);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) this.bad(k, 'an integer of ≤ 32 bits', v);
    return v;
  }

  /** A 64-bit field: our form has a bigint whatever the size of the value. */
  big(k: string): bigint {
    const v = this.raw(k);
    if (typeof v === 'bigint') return v;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.bad(k, 'an integer', v);
    return BigInt(v);
  }

  str(k: string): string {
    const v = this.raw(k);
    if (typeof v !== 'string') this.bad(k, 'a string', v);
    return v;
  }

  /** A `char name[N]` field (see `wireText`). */
  text(k: string): string {
    return wireText(this.str(k));
  }

  /** Opaque bytes, which Ryu writes as base64. */
  b64(k: string): Buffer {
    return Buffer.from(this.str(k), 'base64');
  }

  list(k: string): unknown[] {
    const v = this.raw(k);
    if (!Array.isArray(v)) this.bad(k, 'a list', v);
    return v;
  }

  ints(k: string): number[] {
    return this.list(k).map((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) this.bad(`${k}[${i}]`, 'an integer', v);
      return v;
    });
  }

  /** Bytes that Ryu writes as a list of numbers. */
  byteList(k: string): Buffer {
    const v = this.ints(k);
    if (v.some((x) => x > 0xff)) this.bad(k, 'a list of bytes', v);
    return Buffer.from(v);
  }

  obj(k: string): RyuObj {
    return RyuObj.wrap(this.raw(k), `${this.path}.${k}`, this.ctx);
  }

  /** A value already taken with `raw`, read as a Ryu object. */
  wrapValue(v: unknown, k: string): RyuObj {
    return RyuObj.wrap(v, `${this.path}.${k}`, this.ctx);
  }

  objs(k: string): RyuObj[] {
    return this.list(k).map((v, i) => RyuObj.wrap(v, `${this.path}.${k}[${i}]`, this.ctx));
  }

  /** A Ryu length field: it must equal `size`, the bytes of what it measures. */
  len(k: string, size: number): void {
    const v = this.int(k);
    if (v !== size) this.problem(`${k} is ${v}, but what it measures takes ${size} bytes`);
  }

  /** Ryu's copy of a code that the class already determines: it must agree. */
  code(k: string, expected: number): void {
    const v = this.int(k);
    if (v !== expected) this.problem(`${k} is ${v}, but ${this.cls} means ${expected}`);
  }

  /** A field that must be JSON null here. */
  nul(k: string): void {
    const v = this.raw(k);
    if (v !== null) this.bad(k, 'null', v);
  }

  problem(what: string): void {
    this.ctx.problems.push(`${this.path}: ${what}`);
  }

  /** Call when the mapping of this object is complete. */
  done(): void {
    for (const k of Object.keys(this.o)) if (!this.taken.has(k)) this.problem(`Ryu field '${k}' was not mapped`);
  }
}

/**
 * Text of a fixed-width `char[]` field (port and table names, desc strings).
 * SPEC: §7.2.1 only says "null-terminated" and gives no character set. Ryu
 * decodes the bytes as UTF-8 (4-39's port name is "私のポート"); our codec
 * keeps one character per byte (latin1), so that any name round-trips. The
 * mapping turns Ryu's text back into its UTF-8 bytes and reads those one
 * character per byte, which compares the bytes themselves.
 */
function wireText(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/* ------------------------------------------------------- byte building */

/** A minimal big-endian byte builder, for payloads Ryu reports as fields. */
class Bytes {
  private readonly out: number[] = [];

  get length(): number {
    return this.out.length;
  }
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16((v >>> 16) & 0xffff).u16(v & 0xffff);
  }
  u64(v: bigint): this {
    return this.u32(Number((v >> 32n) & 0xffffffffn)).u32(Number(v & 0xffffffffn));
  }
  /** An unsigned integer of `n` bytes. */
  uint(v: number | bigint, n: number): this {
    let x = BigInt(v);
    const b: number[] = [];
    for (let k = 0; k < n; k++, x >>= 8n) b.unshift(Number(x & 0xffn));
    if (x !== 0n) throw new RangeError(`${v} does not fit in ${n} bytes`);
    for (const y of b) this.u8(y);
    return this;
  }
  raw(b: Uint8Array): this {
    for (const x of b) this.out.push(x);
    return this;
  }
  zeros(n: number): this {
    for (let k = 0; k < n; k++) this.out.push(0);
    return this;
  }
  /** Zeros up to the next multiple of 8 from the start. */
  pad8(): this {
    return this.zeros((8 - (this.out.length % 8)) % 8);
  }
  buf(): Buffer {
    return Buffer.from(this.out);
  }
}

const pad8 = (n: number): number => (n + 7) & ~7;
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function macBytes(s: string): Buffer {
  const parts = s.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new RangeError(`not a MAC: ${s}`);
  return Buffer.from(parts.join(''), 'hex');
}

function ipv4Bytes(s: string): Buffer {
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError(`not IPv4: ${s}`);
  return Buffer.from(parts);
}

function ipv6Bytes(s: string): Buffer {
  const halves = s.split('::');
  if (halves.length > 2) throw new RangeError(`not IPv6: ${s}`);
  const groups = (h: string): number[] => (h === '' ? [] : h.split(':').map((g) => parseInt(g, 16)));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...Array<number>(fill).fill(0), ...tail];
  if (all.length !== 8 || all.some((g) => !(g >= 0 && g <= 0xffff))) throw new RangeError(`not IPv6: ${s}`);
  const b = new Bytes();
  for (const g of all) b.u16(g);
  return b.buf();
}

/* ------------------------------------------------------------------ OXM */

type Kind = 'int' | 'mac' | 'ipv4' | 'ipv6';

/** One OXM/NXM field as Ryu names it. */
interface FieldDef {
  oxm_class: number;
  oxm_field: number;
  /** Value bytes (without the experimenter header). */
  size: number;
  kind: Kind;
  /** Our OxmName for the OpenFlow basic class. */
  basic?: OxmName;
  /** ONF EXT-256 experimenter fields: the experimenter id and the 16-bit exp_type after it. */
  onf?: { experimenter: number; exp_type: number };
}

/** spec §7.2.3.7, Table 12 ("OXM Flow match field types"): number, bytes, kind. */
const BASIC_FIELDS: ReadonlyArray<[OxmName, number, Kind]> = [
  ['in_port', 4, 'int'],
  ['in_phy_port', 4, 'int'],
  ['metadata', 8, 'int'],
  ['eth_dst', 6, 'mac'],
  ['eth_src', 6, 'mac'],
  ['eth_type', 2, 'int'],
  ['vlan_vid', 2, 'int'],
  ['vlan_pcp', 1, 'int'],
  ['ip_dscp', 1, 'int'],
  ['ip_ecn', 1, 'int'],
  ['ip_proto', 1, 'int'],
  ['ipv4_src', 4, 'ipv4'],
  ['ipv4_dst', 4, 'ipv4'],
  ['tcp_src', 2, 'int'],
  ['tcp_dst', 2, 'int'],
  ['udp_src', 2, 'int'],
  ['udp_dst', 2, 'int'],
  ['sctp_src', 2, 'int'],
  ['sctp_dst', 2, 'int'],
  ['icmpv4_type', 1, 'int'],
  ['icmpv4_code', 1, 'int'],
  ['arp_op', 2, 'int'],
  ['arp_spa', 4, 'ipv4'],
  ['arp_tpa', 4, 'ipv4'],
  ['arp_sha', 6, 'mac'],
  ['arp_tha', 6, 'mac'],
  ['ipv6_src', 16, 'ipv6'],
  ['ipv6_dst', 16, 'ipv6'],
  ['ipv6_flabel', 4, 'int'],
  ['icmpv6_type', 1, 'int'],
  ['icmpv6_code', 1, 'int'],
  ['ipv6_nd_target', 16, 'ipv6'],
  ['ipv6_nd_sll', 6, 'mac'],
  ['ipv6_nd_tll', 6, 'mac'],
  ['mpls_label', 4, 'int'],
  ['mpls_tc', 1, 'int'],
  ['mpls_bos', 1, 'int'],
  ['pbb_isid', 3, 'int'],
  ['tunnel_id', 8, 'int'],
  ['ipv6_exthdr', 2, 'int'],
];

/**
 * Nicira fields by Ryu's names (ryu/ofproto/nicira_ext.py `oxm_types`, the
 * NXM_* codes of Open vSwitch's meta-flow.h): class, field, bytes, kind.
 * Ryu suffixes "_nxm" where a name would clash with an OpenFlow basic one.
 */
const NX_FIELDS: ReadonlyArray<[string, number, number, number, Kind]> = [
  ['eth_dst_nxm', 0, 1, 6, 'mac'],
  ['eth_src_nxm', 0, 2, 6, 'mac'],
  ['eth_type_nxm', 0, 3, 2, 'int'],
  ['ip_proto_nxm', 0, 6, 1, 'int'],
  ['tunnel_id_nxm', 1, 16, 8, 'int'],
  ['tun_ipv4_src', 1, 31, 4, 'ipv4'],
  ['tun_ipv4_dst', 1, 32, 4, 'ipv4'],
  ['pkt_mark', 1, 33, 4, 'int'],
  ['tcp_flags_nxm', 1, 34, 2, 'int'],
  ['conj_id', 1, 37, 4, 'int'],
  ['ct_state', 1, 105, 4, 'int'],
  ['ct_zone', 1, 106, 2, 'int'],
  ['ct_mark', 1, 107, 4, 'int'],
  ['ct_label', 1, 108, 16, 'int'],
  ['tun_ipv6_src', 1, 109, 16, 'ipv6'],
  ['tun_ipv6_dst', 1, 110, 16, 'ipv6'],
  ...Array.from({ length: 8 }, (_, n): [string, number, number, number, Kind] => [`reg${n}`, 1, n, 4, 'int']),
];

/** ONF's experimenter id, "ONF\0" (ofproto_common.ONF_EXPERIMENTER_ID). */
const ONF_EXPERIMENTER_ID = 0x4f4e4600;
/** Nicira's experimenter id (NX_EXPERIMENTER_ID). */
const NX_EXPERIMENTER_ID = 0x00002320;

const OXM_FIELDS: ReadonlyMap<string, FieldDef> = new Map<string, FieldDef>([
  ...BASIC_FIELDS.map(([name, size, kind], n): [string, FieldDef] => [
    name,
    { oxm_class: 0x8000, oxm_field: n, size, kind, basic: name },
  ]),
  ...NX_FIELDS.map(([name, oxm_class, oxm_field, size, kind]): [string, FieldDef] => [
    name,
    { oxm_class, oxm_field, size, kind },
  ]),
  // ONF EXT-256 PBB UCA bit (Ryu ofproto_v1_3.py: ONFExperimenter('pbb_uca', 2560, Int1)).
  // SPEC: §7.2.3.10 (struct ofp_oxm_experimenter_header) defines an
  // experimenter OXM as header + 32-bit experimenter id + payload; the
  // 16-bit 2560 that EXT-256 puts after the id is, for the spec and for us,
  // the start of the payload. Ryu treats it as part of the field's identity
  // and reports only the 1-byte value. The header's own field number is 0.
  ['pbb_uca', { oxm_class: 0xffff, oxm_field: 0, size: 1, kind: 'int', onf: { experimenter: ONF_EXPERIMENTER_ID, exp_type: 2560 } }],
]);

function fieldDef(name: string, path: string): FieldDef {
  const d = OXM_FIELDS.get(name);
  if (d === undefined) throw new Error(`${path}: OXM field '${name}' is not in this helper's table`);
  return d;
}

/** A field value (or mask) in Ryu's JSON, as wire bytes. */
function valueBytes(d: FieldDef, v: unknown, path: string): Buffer {
  switch (d.kind) {
    case 'int':
      if (typeof v !== 'number' && typeof v !== 'bigint') throw new Error(`${path}: expected an integer, got ${String(v)}`);
      return new Bytes().uint(v, d.size).buf();
    case 'mac':
    case 'ipv4':
    case 'ipv6':
      if (typeof v !== 'string') throw new Error(`${path}: expected an address, got ${String(v)}`);
      return d.kind === 'mac' ? macBytes(v) : d.kind === 'ipv4' ? ipv4Bytes(v) : ipv6Bytes(v);
  }
}

/** A field value in Ryu's JSON, as our OxmBasic holds it. */
function basicValue(d: FieldDef, v: unknown, path: string): number | bigint | string {
  if (d.kind !== 'int') {
    if (typeof v !== 'string') throw new Error(`${path}: expected an address, got ${String(v)}`);
    return v;
  }
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new Error(`${path}: expected an integer, got ${String(v)}`);
  // types.ts: numbers for fields up to 32 bits, bigints for metadata and tunnel_id.
  return d.size === 8 ? BigInt(v) : Number(v);
}

/** `{OXMTlv: {field, value, mask}}` → our OXM field. */
function mapOxm(r: RyuObj): OxmField {
  if (r.cls !== 'OXMTlv') throw new Error(`${r.path}: expected OXMTlv`);
  const name = r.str('field');
  const d = fieldDef(name, r.path);
  const value = r.raw('value');
  const mask = r.raw('mask');
  r.done();
  if (d.basic !== undefined) {
    const f: OxmField = { field: d.basic, value: basicValue(d, value, `${r.path}.value`) };
    if (mask !== null) f.mask = basicValue(d, mask, `${r.path}.mask`);
    return f;
  }
  // Not an OpenFlow basic field: our form keeps the payload, i.e. everything
  // after the 4-byte header, experimenter id included.
  const p = new Bytes();
  if (d.onf) p.u32(d.onf.experimenter).u16(d.onf.exp_type);
  p.raw(valueBytes(d, value, `${r.path}.value`));
  if (mask !== null) p.raw(valueBytes(d, mask, `${r.path}.mask`));
  return { field: 'other', oxm_class: d.oxm_class, oxm_field: d.oxm_field, hasmask: mask !== null, payload: p.buf() };
}

const BASIC_BY_NAME: ReadonlyMap<string, FieldDef> = new Map(
  [...OXM_FIELDS.values()].filter((d) => d.basic !== undefined).map((d) => [d.basic!, d]),
);

/** Bytes of one OXM TLV, header included. */
function oxmBytes(f: OxmField): Buffer {
  const b = new Bytes();
  if (f.field === 'other') {
    return b.u16(f.oxm_class).u8((f.oxm_field << 1) | (f.hasmask ? 1 : 0)).u8(f.payload.length).raw(f.payload).buf();
  }
  const d = BASIC_BY_NAME.get(f.field)!;
  const v = valueBytes(d, f.value, f.field);
  const m = f.mask === undefined ? undefined : valueBytes(d, f.mask, f.field);
  b.u16(0x8000).u8((d.oxm_field << 1) | (m ? 1 : 0)).u8(v.length + (m?.length ?? 0)).raw(v);
  if (m) b.raw(m);
  return b.buf();
}

/** The 32-bit NXM/OXM header Nicira actions use to name a field ("reg0"), or 0 for "". */
function nxmHeader(name: string, path: string): number {
  if (name === '') return 0;
  const d = fieldDef(name, path);
  if (d.onf) throw new Error(`${path}: experimenter field ${name} has no 32-bit header`);
  return ((d.oxm_class << 16) | (d.oxm_field << 9) | d.size) >>> 0;
}

/** `{OFPMatch: {type, length, oxm_fields}}` → our Match. */
function mapMatch(r: RyuObj): Match {
  if (r.cls !== 'OFPMatch') throw new Error(`${r.path}: expected OFPMatch`);
  r.code('type', 1); // OFPMT_OXM, the only match type of OF1.3 we decode
  const m = r.objs('oxm_fields').map(mapOxm);
  r.len('length', matchLen(m));
  r.done();
  return m;
}

/* -------------------------------------------------------------- sizes */

function oxmSize(f: OxmField): number {
  if (f.field === 'other') return 4 + f.payload.length;
  return 4 + BASIC_BY_NAME.get(f.field)!.size * (f.mask === undefined ? 1 : 2);
}
/** ofp_match.length: header and fields, without the padding that follows. */
const matchLen = (m: Match): number => 4 + sum(m.map(oxmSize));

function actionSize(a: Action): number {
  switch (a.type) {
    case OFPAT.OUTPUT:
      return 16; // struct ofp_action_output
    case OFPAT.SET_FIELD:
      return pad8(4 + oxmSize(a.field)); // struct ofp_action_set_field, padded
    case OFPAT.EXPERIMENTER:
      return 8 + a.data.length; // struct ofp_action_experimenter_header + data
    default:
      return 8; // every other OF1.3 action is 8 bytes
  }
}
const actionsSize = (as: readonly Action[]): number => sum(as.map(actionSize));

function instructionSize(i: Instruction): number {
  switch (i.type) {
    case OFPIT.WRITE_METADATA:
      return 24;
    case OFPIT.WRITE_ACTIONS:
    case OFPIT.APPLY_ACTIONS:
    case OFPIT.CLEAR_ACTIONS:
      return 8 + actionsSize(i.actions);
    case OFPIT.EXPERIMENTER:
      return 8 + i.data.length;
    default:
      return 8;
  }
}
const instructionsSize = (is: readonly Instruction[]): number => sum(is.map(instructionSize));
const bucketSize = (b: Bucket): number => 16 + actionsSize(b.actions);
const bandSize = (b: MeterBand): number => 16 + (b.type === OFPMBT.EXPERIMENTER ? b.data.length : 0);
const queuePropSize = (p: QueueProp): number => 16 + (p.property === OFPQT.EXPERIMENTER ? p.data.length : 0);
const queueSize = (q: PacketQueue): number => 16 + sum(q.properties.map(queuePropSize));
const helloElemLen = (e: HelloElem): number => 4 + ('bitmaps' in e ? 4 * e.bitmaps.length : e.data.length);

/** A table feature property's length field: without its trailing padding. */
function tablePropLen(p: TableFeatureProp): number {
  if ('instruction_ids' in p) return 4 + sum(p.instruction_ids.map((x) => 4 + x.data.length));
  if ('action_ids' in p) return 4 + sum(p.action_ids.map((x) => 4 + x.data.length));
  if ('table_ids' in p) return 4 + p.table_ids.length;
  if ('oxm_ids' in p) return 4 + sum(p.oxm_ids.map((x) => (x.experimenter === undefined ? 4 : 8)));
  return 12 + p.data.length;
}
const tableFeaturesSize = (f: TableFeatures): number => 64 + sum(f.properties.map((p) => pad8(tablePropLen(p))));

function requestBodySize(b: MultipartRequestBody): number {
  switch (b.mp_type) {
    case OFPMP.FLOW:
    case OFPMP.AGGREGATE:
      return 32 + pad8(matchLen(b.body.match));
    case OFPMP.PORT_STATS:
    case OFPMP.QUEUE:
    case OFPMP.GROUP:
    case OFPMP.METER:
    case OFPMP.METER_CONFIG:
      return 8;
    case OFPMP.TABLE_FEATURES:
      return sum(b.body.map(tableFeaturesSize));
    case OFPMP.EXPERIMENTER:
      return 8 + b.body.data.length;
    default:
      return 0;
  }
}

function replyBodySize(b: MultipartReplyBody): number {
  switch (b.mp_type) {
    case OFPMP.DESC:
      return 1056;
    case OFPMP.FLOW:
      return sum(b.body.map((f) => 48 + pad8(matchLen(f.match)) + instructionsSize(f.instructions)));
    case OFPMP.AGGREGATE:
      return 24;
    case OFPMP.TABLE:
      return 24 * b.body.length;
    case OFPMP.PORT_STATS:
      return 112 * b.body.length;
    case OFPMP.QUEUE:
      return 40 * b.body.length;
    case OFPMP.GROUP:
      return sum(b.body.map((g) => 40 + 16 * g.bucket_stats.length));
    case OFPMP.GROUP_DESC:
      return sum(b.body.map((g) => 8 + sum(g.buckets.map(bucketSize))));
    case OFPMP.GROUP_FEATURES:
      return 40;
    case OFPMP.METER:
      return sum(b.body.map((m) => 40 + 16 * m.band_stats.length));
    case OFPMP.METER_CONFIG:
      return sum(b.body.map((m) => 8 + sum(m.bands.map(bandSize))));
    case OFPMP.METER_FEATURES:
      return 16;
    case OFPMP.TABLE_FEATURES:
      return sum(b.body.map(tableFeaturesSize));
    case OFPMP.PORT_DESC:
      return 64 * b.body.length;
    case OFPMP.EXPERIMENTER:
      return 8 + b.body.data.length;
  }
}

/** The bytes a message takes, from the spec's struct sizes. */
export function messageSize(m: OfpMessage): number {
  switch (m.type) {
    case OFPT.HELLO:
      return 8 + sum(m.elements.map((e) => pad8(helloElemLen(e))));
    case OFPT.ERROR:
      return (m.err_type === 0xffff ? 16 : 12) + m.data.length;
    case OFPT.ECHO_REQUEST:
    case OFPT.ECHO_REPLY:
      return 8 + m.data.length;
    case OFPT.EXPERIMENTER:
      return 16 + m.data.length;
    case OFPT.FEATURES_REQUEST:
    case OFPT.GET_CONFIG_REQUEST:
    case OFPT.BARRIER_REQUEST:
    case OFPT.BARRIER_REPLY:
    case OFPT.GET_ASYNC_REQUEST:
      return 8;
    case OFPT.FEATURES_REPLY:
      return 32;
    case OFPT.GET_CONFIG_REPLY:
    case OFPT.SET_CONFIG:
      return 12;
    case OFPT.PACKET_IN:
      return 24 + pad8(matchLen(m.match)) + 2 + m.data.length;
    case OFPT.FLOW_REMOVED:
      return 48 + pad8(matchLen(m.match));
    case OFPT.PORT_STATUS:
      return 80;
    case OFPT.PACKET_OUT:
      return 24 + actionsSize(m.actions) + m.data.length;
    case OFPT.FLOW_MOD:
      return 48 + pad8(matchLen(m.match)) + instructionsSize(m.instructions);
    case OFPT.GROUP_MOD:
      return 16 + sum(m.buckets.map(bucketSize));
    case OFPT.PORT_MOD:
      return 40;
    case OFPT.TABLE_MOD:
      return 16;
    case OFPT.MULTIPART_REQUEST:
      return 16 + requestBodySize(m);
    case OFPT.MULTIPART_REPLY:
      return 16 + replyBodySize(m);
    case OFPT.QUEUE_GET_CONFIG_REQUEST:
      return 16;
    case OFPT.QUEUE_GET_CONFIG_REPLY:
      return 16 + sum(m.queues.map(queueSize));
    case OFPT.ROLE_REQUEST:
    case OFPT.ROLE_REPLY:
      return 24;
    case OFPT.GET_ASYNC_REPLY:
    case OFPT.SET_ASYNC:
      return 32;
    case OFPT.METER_MOD:
      return 16 + sum(m.bands.map(bandSize));
  }
}

/* ------------------------------------------------------------- actions */

/** Ryu's class for each OF1.3 action that has no fields but its type. */
const BARE_ACTIONS: Readonly<Record<string, OFPAT>> = {
  OFPActionCopyTtlOut: OFPAT.COPY_TTL_OUT,
  OFPActionCopyTtlIn: OFPAT.COPY_TTL_IN,
  OFPActionDecMplsTtl: OFPAT.DEC_MPLS_TTL,
  OFPActionPopVlan: OFPAT.POP_VLAN,
  OFPActionDecNwTtl: OFPAT.DEC_NW_TTL,
  OFPActionPopPbb: OFPAT.POP_PBB,
};

const PUSH_ACTIONS: Readonly<Record<string, OFPAT.PUSH_VLAN | OFPAT.PUSH_MPLS | OFPAT.PUSH_PBB>> = {
  OFPActionPushVlan: OFPAT.PUSH_VLAN,
  OFPActionPushMpls: OFPAT.PUSH_MPLS,
  OFPActionPushPbb: OFPAT.PUSH_PBB,
};

function mapAction(r: RyuObj): Action {
  const a = mapActionFields(r);
  r.len('len', actionSize(a));
  r.done();
  return a;
}

function mapActionFields(r: RyuObj): Action {
  const bare = BARE_ACTIONS[r.cls];
  if (bare !== undefined) {
    r.code('type', bare);
    return { type: bare } as Action;
  }
  const push = PUSH_ACTIONS[r.cls];
  if (push !== undefined) {
    r.code('type', push);
    return { type: push, ethertype: r.int('ethertype') };
  }
  switch (r.cls) {
    case 'OFPActionOutput':
      r.code('type', OFPAT.OUTPUT);
      return { type: OFPAT.OUTPUT, port: r.int('port'), max_len: r.int('max_len') };
    case 'OFPActionSetMplsTtl':
      r.code('type', OFPAT.SET_MPLS_TTL);
      return { type: OFPAT.SET_MPLS_TTL, mpls_ttl: r.int('mpls_ttl') };
    case 'OFPActionPopMpls':
      r.code('type', OFPAT.POP_MPLS);
      return { type: OFPAT.POP_MPLS, ethertype: r.int('ethertype') };
    case 'OFPActionSetQueue':
      r.code('type', OFPAT.SET_QUEUE);
      return { type: OFPAT.SET_QUEUE, queue_id: r.int('queue_id') };
    case 'OFPActionGroup':
      r.code('type', OFPAT.GROUP);
      return { type: OFPAT.GROUP, group_id: r.int('group_id') };
    case 'OFPActionSetNwTtl':
      r.code('type', OFPAT.SET_NW_TTL);
      return { type: OFPAT.SET_NW_TTL, nw_ttl: r.int('nw_ttl') };
    case 'OFPActionSetField':
      r.code('type', OFPAT.SET_FIELD);
      return { type: OFPAT.SET_FIELD, field: mapOxm(r.obj('field')) };
    case 'OFPActionExperimenterUnknown':
      // An experimenter Ryu does not know: its bytes are all Ryu reports.
      r.code('type', OFPAT.EXPERIMENTER);
      return { type: OFPAT.EXPERIMENTER, experimenter: r.int('experimenter'), data: r.b64('data') };
    default:
      if (r.cls.startsWith('NXAction')) {
        r.code('type', OFPAT.EXPERIMENTER);
        r.code('experimenter', NX_EXPERIMENTER_ID);
        return { type: OFPAT.EXPERIMENTER, experimenter: NX_EXPERIMENTER_ID, data: nxActionData(r) };
      }
      throw new Error(`${r.path}: Ryu action class ${r.cls} is not mapped`);
  }
}

/** Bytes of a whole action, for the actions nested in a Nicira ct action. */
function actionBytes(a: Action): Buffer {
  const size = actionSize(a);
  const b = new Bytes().u16(a.type).u16(size);
  switch (a.type) {
    case OFPAT.OUTPUT:
      b.u32(a.port).u16(a.max_len).zeros(6);
      break;
    case OFPAT.SET_FIELD:
      b.raw(oxmBytes(a.field)).pad8();
      break;
    case OFPAT.EXPERIMENTER:
      b.u32(a.experimenter).raw(a.data);
      break;
    default:
      throw new Error(`action ${a.type} inside a Nicira action is not mapped`);
  }
  return b.buf();
}

/** NXAST_* subtypes (nicira_ext.py) by Ryu class. */
const NX_SUBTYPES: Readonly<Record<string, number>> = {
  NXActionRegMove: 6,
  NXActionRegLoad: 7,
  NXActionNote: 8,
  NXActionResubmitTable: 14,
  NXActionLearn: 16,
  NXActionFinTimeout: 19,
  NXActionController: 20,
  NXActionDecTtlCntIds: 21,
  NXActionStackPush: 27,
  NXActionStackPop: 28,
  NXActionSample: 29,
  NXActionConjunction: 34,
  NXActionCT: 35,
  NXActionNAT: 36,
  NXActionController2: 37,
  NXActionSample2: 38,
  NXActionOutputTrunc: 39,
  NXActionCTClear: 43,
};

/**
 * A Nicira action's bytes after the experimenter id (our ActionExperimenter
 * `data`): the subtype, then the fields Ryu reports, in the layout of
 * nicira_ext.py's NX_ACTION_*_PACK_STR / nx_actions.py, padded with zeros
 * to a multiple of 8.
 */
function nxActionData(r: RyuObj): Buffer {
  const subtype = r.int('subtype');
  const b = new Bytes().u16(subtype);
  if (r.cls === 'NXActionUnknown') {
    // A subtype Ryu does not know: Ryu splits the bytes into subtype + data
    // (4-12's "exp_data" is subtype 0x6578 "ex" and data "p_data").
    return b.raw(r.b64('data')).buf();
  }
  const expected = NX_SUBTYPES[r.cls];
  if (expected === undefined) throw new Error(`${r.path}: Nicira action ${r.cls} is not mapped`);
  if (subtype !== expected) r.problem(`subtype is ${subtype}, but ${r.cls} is ${expected}`);
  const hdr = (k: string): number => nxmHeader(r.str(k), `${r.path}.${k}`);
  switch (r.cls) {
    case 'NXActionRegMove': // n_bits, src_ofs, dst_ofs, src, dst
      b.u16(r.int('n_bits')).u16(r.int('src_ofs')).u16(r.int('dst_ofs')).u32(hdr('src_field')).u32(hdr('dst_field'));
      break;
    case 'NXActionRegLoad': // ofs_nbits, dst, value
      b.u16(r.int('ofs_nbits')).u32(hdr('dst')).u64(r.big('value'));
      break;
    case 'NXActionNote': // the note bytes as given, then zeros
      b.raw(r.byteList('note'));
      break;
    case 'NXActionResubmitTable': // in_port, table_id, 3 pad
      b.u16(r.int('in_port')).u8(r.int('table_id'));
      break;
    case 'NXActionLearn':
      b.u16(r.int('idle_timeout')).u16(r.int('hard_timeout')).u16(r.int('priority')).u64(r.big('cookie'));
      b.u16(r.int('flags')).u8(r.int('table_id')).u8(0).u16(r.int('fin_idle_timeout')).u16(r.int('fin_hard_timeout'));
      for (const s of r.objs('specs')) learnSpec(s, b);
      break;
    case 'NXActionFinTimeout': // fin_idle_timeout, fin_hard_timeout, 2 pad
      b.u16(r.int('fin_idle_timeout')).u16(r.int('fin_hard_timeout'));
      break;
    case 'NXActionController': // max_len, controller_id, reason, pad
      b.u16(r.int('max_len')).u16(r.int('controller_id')).u8(r.int('reason'));
      break;
    case 'NXActionDecTtlCntIds': {
      // n_controllers, 4 pad, then the ids
      const ids = r.ints('cnt_ids');
      b.u16(ids.length).zeros(4);
      for (const id of ids) b.u16(id);
      break;
    }
    case 'NXActionStackPush':
    case 'NXActionStackPop': // start, field, end (Ryu's names for ofs, field, n_bits), 6 pad
      b.u16(r.int('start')).u32(hdr('field')).u16(r.int('end'));
      break;
    case 'NXActionSample': // probability, collector_set_id, obs_domain_id, obs_point_id
    case 'NXActionSample2': // ... then sampling_port, pad
      b.u16(r.int('probability')).u32(r.int('collector_set_id')).u32(r.int('obs_domain_id')).u32(r.int('obs_point_id'));
      if (r.cls === 'NXActionSample2') b.u16(r.int('sampling_port'));
      break;
    case 'NXActionConjunction': // clause, n_clauses, id (Ryu reports the wire clause, 0-based)
      b.u8(r.int('clause')).u8(r.int('n_clauses')).u32(r.int('id'));
      break;
    case 'NXActionCT': {
      // flags, zone_src, zone_ofs_nbits, recirc_table, 3 pad, alg, actions
      b.u16(r.int('flags')).u32(hdr('zone_src')).u16(r.int('zone_ofs_nbits')).u8(r.int('recirc_table')).zeros(3);
      b.u16(r.int('alg'));
      for (const a of r.objs('actions')) b.raw(actionBytes(mapAction(a)));
      break;
    }
    case 'NXActionNAT':
      natBody(r, b);
      break;
    case 'NXActionController2':
      controller2Body(r, b);
      break;
    case 'NXActionOutputTrunc': // port (16 bits), max_len (32 bits)
      b.u16(r.int('port')).u32(r.int('max_len'));
      break;
    case 'NXActionCTClear':
      break;
  }
  return b.pad8().buf();
}

/** One spec of a learn action (nx_actions.py _NXFlowSpec.serialize). */
function learnSpec(s: RyuObj, b: Bytes): void {
  const dstType = { NXFlowSpecMatch: 0, NXFlowSpecLoad: 1, NXFlowSpecOutput: 2 }[s.cls];
  if (dstType === undefined) throw new Error(`${s.path}: learn spec ${s.cls} is not mapped`);
  const nBits = s.int('n_bits');
  const src = s.raw('src');
  const dst = s.raw('dst');
  s.done();
  const subfield = (v: unknown, what: string): void => {
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'number') {
      throw new Error(`${s.path}.${what}: expected [field, ofs]`);
    }
    b.u32(nxmHeader(v[0], `${s.path}.${what}`)).u16(v[1]);
  };
  const immediate = !Array.isArray(src);
  b.u16(((immediate ? 1 : 0) << 13) | (dstType << 11) | nBits);
  if (immediate) {
    if (typeof src !== 'number' && typeof src !== 'bigint') throw new Error(`${s.path}.src: expected a value`);
    b.uint(src, Math.ceil(nBits / 16) * 2);
  } else {
    subfield(src, 'src');
  }
  if (dstType === 2) {
    if (dst !== '') throw new Error(`${s.path}.dst: an output spec has no destination`);
  } else {
    subfield(dst, 'dst');
  }
}

/** nx_action_nat: pad 2, flags, range_present, the ranges present, padding. */
function natBody(r: RyuObj, b: Bytes): void {
  const flags = r.int('flags');
  const v4min = r.str('range_ipv4_min');
  const v4max = r.str('range_ipv4_max');
  const v6min = r.str('range_ipv6_min');
  const v6max = r.str('range_ipv6_max');
  const pmin = r.raw('range_proto_min');
  const pmax = r.raw('range_proto_max');
  const port = (v: unknown, k: string): number | undefined => {
    if (v === null) return undefined;
    if (typeof v !== 'number') throw new Error(`${r.path}.${k}: expected a port or null`);
    return v;
  };
  const p0 = port(pmin, 'range_proto_min');
  const p1 = port(pmax, 'range_proto_max');
  // range_present is not in Ryu's JSON: NX_NAT_RANGE_* bits for the ranges given.
  const present =
    (v4min ? 1 : 0) | (v4max ? 2 : 0) | (v6min ? 4 : 0) | (v6max ? 8 : 0) | (p0 !== undefined ? 16 : 0) | (p1 !== undefined ? 32 : 0);
  b.zeros(2).u16(flags).u16(present);
  if (v4min) b.raw(ipv4Bytes(v4min));
  if (v4max) b.raw(ipv4Bytes(v4max));
  if (v6min) b.raw(ipv6Bytes(v6min));
  if (v6max) b.raw(ipv6Bytes(v6max));
  if (p0 !== undefined) b.u16(p0);
  if (p1 !== undefined) b.u16(p1);
}

/**
 * nx_action_controller2: 6 pad, then NXAC2PT_* properties, each padded to
 * 8. As in Open vSwitch's ofpprop_put_u16 (and Ryu's "!HHH2x"), a 16-bit
 * property's len counts its 2 bytes of padding (8); the others' len stops
 * at their value (reason 5, userdata 4 + n, pause 4).
 */
function controller2Body(r: RyuObj, b: Bytes): void {
  b.zeros(6);
  const prop = (type: number, body: Bytes, lenPad = 0): void => {
    const v = body.buf();
    const len = 4 + v.length + lenPad;
    b.u16(type).u16(len).raw(v).zeros(lenPad + ((8 - (len % 8)) % 8));
  };
  const opt = (k: string): unknown => (r.has(k) ? r.raw(k) : null);
  const maxLen = opt('max_len');
  const id = opt('controller_id');
  const reason = opt('reason');
  const userdata = r.has('userdata') ? r.byteList('userdata') : null;
  const pause = opt('pause');
  if (typeof maxLen === 'number') prop(0, new Bytes().u16(maxLen), 2);
  if (typeof id === 'number') prop(1, new Bytes().u16(id), 2);
  if (typeof reason === 'number') prop(2, new Bytes().u8(reason));
  if (userdata !== null) prop(3, new Bytes().raw(userdata));
  if (pause === true) prop(4, new Bytes());
}

/* -------------------------------------------------------- instructions */

function mapInstruction(r: RyuObj): Instruction {
  let i: Instruction;
  switch (r.cls) {
    case 'OFPInstructionGotoTable':
      r.code('type', OFPIT.GOTO_TABLE);
      i = { type: OFPIT.GOTO_TABLE, table_id: r.int('table_id') };
      break;
    case 'OFPInstructionWriteMetadata':
      r.code('type', OFPIT.WRITE_METADATA);
      i = { type: OFPIT.WRITE_METADATA, metadata: r.big('metadata'), metadata_mask: r.big('metadata_mask') };
      break;
    case 'OFPInstructionActions': {
      // One Ryu class for write, apply and clear: its `type` says which.
      const type = r.int('type');
      if (type !== OFPIT.WRITE_ACTIONS && type !== OFPIT.APPLY_ACTIONS && type !== OFPIT.CLEAR_ACTIONS) {
        throw new Error(`${r.path}: OFPInstructionActions of type ${type}`);
      }
      i = { type, actions: r.objs('actions').map(mapAction) };
      break;
    }
    case 'OFPInstructionMeter':
      r.code('type', OFPIT.METER);
      i = { type: OFPIT.METER, meter_id: r.int('meter_id') };
      break;
    default:
      throw new Error(`${r.path}: Ryu instruction class ${r.cls} is not mapped`);
  }
  r.len('len', instructionSize(i));
  r.done();
  return i;
}

/* ---------------------------------------------------------- structures */

function mapPort(r: RyuObj): Port {
  if (r.cls !== 'OFPPort') throw new Error(`${r.path}: expected OFPPort`);
  const p: Port = {
    port_no: r.int('port_no'),
    hw_addr: r.str('hw_addr'),
    name: r.text('name'),
    config: r.int('config'),
    state: r.int('state'),
    curr: r.int('curr'),
    advertised: r.int('advertised'),
    supported: r.int('supported'),
    peer: r.int('peer'),
    curr_speed: r.int('curr_speed'),
    max_speed: r.int('max_speed'),
  };
  r.done();
  return p;
}

function mapBucket(r: RyuObj): Bucket {
  const b: Bucket = {
    weight: r.int('weight'),
    watch_port: r.int('watch_port'),
    watch_group: r.int('watch_group'),
    actions: r.objs('actions').map(mapAction),
  };
  r.len('len', bucketSize(b));
  r.done();
  return b;
}

function mapBand(r: RyuObj): MeterBand {
  const rate = r.int('rate');
  const burst_size = r.int('burst_size');
  let band: MeterBand;
  switch (r.cls) {
    case 'OFPMeterBandDrop':
      r.code('type', OFPMBT.DROP);
      band = { type: OFPMBT.DROP, rate, burst_size };
      break;
    case 'OFPMeterBandDscpRemark':
      r.code('type', OFPMBT.DSCP_REMARK);
      band = { type: OFPMBT.DSCP_REMARK, rate, burst_size, prec_level: r.int('prec_level') };
      break;
    case 'OFPMeterBandExperimenter':
      // struct ofp_meter_band_experimenter is 16 bytes; Ryu reports no data
      // beyond it, and its len (checked below) says there is none.
      r.code('type', OFPMBT.EXPERIMENTER);
      band = { type: OFPMBT.EXPERIMENTER, rate, burst_size, experimenter: r.int('experimenter'), data: Buffer.alloc(0) };
      break;
    default:
      throw new Error(`${r.path}: Ryu meter band class ${r.cls} is not mapped`);
  }
  r.len('len', bandSize(band));
  r.done();
  return band;
}

function mapQueueProp(r: RyuObj): QueueProp {
  let p: QueueProp;
  switch (r.cls) {
    case 'OFPQueuePropMinRate':
      r.code('property', OFPQT.MIN_RATE);
      p = { property: OFPQT.MIN_RATE, rate: r.int('rate') };
      break;
    case 'OFPQueuePropMaxRate':
      r.code('property', OFPQT.MAX_RATE);
      p = { property: OFPQT.MAX_RATE, rate: r.int('rate') };
      break;
    case 'OFPQueuePropExperimenter':
      // Ryu lists the data bytes as numbers. The Erlang encoder wrote 4-36's
      // experimenter properties with len 16, 17 and 18 and nothing after
      // them (no padding to 8), so a len is the property's own bytes.
      r.code('property', OFPQT.EXPERIMENTER);
      p = { property: OFPQT.EXPERIMENTER, experimenter: r.int('experimenter'), data: r.byteList('data') };
      break;
    default:
      throw new Error(`${r.path}: Ryu queue property class ${r.cls} is not mapped`);
  }
  r.len('len', queuePropSize(p));
  r.done();
  return p;
}

function mapQueue(r: RyuObj): PacketQueue {
  const q: PacketQueue = { queue_id: r.int('queue_id'), port: r.int('port'), properties: r.objs('properties').map(mapQueueProp) };
  r.len('len', queueSize(q));
  r.done();
  return q;
}

function mapHelloElem(r: RyuObj): HelloElem {
  if (r.cls !== 'OFPHelloElemVersionBitmap') throw new Error(`${r.path}: Ryu hello element ${r.cls} is not mapped`);
  r.code('type', OFPHET.VERSIONBITMAP);
  // Ryu reports the versions, not the bitmap words; the element's length
  // says how many 32-bit words carried them (§7.5.1, ofp_hello_elem_versionbitmap).
  const length = r.int('length');
  const words = (length - 4) / 4;
  if (!Number.isInteger(words) || words < 0) throw new Error(`${r.path}: length ${length} is not 4 + 4n`);
  const bitmaps = Array<number>(words).fill(0);
  for (const v of r.ints('versions')) {
    if (v >= 32 * words) r.problem(`version ${v} does not fit in ${words} bitmap words`);
    else bitmaps[v >>> 5] = (bitmaps[v >>> 5]! | (1 << (v & 31))) >>> 0;
  }
  const e: HelloElem = { type: OFPHET.VERSIONBITMAP, bitmaps };
  r.len('length', helloElemLen(e));
  r.done();
  return e;
}

/** OFPInstructionId / OFPActionId in table features. */
function mapFeatureId(r: RyuObj, cls: string): FeatureId {
  if (r.cls !== cls) throw new Error(`${r.path}: expected ${cls}`);
  const id: FeatureId = { type: r.int('type'), data: Buffer.alloc(0) };
  // Ryu reports only type and len; an id longer than its 4-byte header
  // (an experimenter id) would carry bytes Ryu does not show. None in the fixtures.
  const len = r.int('len');
  if (len !== 4) throw new Error(`${r.path}: a ${len}-byte id has bytes Ryu does not report`);
  r.done();
  return id;
}

function mapOxmId(r: RyuObj): OxmId {
  const d = fieldDef(r.str('type'), r.path);
  // hasmask and length are the header's own bits, reported as read. The
  // Erlang encoder wrote oxm_length 0 in every id of 4-55/4-56, where Open
  // vSwitch writes the field's payload length (4 for in_port); §7.3.5.5.2
  // calls the ids OXM headers with no payload and fixes no length, so both
  // are kept as they are, and compared as plain values.
  const id: OxmId = { oxm_class: d.oxm_class, oxm_field: d.oxm_field, hasmask: r.int('hasmask') === 1, length: r.int('length') };
  if (d.onf) id.experimenter = d.onf.experimenter;
  if (r.cls === 'OFPExperimenterOxmId') id.experimenter = r.int('exp_id');
  else if (r.cls !== 'OFPOxmId') throw new Error(`${r.path}: expected OFPOxmId`);
  r.done();
  return id;
}

function mapTableProp(r: RyuObj): TableFeatureProp {
  const type = r.int('type');
  let p: TableFeatureProp;
  const is = (...ts: OFPTFPT[]): boolean => ts.includes(type);
  switch (r.cls) {
    case 'OFPTableFeaturePropInstructions':
      if (!is(OFPTFPT.INSTRUCTIONS, OFPTFPT.INSTRUCTIONS_MISS)) throw new Error(`${r.path}: type ${type}`);
      p = { type: type as OFPTFPT.INSTRUCTIONS, instruction_ids: r.objs('instruction_ids').map((x) => mapFeatureId(x, 'OFPInstructionId')) };
      break;
    case 'OFPTableFeaturePropNextTables':
      if (!is(OFPTFPT.NEXT_TABLES, OFPTFPT.NEXT_TABLES_MISS)) throw new Error(`${r.path}: type ${type}`);
      p = { type: type as OFPTFPT.NEXT_TABLES, table_ids: r.ints('table_ids') };
      break;
    case 'OFPTableFeaturePropActions':
      if (!is(OFPTFPT.WRITE_ACTIONS, OFPTFPT.WRITE_ACTIONS_MISS, OFPTFPT.APPLY_ACTIONS, OFPTFPT.APPLY_ACTIONS_MISS)) {
        throw new Error(`${r.path}: type ${type}`);
      }
      p = { type: type as OFPTFPT.WRITE_ACTIONS, action_ids: r.objs('action_ids').map((x) => mapFeatureId(x, 'OFPActionId')) };
      break;
    case 'OFPTableFeaturePropOxm':
      if (
        !is(
          OFPTFPT.MATCH,
          OFPTFPT.WILDCARDS,
          OFPTFPT.WRITE_SETFIELD,
          OFPTFPT.WRITE_SETFIELD_MISS,
          OFPTFPT.APPLY_SETFIELD,
          OFPTFPT.APPLY_SETFIELD_MISS,
        )
      ) {
        throw new Error(`${r.path}: type ${type}`);
      }
      p = { type: type as OFPTFPT.MATCH, oxm_ids: r.objs('oxm_ids').map(mapOxmId) };
      break;
    case 'OFPTableFeaturePropExperimenter': {
      if (!is(OFPTFPT.EXPERIMENTER, OFPTFPT.EXPERIMENTER_MISS)) throw new Error(`${r.path}: type ${type}`);
      // experimenter_data is uint32_t[]; Ryu lists the words, we keep their bytes.
      const data = new Bytes();
      for (const w of r.ints('data')) data.u32(w);
      p = { type: type as OFPTFPT.EXPERIMENTER, experimenter: r.int('experimenter'), exp_type: r.int('exp_type'), data: data.buf() };
      break;
    }
    default:
      throw new Error(`${r.path}: Ryu table feature property ${r.cls} is not mapped`);
  }
  r.len('length', tablePropLen(p));
  r.done();
  return p;
}

function mapTableFeatures(r: RyuObj): TableFeatures {
  if (r.cls !== 'OFPTableFeaturesStats') throw new Error(`${r.path}: expected OFPTableFeaturesStats`);
  const f: TableFeatures = {
    table_id: r.int('table_id'),
    name: r.text('name'),
    metadata_match: r.big('metadata_match'),
    metadata_write: r.big('metadata_write'),
    config: r.int('config'),
    max_entries: r.int('max_entries'),
    properties: r.objs('properties').map(mapTableProp),
  };
  r.len('length', tableFeaturesSize(f));
  r.done();
  return f;
}

function mapFlowStatsRequest(r: RyuObj): FlowStatsRequest {
  return {
    table_id: r.int('table_id'),
    out_port: r.int('out_port'),
    out_group: r.int('out_group'),
    cookie: r.big('cookie'),
    cookie_mask: r.big('cookie_mask'),
    match: mapMatch(r.obj('match')),
  };
}

/**
 * The ONF flow monitor request (ONF EXT-187, as Open vSwitch and Ryu lay
 * it out): per request id, flags, match_len, out_port, table_id, 3 pad,
 * then the match's OXM fields without an ofp_match header, padded to 8.
 * Our codec keeps the whole body as an experimenter multipart's data.
 */
function onfFlowMonitorData(r: RyuObj): Buffer {
  const b = new Bytes();
  for (const q of r.objs('body')) {
    if (q.cls !== 'ONFFlowMonitorRequest') throw new Error(`${q.path}: expected ONFFlowMonitorRequest`);
    const fields = mapMatch(q.obj('match'));
    const oxms = Buffer.concat(fields.map(oxmBytes));
    q.len('match_len', oxms.length);
    b.u32(q.int('id')).u16(q.int('flags')).u16(oxms.length).u32(q.int('out_port')).u8(q.int('table_id')).zeros(3);
    b.raw(oxms).pad8();
    q.done();
  }
  return b.buf();
}

/* ------------------------------------------------------------ multipart */

/** Ryu's multipart request classes with no body, by OFPMP. */
const EMPTY_REQUESTS: Readonly<Record<string, OFPMP>> = {
  OFPDescStatsRequest: OFPMP.DESC,
  OFPTableStatsRequest: OFPMP.TABLE,
  OFPGroupDescStatsRequest: OFPMP.GROUP_DESC,
  OFPGroupFeaturesStatsRequest: OFPMP.GROUP_FEATURES,
  OFPMeterFeaturesStatsRequest: OFPMP.METER_FEATURES,
  OFPPortDescStatsRequest: OFPMP.PORT_DESC,
};

/** The multipart type Ryu's class stands for, checked against Ryu's `type`, and the body. */
function mapRequestBody(r: RyuObj): MultipartRequestBody | undefined {
  const empty = EMPTY_REQUESTS[r.cls];
  const mp = (t: OFPMP): void => r.code('type', t);
  if (empty !== undefined) {
    mp(empty);
    return { mp_type: empty } as MultipartRequestBody;
  }
  switch (r.cls) {
    case 'OFPFlowStatsRequest':
      mp(OFPMP.FLOW);
      return { mp_type: OFPMP.FLOW, body: mapFlowStatsRequest(r) };
    case 'OFPAggregateStatsRequest':
      mp(OFPMP.AGGREGATE);
      return { mp_type: OFPMP.AGGREGATE, body: mapFlowStatsRequest(r) };
    case 'OFPPortStatsRequest':
      mp(OFPMP.PORT_STATS);
      return { mp_type: OFPMP.PORT_STATS, body: { port_no: r.int('port_no') } };
    case 'OFPQueueStatsRequest':
      mp(OFPMP.QUEUE);
      return { mp_type: OFPMP.QUEUE, body: { port_no: r.int('port_no'), queue_id: r.int('queue_id') } };
    case 'OFPGroupStatsRequest':
      mp(OFPMP.GROUP);
      return { mp_type: OFPMP.GROUP, body: { group_id: r.int('group_id') } };
    case 'OFPMeterStatsRequest':
      mp(OFPMP.METER);
      return { mp_type: OFPMP.METER, body: { meter_id: r.int('meter_id') } };
    case 'OFPMeterConfigStatsRequest':
      mp(OFPMP.METER_CONFIG);
      return { mp_type: OFPMP.METER_CONFIG, body: { meter_id: r.int('meter_id') } };
    case 'OFPTableFeaturesStatsRequest':
      mp(OFPMP.TABLE_FEATURES);
      return { mp_type: OFPMP.TABLE_FEATURES, body: r.objs('body').map(mapTableFeatures) };
    case 'OFPExperimenterStatsRequest':
      mp(OFPMP.EXPERIMENTER);
      return {
        mp_type: OFPMP.EXPERIMENTER,
        body: { experimenter: r.int('experimenter'), exp_type: r.int('exp_type'), data: r.b64('data') },
      };
    case 'ONFFlowMonitorStatsRequest': {
      mp(OFPMP.EXPERIMENTER);
      const experimenter = r.int('experimenter');
      if (experimenter !== ONF_EXPERIMENTER_ID) r.problem(`experimenter ${experimenter} is not ONF's`);
      return { mp_type: OFPMP.EXPERIMENTER, body: { experimenter, exp_type: r.int('exp_type'), data: onfFlowMonitorData(r) } };
    }
    default:
      return undefined;
  }
}

/** Runs `f` on each entry of a reply body list, after checking the entries' class. */
function entries<T>(r: RyuObj, cls: string, f: (e: RyuObj) => T): T[] {
  return r.objs('body').map((e) => {
    if (e.cls !== cls) throw new Error(`${e.path}: expected ${cls}`);
    const v = f(e);
    e.done();
    return v;
  });
}

/** A reply whose body is one structure, `{body: {Class: {...}}}`. */
function single<T>(r: RyuObj, cls: string, f: (e: RyuObj) => T): T {
  const e = r.obj('body');
  if (e.cls !== cls) throw new Error(`${e.path}: expected ${cls}`);
  const v = f(e);
  e.done();
  return v;
}

function mapReplyBody(r: RyuObj): MultipartReplyBody | undefined {
  const mp = (t: OFPMP): void => r.code('type', t);
  switch (r.cls) {
    case 'OFPDescStatsReply':
      mp(OFPMP.DESC);
      return {
        mp_type: OFPMP.DESC,
        body: single(r, 'OFPDescStats', (e) => ({
          mfr_desc: e.text('mfr_desc'),
          hw_desc: e.text('hw_desc'),
          sw_desc: e.text('sw_desc'),
          serial_num: e.text('serial_num'),
          dp_desc: e.text('dp_desc'),
        })),
      };
    case 'OFPFlowStatsReply':
      mp(OFPMP.FLOW);
      return {
        mp_type: OFPMP.FLOW,
        body: entries(r, 'OFPFlowStats', (e) => {
          const f = {
            table_id: e.int('table_id'),
            duration_sec: e.int('duration_sec'),
            duration_nsec: e.int('duration_nsec'),
            priority: e.int('priority'),
            idle_timeout: e.int('idle_timeout'),
            hard_timeout: e.int('hard_timeout'),
            flags: e.int('flags'),
            cookie: e.big('cookie'),
            packet_count: e.big('packet_count'),
            byte_count: e.big('byte_count'),
            match: mapMatch(e.obj('match')),
            instructions: e.objs('instructions').map(mapInstruction),
          };
          e.len('length', 48 + pad8(matchLen(f.match)) + instructionsSize(f.instructions));
          return f;
        }),
      };
    case 'OFPAggregateStatsReply':
      mp(OFPMP.AGGREGATE);
      return {
        mp_type: OFPMP.AGGREGATE,
        body: single(r, 'OFPAggregateStats', (e) => ({
          packet_count: e.big('packet_count'),
          byte_count: e.big('byte_count'),
          flow_count: e.int('flow_count'),
        })),
      };
    case 'OFPTableStatsReply':
      mp(OFPMP.TABLE);
      return {
        mp_type: OFPMP.TABLE,
        body: entries(r, 'OFPTableStats', (e) => ({
          table_id: e.int('table_id'),
          active_count: e.int('active_count'),
          lookup_count: e.big('lookup_count'),
          matched_count: e.big('matched_count'),
        })),
      };
    case 'OFPPortStatsReply':
      mp(OFPMP.PORT_STATS);
      return {
        mp_type: OFPMP.PORT_STATS,
        body: entries(r, 'OFPPortStats', (e) => ({
          port_no: e.int('port_no'),
          rx_packets: e.big('rx_packets'),
          tx_packets: e.big('tx_packets'),
          rx_bytes: e.big('rx_bytes'),
          tx_bytes: e.big('tx_bytes'),
          rx_dropped: e.big('rx_dropped'),
          tx_dropped: e.big('tx_dropped'),
          rx_errors: e.big('rx_errors'),
          tx_errors: e.big('tx_errors'),
          rx_frame_err: e.big('rx_frame_err'),
          rx_over_err: e.big('rx_over_err'),
          rx_crc_err: e.big('rx_crc_err'),
          collisions: e.big('collisions'),
          duration_sec: e.int('duration_sec'),
          duration_nsec: e.int('duration_nsec'),
        })),
      };
    case 'OFPQueueStatsReply':
      mp(OFPMP.QUEUE);
      return {
        mp_type: OFPMP.QUEUE,
        body: entries(r, 'OFPQueueStats', (e) => ({
          port_no: e.int('port_no'),
          queue_id: e.int('queue_id'),
          tx_bytes: e.big('tx_bytes'),
          tx_packets: e.big('tx_packets'),
          tx_errors: e.big('tx_errors'),
          duration_sec: e.int('duration_sec'),
          duration_nsec: e.int('duration_nsec'),
        })),
      };
    case 'OFPGroupStatsReply':
      mp(OFPMP.GROUP);
      return {
        mp_type: OFPMP.GROUP,
        body: entries(r, 'OFPGroupStats', (e) => {
          const g = {
            group_id: e.int('group_id'),
            ref_count: e.int('ref_count'),
            packet_count: e.big('packet_count'),
            byte_count: e.big('byte_count'),
            duration_sec: e.int('duration_sec'),
            duration_nsec: e.int('duration_nsec'),
            bucket_stats: e.objs('bucket_stats').map((c) => {
              if (c.cls !== 'OFPBucketCounter') throw new Error(`${c.path}: expected OFPBucketCounter`);
              const v = { packet_count: c.big('packet_count'), byte_count: c.big('byte_count') };
              c.done();
              return v;
            }),
          };
          e.len('length', 40 + 16 * g.bucket_stats.length);
          return g;
        }),
      };
    case 'OFPGroupDescStatsReply':
      mp(OFPMP.GROUP_DESC);
      return {
        mp_type: OFPMP.GROUP_DESC,
        body: entries(r, 'OFPGroupDescStats', (e) => {
          const g = { group_type: e.int('type'), group_id: e.int('group_id'), buckets: e.objs('buckets').map(mapBucket) };
          e.len('length', 8 + sum(g.buckets.map(bucketSize)));
          return g;
        }),
      };
    case 'OFPGroupFeaturesStatsReply':
      mp(OFPMP.GROUP_FEATURES);
      return {
        mp_type: OFPMP.GROUP_FEATURES,
        body: single(r, 'OFPGroupFeaturesStats', (e) => ({
          types: e.int('types'),
          capabilities: e.int('capabilities'),
          max_groups: four(e, 'max_groups'),
          actions: four(e, 'actions'),
        })),
      };
    case 'OFPMeterStatsReply':
      mp(OFPMP.METER);
      return {
        mp_type: OFPMP.METER,
        body: entries(r, 'OFPMeterStats', (e) => {
          const m = {
            meter_id: e.int('meter_id'),
            flow_count: e.int('flow_count'),
            packet_in_count: e.big('packet_in_count'),
            byte_in_count: e.big('byte_in_count'),
            duration_sec: e.int('duration_sec'),
            duration_nsec: e.int('duration_nsec'),
            band_stats: e.objs('band_stats').map((c) => {
              if (c.cls !== 'OFPMeterBandStats') throw new Error(`${c.path}: expected OFPMeterBandStats`);
              const v = { packet_band_count: c.big('packet_band_count'), byte_band_count: c.big('byte_band_count') };
              c.done();
              return v;
            }),
          };
          e.len('len', 40 + 16 * m.band_stats.length);
          return m;
        }),
      };
    case 'OFPMeterConfigStatsReply':
      mp(OFPMP.METER_CONFIG);
      return {
        mp_type: OFPMP.METER_CONFIG,
        body: entries(r, 'OFPMeterConfigStats', (e) => {
          const m = { flags: e.int('flags'), meter_id: e.int('meter_id'), bands: e.objs('bands').map(mapBand) };
          e.len('length', 8 + sum(m.bands.map(bandSize)));
          return m;
        }),
      };
    case 'OFPMeterFeaturesStatsReply': {
      mp(OFPMP.METER_FEATURES);
      // SPEC: Ryu lists the body as [OFPMeterFeaturesStats]; the spec's
      // reply body is one struct ofp_meter_features (§7.3.5.14), and so is ours.
      const list = entries(r, 'OFPMeterFeaturesStats', (e) => ({
        max_meter: e.int('max_meter'),
        band_types: e.int('band_types'),
        capabilities: e.int('capabilities'),
        max_bands: e.int('max_bands'),
        max_color: e.int('max_color'),
      }));
      if (list.length !== 1) throw new Error(`${r.path}: ${list.length} meter features in one reply`);
      return { mp_type: OFPMP.METER_FEATURES, body: list[0]! };
    }
    case 'OFPTableFeaturesStatsReply':
      mp(OFPMP.TABLE_FEATURES);
      return { mp_type: OFPMP.TABLE_FEATURES, body: r.objs('body').map(mapTableFeatures) };
    case 'OFPPortDescStatsReply':
      mp(OFPMP.PORT_DESC);
      return { mp_type: OFPMP.PORT_DESC, body: r.objs('body').map(mapPort) };
    case 'OFPExperimenterStatsReply':
      mp(OFPMP.EXPERIMENTER);
      return {
        mp_type: OFPMP.EXPERIMENTER,
        body: single(r, 'OFPExperimenterMultipart', (e) => ({
          experimenter: e.int('experimenter'),
          exp_type: e.int('exp_type'),
          data: e.b64('data'),
        })),
      };
    default:
      return undefined;
  }
}

function four(r: RyuObj, k: string): [number, number, number, number] {
  const v = r.ints(k);
  if (v.length !== 4) throw new Error(`${r.path}.${k}: expected 4 entries (one per OFPGT), got ${v.length}`);
  return [v[0]!, v[1]!, v[2]!, v[3]!];
}

function pair(r: RyuObj, k: string): [number, number] {
  const v = r.ints(k);
  if (v.length !== 2) throw new Error(`${r.path}.${k}: expected [master/equal, slave], got ${v.length} entries`);
  return [v[0]!, v[1]!];
}

/* ------------------------------------------------------------ messages */

/**
 * The frame of libofproto's packet_out, which Ryu's JSON shows decoded by
 * Ryu's packet library (Ethernet / IPv4 / ICMP echo) rather than as bytes.
 * Re-encoded here field by field, checksums and lengths as Ryu reports them.
 */
function ryuPacketBytes(r: RyuObj): Buffer {
  if (r.cls !== 'Packet') throw new Error(`${r.path}: expected Packet`);
  const b = new Bytes();
  for (const p of r.objs('protocols')) {
    switch (p.cls) {
      case 'ethernet':
        b.raw(macBytes(p.str('dst'))).raw(macBytes(p.str('src'))).u16(p.int('ethertype'));
        break;
      case 'ipv4':
        p.nul('option');
        b.u8((p.int('version') << 4) | p.int('header_length')).u8(p.int('tos')).u16(p.int('total_length'));
        b.u16(p.int('identification')).u16((p.int('flags') << 13) | p.int('offset'));
        b.u8(p.int('ttl')).u8(p.int('proto')).u16(p.int('csum'));
        b.raw(ipv4Bytes(p.str('src'))).raw(ipv4Bytes(p.str('dst')));
        break;
      case 'icmp': {
        b.u8(p.int('type')).u8(p.int('code')).u16(p.int('csum'));
        const d = p.obj('data');
        if (d.cls !== 'echo') throw new Error(`${d.path}: only ICMP echo is mapped`);
        b.u16(d.int('id')).u16(d.int('seq')).raw(d.b64('data'));
        d.done();
        break;
      }
      default:
        throw new Error(`${p.path}: Ryu packet protocol ${p.cls} is not mapped`);
    }
    p.done();
  }
  r.done();
  return b.buf();
}

/** Ryu classes of messages that carry nothing but the header. */
const EMPTY_MESSAGES: Readonly<Record<string, OFPT>> = {
  OFPFeaturesRequest: OFPT.FEATURES_REQUEST,
  OFPGetConfigRequest: OFPT.GET_CONFIG_REQUEST,
  OFPBarrierRequest: OFPT.BARRIER_REQUEST,
  OFPBarrierReply: OFPT.BARRIER_REPLY,
  OFPGetAsyncRequest: OFPT.GET_ASYNC_REQUEST,
};

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A message without its header fields, which mapRyuMessage adds. */
type Body = DistributiveOmit<OfpMessage, 'xid' | 'version'>;

function mapBody(r: RyuObj): Body {
  const empty = EMPTY_MESSAGES[r.cls];
  if (empty !== undefined) return { type: empty } as Body;
  switch (r.cls) {
    case 'OFPHello':
      return { type: OFPT.HELLO, elements: r.objs('elements').map(mapHelloElem) };
    case 'OFPErrorMsg': {
      const err_type = r.int('type');
      const data = r.b64('data');
      if (err_type === 0xffff) {
        // ofp_error_experimenter_msg (§7.4.4): exp_type and experimenter instead of code.
        r.nul('code');
        return { type: OFPT.ERROR, err_type, exp_type: r.int('exp_type'), experimenter: r.int('experimenter'), data };
      }
      return { type: OFPT.ERROR, err_type, code: r.int('code'), data };
    }
    case 'OFPEchoRequest':
      return { type: OFPT.ECHO_REQUEST, data: r.b64('data') };
    case 'OFPEchoReply':
      return { type: OFPT.ECHO_REPLY, data: r.b64('data') };
    case 'OFPExperimenter':
      return { type: OFPT.EXPERIMENTER, experimenter: r.int('experimenter'), exp_type: r.int('exp_type'), data: r.b64('data') };
    case 'OFPSwitchFeatures':
      return {
        type: OFPT.FEATURES_REPLY,
        datapath_id: r.big('datapath_id'),
        n_buffers: r.int('n_buffers'),
        n_tables: r.int('n_tables'),
        auxiliary_id: r.int('auxiliary_id'),
        capabilities: r.int('capabilities'),
        reserved: 0, // not in Ryu's JSON: filled in from the packet by mapRyuMessage
      };
    case 'OFPGetConfigReply':
    case 'OFPSetConfig':
      return {
        type: r.cls === 'OFPSetConfig' ? OFPT.SET_CONFIG : OFPT.GET_CONFIG_REPLY,
        flags: r.int('flags'),
        miss_send_len: r.int('miss_send_len'),
      };
    case 'OFPPacketIn':
      return {
        type: OFPT.PACKET_IN,
        buffer_id: r.int('buffer_id'),
        total_len: r.int('total_len'),
        reason: r.int('reason'),
        table_id: r.int('table_id'),
        cookie: r.big('cookie'),
        match: mapMatch(r.obj('match')),
        data: r.b64('data'),
      };
    case 'OFPFlowRemoved':
      return {
        type: OFPT.FLOW_REMOVED,
        cookie: r.big('cookie'),
        priority: r.int('priority'),
        reason: r.int('reason'),
        table_id: r.int('table_id'),
        duration_sec: r.int('duration_sec'),
        duration_nsec: r.int('duration_nsec'),
        idle_timeout: r.int('idle_timeout'),
        hard_timeout: r.int('hard_timeout'),
        packet_count: r.big('packet_count'),
        byte_count: r.big('byte_count'),
        match: mapMatch(r.obj('match')),
      };
    case 'OFPPortStatus':
      return { type: OFPT.PORT_STATUS, reason: r.int('reason'), desc: mapPort(r.obj('desc')) };
    case 'OFPPacketOut': {
      const actions = r.objs('actions').map(mapAction);
      r.len('actions_len', actionsSize(actions));
      const data = r.raw('data');
      return {
        type: OFPT.PACKET_OUT,
        buffer_id: r.int('buffer_id'),
        in_port: r.int('in_port'),
        actions,
        // Most packet_outs carry base64; libofproto's shows the frame decoded.
        data: typeof data === 'string' ? Buffer.from(data, 'base64') : ryuPacketBytes(r.wrapValue(data, 'data')),
      };
    }
    case 'OFPFlowMod':
      return {
        type: OFPT.FLOW_MOD,
        cookie: r.big('cookie'),
        cookie_mask: r.big('cookie_mask'),
        table_id: r.int('table_id'),
        command: r.int('command'),
        idle_timeout: r.int('idle_timeout'),
        hard_timeout: r.int('hard_timeout'),
        priority: r.int('priority'),
        buffer_id: r.int('buffer_id'),
        out_port: r.int('out_port'),
        out_group: r.int('out_group'),
        flags: r.int('flags'),
        match: mapMatch(r.obj('match')),
        instructions: r.objs('instructions').map(mapInstruction),
      };
    case 'OFPGroupMod':
      return {
        type: OFPT.GROUP_MOD,
        command: r.int('command'),
        group_type: r.int('type'),
        group_id: r.int('group_id'),
        buckets: r.objs('buckets').map(mapBucket),
      };
    case 'OFPPortMod':
      return {
        type: OFPT.PORT_MOD,
        port_no: r.int('port_no'),
        hw_addr: r.str('hw_addr'),
        config: r.int('config'),
        mask: r.int('mask'),
        advertise: r.int('advertise'),
      };
    case 'OFPTableMod':
      return { type: OFPT.TABLE_MOD, table_id: r.int('table_id'), config: r.int('config') };
    case 'OFPQueueGetConfigRequest':
      return { type: OFPT.QUEUE_GET_CONFIG_REQUEST, port: r.int('port') };
    case 'OFPQueueGetConfigReply':
      return { type: OFPT.QUEUE_GET_CONFIG_REPLY, port: r.int('port'), queues: r.objs('queues').map(mapQueue) };
    case 'OFPRoleRequest':
    case 'OFPRoleReply':
      return {
        type: r.cls === 'OFPRoleRequest' ? OFPT.ROLE_REQUEST : OFPT.ROLE_REPLY,
        role: r.int('role'),
        generation_id: r.big('generation_id'),
      };
    case 'OFPGetAsyncReply':
    case 'OFPSetAsync':
      return {
        type: r.cls === 'OFPSetAsync' ? OFPT.SET_ASYNC : OFPT.GET_ASYNC_REPLY,
        packet_in_mask: pair(r, 'packet_in_mask'),
        port_status_mask: pair(r, 'port_status_mask'),
        flow_removed_mask: pair(r, 'flow_removed_mask'),
      };
    case 'OFPMeterMod':
      return {
        type: OFPT.METER_MOD,
        command: r.int('command'),
        flags: r.int('flags'),
        meter_id: r.int('meter_id'),
        bands: r.objs('bands').map(mapBand),
      };
  }
  if (r.cls.endsWith('Request')) {
    const body = mapRequestBody(r);
    if (body) return { type: OFPT.MULTIPART_REQUEST, flags: r.int('flags'), ...body };
  }
  if (r.cls.endsWith('Reply')) {
    const body = mapReplyBody(r);
    if (body) return { type: OFPT.MULTIPART_REPLY, flags: r.int('flags'), ...body };
  }
  throw new Error(`${r.path}: Ryu message class ${r.cls} is not mapped`);
}

export interface RyuExpectation {
  /** Ryu's top-level class, e.g. "OFPFlowMod". */
  ryuClass: string;
  /** The value `decodeMessage` must return for the packet. */
  message: OfpMessage;
  /** The message's size in bytes, from the spec's struct sizes. */
  size: number;
  /**
   * Where Ryu's JSON is not consistent with itself or with the packet: a
   * len/length that is not the size of what it measures, a type code that
   * disagrees with Ryu's class, a field left unmapped. Must be empty.
   */
  problems: string[];
}

/**
 * Maps one Ryu JSON document (as `parseRyuJson` returns it) to our decoded
 * form. `packet` is the recorded message: ofp_header's version and xid and
 * ofp_switch_features' reserved, which Ryu's JSON leaves out, are read from
 * it at their spec offsets, and its type byte and length are checked. With
 * no packet (the JSON-only fixtures) they are version 4, xid 0, reserved 0.
 */
export function mapRyuMessage(doc: unknown, packet?: Buffer): RyuExpectation {
  const ctx = new Ctx();
  const r = RyuObj.wrap(doc, '', ctx);
  const body = mapBody(r);
  r.done();
  const version = packet ? packet[0]! : 4;
  const xid = packet ? packet.readUInt32BE(4) : 0;
  const message = { version, xid, ...body } as OfpMessage;
  // struct ofp_switch_features: reserved is the last 4 of its 32 bytes.
  if (message.type === OFPT.FEATURES_REPLY && packet) message.reserved = packet.readUInt32BE(28);
  const size = messageSize(message);
  if (packet) {
    if (packet[1] !== message.type) ctx.problems.push(`${r.cls} is OFPT ${message.type}, but the packet's type byte is ${packet[1]}`);
    if (packet.length !== size) ctx.problems.push(`${r.cls} takes ${size} bytes by Ryu's fields, but the packet has ${packet.length}`);
  }
  return { ryuClass: r.cls, message, size, problems: ctx.problems };
}

/**
 * `{OFPTruncatedMessage: {Class: {...}}}`: Ryu's verdict on a message cut
 * short, with what it could read. Returns the class and that partial object.
 */
export function ryuTruncated(doc: unknown): { ryuClass: string; partial: Record<string, unknown> } | undefined {
  if (!isDict(doc) || !isDict(doc.OFPTruncatedMessage)) return undefined;
  const inner = doc.OFPTruncatedMessage;
  const keys = Object.keys(inner);
  const partial = inner[keys[0]!];
  if (keys.length !== 1 || !isDict(partial)) return undefined;
  return { ryuClass: keys[0]!, partial };
}

/**
 * A form of a decoded value that tap compares and prints well: Buffers as
 * "<hex>" strings, bigints as "123n" (so a number where a bigint belongs
 * shows up), object keys sorted, undefined properties dropped.
 */
export function comparable(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return `<${v.toString('hex')}>`;
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return v.map(comparable);
  if (isDict(v)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) o[k] = comparable(v[k]);
    return o;
  }
  return v;
}
