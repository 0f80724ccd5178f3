/**
 * Reading one field's value (`80`, `0x1000/0xf000`, `10.0.0.0/8`,
 * `01:00:00:00:00:00/01:00:00:00:00:00`, `LOCAL`) into bits, as a match and
 * `set_field` both need.
 *
 * The value comes back as plain bits at the field's own offset 0; the
 * caller places them into a slot or an OXM value. Messages follow
 * ovs-ofctl's (`80x: bad syntax for tcp_dst value`, `65536: value too large
 * for 2-byte field tcp_dst`); where ovs-ofctl would store a value that the
 * field's bits cannot hold by cutting it short, we refuse it with the
 * phrasing ovs-ofctl uses for set_field (`8 is not a valid value for field
 * vlan_pcp`).
 */
import { FlowSyntaxError, type WarningSink } from './errors.js';
import type { MatchField } from './fields.js';
import { parsePortNumber, type PortNames } from './ports.js';
import { parseCInteger, parseIpv4Masked, parseIpv6Masked, parseMacMasked } from './values.js';

export interface FieldBits {
  value: bigint;
  /** Undefined when no mask was written (exact match). */
  mask?: bigint;
}

export interface ValueContext {
  ports?: PortNames;
  warn: WarningSink;
}

/** Parses `text` as a value (with optional `/mask`) of field `f`. */
export function parseFieldValue(f: MatchField, text: string, ctx: ValueContext): FieldBits {
  const bits = parseRaw(f, text, ctx);
  const widthOnes = (1n << BigInt(8 * f.bytes)) - 1n;
  if (bits.mask !== undefined && !f.maskable && bits.mask !== 0n && bits.mask !== widthOnes) {
    throw new FlowSyntaxError(`${text}: invalid mask for field ${f.name}`, text);
  }
  if ((bits.value & (bits.mask ?? widthOnes) & ~f.valid) !== 0n) {
    throw new FlowSyntaxError(`${text} is not a valid value for field ${f.name}`, text);
  }
  return bits;
}

function parseRaw(f: MatchField, text: string, ctx: ValueContext): FieldBits {
  switch (f.format) {
    case 'int':
      return parseIntMasked(f, text);
    case 'mac':
      return parseMacMasked(text);
    case 'ipv4':
      return parseIpv4Masked(text);
    case 'ipv6':
      return parseIpv6Masked(text);
    case 'port': {
      const port = parsePortNumber(text, ctx.ports, ctx.warn);
      if (port === undefined) throw new FlowSyntaxError(`${text}: invalid or unknown port for ${f.name}`, text);
      return { value: BigInt(port) };
    }
    default: {
      const never: never = f.format;
      return never;
    }
  }
}

function parseIntMasked(f: MatchField, text: string): FieldBits {
  const slash = text.indexOf('/');
  const value = parseIntPart(f, text, slash < 0 ? text : text.slice(0, slash), 'value');
  if (slash < 0) return { value };
  return { value, mask: parseIntPart(f, text, text.slice(slash + 1), 'mask') };
}

function parseIntPart(f: MatchField, whole: string, part: string, what: 'value' | 'mask'): bigint {
  const v = parseCInteger(part);
  if (v === undefined) throw new FlowSyntaxError(`${whole}: bad syntax for ${f.name} ${what}`, whole);
  if (v >= 1n << BigInt(8 * f.bytes)) {
    throw new FlowSyntaxError(`${whole}: ${what} too large for ${f.bytes}-byte field ${f.name}`, whole);
  }
  return v;
}
