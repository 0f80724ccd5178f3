/**
 * Decoded lists that a switch keeps (a flow entry's match, instructions and
 * actions) sized to what they hold.
 *
 * Why: V8 gives an array built with push() room for 17 elements on its
 * first push, 152 bytes of elements for a one-action list. A flow entry
 * keeps three or four such lists, so at 100,000 entries that was about 60
 * MB of empty slots for the collector to copy and scan (a third of the
 * heap per rule). slice() copies into an array of exactly the length; the
 * roomy one dies young.
 */
export function exactArray<T>(list: T[]): T[] {
  return list.length === 0 ? list : list.slice();
}
