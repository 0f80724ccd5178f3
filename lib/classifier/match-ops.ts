/**
 * Word-wise operations on matches (value, mask pairs over the flow key)
 * that the classifier's control-plane methods need: validation, equality,
 * "more specific than", "could match together".
 */
import { KEY_WORDS } from '../packet/flow-key.js';

export function checkMatch(value: Uint32Array, mask: Uint32Array): void {
  if (value.length !== KEY_WORDS || mask.length !== KEY_WORDS) throw new RangeError(`classifier: value and mask must have ${KEY_WORDS} words`);
  for (let w = 0; w < KEY_WORDS; w++) {
    if ((value[w] & ~mask[w]) !== 0) throw new RangeError(`classifier: value has bits outside the mask in word ${w}`);
  }
}

export function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  for (let w = 0; w < KEY_WORDS; w++) if (a[w] !== b[w]) return false;
  return true;
}

/** Whether every bit of `a` is in `b`. */
export function isSubset(a: Uint32Array, b: Uint32Array): boolean {
  for (let w = 0; w < KEY_WORDS; w++) if ((a[w] & ~b[w]) !== 0) return false;
  return true;
}

/** Whether x and y agree on the bits set in both m1 and m2. */
export function agreeOn(x: Uint32Array, y: Uint32Array, m1: Uint32Array, m2: Uint32Array): boolean {
  for (let w = 0; w < KEY_WORDS; w++) if (((x[w] ^ y[w]) & m1[w] & m2[w]) !== 0) return false;
  return true;
}
