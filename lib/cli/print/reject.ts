/**
 * `OvsReject`: raised by a printer when Open vSwitch would refuse to decode
 * what it is printing.
 *
 * Our codec is deliberately liberal (it decodes whatever the OF1.3 wire
 * format allows, and leaves semantic checks to the pipeline). ovs-ofctl is
 * not: it decodes into its own flow and action model first and prints
 * nothing of a message it cannot represent, only "***decode error: NAME***"
 * and a hex dump. To print what ovs-ofctl prints, the printers apply the
 * same refusals (an unknown OXM field, a missing prerequisite, an action
 * OVS does not implement) and `formatMessage` turns this exception into
 * that decode-error text.
 */
export class OvsReject extends Error {
  override readonly name = 'OvsReject';

  /**
   * What ovs-ofctl had already printed when it met the refused part: for a
   * reply listing several entries it prints the good ones before the error.
   */
  partial = '';

  /** @param code the error name ovs-ofctl prints, e.g. "OFPBMC_BAD_PREREQ". */
  constructor(
    readonly code: string,
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
  }
}

/**
 * Formats entries one after the other; a refusal carries the text of the
 * entries before it, as ovs-ofctl prints them before its error.
 */
export function eachEntry<T>(entries: readonly T[], format: (e: T) => string): string {
  let s = '';
  for (const e of entries) {
    try {
      s += format(e);
    } catch (err) {
      if (err instanceof OvsReject) err.partial = s + err.partial;
      throw err;
    }
  }
  return s;
}

export const reject = (code: string, detail?: string): never => {
  throw new OvsReject(code, detail);
};
