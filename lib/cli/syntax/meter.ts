/**
 * `parseMeter`: an add-meter / mod-meter / del-meters argument to a
 * METER_MOD, as `ovs-ofctl -O OpenFlow13` builds it.
 *
 *     meter=1,kbps,burst,stats,bands=type=drop,rate=1000,burst_size=100 type=dscp_remark,rate=2000,prec_level=1
 *
 * `bands=` comes last (ovs-ofctl finds the first "band" and the `=` after
 * it, so `band=` is as good); each band starts at a `type=` key and takes the
 * `rate`, `burst_size` and `prec_level` after it. The meter id may be a
 * number or one of the virtual meters `all`, `controller`, `slowpath`.
 * Add and modify need a unit (kbps or pktps) and at least one band; a
 * delete without an id deletes all meters.
 */
import { OFPM, OFPMBT, OFPMC, OFPMF, OFPT } from '../../openflow/constants.js';
import type { MeterBand, MeterMod } from '../../openflow/types.js';
import { FlowSyntaxError } from './errors.js';
import type { WithoutXid } from './flow.js';
import { scanKeyValues } from './scanner.js';
import { parseNumeric } from './values.js';

export type MeterCommand = 'add' | 'modify' | 'delete';

export interface MeterOptions {
  command: MeterCommand;
}

const COMMANDS: Record<MeterCommand, OFPMC> = { add: OFPMC.ADD, modify: OFPMC.MODIFY, delete: OFPMC.DELETE };

const FLAGS: ReadonlyMap<string, number> = new Map([
  ['kbps', OFPMF.KBPS],
  ['pktps', OFPMF.PKTPS],
  ['burst', OFPMF.BURST],
  ['stats', OFPMF.STATS],
]);

const VIRTUAL: ReadonlyMap<string, number> = new Map([
  ['all', OFPM.ALL],
  ['controller', OFPM.CONTROLLER],
  ['slowpath', OFPM.SLOWPATH],
]);

/** Parses one meter; see the essay at the top. */
export function parseMeter(text: string, opts: MeterOptions): WithoutXid<MeterMod> {
  const at = text.indexOf('band');
  const eq = at < 0 ? -1 : text.indexOf('=', at);
  const head = at < 0 ? text : text.slice(0, at);
  let meterId: number | undefined;
  let flags = 0;
  for (const { key, value } of scanKeyValues(head)) {
    const flag = FLAGS.get(key);
    if (flag !== undefined && opts.command !== 'delete') flags |= flag;
    else if (value === '') throw new FlowSyntaxError(`field ${key} missing value`, key);
    else if (key === 'meter') {
      meterId = VIRTUAL.get(value) ?? Number(parseNumeric(value, 32));
      if (meterId === 0 || (meterId > OFPM.MAX && !VIRTUAL.has(value))) throw new FlowSyntaxError('invalid value for meter', value);
    }
    else throw new FlowSyntaxError(`unknown keyword ${key}`, key);
  }

  if (opts.command === 'delete') {
    return { type: OFPT.METER_MOD, command: OFPMC.DELETE, flags: 0, meter_id: meterId ?? OFPM.ALL, bands: [] };
  }
  if (meterId === undefined) throw new FlowSyntaxError("must specify 'meter'", text);
  if ((flags & (OFPMF.KBPS | OFPMF.PKTPS)) === 0) {
    throw new FlowSyntaxError("meter must specify either 'kbps' or 'pktps'", text);
  }
  if (eq < 0) throw new FlowSyntaxError('must specify bands', text);
  const bands = parseBands(text.slice(eq + 1));
  if (bands.length === 0) throw new FlowSyntaxError('must specify bands', text);
  return { type: OFPT.METER_MOD, command: COMMANDS[opts.command], flags, meter_id: meterId, bands };
}

interface BandDraft {
  type: OFPMBT.DROP | OFPMBT.DSCP_REMARK;
  rate?: number;
  burst_size: number;
  prec_level: number;
}

function parseBands(text: string): MeterBand[] {
  const drafts: BandDraft[] = [];
  for (const { key, value } of scanKeyValues(text)) {
    if (key === 'type') {
      if (value === 'drop') drafts.push({ type: OFPMBT.DROP, burst_size: 0, prec_level: 0 });
      else if (value === 'dscp_remark') drafts.push({ type: OFPMBT.DSCP_REMARK, burst_size: 0, prec_level: 0 });
      else throw new FlowSyntaxError(`field type unknown value ${value}`, value);
      continue;
    }
    const band = drafts[drafts.length - 1];
    if (band === undefined) throw new FlowSyntaxError("band must start with the 'type' keyword", key);
    switch (key) {
      case 'rate':
        band.rate = Number(parseNumeric(value, 32));
        break;
      case 'burst_size':
        band.burst_size = Number(parseNumeric(value, 32));
        break;
      case 'prec_level': {
        if (band.type !== OFPMBT.DSCP_REMARK) throw new FlowSyntaxError("Only 'dscp_remark' band may have 'prec_level'", key);
        const level = parseNumeric(value, 32);
        if (level > 0xffn) throw new FlowSyntaxError(`invalid prec_level "${value}"`, value);
        band.prec_level = Number(level);
        break;
      }
      default:
        throw new FlowSyntaxError(`unknown keyword ${key}`, key);
    }
  }
  return drafts.map((d) => {
    if (d.rate === undefined || d.rate === 0) throw new FlowSyntaxError("band must have 'rate'", 'rate');
    return d.type === OFPMBT.DROP
      ? { type: OFPMBT.DROP, rate: d.rate, burst_size: d.burst_size }
      : { type: OFPMBT.DSCP_REMARK, rate: d.rate, burst_size: d.burst_size, prec_level: d.prec_level };
  });
}
