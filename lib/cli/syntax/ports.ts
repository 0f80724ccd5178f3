/**
 * Port numbers and names as ovs-ofctl reads them.
 *
 * Open Vswitch keeps ports in OpenFlow 1.0's 16-bit space internally, so
 * ovs-ofctl accepts both spellings of a reserved port: `65534` (OF1.0) and
 * `4294967294` (OF1.1+) are both LOCAL, and `65280`..`65527` are "reserved
 * OF1.0 numbers" sent as 0xffffff00..0xfffffff7. Numbers between those two
 * ranges are refused. Port numbers are decimal only. Names are the reserved
 * ones in any case (`local`, `LOCAL`), or the switch's own port names, which
 * ovs-ofctl learns from a PORT_DESC request and which callers pass in here.
 */
import { OFPP } from '../../openflow/constants.js';
import type { WarningSink } from './errors.js';
import { parseDecimal } from './values.js';

/** ovs-ofctl's names for the reserved ports (OFPP_NONE is OF1.0's ANY). */
const RESERVED: ReadonlyMap<string, number> = new Map([
  ['IN_PORT', OFPP.IN_PORT],
  ['TABLE', OFPP.TABLE],
  ['NORMAL', OFPP.NORMAL],
  ['FLOOD', OFPP.FLOOD],
  ['ALL', OFPP.ALL],
  ['CONTROLLER', OFPP.CONTROLLER],
  ['LOCAL', OFPP.LOCAL],
  ['ANY', OFPP.ANY],
  ['NONE', OFPP.ANY],
]);

/** The reserved name of an OF1.1+ port number, for warnings. */
function reservedName(port: number): string | undefined {
  for (const [name, n] of RESERVED) if (n === port && name !== 'NONE') return name;
  return undefined;
}

/** The switch's ports by name, as learnt from PORT_DESC. */
export type PortNames = ReadonlyMap<string, number>;

/**
 * An OpenFlow 1.3 port number from `text`, or undefined if `text` is not a
 * port (the caller phrases the error, which differs by context).
 */
export function parsePortNumber(text: string, names: PortNames | undefined, warn: WarningSink): number | undefined {
  if (/^-[0-9]+$/.test(text)) {
    warn(`Negative value ${text} is not a valid port number.`);
    return undefined;
  }
  const n = parseDecimal(text);
  if (n !== undefined) {
    if (n < 0xff00n) return Number(n);
    if (n <= 0xffffn) {
      // An OF1.0 reserved number: moved up into the OF1.1+ reserved range.
      const port = Number(n) + 0xffff0000;
      const name = reservedName(port);
      if (name !== undefined) {
        warn(`referring to port ${name} as ${n} is deprecated for compatibility with OpenFlow 1.1 and later`);
      } else {
        warn(`port ${n} is a reserved OF1.0 port number that will be translated to ${port} when talking to an OF1.1 or later controller`);
      }
      return port;
    }
    if (n >= 0xffffff00n && n <= 0xffffffffn) return Number(n);
    if (n <= 0xffffffffn) warn(`port ${n} is outside the supported range 0 through ffff or 0xffffff00 through 0xffffffff`);
    return undefined;
  }
  const reserved = RESERVED.get(text.toUpperCase());
  if (reserved !== undefined) return reserved;
  // A name may be quoted, for names that would otherwise read as something else.
  const quoted = /^"(.*)"$/.exec(text);
  return names?.get(quoted ? quoted[1]! : text);
}
