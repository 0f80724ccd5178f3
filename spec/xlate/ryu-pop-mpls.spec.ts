/**
 * pop_mpls that ends the packet's label stack, then a match on the payload
 * in a later table (OpenFlow 1.3.5 §5.12: actions apply before the next
 * lookup): the os-ken switch test tool's match/ cases that do it, run in
 * process with the tool's own flow mods and frames (spec/conformance/ryu-cases.ts).
 * Before extraction read beneath the stack (flow-key.ts MPLS_BENEATH) the
 * payload's fields read as zero after the pop: the egress and packet-in
 * cases timed out and the ip_ecn=0 table-miss cases matched.
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { extractKey } from '../../lib/packet/extract.js';
import { KW, MPLS_BENEATH, newKey } from '../../lib/packet/flow-key.js';
import { RYU_FIXTURES, loadRyuCases, ryuCasesMissing, runRyuCase } from '../conformance/ryu-cases.js';

const missing = ryuCasesMissing();

t.test('the tool\'s pop_mpls + goto_table match cases pass', { skip: missing ?? false }, async (t) => {
  const files = readdirSync(join(RYU_FIXTURES, 'match')).filter((f) => f.endsWith('.json')).map((f) => `match/${f}`);
  const cases = loadRyuCases(...files).filter((c) => c.description.includes('pop_mpls'));
  t.ok(cases.length >= 80, `${cases.length} cases`);
  const failed: string[] = [];
  const padOnly: string[] = [];
  for (const c of cases) {
    const why = await runRyuCase(c);
    if (why === '') continue;
    // The tool's expected frames are padded to Ethernet's 60-byte minimum; a pop of a
    // 60-byte frame leaves 56. Those cases differ in the padding alone (the switch does not
    // pad, see the report of issue #8); anything else is a failure.
    const m = /(?:sent \[|got )([0-9a-f]+)\]?, want ([0-9a-f]+)$/.exec(why);
    if (m !== null && m[1]!.length < 120 && m[1]!.padEnd(120, '0') === m[2]) padOnly.push(c.description);
    else failed.push(`${c.file} ${c.description}: ${why}`);
  }
  t.same(failed, [], `${cases.length - failed.length - padOnly.length} of ${cases.length} pass`);
  t.ok(padOnly.length <= 4, `at most the four ICMP cases (type, code; egress, packet-in) differ in Ethernet padding alone (${padOnly.length})`);
});

t.test('extraction records what lies beneath the stack, and the stack depth', async (t) => {
  // 2 entries (bos on the second), then IPv4/TCP; the same bytes scapy builds for MPLS()/MPLS()/IP()/TCP().
  const hex =
    '00112233445566778899aabb8847' +
    '003e8a0a' + '007d1514' +
    '450000281234000040067c60c0000201c6336407' + '000100020000000000000000500220003ec90000';
  const b = Buffer.from(hex, 'hex');
  const k = newKey();
  extractKey(b, b.length, 1, k);
  t.equal(k[KW.ETH_TYPE_VLAN]! >>> 16, 0x8847);
  t.equal(k[KW.PBB_ISID]! >>> MPLS_BENEATH.SHIFT, MPLS_BENEATH.IPV4 | (2 << MPLS_BENEATH.DEPTH_SHIFT));
  t.equal(k[KW.NW_SRC], 0xc0000201, 'ipv4_src 192.0.2.1');
  t.equal(k[KW.NW_DST], 0xc6336407, 'ipv4_dst 198.51.100.7');
  t.equal(k[KW.IP_PROTO_TOS_TTL]! >>> 24, 6);
  t.equal(k[KW.TP_PORTS], (1 << 16) | 2);
  // Cut inside the payload: nothing beneath is claimed.
  extractKey(b, 30, 1, k);
  t.equal(k[KW.PBB_ISID], 0);
  t.equal(k[KW.NW_SRC], 0);
});
