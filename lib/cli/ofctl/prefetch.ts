/**
 * Asking early. `dump-flows SWITCH` with no filter and the default output
 * knows its request before anything is parsed, and the switch takes a
 * while to gather a large table; so the request goes out as soon as the
 * connection is up, while ofctl is still loading the code that prints the
 * answer (commands.ts loads each command's module on demand). The replies
 * wait in a DumpStream until the printer takes them. Same bytes, same xid
 * as asking later: only the waiting overlaps.
 */
import { OFPMP, OFPT } from '../../openflow/constants.js';
import type { DumpStream } from '../vconn.js';
import type { Session } from './session.js';

export interface EarlyDump {
  readonly stream: DumpStream;
}

/** Starts `dump-flows SWITCH`'s request if the command will print replies as they come; else undefined. */
export async function prefetchFlowDump(s: Session, args: readonly string[]): Promise<EarlyDump | undefined> {
  if (args.length !== 1 || s.opts.sort.length > 0 || s.opts.names || !s.opts.showStats) return undefined;
  const v = await s.connect(args[0]!);
  // bin/ofctl may have sent this very request before ofctl was even loaded (ofctl-early.ts).
  const sent = s.takeEarlyDump();
  if (sent) return { stream: sent };
  const stream = v.dumpStream({
    type: OFPT.MULTIPART_REQUEST,
    xid: v.allocXid(),
    flags: 0,
    mp_type: OFPMP.FLOW,
    body: { table_id: 0xff, out_port: 0xffffffff, out_group: 0xffffffff, cookie: 0n, cookie_mask: 0n, match: [] },
  });
  return { stream };
}
