/**
 * lib/ctl: the datapath's commands on the daemon's control socket
 * (ofproto/trace, dpctl/..., upcall/show, coverage/show, fdb/..., vlog/...).
 */
export { registerDatapathCommands, type CommandRegistry, type LevelLogger, type NamedDatapath, type VlogModules } from './commands.js';
export { ofprotoTrace, parseTraceFlow, traceKey } from './trace.js';
export { dpShow, dumpFlows, fdbShow, upcallShow } from './dpctl.js';
