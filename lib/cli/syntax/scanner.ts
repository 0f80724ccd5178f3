/**
 * Splitting ovs-ofctl text into key/value pairs.
 *
 * Everything ovs-ofctl reads (flows, actions, groups, buckets, meters,
 * packet-outs) is a list of pairs separated by commas and/or white space.
 * A pair is one of
 *
 *     key            (no value: a flag such as `send_flow_rem`, or `tcp`)
 *     key=value      `=` and `:` are interchangeable: `tp_dst:80`, `output=1`
 *     key:value
 *     key(value)     the value runs to the matching `)`: `write_actions(...)`
 *
 * A value given with `=` or `:` ends at the next comma or white space that
 * is not inside parentheses, so `controller(max_len=10,reason=action)` or
 * `bucket=output:1` stay whole. A `(` that opens the value is only a
 * delimiter if it comes straight after the key; `set_field:1->eth_src` is a
 * key `set_field` with value `1->eth_src`.
 *
 * The scanner only splits; what a key means is the caller's business. It
 * keeps its position so that a caller can stop and take the rest of the
 * text as-is (a bucket list, a band list).
 */

export interface KeyValue {
  key: string;
  /** "" when the key had no value. */
  value: string;
  /** Whether a delimiter (`=`, `:` or `(`) followed the key. */
  hasValue: boolean;
  /** The pair as written, for messages: `output:1`, `controller(max_len=10)`. */
  raw: string;
}

const isSeparator = (c: string): boolean => c === ',' || c === ' ' || c === '\t' || c === '\r' || c === '\n';

export class KeyValueScanner {
  private pos = 0;

  constructor(readonly text: string) {}

  /** The text not yet scanned. */
  get rest(): string {
    return this.text.slice(this.pos);
  }

  /** The next pair, or undefined at the end. */
  next(): KeyValue | undefined {
    const s = this.text;
    while (this.pos < s.length && isSeparator(s[this.pos]!)) this.pos++;
    if (this.pos >= s.length) return undefined;

    const keyStart = this.pos;
    while (this.pos < s.length && !isSeparator(s[this.pos]!) && !'=:('.includes(s[this.pos]!)) this.pos++;
    const key = s.slice(keyStart, this.pos);
    const delim = s[this.pos];
    if (delim === undefined || isSeparator(delim)) {
      if (delim !== undefined) this.pos++;
      return { key, value: '', hasValue: false, raw: key };
    }
    this.pos++;

    const valueStart = this.pos;
    if (delim === '(') {
      // Up to the `)` that closes this one; nested parentheses are kept.
      let depth = 1;
      while (this.pos < s.length) {
        const c = s[this.pos]!;
        if (c === '(') depth++;
        else if (c === ')' && --depth === 0) break;
        this.pos++;
      }
      const value = s.slice(valueStart, this.pos);
      if (this.pos < s.length) this.pos++;
      return { key, value, hasValue: true, raw: s.slice(keyStart, this.pos) };
    }
    // `=` or `:`: up to a separator outside parentheses.
    while (this.pos < s.length && !isSeparator(s[this.pos]!)) {
      if (s[this.pos] === '(') this.skipParenthesized();
      else this.pos++;
    }
    const value = s.slice(valueStart, this.pos);
    const raw = s.slice(keyStart, this.pos);
    if (this.pos < s.length) this.pos++;
    return { key, value, hasValue: true, raw };
  }

  /** Moves past a parenthesized run starting at `(`, or to the end if unclosed. */
  private skipParenthesized(): void {
    const s = this.text;
    let depth = 0;
    do {
      const c = s[this.pos]!;
      if (c === '(') depth++;
      else if (c === ')') depth--;
      this.pos++;
    } while (depth > 0 && this.pos < s.length);
  }
}

/** All pairs of `text`. */
export function scanKeyValues(text: string): KeyValue[] {
  const scanner = new KeyValueScanner(text);
  const out: KeyValue[] = [];
  for (let kv = scanner.next(); kv !== undefined; kv = scanner.next()) out.push(kv);
  return out;
}
