/**
 * Defaults and bounds of ofswitchd's datapath settings (--flow-limit,
 * --max-idle, --emc-insert-inv-prob), shared by the flags and the config
 * file. The defaults are Open vSwitch's (other_config:flow-limit,
 * max-idle, emc-insert-inv-prob) and the datapath's own
 * (lib/datapath/datapath.ts).
 */
export const DEFAULT_FLOW_LIMIT = 200_000;
/** 0 is allowed: nothing is cached, every packet is translated. */
export const MAX_FLOW_LIMIT = 10_000_000;
export const DEFAULT_MAX_IDLE_MS = 10_000;
/** Below this the sweep (which runs at half the idle time, at most every 500 ms) would dominate. */
export const MIN_MAX_IDLE_MS = 100;
export const MAX_MAX_IDLE_MS = 86_400_000;
export const DEFAULT_EMC_INSERT_INV_PROB = 100;
/** Open vSwitch takes a uint32. */
export const MAX_EMC_INSERT_INV_PROB = 0xffffffff;
