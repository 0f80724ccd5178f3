/**
 * The TABLE_FEATURES reply, each table's entry encoded once per
 * configuration.
 *
 * ovs-ofctl asks for every table's features before add-flows and most
 * other commands (it learns the tables' names), and describing 255 tables
 * with all fourteen properties took 40–55 ms per request: as long as
 * inserting thousands of flows. A table's entry depends only on its id and
 * its capabilities, and a TABLE_FEATURES request that reshapes the
 * pipeline replaces a table's capabilities rather than changing them
 * (reshape.ts), so the bytes are kept with the capabilities object.
 */
import { OFPMP, OFPT } from '../openflow/constants.js';
import { withEntryWriter } from '../openflow/encode.js';
import { encodeTableFeatures } from '../openflow/table-features.js';
import type { MultipartReply, TableFeatures } from '../openflow/types.js';
import { Writer } from '../openflow/writer.js';
import type { TableCaps } from './table-caps.js';
import { describeTable } from './table-features.js';

/** Encoded ofp_table_features by capabilities, then table id. */
const encoded = new WeakMap<TableCaps, Map<number, Buffer>>();

function entryBytes(id: number, caps: TableCaps): Buffer {
  let byId = encoded.get(caps);
  if (byId === undefined) encoded.set(caps, (byId = new Map()));
  let bytes = byId.get(id);
  if (bytes === undefined) {
    const w = new Writer(4096);
    encodeTableFeatures(w, describeTable(id, caps));
    bytes = Buffer.from(w.buf.subarray(0, w.off));
    byId.set(id, bytes);
  }
  return bytes;
}

/** The OFPMP_TABLE_FEATURES reply describing `tables`, in the order given. */
export function tableFeaturesReply(xid: number, tables: ReadonlyArray<{ readonly id: number; readonly caps: TableCaps }>): MultipartReply {
  const entries = tables.map((t) => entryBytes(t.id, t.caps));
  let body: TableFeatures[] | undefined;
  const reply = {
    type: OFPT.MULTIPART_REPLY,
    xid,
    flags: 0,
    mp_type: OFPMP.TABLE_FEATURES,
    // For readers of the message rather than its bytes (tests, logs).
    get body(): TableFeatures[] {
      return (body ??= tables.map((t) => describeTable(t.id, t.caps)));
    },
  } as MultipartReply;
  let size = 0;
  for (const e of entries) size += e.length;
  return withEntryWriter(reply, {
    count: entries.length,
    sizeHint: size,
    length: (i) => entries[i]!.length,
    write: (buf, off, i) => void entries[i]!.copy(buf, off),
  });
}
