/**
 * Controller connections: the connection manager (connmgr.ts) and the pieces
 * it is made of, each usable and testable on its own.
 */
export {
  ConnectionManager,
  DEFAULT_CONNMGR_OPTIONS,
  type ConnMgrOptions,
  type ConnMgrStatus,
  type FailMode,
  type ListenerStatus,
} from './connmgr.js';
export type { ConnStatus } from './ofconn.js';
export type { ActiveState } from './active.js';
export { Backoff } from './backoff.js';
export { GenerationId, slaveMayNotSend, roleName } from './roles.js';
export { defaultAsyncMasks, receivesAsync, type AsyncMasks, type AsyncKind, type ConnType } from './async-config.js';
export { MultipartAssembler } from './multipart-assembler.js';
export { PacketInScheduler } from './pinsched.js';
export { BusyPoll, DEFAULT_BUSY_POLL_US, NO_BUSY_POLL } from './busy-poll.js';
export { buildPacketIn } from './packet-in.js';
export { encodeHello, negotiateVersion } from './hello.js';
export {
  parseActiveTarget,
  parsePassiveTarget,
  formatTarget,
  ACTIVE_SYNTAX,
  PASSIVE_SYNTAX,
  type ActiveTarget,
  type PassiveTarget,
} from './target.js';
export { realTimers, type Timers, type TimerHandle } from './timers.js';
export type { TlsMaterial } from './transport.js';
export { silentLogger, type ConnLogger } from './log.js';
