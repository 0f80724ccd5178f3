/**
 * What the replay compares (replay.ts): both sides' messages as plain JSON,
 * with the values the spec leaves to the switch or to the moment blanked,
 * each rule with the section that justifies it, and field-by-field
 * differences, multipart entries matched by what identifies them.
 */
import { OFPT, OFPMP, type OfpMessage } from '../../lib/openflow/index.js';
import { hostChosenBytes } from './hosts.js';

export interface NormalizeOptions {
  /** Captures of other switches: their datapath id is not ours. */
  normalizeDatapathId?: boolean;
}


export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Our decoded message as plain JSON: bigints as decimal strings, Buffers as hex. */
export function toJson(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object') {
    const o: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v as object)) if (x !== undefined) o[k] = toJson(x);
    return o;
  }
  return v as Json;
}

export const NORMALIZED = '<normalized>';

/** Replaces `key` wherever it occurs in `v`. */
export function blankKeys(v: Json, keys: ReadonlySet<string>): Json {
  if (Array.isArray(v)) return v.map((x) => blankKeys(x, keys));
  if (v !== null && typeof v === 'object') {
    const o: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) o[k] = keys.has(k) ? NORMALIZED : blankKeys(x, keys);
    return o;
  }
  return v;
}

export const canon = (v: Json): string => JSON.stringify(v);

/**
 * Values the spec leaves to the switch or to the moment, blanked on both
 * sides before comparing. One place, each with its justification.
 */
/**
 * Counters of packets the hosts sent. Both switches credit their OpenFlow
 * counters from their datapath's flow statistics periodically (Open
 * vSwitch's revalidators and ofswitchd's, every 500 ms): in
 * 04-flow-mod-add-flags Open vSwitch answers a flow-stats request with 2
 * packets and an aggregate request 6 ms later, with no packet between, with
 * 3. What a counter says at the instant of a request depends on where that
 * period falls, on each side (OpenFlow 1.3.5 §5.8 defines the counters, not
 * how soon a read must reflect a packet). So in a session with host
 * traffic these counters are not compared; the traffic still drives what
 * is (packet-ins, idle timeouts, port status, which entries exist).
 */
export const TRAFFIC_COUNTERS = new Set([
  'packet_count',
  'byte_count',
  'lookup_count',
  'matched_count',
  'rx_packets',
  'tx_packets',
  'rx_bytes',
  'tx_bytes',
  'rx_dropped',
  'tx_dropped',
  'packet_in_count',
  'byte_in_count',
  'packet_band_count',
  'byte_band_count',
]);


export function normalize(msg: OfpMessage, opts: NormalizeOptions, hostFrames: boolean): Json {
  let j = toJson(msg) as { [k: string]: Json };
  if (hostFrames && (msg.type === OFPT.MULTIPART_REPLY || msg.type === OFPT.FLOW_REMOVED)) j = blankKeys(j, TRAFFIC_COUNTERS) as { [k: string]: Json };
  // xid: replies are paired by xid before comparing and carry the request's
  // xid, which we send unchanged; the switch picks the xids of its own
  // messages freely (OpenFlow 1.3.5 §6.1.1: "associated with a message"),
  // so they are not compared.
  delete j.xid;
  // Durations measure how long an entry has existed (OpenFlow 1.3.5
  // §7.3.5.2 flow, §7.3.5.6 port, §7.3.5.8 queue, §7.3.5.9 group, §7.3.5.12
  // meter stats, §7.4.2 flow removed): wall-clock time of the run.
  j = blankKeys(j, new Set(['duration_sec', 'duration_nsec'])) as { [k: string]: Json };
  switch (msg.type) {
    case OFPT.FEATURES_REPLY:
      // n_buffers (OpenFlow 1.3.5 §7.3.1: "max packets buffered at once")
      // and capabilities (§7.3.1, "bitmap of supported OFPC_*") describe
      // the implementation, not the protocol exchange.
      j.n_buffers = NORMALIZED;
      j.capabilities = NORMALIZED;
      if (opts.normalizeDatapathId) j.datapath_id = NORMALIZED;
      break;
    case OFPT.ERROR: {
      // The data of an error holds "at least 64 bytes of the failed
      // request" (OpenFlow 1.3.5 §7.4.4); Open vSwitch sends the whole
      // request, so only the first 64 bytes are compared (the shorter side
      // must have them all).
      const data = j.data;
      if (typeof data === 'string' && data.length > 128) j.data = data.slice(0, 128);
      break;
    }
    case OFPT.PACKET_IN:
      // Whether and where a packet is buffered is the switch's choice
      // (OpenFlow 1.3.5 §7.4.1: buffer_id, "OFP_NO_BUFFER if not
      // buffered"); the id is opaque to the controller.
      j.buffer_id = NORMALIZED;
      // Frames from the emulated hosts (hosts.ts) carry values the sending
      // host picks (IPv4 id, ICMP id, timestamps); those bytes are not the
      // switch's doing.
      if (hostFrames) j.data = maskHostBytes(msg.data);
      break;
    case OFPT.MULTIPART_REPLY: {
      const body = j.body;
      switch (msg.mp_type) {
        case OFPMP.FLOW:
          // A flow entry's instructions are a set, at most one of each
          // type, executed in a fixed order by type (OpenFlow 1.3.5 §5.9);
          // the order they are listed in carries nothing.
          if (Array.isArray(body)) {
            j.body = body.map((fs) => {
              const o = { ...(fs as { [k: string]: Json }) };
              // The match is a set of fields, each at most once (OpenFlow
              // 1.3.5 §7.2.3.2); the order a switch lists them in is its own.
              if (Array.isArray(o.match)) o.match = [...o.match].sort((a, b) => (canon(a) < canon(b) ? -1 : canon(a) > canon(b) ? 1 : 0));
              if (Array.isArray(o.instructions)) o.instructions = [...o.instructions].sort((a, b) => Number((a as { type: number }).type) - Number((b as { type: number }).type));
              return o;
            });
          }
          break;
        case OFPMP.DESC:
          // Free-form strings naming the maker and software (OpenFlow
          // 1.3.5 §7.3.5.1).
          j.body = NORMALIZED;
          break;
        case OFPMP.TABLE_FEATURES:
          // What each table can match, apply and jump to, and how many
          // entries it holds, is the switch's to declare (OpenFlow 1.3.5
          // §7.3.5.5: "the switch ... reports ... capabilities"; §7.3.5.5.2
          // property lists). The table numbering and metadata masks and
          // config stay compared.
          if (Array.isArray(body)) {
            j.body = body.map((tf) => {
              const o = { ...(tf as { [k: string]: Json }) };
              o.max_entries = NORMALIZED;
              o.properties = NORMALIZED;
              // name: free-form (§7.3.5.5.1, "char name[OFP_MAX_TABLE_NAME_LEN]").
              o.name = NORMALIZED;
              return o;
            });
          }
          break;
        case OFPMP.GROUP_FEATURES:
          // What the group table supports is the switch's to declare
          // (OpenFlow 1.3.5 §7.3.5.11: "max_groups ... maximum number of
          // groups for each type", capabilities "bitmap of OFPGFC_*
          // supported", actions "bitmaps of OFPAT_* that are supported"). The
          // group types stay compared; what a switch then accepts or refuses
          // shows in the GROUP_MODs' replies.
          if (body && typeof body === 'object' && !Array.isArray(body)) {
            j.body = { ...body, max_groups: NORMALIZED, capabilities: NORMALIZED, actions: NORMALIZED };
          }
          break;
        case OFPMP.METER_FEATURES:
          // What the meter table supports is the switch's to declare
          // (OpenFlow 1.3.5 §7.3.5.14: max_meter, band_types "bitmaps of
          // OFPMBT_* values supported", capabilities, max_bands, max_color);
          // what it accepts shows in the METER_MODs' replies.
          if (body && typeof body === 'object' && !Array.isArray(body)) j.body = NORMALIZED;
          break;
        default:
          break;
      }
      break;
    }
    default:
      break;
  }
  return j;
}

export function maskHostBytes(frame: Buffer): string {
  const f = Buffer.from(frame);
  for (const [a, b] of hostChosenBytes(f)) f.fill(0, a, Math.min(b, f.length));
  return f.toString('hex');
}

/**
 * The entries of a multipart reply in a canonical order: the spec gives
 * them no order (OpenFlow 1.3.5 §7.3.5: a reply lists the matching
 * entries; flow entries in particular are not ordered), and a switch may
 * split a reply across REPLY_MORE parts wherever it likes (§7.3.5, "the
 * switch may split"), so parts are concatenated before this.
 */
export function sortEntries(j: Json): Json {
  const o = j as { [k: string]: Json };
  if (Array.isArray(o.body)) o.body = [...o.body].sort((a, b) => (canon(a) < canon(b) ? -1 : canon(a) > canon(b) ? 1 : 0));
  // A multipart reply's flags are OFPMPF_REPLY_MORE on all parts but the last;
  // once concatenated the sequence is one reply.
  if ('flags' in o && o.type === OFPT.MULTIPART_REPLY) delete o.flags;
  return o;
}

/**
 * What identifies an entry of a multipart reply body, by multipart type,
 * so that differences are reported per entry (`body[port_no=2].config`)
 * rather than by position, and a missing entry does not shift the rest.
 */
export function entryKey(mpType: number, e: Json): string {
  const o = (e ?? {}) as { [k: string]: Json };
  const k = (...names: string[]): string => names.map((n) => `${n}=${canon(o[n] ?? null)}`).join(',');
  switch (mpType) {
    case OFPMP.FLOW:
      return k('table_id', 'priority', 'match');
    case OFPMP.TABLE:
    case OFPMP.TABLE_FEATURES:
      return k('table_id');
    case OFPMP.PORT_STATS:
    case OFPMP.PORT_DESC:
      return k('port_no');
    case OFPMP.QUEUE:
      return k('port_no', 'queue_id');
    case OFPMP.GROUP:
    case OFPMP.GROUP_DESC:
      return k('group_id');
    case OFPMP.METER:
    case OFPMP.METER_CONFIG:
      return k('meter_id');
    default:
      return canon(e);
  }
}

/** Differences between two multipart bodies, entry by entry (both already in canonical order). */
export function diffEntries(mpType: number, a: Json[], b: Json[], out: Array<{ field: string; ovs: Json; ofswitchd: Json }>): void {
  const rest = [...b];
  const onlyA: Json[] = [];
  for (const x of a) {
    const i = rest.findIndex((y) => canon(y) === canon(x));
    if (i >= 0) rest.splice(i, 1);
    else onlyA.push(x);
  }
  for (const x of onlyA) {
    const key = entryKey(mpType, x);
    const i = rest.findIndex((y) => entryKey(mpType, y) === key);
    if (i >= 0) {
      diff(x, rest[i]!, `body[${key}]`, out);
      rest.splice(i, 1);
    } else out.push({ field: `body[${key}]`, ovs: x, ofswitchd: 'absent' });
  }
  for (const y of rest) out.push({ field: `body[${entryKey(mpType, y)}]`, ovs: 'absent', ofswitchd: y });
}

/** Field-by-field differences between two normalized values. */
export function diff(a: Json, b: Json, path: string, out: Array<{ field: string; ovs: Json; ofswitchd: Json }>): void {
  if (canon(a) === canon(b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push({ field: `${path}.length`, ovs: a.length, ofswitchd: b.length });
    for (let i = 0; i < Math.min(a.length, b.length); i++) diff(a[i]!, b[i]!, `${path}[${i}]`, out);
    return;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      diff(a[k] ?? null, b[k] ?? null, path === '' ? k : `${path}.${k}`, out);
    }
    return;
  }
  out.push({ field: path === '' ? '(message)' : path, ovs: a, ofswitchd: b });
}

