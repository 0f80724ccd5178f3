/**
 * The meter table (OpenFlow 1.3.5 §5.7, §6.6, §7.3.4.4): per-flow rate
 * limiters with DROP and DSCP_REMARK bands, METER_MOD, and the meter
 * multipart replies.
 *
 * METER_MOD checks and their errors (ofp_meter_mod_failed_code):
 * - command other than ADD/MODIFY/DELETE: OFPMMFC_BAD_COMMAND;
 * - meter id 0, above OFPM_MAX, or OFPM_ALL for ADD/MODIFY:
 *   OFPMMFC_INVALID_METER, except the virtual meter OFPM_CONTROLLER (see
 *   below). OFPM_SLOWPATH is INVALID_METER: ofswitchd has no slow path
 *   apart from packet-ins, so there would be nothing for it to meter;
 * - flags beyond KBPS|PKTPS|BURST|STATS, or KBPS and PKTPS both or neither
 *   set: OFPMMFC_BAD_FLAGS (a rate needs exactly one unit);
 * - more bands than max_bands: OFPMMFC_OUT_OF_BANDS;
 * - a band type other than DROP or DSCP_REMARK (experimenter): BAD_BAND;
 *   rate 0: BAD_RATE; BURST set and burst_size 0 (a bucket that holds
 *   nothing would drop every packet): BAD_BURST; a DSCP_REMARK band with
 *   prec_level 0 (remarking by nothing): BAD_BAND_VALUE;
 * - ADD of an existing meter: METER_EXISTS; MODIFY of a missing one:
 *   UNKNOWN_METER; ADD beyond max_meter meters: OUT_OF_METERS.
 * DELETE of a missing meter succeeds; OFPM_ALL deletes all. Deleting a
 * meter removes the flow entries that use it (FLOW_REMOVED reason
 * OFPRR_METER_DELETE, as Open vSwitch sends to OF1.3 controllers too).
 * MODIFY keeps the meter's age and input counters and starts its bands
 * afresh.
 *
 * OFPM_CONTROLLER (0xfffffffe, §5.7 "virtual meter ... for packets sent
 * to the controller") is added, modified, deleted and reported like any
 * other meter, as Open vSwitch does (its config and stats replies list it;
 * flow_count 0). `meterPacketIn` runs every packet the switch sends to the
 * controllers through it, once per packet whatever the number of
 * connections and whatever the reason, before any connection sees it (Open
 * vSwitch meters its datapath's controller action the same way): a DROP
 * band that applies means no packet-in, counted in the band's stats; a
 * DSCP_REMARK band remarks the frame the packet-in carries.
 *
 * The token buckets (one per band) are the datapath's to drive through
 * `Meter.apply`; time comes from the caller, so tests need no sleeping.
 */
import { OFPM, OFPMBT, OFPMC, OFPMF, OFPRR } from '../openflow/constants.js';
import { OFPET, OFPMMFC, OfpError } from '../openflow/errors.js';
import type { MeterBand, MeterConfig, MeterFeatures, MeterMod, MeterStats } from '../openflow/types.js';
import { Extractor } from '../packet/extract.js';
import { newKey } from '../packet/flow-key.js';
import { Ipv4View } from '../packet/ipv4.js';
import { Ipv6View } from '../packet/ipv6.js';
import { durationOf } from './clock.js';
import type { Pipeline, Txn } from './pipeline.js';

const ALL_METER_FLAGS = OFPMF.KBPS | OFPMF.PKTPS | OFPMF.BURST | OFPMF.STATS;

export class Meter {
  packetsIn = 0;
  bytesIn = 0;
  readonly bandPackets: number[];
  readonly bandBytes: number[];
  /** Tokens per band, in the band's unit (kilobits or packets). */
  private readonly tokens: number[];
  private readonly capacity: number[];
  private last: number;

  constructor(
    readonly id: number,
    readonly flags: number,
    readonly bands: readonly MeterBand[],
    readonly created: number,
    now: number,
  ) {
    this.bandPackets = bands.map(() => 0);
    this.bandBytes = bands.map(() => 0);
    // Without OFPMF_BURST a band may burst one second's worth, as Open vSwitch's userspace meters do.
    this.capacity = bands.map((b) => ((flags & OFPMF.BURST) !== 0 ? b.burst_size : b.rate));
    this.tokens = [...this.capacity];
    this.last = now;
  }

  get pktps(): boolean {
    return (this.flags & OFPMF.PKTPS) !== 0;
  }

  /**
   * Meters a batch of `packets` packets totalling `bytes` bytes at clock
   * time `now` (ms). Returns the index of the band that applies — the one
   * with the highest rate among those the batch exceeds (§5.7) — or -1 when
   * none does. Counts the batch in, and in the band it returns.
   */
  apply(now: number, packets: number, bytes: number): number {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = Math.max(this.last, now);
    this.packetsIn += packets;
    this.bytesIn += bytes;
    const cost = this.pktps ? packets : (bytes * 8) / 1000;
    let band = -1;
    for (let i = 0; i < this.bands.length; i++) {
      const b = this.bands[i]!;
      const t = Math.min(this.capacity[i]!, this.tokens[i]! + b.rate * elapsed);
      if (t >= cost) this.tokens[i] = t - cost;
      else {
        this.tokens[i] = t;
        if (band < 0 || b.rate > this.bands[band]!.rate) band = i;
      }
    }
    if (band >= 0) {
      this.bandPackets[band]! += packets;
      this.bandBytes[band]! += bytes;
    }
    return band;
  }
}

/** A DSCP raised by `precLevel` drop-precedence steps (DSCP_REMARK bands), saturating at the class's top. */
export function remarkDscp(dscp: number, precLevel: number): number {
  // AF codepoints keep the drop precedence in bits 2..1 of the 6-bit DSCP (RFC 2597).
  const prec = Math.min(3, ((dscp >> 1) & 3) + precLevel);
  return (dscp & ~0x6) | (prec << 1);
}

export interface MeterLimits {
  maxMeters: number;
  maxBands: number;
}

export interface MeterModPlan {
  apply(txn: Txn): void;
}

const badMeter = (code: OFPMMFC, detail: string): OfpError => new OfpError(OFPET.METER_MOD_FAILED, code, detail);

export class MeterTable {
  private readonly meters = new Map<number, Meter>();

  constructor(readonly limits: MeterLimits) {}

  get(id: number): Meter | undefined {
    return this.meters.get(id);
  }

  has(id: number): boolean {
    return this.meters.has(id);
  }

  get size(): number {
    return this.meters.size;
  }

  sorted(): Meter[] {
    return [...this.meters.values()].sort((a, b) => a.id - b.id);
  }

  plan(mm: MeterMod, p: Pipeline, now: number): MeterModPlan {
    const id = mm.meter_id >>> 0;
    switch (mm.command) {
      case OFPMC.DELETE: {
        const victims = id === OFPM.ALL ? [...this.meters.keys()] : this.meters.has(id) ? [id] : [];
        const rules = victims.flatMap((m) => [...p.rulesUsingMeter(m)]);
        return {
          apply: (txn) => {
            for (const r of rules) txn.remove(r, OFPRR.METER_DELETE);
            for (const m of victims) this.meters.delete(m);
            if (victims.length > 0) txn.touch();
          },
        };
      }
      case OFPMC.ADD:
      case OFPMC.MODIFY:
        break;
      default:
        throw badMeter(OFPMMFC.BAD_COMMAND, `command ${mm.command as number}`);
    }
    if (id === 0 || (id > OFPM.MAX && id !== OFPM.CONTROLLER)) throw badMeter(OFPMMFC.INVALID_METER, `meter id 0x${id.toString(16)}`);
    const unit = mm.flags & (OFPMF.KBPS | OFPMF.PKTPS);
    if ((mm.flags & ~ALL_METER_FLAGS) !== 0 || unit === 0 || unit === (OFPMF.KBPS | OFPMF.PKTPS)) {
      throw badMeter(OFPMMFC.BAD_FLAGS, `flags 0x${mm.flags.toString(16)}`);
    }
    if (mm.bands.length > this.limits.maxBands) throw badMeter(OFPMMFC.OUT_OF_BANDS, `${mm.bands.length} bands`);
    for (const b of mm.bands) checkBand(b, mm.flags);
    const old = this.meters.get(id);
    if (mm.command === OFPMC.ADD) {
      if (old !== undefined) throw badMeter(OFPMMFC.METER_EXISTS, `meter ${id}`);
      if (this.meters.size >= this.limits.maxMeters) throw badMeter(OFPMMFC.OUT_OF_METERS, `${this.meters.size} meters`);
    } else if (old === undefined) {
      throw badMeter(OFPMMFC.UNKNOWN_METER, `meter ${id}`);
    }
    const meter = new Meter(id, mm.flags, mm.bands.map((b) => ({ ...b })), old?.created ?? now, now);
    if (old !== undefined) {
      meter.packetsIn = old.packetsIn;
      meter.bytesIn = old.bytesIn;
    }
    return {
      apply: (txn) => {
        this.meters.set(id, meter);
        txn.touch();
      },
    };
  }

  /* ------------------------------------------------------------ OFPM_CONTROLLER */

  /**
   * Runs one frame bound for the controllers through OFPM_CONTROLLER, at
   * clock time `now` (ms). False: a DROP band applies and no packet-in may
   * be sent. True otherwise (no such meter, no band applies, or a
   * DSCP_REMARK band applied, which remarked `frame` in place).
   */
  meterPacketIn(now: number, frame: Buffer): boolean {
    const m = this.meters.get(OFPM.CONTROLLER);
    if (m === undefined) return true;
    const band = m.apply(now, 1, frame.length);
    if (band < 0) return true;
    const b = m.bands[band]!;
    if (b.type === OFPMBT.DROP) return false;
    if (b.type === OFPMBT.DSCP_REMARK) this.remark(frame, b.prec_level);
    return true;
  }

  // Made on first use: most switches never remark a packet-in.
  private remarker: { lay: Extractor; key: Uint32Array; ip4: Ipv4View; ip6: Ipv6View } | undefined;

  private remark(frame: Buffer, precLevel: number): void {
    const r = (this.remarker ??= { lay: new Extractor(), key: newKey(), ip4: new Ipv4View(), ip6: new Ipv6View() });
    r.lay.extract(frame, 0, frame.length, 0, r.key);
    const l3 = r.lay.l3;
    if (l3 < 0) return;
    const version = frame[l3]! >>> 4;
    // The same header views the datapath's own DSCP_REMARK uses, so the IPv4 checksum follows.
    if (version === 4) {
      const v = r.ip4.reset(frame, l3, frame.length - l3);
      v.setDscp(remarkDscp(v.dscp(), precLevel));
    } else if (version === 6) {
      const v = r.ip6.reset(frame, l3, frame.length - l3);
      v.setDscp(remarkDscp(v.dscp(), precLevel));
    }
  }

  /* ------------------------------------------------------------ stats */

  /** One meter or all (OFPM_ALL); a meter that does not exist is OFPMMFC_UNKNOWN_METER, as Open vSwitch answers. */
  private select(id: number): Meter[] {
    const m = id >>> 0;
    if (m === OFPM.ALL) return this.sorted();
    const one = this.meters.get(m);
    if (one === undefined) throw badMeter(OFPMMFC.UNKNOWN_METER, `meter ${m} does not exist`);
    return [one];
  }

  stats(id: number, p: Pipeline, now: number): MeterStats[] {
    return this.select(id).map((m) => {
      const [duration_sec, duration_nsec] = durationOf(m.created, now);
      return {
        meter_id: m.id,
        flow_count: p.rulesUsingMeter(m.id).size,
        packet_in_count: BigInt(m.packetsIn),
        byte_in_count: BigInt(m.bytesIn),
        duration_sec,
        duration_nsec,
        band_stats: m.bands.map((_, i) => ({
          packet_band_count: BigInt(m.bandPackets[i]!),
          byte_band_count: BigInt(m.bandBytes[i]!),
        })),
      };
    });
  }

  config(id: number): MeterConfig[] {
    return this.select(id).map((m) => ({ flags: m.flags, meter_id: m.id, bands: m.bands.map((b) => ({ ...b })) }));
  }

  features(): MeterFeatures {
    return {
      max_meter: this.limits.maxMeters,
      band_types: (1 << OFPMBT.DROP) | (1 << OFPMBT.DSCP_REMARK),
      capabilities: ALL_METER_FLAGS,
      max_bands: this.limits.maxBands,
      max_color: 0,
    };
  }
}

function checkBand(b: MeterBand, flags: number): void {
  if (b.type !== OFPMBT.DROP && b.type !== OFPMBT.DSCP_REMARK) throw badMeter(OFPMMFC.BAD_BAND, `band type ${b.type}`);
  if (b.rate === 0) throw badMeter(OFPMMFC.BAD_RATE, 'rate 0');
  if ((flags & OFPMF.BURST) !== 0 && b.burst_size === 0) throw badMeter(OFPMMFC.BAD_BURST, 'burst_size 0 with OFPMF_BURST');
  if (b.type === OFPMBT.DSCP_REMARK && b.prec_level === 0) throw badMeter(OFPMMFC.BAD_BAND_VALUE, 'prec_level 0');
}
