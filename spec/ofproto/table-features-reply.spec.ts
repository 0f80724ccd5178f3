/**
 * The TABLE_FEATURES reply is encoded from bytes kept per table
 * configuration (lib/ofproto/table-features-reply.ts): what goes on the
 * wire must be what the multipart encoder makes of the reply's body (the
 * encoder the recorded fixtures check), across several messages when it is
 * long, and a reshape of the pipeline must show at once.
 */
import t from 'tap';
import { decodeMessage, encodeMultipartReplies, OFPMP, type MultipartReply, type TableFeatures } from '../../lib/openflow/index.js';
import { handle, multipart, testBridge } from './util.js';

/** The reply's messages as sent, and as the generic encoder makes them from a plain copy of its body. */
function wire(reply: MultipartReply): { sent: Buffer[]; fromBody: Buffer[] } {
  const plain = { ...reply, body: (reply as unknown as { body: TableFeatures[] }).body } as MultipartReply;
  return { sent: encodeMultipartReplies(reply), fromBody: encodeMultipartReplies(plain) };
}

const features = (b: ReturnType<typeof testBridge>['bridge']): MultipartReply =>
  handle(b, multipart({ mp_type: OFPMP.TABLE_FEATURES, body: [] }))[0] as MultipartReply;

t.test('255 tables: the bytes sent are the encoder\'s, split over several messages, the same every time', async (t) => {
  const { bridge: b } = testBridge({ nTables: 255 });
  const first = wire(features(b));
  t.ok(first.sent.length > 1, `${first.sent.length} messages (more than 64 KiB of features)`);
  t.same(first.sent.map((m) => m.toString('hex')), first.fromBody.map((m) => m.toString('hex')));
  const again = wire(features(b));
  t.same(again.sent.map((m) => m.toString('hex')), first.sent.map((m) => m.toString('hex')), 'a second request, same bytes');
  const tables = first.sent.flatMap((m) => (decodeMessage(m) as unknown as { body: TableFeatures[] }).body);
  t.same(tables.map((x) => x.table_id), Array.from({ length: 255 }, (_, i) => i));
});

t.test('after a reshape the reply describes the new pipeline', async (t) => {
  const { bridge: b } = testBridge({ nTables: 4, maxEntries: 1000 });
  const before = (features(b) as unknown as { body: TableFeatures[] }).body;
  wire(features(b)); // the old configuration's bytes are now kept
  // Table 0 renamed and made smaller; the other three as they were.
  const renamed: TableFeatures[] = before.map((x) => (x.table_id === 0 ? { ...x, name: 'first', max_entries: 10 } : x));
  handle(b, multipart({ mp_type: OFPMP.TABLE_FEATURES, body: renamed }));
  const after = wire(features(b));
  t.same(after.sent.map((m) => m.toString('hex')), after.fromBody.map((m) => m.toString('hex')));
  const tables = after.sent.flatMap((m) => (decodeMessage(m) as unknown as { body: TableFeatures[] }).body);
  t.same(tables.map((x) => [x.table_id, x.name, x.max_entries]), [[0, 'first', 10], [1, 'table1', 1000], [2, 'table2', 1000], [3, 'table3', 1000]]);
});
