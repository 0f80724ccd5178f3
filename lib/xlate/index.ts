/**
 * lib/xlate: the OpenFlow pipeline walk for one flow key, to datapath
 * actions and the wildcards they depend on. xlate.ts has the essay;
 * odp.ts the datapath action language; commit.ts how OpenFlow's field
 * changes become datapath rewrites.
 */
export { Translator, type XlateInput } from './xlate.js';
export type { LearnedMac, PacketInSpec, XlateCache, XlateResult } from './context.js';
export { ODP, ODP_LEN, OdpBuilder, forEachOdp, odpEqual } from './odp.js';
export { formatOdpActions, formatOdpKey } from './odp-format.js';
export { MacLearning, type MacLearningOptions } from './mac-learning.js';
