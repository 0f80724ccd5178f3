/**
 * The daemon's logger: pino, structured JSON lines on stderr, or pino-pretty's
 * human format when stderr is a terminal. Writes are synchronous — the daemon
 * logs little (a few lines at start and stop, one per controller connection
 * change at "info"), and a line written just before exit must not be lost.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = LevelWithSilent;

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

export interface LoggerOptions {
  level: LogLevel;
  /** Pretty output; defaults to whether stderr is a terminal. */
  pretty?: boolean;
  name?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  const usePretty = options.pretty ?? process.stderr.isTTY === true;
  const base = { level: options.level, name: options.name ?? 'ofswitchd' };
  if (usePretty) {
    return pino(base, pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname' }));
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/**
 * Named loggers — "modules", as Open vSwitch's vlog calls them — whose
 * levels `vlog/set MODULE:LEVEL` changes one at a time. A module may have
 * several loggers (one per bridge, with the bridge bound in); pino children
 * do not follow a parent's later level changes, so the registry sets each.
 */
export class LogModules {
  private readonly modules = new Map<string, Logger[]>();

  constructor(readonly root: Logger, rootName = 'ofswitchd') {
    this.modules.set(rootName, [root]);
  }

  /** A logger for `module`, with `bindings` on every line; it starts at the module's current level. */
  get(module: string, bindings: Record<string, unknown> = {}): Logger {
    const list = this.modules.get(module) ?? [];
    const child = this.root.child({ module, ...bindings });
    child.level = list[0]?.level ?? this.root.level;
    list.push(child);
    this.modules.set(module, list);
    return child;
  }

  names(): string[] {
    return [...this.modules.keys()].sort();
  }

  level(module: string): string {
    return this.modules.get(module)?.[0]?.level ?? this.root.level;
  }

  /** Sets `module`'s level, or every module's for "any"; false if there is no such module. */
  setLevel(module: string, level: LogLevel): boolean {
    const targets = module === 'any' ? [...this.modules.values()] : [this.modules.get(module)];
    if (targets[0] === undefined) return false;
    for (const list of targets) for (const l of list ?? []) l.level = level;
    return true;
  }
}
