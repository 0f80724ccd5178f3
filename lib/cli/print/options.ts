/**
 * What a caller can tell the printers, mirroring ovs-ofctl's command-line
 * switches that change its text.
 */

export interface PrintOptions {
  /**
   * `--names`: OpenFlow port number → port name, used wherever a port is
   * printed (in_port=, output:, port stats). Without it, numbers
   * (`--no-names`, and ovs-ofctl's default when stdout is not a terminal).
   */
  readonly portNames?: ReadonlyMap<number, string>;
  /**
   * ovs-ofctl's verbosity. `ofp-print` uses 2 (the default here); its dump
   * commands print replies at 1 (no hex dump of echo payloads, no raw frame
   * dumps). 3 adds hex dumps of packet data; 5 a hex dump of every message.
   */
  readonly verbosity?: number;
}

export const DEFAULT_VERBOSITY = 2;

/** The verbosity a caller asked for, or ofp-print's default. */
export const verbosityOf = (o: PrintOptions | undefined): number => o?.verbosity ?? DEFAULT_VERBOSITY;
