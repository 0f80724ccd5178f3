/**
 * Action lists (lib/openflow/actions.ts).
 *
 * Expected bytes: LoxiGen's action fragments, the action lists in Ryu's
 * binary fixtures (checked against Ryu's JSON decoding of them), and byte
 * strings written by hand here from the spec's struct layouts.
 */
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAction, decodeActions, encodeAction, encodeActions } from '../../lib/openflow/actions.js';
import { OFPAT } from '../../lib/openflow/constants.js';
import { OFPBAC, OFPET } from '../../lib/openflow/errors.js';
import { OXM_OFB_FIELDS } from '../../lib/openflow/oxm.js';
import { Reader } from '../../lib/openflow/reader.js';
import type { Action } from '../../lib/openflow/types.js';
import { Writer } from '../../lib/openflow/writer.js';
import { SHARED } from '../helpers/paths.js';
import { ryuDiffAction, ryuFragments, unwrap, type Fragment, type Json } from '../helpers/ryu-fragments.js';

const LOXI = join(SHARED, 'fixtures', 'loxigen-of13');
const loxi = (name: string): Buffer => Buffer.from(readFileSync(join(LOXI, `${name}.hex`), 'utf8').replace(/\s+/g, ''), 'hex');
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const BASIC_NAMES: ReadonlySet<string> = new Set(OXM_OFB_FIELDS.map((f) => f.name));
/** An action list reader: its own overrun error is the one a list raises. */
const reader = (b: Buffer, end = b.length): Reader => new Reader(b, 0, end, OFPET.BAD_ACTION, OFPBAC.BAD_LEN);

function encoded(list: Action[]): Buffer {
  const w = new Writer(8);
  encodeActions(w, list);
  return w.take();
}

function throwsAction(t: Test, bytes: string | Buffer, code: number, what: string): void {
  const b = typeof bytes === 'string' ? hex(bytes) : bytes;
  t.throws(() => decodeActions(reader(b)), { name: 'OfpError', type: OFPET.BAD_ACTION, code }, what);
}

/** Offsets where each action of a well-formed list starts, and its end. */
function boundaries(b: Buffer): Set<number> {
  const s = new Set([0]);
  for (let at = 0; at < b.length; ) {
    at += b.readUInt16BE(at + 2);
    s.add(at);
  }
  return s;
}

/** Action lists inside Ryu's instruction lists (write/apply-actions), cut by their headers. */
function actionListsInInstructions(f: Fragment): Fragment[] {
  const out: Fragment[] = [];
  for (let at = 0, i = 0; at < f.bytes.length; i++) {
    const type = f.bytes.readUInt16BE(at);
    const len = f.bytes.readUInt16BE(at + 2);
    if (type === 3 || type === 4) {
      const json = unwrap(f.json[i])[1].actions as Json[];
      out.push({ name: `${f.name} ${i}`, kind: 'actions', bytes: f.bytes.subarray(at + 8, at + len), json });
    }
    at += len;
  }
  return out;
}

const ryuLists = (): Fragment[] => {
  const all = ryuFragments();
  return [...all.filter((f) => f.kind === 'actions'), ...all.filter((f) => f.kind === 'instructions').flatMap(actionListsInInstructions)];
};

/* --------------------------------------------------------------- LoxiGen */

t.test('decodeActions() reads the LoxiGen action fragments and writes them back', async (t) => {
  const cases: [string, Action][] = [
    // output(port=50, max_len=65535)
    ['action_output', { type: OFPAT.OUTPUT, port: 50, max_len: 0xffff }],
    // set_field(eth_dst([0,1,2,3,4,5])): 4 + 10 bytes, 2 of padding
    ['action_set_field__eth_dst', { type: OFPAT.SET_FIELD, field: { field: 'eth_dst', value: '00:01:02:03:04:05' } }],
    // set_field(ipv6_src(00010203...0f)): 24 bytes, no padding
    ['action_set_field__ipv6_src', { type: OFPAT.SET_FIELD, field: { field: 'ipv6_src', value: '1:203:405:607:809:a0b:c0d:e0f' } }],
    // set_field(tcp_src(50)): 4 + 6 bytes, 6 of padding
    ['action_set_field__tcp_src', { type: OFPAT.SET_FIELD, field: { field: 'tcp_src', value: 50 } }],
  ];
  for (const [name, want] of cases) {
    const b = loxi(name);
    const r = reader(b);
    t.same(decodeAction(r), want, name);
    t.equal(r.off, b.length, `${name}: reader after the action`);
    t.same(encoded([want]), b, `${name}: same bytes back`);
  }
});

t.test('decodeActions() rejects every truncation of the LoxiGen actions with OFPBAC_BAD_LEN', async (t) => {
  for (const name of ['action_output', 'action_set_field__eth_dst', 'action_set_field__ipv6_src', 'action_set_field__tcp_src']) {
    const b = loxi(name);
    // A list of 0 bytes is empty and valid; every other cut leaves a short action.
    t.same(decodeActions(reader(b, 0)), [], `${name} cut to 0`);
    for (let k = 1; k < b.length; k++) throwsAction(t, b.subarray(0, k), OFPBAC.BAD_LEN, `${name} cut to ${k}`);
    // Same, with the bytes present past the reader's end.
    for (let k = 1; k < b.length; k++) {
      t.throws(() => decodeActions(reader(b, k)), { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_LEN }, `${name} bounded at ${k}`);
    }
  }
});

t.test('decodeActions() rejects a set_field whose len cuts into its OXM with OFPBAC_BAD_SET_LEN', async (t) => {
  // ofp_action_set_field.len = 8 on LoxiGen's eth_dst: the 10-byte TLV no longer fits.
  const b = Buffer.from(loxi('action_set_field__eth_dst'));
  b.writeUInt16BE(8, 2);
  throwsAction(t, b.subarray(0, 8), OFPBAC.BAD_SET_LEN, 'len 8');
});

/* ------------------------------------------------------------------ Ryu */

t.test('decodeActions() reads every action list in Ryu’s fixtures as Ryu does, and writes the same bytes', async (t) => {
  const lists = ryuLists();
  t.ok(lists.length >= 30, `${lists.length} lists`);
  const seen = new Set<number>();
  for (const f of lists) {
    const list = decodeActions(reader(f.bytes));
    t.equal(list.length, f.json.length, `${f.name}: action count`);
    const diffs = list.flatMap((a, i) => ryuDiffAction(a as unknown as Json, f.json[i], BASIC_NAMES, `${f.name} action ${i}`));
    t.same(diffs, [], `${f.name}: as Ryu reads it`);
    t.same(encoded(list), f.bytes, `${f.name}: same bytes back`);
    for (const a of list) seen.add(a.type);
  }
  // Between them the fixtures hold every OF1.3 action type.
  const all = Object.values(OFPAT).filter((v): v is number => typeof v === 'number');
  t.same([...seen].sort((a, b) => a - b), all.sort((a, b) => a - b), 'every action type seen');
});

t.test('decodeActions() rejects every cut of Ryu’s action lists that is not between actions', async (t) => {
  for (const f of ryuLists()) {
    const ends = boundaries(f.bytes);
    let ok = true;
    for (let k = 0; k < f.bytes.length; k++) {
      try {
        const n = decodeActions(reader(f.bytes, k)).length;
        if (!ends.has(k)) ok = false;
        else if (n !== [...ends].indexOf(k)) ok = false;
      } catch (e) {
        const { type, code } = e as { type?: number; code?: number };
        if (ends.has(k) || type !== OFPET.BAD_ACTION || code !== OFPBAC.BAD_LEN) ok = false;
      }
    }
    t.ok(ok, f.name);
  }
});

/* ------------------------------------------------------------ hand-made */

t.test('decodeAction() reads each fixed-size action by its struct layout', async (t) => {
  const cases: [string, Action][] = [
    // struct ofp_action_output: type, len 16, port, max_len, pad 6
    ['0000 0010 fffffffd ffe5 000000000000', { type: OFPAT.OUTPUT, port: 0xfffffffd, max_len: 0xffe5 }],
    // struct ofp_action_generic: type, len 8, pad 4
    ['000b 0008 00000000', { type: OFPAT.COPY_TTL_OUT }],
    ['000c 0008 00000000', { type: OFPAT.COPY_TTL_IN }],
    ['0010 0008 00000000', { type: OFPAT.DEC_MPLS_TTL }],
    ['0012 0008 00000000', { type: OFPAT.POP_VLAN }],
    ['0018 0008 00000000', { type: OFPAT.DEC_NW_TTL }],
    ['001b 0008 00000000', { type: OFPAT.POP_PBB }],
    // struct ofp_action_mpls_ttl / _nw_ttl: type, len 8, ttl u8, pad 3
    ['000f 0008 40 000000', { type: OFPAT.SET_MPLS_TTL, mpls_ttl: 64 }],
    ['0017 0008 ff 000000', { type: OFPAT.SET_NW_TTL, nw_ttl: 255 }],
    // struct ofp_action_push / _pop_mpls: type, len 8, ethertype, pad 2
    ['0011 0008 88a8 0000', { type: OFPAT.PUSH_VLAN, ethertype: 0x88a8 }],
    ['0013 0008 8848 0000', { type: OFPAT.PUSH_MPLS, ethertype: 0x8848 }],
    ['001a 0008 88e7 0000', { type: OFPAT.PUSH_PBB, ethertype: 0x88e7 }],
    ['0014 0008 0800 0000', { type: OFPAT.POP_MPLS, ethertype: 0x0800 }],
    // struct ofp_action_set_queue / _group: type, len 8, u32
    ['0015 0008 00000007', { type: OFPAT.SET_QUEUE, queue_id: 7 }],
    ['0016 0008 fffffffc', { type: OFPAT.GROUP, group_id: 0xfffffffc }],
    // struct ofp_action_experimenter_header + data (Nicira resubmit, 16 bytes)
    ['ffff 0010 00002320 000e fffe 01 000000', { type: OFPAT.EXPERIMENTER, experimenter: 0x2320, data: hex('000efffe01000000') }],
    ['ffff 0008 00abcdef', { type: OFPAT.EXPERIMENTER, experimenter: 0xabcdef, data: hex('') }],
  ];
  for (const [bytes, want] of cases) {
    t.same(decodeActions(reader(hex(bytes))), [want], bytes);
    t.same(encoded([want]), hex(bytes), `${bytes} back`);
  }
  t.same(decodeActions(reader(hex(''))), [], 'an empty list');
});

t.test('decodeActions() rejects a list with fewer than 4 bytes left for a header', async (t) => {
  // §7.2.5: every action starts with type u16, len u16.
  throwsAction(t, '0012 0008 00000000 0012 00', OFPBAC.BAD_LEN, '3 bytes after an action');
});

t.test('decodeActions() rejects len < 8 or not a multiple of 8', async (t) => {
  // §7.2.5: actions are at least ofp_action_header (8) and padded to 64 bits.
  throwsAction(t, '0012 0004 00000000', OFPBAC.BAD_LEN, 'len 4');
  throwsAction(t, '0012 0000 00000000', OFPBAC.BAD_LEN, 'len 0 (would loop forever if trusted)');
  throwsAction(t, 'ffff 000c 00002320 00000000', OFPBAC.BAD_LEN, 'len 12');
});

t.test('decodeActions() rejects an action whose len runs past the list', async (t) => {
  throwsAction(t, '0000 0010 00000001 ffff 0000', OFPBAC.BAD_LEN, 'output of 16 in 12');
  // The bytes exist in the buffer but not in the list's reader.
  const b = hex('0012 0010 00000000 00000000 00000000');
  t.throws(() => decodeActions(reader(b, 8)), { type: OFPET.BAD_ACTION, code: OFPBAC.BAD_LEN }, 'pop_vlan of 16 in 8');
});

t.test('decodeActions() rejects a fixed-size action whose len is not its size', async (t) => {
  throwsAction(t, '0000 0008 00000001', OFPBAC.BAD_LEN, 'output of 8');
  throwsAction(t, '0000 0018 00000001 ffff 000000000000 0000000000000000', OFPBAC.BAD_LEN, 'output of 24');
  throwsAction(t, '0012 0010 00000000 00000000 00000000', OFPBAC.BAD_LEN, 'pop_vlan of 16');
  throwsAction(t, '0016 0010 00000001 00000000 00000000', OFPBAC.BAD_LEN, 'group of 16');
});

t.test('decodeActions() rejects an unknown action type with OFPBAC_BAD_TYPE', async (t) => {
  // 1 is OF1.0's set_vlan_vid, gone in 1.3; 28 is past OFPAT_POP_PBB.
  throwsAction(t, '0001 0008 00010000', OFPBAC.BAD_TYPE, 'type 1');
  throwsAction(t, '001c 0008 00000000', OFPBAC.BAD_TYPE, 'type 28');
});

t.test('decodeActions() maps a set_field’s OXM errors to the OFPBAC_BAD_SET_* codes', async (t) => {
  // §7.4.4: BAD_SET_TYPE unknown field, BAD_SET_LEN length problem, BAD_SET_ARGUMENT bad argument.
  throwsAction(t, '0019 0010 80005001 01 000000 00000000', OFPBAC.BAD_SET_TYPE, 'basic field 40');
  throwsAction(t, '0019 0010 80000605 0102030405 000000', OFPBAC.BAD_SET_LEN, 'eth_dst of 5 bytes');
  throwsAction(t, '0019 0010 ffff0003 4f4e46 00000000 00', OFPBAC.BAD_SET_LEN, 'experimenter OXM without room for its id');
  throwsAction(t, '0019 0010 80000610 0102030405060708', OFPBAC.BAD_SET_LEN, 'TLV runs past the action');
  throwsAction(t, '0019 0008 80000000', OFPBAC.BAD_SET_LEN, 'in_port of 0 bytes');
  // Padding is to the next multiple of 8, no further: a 10-byte TLV makes a 16-byte action.
  throwsAction(t, '0019 0018 80000a02 0800' + '00'.repeat(14), OFPBAC.BAD_SET_LEN, 'eth_type padded to 24');
});

t.test('decodeActions() refuses any mask in set_field with OFPBAC_BAD_SET_ARGUMENT', async (t) => {
  // OF1.3 §7.2.5: set_field carries oxm_hasmask = 0; masked set-field is OF1.5's.
  throwsAction(t, '0019 0018 8000070c 010203040506 ffffff000000 00000000', OFPBAC.BAD_SET_ARGUMENT, 'masked eth_dst');
  throwsAction(t, '0019 0010 80000108 00000001 000000ff', OFPBAC.BAD_SET_ARGUMENT, 'masked in_port');
  throwsAction(t, '0019 0010 00014308 00000001 0000ffff', OFPBAC.BAD_SET_ARGUMENT, 'masked NXM_1 pkt_mark');
});

t.test('decodeActions() keeps NXM and experimenter set_fields as bytes', async (t) => {
  const cases: [string, Action][] = [
    // ovs-ofctl's set_field:0x654321->ct_mark (NXM_1 field 107), from Ryu's ovs-ofctl-of13-action_ct_exec.
    ['0019 0010 0001d604 00654321 00000000', { type: OFPAT.SET_FIELD, field: { field: 'other', oxm_class: 1, oxm_field: 107, hasmask: false, payload: hex('00654321') } }],
    // ONF pbb_uca (experimenter 0x4f4e4600), from Ryu's 4-2-ofp_flow_mod.
    ['0019 0010 ffff0007 4f4e4600 0a0001 00', { type: OFPAT.SET_FIELD, field: { field: 'other', oxm_class: 0xffff, oxm_field: 0, hasmask: false, payload: hex('4f4e46000a0001') } }],
  ];
  for (const [bytes, want] of cases) {
    t.same(decodeActions(reader(hex(bytes))), [want], bytes);
    t.same(encoded([want]), hex(bytes), `${bytes} back`);
  }
});

t.test('decodeActions() ignores padding content but writes zeros', async (t) => {
  const list = decodeActions(reader(hex('0012 0008 deadbeef 0019 0010 80000a02 0800 cafecafecafe')));
  t.same(list, [{ type: OFPAT.POP_VLAN }, { type: OFPAT.SET_FIELD, field: { field: 'eth_type', value: 0x800 } }]);
  t.same(encoded(list), hex('0012 0008 00000000 0019 0010 80000a02 0800 000000000000'));
});

t.test('decodeActions() leaves the reader at the end of the list', async (t) => {
  const b = hex('0012 0008 00000000 0016 0008 00000005 ffff');
  const r = reader(b, 16);
  t.equal(decodeActions(r).length, 2);
  t.equal(r.off, 16);
});

/* --------------------------------------------------------------- encoders */

t.test('encodeAction() refuses a masked set_field, and pads experimenter data', async (t) => {
  t.throws(() => encodeAction(new Writer(), { type: OFPAT.SET_FIELD, field: { field: 'eth_dst', value: '00:00:00:00:00:01', mask: 'ff:ff:ff:ff:ff:ff' } }), RangeError);
  t.throws(() => encodeAction(new Writer(), { type: OFPAT.SET_FIELD, field: { field: 'other', oxm_class: 1, oxm_field: 33, hasmask: true, payload: hex('0000000100000001') } }), RangeError);
  t.same(encoded([{ type: OFPAT.EXPERIMENTER, experimenter: 0x2320, data: hex('0102') }]), hex('ffff 0010 00002320 0102 000000000000'));
});
