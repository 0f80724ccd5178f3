/**
 * BundleMessages (bundle-messages.ts) keeps the fixed part of a bundle's
 * flow_mods as bytes (the caller keeps their decoded match and
 * instructions): flowMod(i, ...) must give back exactly what decodeMessage
 * gave for message i, for random FLOW_MODs (fast-check arbitraries built
 * to types.ts) of every size, many per bundle so that the storage grows,
 * each pushed from inside a larger buffer as a bundle finds it.
 */
import t from 'tap';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { decodeMessage, encodeMessage, type FlowMod } from '../../lib/openflow/index.js';
import { BundleMessages } from '../../lib/ofproto/bundle-messages.js';
import { MESSAGES } from '../helpers/of-arbitraries.js';

t.test('flowMod(i) gives back each message as decoded', async (t) => {
  fc.assert(
    fc.property(fc.array(MESSAGES.FLOW_MOD!, { minLength: 1, maxLength: 60 }), (mods) => {
      const kept = new BundleMessages();
      const bytes = mods.map((m) => Buffer.from(encodeMessage(m)));
      const decoded = bytes.map((b) => decodeMessage(b) as FlowMod);
      // Each message with bytes on both sides, as it sits in a BUNDLE_ADD_MESSAGE.
      bytes.forEach((b, i) => kept.push(Buffer.concat([Buffer.alloc(8, 0xee), b, Buffer.alloc(i % 5, 0xee)]), 8));
      if (kept.length !== mods.length) return false;
      return decoded.every((fm, i) => isDeepStrictEqual(kept.flowMod(i, fm.match, fm.instructions), fm));
    }),
    { numRuns: 150 },
  );
  t.pass('150 random bundles');
});
