/**
 * Addresses in the text forms ovs-ofctl prints, with and without masks.
 *
 * The codec gives addresses as text; the printers need their bits (to tell
 * a CIDR mask from an arbitrary one, to sort, to print IPv6 the way glibc's
 * inet_ntop does, which differs from RFC 5952 for IPv4-mapped and
 * IPv4-compatible addresses). So everything here works on bytes.
 */

/** "aa:bb:cc:dd:ee:ff" → 6 bytes. */
export function macToBytes(mac: string): Uint8Array {
  const parts = mac.split(':');
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(parts[i] ?? '0', 16) & 0xff;
  return out;
}

export function formatMac(b: Uint8Array): string {
  return Array.from(b.subarray(0, 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

const allOnes = (b: Uint8Array): boolean => b.every((x) => x === 0xff);
const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/** `eth_format_masked`: the address, then "/mask" unless the mask is exact. */
export function formatMacMasked(value: Uint8Array, mask: Uint8Array): string {
  return allOnes(mask) ? formatMac(value) : `${formatMac(value)}/${formatMac(mask)}`;
}

/** "10.0.0.1" → u32. */
export function ipv4ToU32(ip: string): number {
  const p = ip.split('.').map((x) => Number(x) & 0xff);
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

/** The prefix length of a CIDR mask, or -1 when the mask is not one. */
function cidrLen(mask: Uint8Array): number {
  let n = 0;
  let i = 0;
  while (i < mask.length && mask[i] === 0xff) {
    n += 8;
    i++;
  }
  if (i < mask.length) {
    const b = mask[i]!;
    let bits = 0;
    while (bits < 8 && b & (0x80 >> bits)) bits++;
    if (((b << bits) & 0xff) !== 0) return -1;
    n += bits;
    for (i++; i < mask.length; i++) if (mask[i] !== 0) return -1;
  }
  return n;
}

const u32Bytes = (n: number): Uint8Array => new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);

/** `ip_format_masked`: "10.0.0.0/8" for a CIDR mask, "a/b.c.d.e" otherwise. */
export function formatIpv4Masked(value: number, mask: number): string {
  value >>>= 0;
  mask >>>= 0;
  if (mask === 0xffffffff) return formatIpv4(value);
  const len = cidrLen(u32Bytes(mask));
  return len >= 0 ? `${formatIpv4(value)}/${len}` : `${formatIpv4(value)}/${formatIpv4(mask)}`;
}

/** IPv6 text (RFC 4291 forms, including embedded IPv4) → 16 bytes. */
export function ipv6ToBytes(text: string): Uint8Array {
  const out = new Uint8Array(16);
  let s = text;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = ipv4ToU32(v4[1]!);
    s = s.slice(0, -v4[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const words: number[] = [...h.map((x) => parseInt(x, 16))];
  if (rest !== undefined) {
    for (let i = h.length + t.length; i < 8; i++) words.push(0);
  }
  for (const x of t) words.push(parseInt(x, 16));
  for (let i = 0; i < 8; i++) {
    const w = words[i] ?? 0;
    out[2 * i] = (w >> 8) & 0xff;
    out[2 * i + 1] = w & 0xff;
  }
  return out;
}

/**
 * IPv6 text as glibc's inet_ntop writes it: the longest run of two or more
 * zero words becomes "::" (the first, on a tie), and an address whose first
 * six words are zero (other than ::, ::1) or that is IPv4-mapped ends in a
 * dotted quad.
 */
export function formatIpv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[2 * i]! << 8) | b[2 * i + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase >= 0) {
      if (bestBase < 0 || curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase >= 0 && (bestBase < 0 || curLen > bestLen)) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestBase >= 0 && bestLen < 2) bestBase = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      s += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    s += words[i]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) s += ':';
  return s;
}

/** `ipv6_format_masked`: "2001:db8::/32" for a CIDR mask, "a/mask" otherwise. */
export function formatIpv6Masked(value: Uint8Array, mask: Uint8Array): string {
  if (allOnes(mask)) return formatIpv6(value);
  const len = cidrLen(mask);
  return len >= 0 ? `${formatIpv6(value)}/${len}` : `${formatIpv6(value)}/${formatIpv6(mask)}`;
}

export const isAllOnes = allOnes;
export const isAllZero = allZero;
