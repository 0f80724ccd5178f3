/**
 * BundleMessages (bundle-messages.ts) keeps a bundle's flow_mods as bytes
 * plus their decoded match and instructions: flowMod(i) must give back
 * exactly what decodeMessage gave for message i, and raw(i) its bytes, for
 * random FLOW_MODs (fast-check arbitraries built to types.ts) of every size,
 * many per bundle so that the storage grows.
 */
import t from 'tap';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { decodeMessage, encodeMessage, type FlowMod } from '../../lib/openflow/index.js';
import { BundleMessages } from '../../lib/ofproto/bundle-messages.js';
import { MESSAGES } from '../helpers/of-arbitraries.js';

t.test('flowMod(i) and raw(i) give back each message as decoded and as sent', async (t) => {
  fc.assert(
    fc.property(fc.array(MESSAGES.FLOW_MOD!, { minLength: 1, maxLength: 60 }), (mods) => {
      const kept = new BundleMessages();
      const bytes = mods.map((m) => Buffer.from(encodeMessage(m)));
      const decoded = bytes.map((b) => decodeMessage(b) as FlowMod);
      decoded.forEach((fm, i) => kept.push(fm, bytes[i]!));
      if (kept.length !== mods.length) return false;
      return decoded.every((fm, i) => isDeepStrictEqual(kept.flowMod(i), fm) && kept.raw(i).equals(bytes[i]!));
    }),
    { numRuns: 150 },
  );
  t.pass('150 random bundles');
});
