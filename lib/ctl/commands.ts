/**
 * The datapath's commands on the daemon's control socket (the JSON-RPC
 * `ovs-appctl` speaks; lib/cli/daemon-ctl.ts serves it): registered on any
 * registry with `register(name, usage, handler)`.
 *
 *   ofproto/trace BRIDGE FLOW [PACKET]   the pipeline walk (trace.ts)
 *   dpctl/dump-flows [-m] [DP]           megaflows (dpctl.ts)
 *   dpctl/show [-s] [DP...]              lookups, flows, masks, ports
 *   dpctl/del-flows [DP]                 removes every megaflow
 *   upcall/show                          flow limit, upcalls, revalidation
 *   coverage/show                        event counters and rates
 *   fdb/show BRIDGE, fdb/flush [BRIDGE]  NORMAL's MAC table
 *   vlog/set [SPEC], vlog/list           log levels, per module
 *
 * DP is a bridge name, optionally as `ofswitch@NAME`; without one a
 * command covers every bridge.
 */
import type { Datapath } from '../datapath/datapath.js';
import { delFlows, dpShow, dumpFlows, fdbShow, upcallShow } from './dpctl.js';
import { ofprotoTrace } from './trace.js';

export interface CommandRegistry {
  register(name: string, usage: string, run: (args: string[]) => string | Promise<string>): void;
}

export interface NamedDatapath {
  readonly name: string;
  readonly dp: Datapath;
}

/** What vlog/set changes: a logger with a settable level (pino's). */
export interface LevelLogger {
  level: string;
}

/** Named loggers with their own levels (lib/cli/log.ts `LogModules`). */
export interface VlogModules {
  names(): string[];
  level(module: string): string;
  setLevel(module: string, level: string): boolean;
}

function isVlogModules(x: LevelLogger | VlogModules): x is VlogModules {
  return typeof (x as Partial<VlogModules>).setLevel === 'function';
}

const noModules: VlogModules = { names: () => [], level: () => 'silent', setLevel: () => false };

/** One logger, shown as module "ofswitchd". */
function singleModule(l: LevelLogger): VlogModules {
  return {
    names: () => ['ofswitchd'],
    level: () => l.level,
    setLevel: (_m, level) => ((l.level = level), true),
  };
}

const VLOG_DESTINATIONS = new Set(['console', 'syslog', 'file']);

const VLOG_LEVELS: ReadonlyMap<string, string> = new Map([
  ['off', 'silent'],
  ['emer', 'fatal'],
  ['err', 'error'],
  ['warn', 'warn'],
  ['info', 'info'],
  ['dbg', 'debug'],
]);

export function registerDatapathCommands(ctl: CommandRegistry, datapaths: () => readonly NamedDatapath[], logger?: LevelLogger | VlogModules): void {
  const pick = (args: readonly string[]): NamedDatapath[] => {
    const all = datapaths();
    const named = args.filter((a) => !a.startsWith('-')).map((a) => a.replace(/^[a-z]+@/, ''));
    if (named.length === 0) return [...all];
    return named.map((n) => {
      const d = all.find((x) => x.name === n);
      if (d === undefined) throw new Error(`${n}: no such datapath`);
      return d;
    });
  };
  const bridge = (name: string | undefined): NamedDatapath => {
    const all = datapaths();
    if (name === undefined) {
      if (all.length === 1) return all[0]!;
      throw new Error('a bridge name is required');
    }
    const d = all.find((x) => x.name === name);
    if (d === undefined) throw new Error(`${name}: unknown bridge`);
    return d;
  };

  ctl.register('ofproto/trace', 'bridge br_flow [packet]', (args) => {
    if (args.length === 0) throw new Error('"ofproto/trace" command requires at least 1 arguments');
    const all = datapaths();
    const first = all.find((d) => d.name === args[0]);
    if (first !== undefined) return ofprotoTrace(first.dp, first.name, args.slice(1));
    if (all.length === 1) return ofprotoTrace(all[0]!.dp, all[0]!.name, args);
    throw new Error(`${args[0]}: unknown bridge`);
  });
  ctl.register('dpctl/dump-flows', '[-m] [dp]', (args) => pick(args).map((d) => dumpFlows(d.dp, args)).join(''));
  ctl.register('dpctl/show', '[-s] [dp...]', (args) => pick(args).map((d) => dpShow(d.dp, d.name, args)).join(''));
  ctl.register('dpctl/del-flows', '[dp]', (args) => pick(args).map((d) => delFlows(d.dp)).join(''));
  ctl.register('upcall/show', '', () => datapaths().map((d) => upcallShow(d.dp, d.name)).join(''));
  ctl.register('coverage/show', '', () => {
    const all = datapaths();
    if (all.length === 1) return all[0]!.dp.coverage.show();
    return all.map((d) => `${d.name}:\n${d.dp.coverage.show()}`).join('');
  });
  ctl.register('fdb/show', 'bridge', (args) => fdbShow(bridge(args[0]).dp));
  ctl.register('fdb/flush', '[bridge]', (args) => {
    for (const d of args.length > 0 ? [bridge(args[0])] : datapaths()) {
      d.dp.macs.flush();
      d.dp.revalidator.macChanges();
    }
    return 'table successfully flushed\n';
  });
  const modules: VlogModules = logger === undefined ? noModules : isVlogModules(logger) ? logger : singleModule(logger);
  // Open vSwitch's syntax: words joined by ":", in any order — a module (or
  // "ANY"), a destination (console, syslog, file: we log to stderr only, so
  // all three mean it), a level. Missing module means every module.
  ctl.register('vlog/set', '{spec | PATTERN:destination:pattern}', (args) => {
    if (modules.names().length === 0) throw new Error('no logger to configure');
    for (const spec of args.length === 0 ? ['dbg'] : args) {
      const words = spec.split(':').map((w) => w.toLowerCase());
      if (words[0] === 'pattern') continue;
      let module = 'any';
      let level: string | undefined;
      for (const w of words) {
        if (VLOG_LEVELS.has(w)) level = VLOG_LEVELS.get(w);
        else if (VLOG_DESTINATIONS.has(w)) continue;
        else if (w === 'any' || modules.names().includes(w)) module = w;
        else throw new Error(`${spec}: "${w}" is not a module (${modules.names().join(', ')}), destination (console, syslog, file) or level (off, emer, err, warn, info, dbg)`);
      }
      if (level === undefined) throw new Error(`${spec}: no level (off, emer, err, warn, info, dbg)`);
      modules.setLevel(module, level);
    }
    return '';
  });
  ctl.register('vlog/list', '', () => {
    const ovs = (l: string): string => [...VLOG_LEVELS].find(([, p]) => p === l)?.[0].toUpperCase() ?? l.toUpperCase();
    const rows = modules.names().map((m) => `${m.padEnd(19)}${ovs(modules.level(m)).padEnd(10)}${'OFF'.padEnd(10)}OFF\n`);
    return `                 console    syslog    file\n                 -------    ------    ------\n${rows.join('')}`;
  });
}
