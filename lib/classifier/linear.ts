/**
 * The reference classifier: the same API as `Classifier`, done by scanning
 * every rule. It exists to be obviously right, so tests (the classifier's,
 * the datapath's megaflow cache's) can take their expected answers from it.
 * Nothing here is clever, and nothing should become so. (One trap: `&` on
 * Uint32Array words gives a signed int32, hence the `>>> 0` before every
 * comparison with a stored word.)
 *
 * Semantics it defines, which `Classifier` must reproduce:
 *  - a rule is visible at version v when it was inserted at a version <= v
 *    and not removed at a version <= v;
 *  - a key matches a rule when (key & mask) == value on every word;
 *  - lookup answers the visible matching rule of highest priority; among
 *    equal priorities this one answers the earliest inserted (`Classifier`
 *    may answer another one of them);
 *  - its wildcards are the OR of the masks of all visible rules: the scan
 *    looked at all of them, which is trivially sufficient (and as broad as
 *    a linear scan can honestly claim).
 */
import { KEY_WORDS } from '../packet/flow-key.js';
import type { ClsRule } from './rule.js';

interface Slot<R> {
  rule: R;
  addVersion: number;
  /** Infinity while not removed. */
  removeVersion: number;
}

export class LinearClassifier<R extends ClsRule> {
  /** In insertion order. */
  private slots: Slot<R>[] = [];

  get count(): number {
    return this.slots.filter((s) => s.removeVersion === Infinity).length;
  }

  insert(rule: R, version: number): void {
    if (this.slots.some((s) => s.rule === rule)) throw new Error('LinearClassifier.insert: rule is already in the classifier');
    for (let w = 0; w < KEY_WORDS; w++) {
      if ((rule.value[w] & ~rule.mask[w]) !== 0) throw new RangeError('LinearClassifier.insert: value has bits outside the mask');
    }
    this.slots.push({ rule, addVersion: version, removeVersion: Infinity });
  }

  remove(rule: R, version: number): void {
    const slot = this.slots.find((s) => s.rule === rule);
    if (slot === undefined) throw new Error('LinearClassifier.remove: rule is not in the classifier');
    if (slot.removeVersion !== Infinity) throw new Error('LinearClassifier.remove: rule is already removed');
    slot.removeVersion = version;
  }

  restore(rule: R): void {
    const slot = this.slots.find((s) => s.rule === rule);
    if (slot === undefined || slot.removeVersion === Infinity) throw new Error('LinearClassifier.restore: rule is not removed');
    slot.removeVersion = Infinity;
  }

  collect(upToVersion: number): void {
    this.slots = this.slots.filter((s) => s.removeVersion > upToVersion);
  }

  lookup(key: Uint32Array, version: number, wc: Uint32Array | null): R | null {
    let best: R | null = null;
    for (const rule of this.visibleRules(version)) {
      if (wc !== null) for (let w = 0; w < KEY_WORDS; w++) wc[w] |= rule.mask[w];
      if (matches(key, rule) && (best === null || rule.priority > best.priority)) best = rule;
    }
    return best;
  }

  findExact(value: Uint32Array, mask: Uint32Array, priority: number, version: number): R | null {
    for (const rule of this.visibleRules(version)) {
      if (rule.priority === priority && sameMatch(rule, value, mask)) return rule;
    }
    return null;
  }

  hasOverlap(value: Uint32Array, mask: Uint32Array, priority: number, version: number): boolean {
    return this.visibleRules(version).some((rule) => {
      if (rule.priority !== priority) return false;
      for (let w = 0; w < KEY_WORDS; w++) {
        if (((rule.value[w] ^ value[w]) & rule.mask[w] & mask[w]) !== 0) return false;
      }
      return true;
    });
  }

  forEachLoose(value: Uint32Array, mask: Uint32Array, version: number, cb: (r: R) => void): void {
    const out = this.visibleRules(version).filter((rule) => {
      for (let w = 0; w < KEY_WORDS; w++) {
        if ((rule.mask[w] & mask[w]) >>> 0 !== mask[w]) return false;
        if ((rule.value[w] & mask[w]) !== (value[w] & mask[w])) return false;
      }
      return true;
    });
    out.forEach(cb);
  }

  forEach(version: number, cb: (r: R) => void): void {
    this.visibleRules(version).forEach(cb);
  }

  [Symbol.iterator](): Iterator<R> {
    return this.slots.filter((s) => s.removeVersion === Infinity).map((s) => s.rule)[Symbol.iterator]();
  }

  private visibleRules(version: number): R[] {
    return this.slots.filter((s) => s.addVersion <= version && version < s.removeVersion).map((s) => s.rule);
  }
}

function matches(key: Uint32Array, rule: ClsRule): boolean {
  for (let w = 0; w < KEY_WORDS; w++) if ((key[w] & rule.mask[w]) >>> 0 !== rule.value[w]) return false;
  return true;
}

function sameMatch(rule: ClsRule, value: Uint32Array, mask: Uint32Array): boolean {
  for (let w = 0; w < KEY_WORDS; w++) {
    if (rule.mask[w] !== mask[w] || rule.value[w] !== (value[w] & mask[w]) >>> 0) return false;
  }
  return true;
}
