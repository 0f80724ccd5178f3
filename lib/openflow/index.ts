/**
 * The OpenFlow 1.3 wire codec: `decodeMessage` / `encodeMessage` for whole
 * messages, a `Framer` for TCP streams, the decoded forms in `types.ts`, and
 * the spec's constants and error codes. Lower-level pieces (matches,
 * actions, instructions, multipart bodies) are exported for the switch and
 * the CLI, which build and inspect them directly.
 */
export * from './constants.js';
export * from './errors.js';
export type * from './types.js';
export { decodeMessage } from './decode.js';
export { encodeMessage, encodeMultipartReplies } from './encode.js';
export { errorReply, OFP_ERROR_DATA_LEN } from './error-reply.js';
export { Framer } from './framer.js';
export { Reader } from './reader.js';
export { Writer } from './writer.js';
export { decodeMatch, encodeMatch, decodeOxm, encodeOxm } from './oxm.js';
export { decodeActions, encodeActions } from './actions.js';
export { decodeInstructions, encodeInstructions } from './instructions.js';
