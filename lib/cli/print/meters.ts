/**
 * Meters as ovs-ofctl prints them: OFPT_METER_MOD and the meter
 * statistics, configuration and features replies.
 *
 *     meter=1 kbps burst stats bands=
 *     type=drop rate=1000 burst_size=10
 *
 * Each band is a line of its own. Open vSwitch implements drop and
 * dscp_remark bands; an experimenter band makes ovs-ofctl refuse the whole
 * message (OFPMMFC_BAD_BAND).
 */
import { OFPMBT, OFPMC, OFPMF } from '../../openflow/constants.js';
import type { MeterBand, MeterConfig, MeterFeatures, MeterMod, MeterStats } from '../../openflow/types.js';
import { reject } from './reject.js';
import { bitNames, formatDuration } from './text.js';

const OFPM13_MAX = 0xffff0000;

/** `ofputil_format_meter_id`: "meter=5", "meter=all", ... with the given separator. */
export function formatMeterId(id: number, sep: string): string {
  id >>>= 0;
  if (id <= OFPM13_MAX) return `meter${sep}${id}`;
  const name = id === 0xfffffffd ? 'slowpath' : id === 0xfffffffe ? 'controller' : id === 0xffffffff ? 'all' : 'unknown';
  return `meter${sep}${name}`;
}

function formatMeterFlags(flags: number): string {
  let s = '';
  if (flags & OFPMF.KBPS) s += 'kbps ';
  if (flags & OFPMF.PKTPS) s += 'pktps ';
  if (flags & OFPMF.BURST) s += 'burst ';
  if (flags & OFPMF.STATS) s += 'stats ';
  const rest = flags & ~0xf;
  if (rest) s += `flags:0x${rest.toString(16)} `;
  return s;
}

function formatBand(flags: number, b: MeterBand): string {
  let s = `\ntype=${b.type === OFPMBT.DROP ? 'drop' : b.type === OFPMBT.DSCP_REMARK ? 'dscp_remark' : String(b.type)}`;
  s += ` rate=${b.rate >>> 0}`;
  if (flags & OFPMF.BURST) s += ` burst_size=${b.burst_size >>> 0}`;
  if (b.type === OFPMBT.DSCP_REMARK) s += ` prec_level=${b.prec_level}`;
  return s;
}

function checkBands(bands: readonly MeterBand[]): void {
  for (const b of bands) if (b.type !== OFPMBT.DROP && b.type !== OFPMBT.DSCP_REMARK) reject('OFPMMFC_BAD_BAND');
}

/** One meter configuration, ending with a newline. */
export function formatMeterConfig(mc: MeterConfig): string {
  checkBands(mc.bands);
  return `${formatMeterId(mc.meter_id, '=')} ${formatMeterFlags(mc.flags)}bands=${mc.bands.map((b) => formatBand(mc.flags, b)).join('')}\n`;
}

const METER_COMMANDS: Readonly<Record<number, string>> = { [OFPMC.ADD]: 'ADD', [OFPMC.MODIFY]: 'MOD', [OFPMC.DELETE]: 'DEL' };

export function formatMeterModBody(mm: MeterMod): string {
  if (mm.flags & OFPMF.KBPS && mm.flags & OFPMF.PKTPS) reject('OFPMMFC_BAD_FLAGS');
  if (METER_COMMANDS[mm.command] === undefined) reject('OFPMMFC_BAD_COMMAND');
  // Open vSwitch reads neither the flags nor the bands of a delete.
  const del = mm.command === OFPMC.DELETE;
  return ` ${METER_COMMANDS[mm.command]} ${formatMeterConfig({ flags: del ? 0 : mm.flags, meter_id: mm.meter_id, bands: del ? [] : mm.bands })}`;
}

export function formatMeterStatsEntry(ms: MeterStats): string {
  let s = `${formatMeterId(ms.meter_id, ':')} flow_count:${ms.flow_count >>> 0} packet_in_count:${ms.packet_in_count} `;
  s += `byte_in_count:${ms.byte_in_count} duration:${formatDuration(ms.duration_sec, ms.duration_nsec)} bands:\n`;
  ms.band_stats.forEach((b, i) => (s += `${i}: packet_count:${b.packet_band_count} byte_count:${b.byte_band_count}\n`));
  return s;
}

const BAND_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1 << OFPMBT.DROP, 'drop'],
  [1 << OFPMBT.DSCP_REMARK, 'dscp_remark'],
]);
const METER_CAPABILITY_NAMES: ReadonlyMap<number, string> = new Map([
  [OFPMF.KBPS, 'kbps'],
  [OFPMF.PKTPS, 'pktps'],
  [OFPMF.BURST, 'burst'],
  [OFPMF.STATS, 'stats'],
]);

export function formatMeterFeatures(mf: MeterFeatures): string {
  let s = `\nmax_meter:${mf.max_meter >>> 0} max_bands:${mf.max_bands} max_color:${mf.max_color}\n`;
  s += `band_types: ${bitNames(mf.band_types, (b) => BAND_TYPE_NAMES.get(b))}\n`;
  s += `capabilities: ${bitNames(mf.capabilities, (b) => METER_CAPABILITY_NAMES.get(b))}\n`;
  return s;
}
