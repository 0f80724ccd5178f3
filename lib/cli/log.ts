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
