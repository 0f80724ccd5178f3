/**
 * The logger the connection manager writes to: pino's calling convention
 * (`log.info({ fields }, 'message')`), so the daemon passes its pino logger
 * straight in, and tests pass nothing and hear nothing.
 */
export interface ConnLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const noop = (): void => {};

export const silentLogger: ConnLogger = { debug: noop, info: noop, warn: noop, error: noop };
