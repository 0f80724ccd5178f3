/**
 * lib/datapath: a Bridge's fast path (datapath.ts has the essay): exact-match
 * cache, megaflow classifier, upcalls, execution, revalidation.
 */
export { Datapath, type DatapathOptions } from './datapath.js';
export { ChangeLog, TrackingClassifier, trackedClassifiers } from './change-log.js';
export { Dpcls, Subtable } from './dpcls.js';
export { ExactMatchCache, hashKey } from './emc.js';
export { Executor, lastModifyingOp, type ExecSink } from './execute.js';
export { Megaflow, ProgramInterner, type Program } from './megaflow.js';
export { Revalidator } from './revalidator.js';
export { UpcallQueue } from './upcall.js';
export { isBatchNetdev, type BatchNetdev } from './port.js';
