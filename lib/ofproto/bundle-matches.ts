/**
 * The compiled matches of a bundle's flow_mods, kept from BUNDLE_ADD to
 * COMMIT: of those the commit plans in full (an ADD prepared when it was
 * added has its key words in its Rule already; bundles.ts).
 *
 * Why: a bundled flow_mod's match is compiled (and so checked) when it is
 * added, as Open vSwitch checks it, and was compiled again at commit to
 * plan the change: on a 100,000-flow `ovs-ofctl --bundle add-flows` that
 * second compile was about a quarter of the commit. The result of the first is
 * kept instead, flat: the key words and the facts in one growing
 * Uint32Array (no object per message for the collector to trace and
 * promote), the mask as the table-independent interned array that the
 * rule would share anyway (MaskInterner). A match does not depend on the
 * pipeline's state, so compiling it at add or at commit gives the same.
 */
import { KEY_WORDS } from '../packet/flow-key.js';
import type { CompiledMatch, MatchScratch } from './match.js';
import type { Facts } from './prereqs.js';

/** Per message: the value's key words, then ethType, ipProto, icmpv6Type, vlan, inPort. */
const STRIDE = KEY_WORDS + 5;
/** An absent fact (every fact is narrower than 32 bits). */
const NONE = 0xffffffff;

export class BundleMatches {
  private words = new Uint32Array(16 * STRIDE);
  private readonly masks: Uint32Array[] = [];

  get length(): number {
    return this.masks.length;
  }

  /** Keeps `m` (typically compiled into scratch); `internMask` gives the shared copy of its mask. */
  push(m: CompiledMatch, internMask: (mask: Uint32Array) => Uint32Array): void {
    const i = this.masks.length;
    if ((i + 1) * STRIDE > this.words.length) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    const o = i * STRIDE;
    const w = this.words;
    const value = m.value;
    for (let k = 0; k < KEY_WORDS; k++) w[o + k] = value[k];
    const f = m.facts;
    w[o + KEY_WORDS] = f.ethType ?? NONE;
    w[o + KEY_WORDS + 1] = f.ipProto ?? NONE;
    w[o + KEY_WORDS + 2] = f.icmpv6Type ?? NONE;
    w[o + KEY_WORDS + 3] = f.vlan === undefined ? NONE : f.vlan ? 1 : 0;
    w[o + KEY_WORDS + 4] = f.inPort ? 1 : 0;
    this.masks.push(internMask(m.mask));
  }

  /** Message i's compiled match, its value in `scratch` (valid until the next compile into it). */
  load(i: number, scratch: MatchScratch): CompiledMatch {
    const o = i * STRIDE;
    const w = this.words;
    const value = scratch.value;
    for (let k = 0; k < KEY_WORDS; k++) value[k] = w[o + k];
    const opt = (x: number): number | undefined => (x === NONE ? undefined : x);
    const vlan = w[o + KEY_WORDS + 3];
    const facts: Facts = {
      ethType: opt(w[o + KEY_WORDS]),
      ipProto: opt(w[o + KEY_WORDS + 1]),
      icmpv6Type: opt(w[o + KEY_WORDS + 2]),
      vlan: vlan === NONE ? undefined : vlan === 1,
      inPort: w[o + KEY_WORDS + 4] === 1,
    };
    return { value, mask: this.masks[i], facts };
  }
}
