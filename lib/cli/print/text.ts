/**
 * Small text primitives shared by every printer: the hex dump, durations,
 * bit-name lists, and number formats in the exact shapes ovs-ofctl uses
 * (C's `%x`, `%#x`, `%08x`, ...). Kept apart so that each printer reads as
 * the layout it produces, not as string arithmetic.
 */

/** C's `%x` for a number or bigint. */
export const hex = (n: number | bigint): string => n.toString(16);

/** C's `%#x`: "0x" + hex, but plain "0" for zero. */
export const hexAlt = (n: number | bigint): string => (n === 0 || n === 0n ? '0' : `0x${n.toString(16)}`);

/** `0x` + hex padded to `width` digits (C's `0x%0Nx`). */
export const hexPad = (n: number | bigint, width: number): string => `0x${n.toString(16).padStart(width, '0')}`;

/**
 * ovs-ofctl's hex dump (`ds_put_hex_dump` with ASCII): 16 bytes a line, an
 * offset column, a '-' between the two halves, and the printable bytes
 * between bars. Every line ends with a newline.
 */
export function hexDump(buf: Uint8Array, ofs = 0): string {
  const PER_LINE = 16;
  let out = '';
  let pos = 0;
  let size = buf.length;
  while (size > 0) {
    const start = ofs % PER_LINE;
    const end = Math.min(PER_LINE, start + size);
    const n = end - start;
    let line = (ofs - start).toString(16).padStart(8, '0') + '  ';
    line += '   '.repeat(start);
    for (let i = start; i < end; i++) {
      line += buf[pos + i - start]!.toString(16).padStart(2, '0') + (i === PER_LINE / 2 - 1 ? '-' : ' ');
    }
    line += '   '.repeat(PER_LINE - end) + '|' + ' '.repeat(start);
    for (let i = start; i < end; i++) {
      const c = buf[pos + i - start]!;
      line += c >= 32 && c < 127 ? String.fromCharCode(c) : '.';
    }
    line += ' '.repeat(PER_LINE - end) + '|\n';
    out += line;
    ofs += n;
    pos += n;
    size -= n;
  }
  return out;
}

/** The hex dump without the ASCII column, as ovs-ofctl dumps packet data (trailing space dropped). */
export function hexDumpBytes(buf: Uint8Array): string {
  return hexDump(buf).replace(/ *\|.*\|$/gm, '');
}

/**
 * A duration as `ofp_print_duration` writes it: whole seconds; three
 * decimals when the nanoseconds are whole milliseconds (Open vSwitch keeps
 * millisecond clocks, so dumps line up); otherwise as many decimals as the
 * value needs; then "s".
 */
export function formatDuration(sec: number, nsec: number): string {
  let s = String(sec >>> 0);
  if (nsec > 0) {
    const msec = Math.floor(nsec / 1_000_000);
    if (msec * 1_000_000 === nsec) {
      s += '.' + String(msec).padStart(3, '0');
    } else {
      s += '.' + String(nsec >>> 0).padStart(9, '0').replace(/0+$/, '');
    }
  }
  return s + 's';
}

/**
 * `ofp_print_bit_names`: the names of the set bits, lowest first, joined by
 * `sep`; bits without a name are collected into one trailing hex number;
 * "0" when no bit is set.
 */
export function bitNames(bits: number, name: (bit: number) => string | undefined, sep = ' '): string {
  bits >>>= 0;
  if (bits === 0) return '0';
  const parts: string[] = [];
  for (let i = 0; i < 32; i++) {
    const bit = (1 << i) >>> 0;
    if (bits & bit) {
      const n = name(bit);
      if (n !== undefined) {
        parts.push(n);
        bits = (bits & ~bit) >>> 0;
      }
    }
  }
  if (bits) parts.push(`0x${bits.toString(16)}`);
  return parts.join(sep);
}

/** A NUL-padded fixed-size string field: everything before the first NUL. */
export function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * A fixed-size string field as ovs-ofctl writes it (`%.*s`): its bytes up
 * to the first NUL, as they are, so UTF-8 reads as text. A string the codec
 * read byte by byte (every char ≤ 0xff) is re-read as UTF-8.
 */
export function rawText(s: string): string {
  const c = cString(s);
  return /^[\x00-\xff]*$/.test(c) ? Buffer.from(c, 'latin1').toString('utf8') : c;
}

/** Removes trailing `c` characters (C's `ds_chomp`, which removes one). */
export function chomp(s: string, c: string): string {
  return s.endsWith(c) ? s.slice(0, -1) : s;
}

/** Appends a newline unless the text is empty or already ends with one. */
export function addNewline(s: string): string {
  return s.length > 0 && !s.endsWith('\n') ? s + '\n' : s;
}

/** Bytes as lowercase hex with a separator between bytes ("01.02.03"). */
export function hexBytes(buf: Uint8Array, sep = ''): string {
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join(sep);
}
