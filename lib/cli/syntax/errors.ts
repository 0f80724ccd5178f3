/**
 * The one error the flow-syntax parsers throw.
 *
 * ovs-ofctl reports a bad argument as `ovs-ofctl: MESSAGE` and exits with
 * status 1. Our parsers throw `FlowSyntaxError(MESSAGE)` where MESSAGE is,
 * wherever we can, word for word what ovs-ofctl prints after its prefix, so
 * that people and scripts that grep for it see the same thing. The
 * offending text is kept in `token` so that callers (and tests) need not
 * fish it out of the message.
 */
export class FlowSyntaxError extends Error {
  override readonly name = 'FlowSyntaxError';

  constructor(
    message: string,
    /** The piece of input that was rejected (a keyword, a value, an action). */
    readonly token: string,
  ) {
    super(message);
  }
}

/** A warning that ovs-ofctl would print (or log) without failing. */
export type WarningSink = (message: string) => void;

/** The default sink: warnings are dropped. */
export const ignoreWarnings: WarningSink = () => undefined;

/**
 * Runs `fn`, giving any FlowSyntaxError it throws without a token (an
 * empty argument has none to name) the token of the whole construct.
 */
export function naming<T>(token: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FlowSyntaxError && err.token === '') throw new FlowSyntaxError(err.message, token);
    throw err;
  }
}
