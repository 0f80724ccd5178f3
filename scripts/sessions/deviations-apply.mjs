// Step 2: turns the findings of deviations-findings.mjs into each fixture's "deviations" list, with the spec section and reason for each kind of difference (the rules below).
// Usage: node scripts/sessions/deviations-apply.mjs FINDINGS.json
import { readFileSync, writeFileSync } from 'node:fs';
const findings = JSON.parse(readFileSync(process.argv[2]));
const S = (x) => `OpenFlow 1.3.5 ${x}`;
const OVERLAP = [S('§6.4'), 'OFPFF_CHECK_OVERLAP: "two flow entries overlap if a single packet may match both, and both entries have the same priority"; an entry with the same match and priority overlaps, so ofswitchd refuses the ADD with OFPFMFC_OVERLAP. Open vSwitch leaves identical entries out of its overlap check and replaces the entry. Differences in later replies on this entry follow from that.'];
const T254 = [S('§7.4.4 (ofp_flow_mod_failed_code)'), 'Table 254 is Open vSwitch\'s hidden internal table: it answers OFPBRC_EPERM (or an empty stats reply). Both switches expose 254 tables (0..253); for ofswitchd table 254 does not exist, which is OFPFMFC_BAD_TABLE_ID for a flow mod and OFPBRC_BAD_TABLE_ID for a stats request.'];
const BURST = [S('§7.3.4.4'), 'A band\'s burst_size applies only with OFPMF_BURST; the request had no OFPMF_BURST (or burst 0) and Open vSwitch reports a burst size of its own choosing in meter config, while ofswitchd reports the burst_size the controller sent.'];
const METERCODE = [S('§7.4.4 (ofp_meter_mod_failed_code)'), 'A flow mod naming a meter that does not exist: the spec lists "bad meter in meter action" under both OFPMMFC_INVALID_METER and OFPMMFC_UNKNOWN_METER; Open vSwitch answers INVALID_METER, ofswitchd UNKNOWN_METER (the meter is unknown, not malformed).'];
const PORT0 = [S('§7.2.1 / §7.4.4 (ofp_bad_action_code)'), 'Port 0 is not a port number (ports are 1..OFPP_MAX, then the reserved ones); ofswitchd refuses an output to it with OFPBAC_BAD_OUT_PORT, Open vSwitch accepts it (and never forwards). Later differences on this entry follow from that.'];
const DSCP = [S('§7.3.4.4'), 'OFPMBT_DSCP_REMARK is an optional band type: Open vSwitch does not implement it (OFPMMFC_BAD_BAND), ofswitchd does, so the meter exists in ofswitchd and the requests and replies that use it differ from here on.'];
const rules = {
  '04-flow-mod-add-flags.json': { '*': OVERLAP },
  '07-flow-mod-errors.json': {
    10: T254,
    52: OVERLAP, 55: OVERLAP,
    67: [S('§7.2.3.6'), 'The match has ipv4_src and its prerequisite eth_type=0x0800, the prerequisite listed after the field. ofswitchd checks prerequisites over the whole match and accepts it; Open vSwitch wants the prerequisite first and answers OFPBMC_BAD_PREREQ. The entry then exists only in ofswitchd.'],
    70: [S('§7.2.3.7 / §7.4.4 (ofp_bad_match_code)'), 'in_port=0 names no port (ports are 1..OFPP_MAX and the reserved ones); ofswitchd answers OFPBMC_BAD_VALUE, Open vSwitch accepts the entry.'],
    82: [S('§6.4'), 'Consequence of messages 52, 55 (CHECK_OVERLAP on an identical entry), 67 (prerequisite order) and 70 (in_port=0): the flow table holds what each switch accepted.'],
  },
  '08-action-errors.json': {
    6: PORT0,
    28: [S('§7.3.5.5.2 / §7.4.4 (ofp_bad_instruction_code)'), 'goto_table 254 from table 253: Open vSwitch accepts a jump to its hidden table 254; in ofswitchd table 253 is the last and its table features list no goto (OFPBIC_UNSUP_INST). The entry then exists only in Open vSwitch (message 93).'],
    36: METERCODE,
    39: [S('§7.4.4 (ofp_bad_instruction_code)'), 'Two Apply-Actions instructions in one flow mod: OpenFlow 1.3 has no code for a duplicate instruction; Open vSwitch answers with its ONF experimenter error (ONFERR_ET_DUP_INSTRUCTION, backported from 1.4\'s OFPBIC_DUP_INST), ofswitchd with the standard OFPET_BAD_INSTRUCTION.'],
    93: [S('§7.4.4'), 'Consequence of message 28: the goto_table 254 entry exists only in Open vSwitch.'],
  },
  '10-ofctl-multipart.json': { 'conn20': BURST },
  '11-multipart-all.json': {
    19: [S('§5.9'), 'The entry was added with an Apply-Actions instruction holding no actions; Open vSwitch drops the empty instruction when it reports the entry, ofswitchd reports the instruction set as it was given. Both mean the same (no actions).'],
    57: BURST,
  },
  '12-ofctl-flow-mods.json': { '*': METERCODE },
  '13-multipart-errors.json': { '*': T254 },
  '14-groups.json': { 29: [S('§7.3.5.9'), 'ref_count is the "number of flows or groups that directly forward to this group"; group 5 (indirect) forwards to group 4, so ofswitchd counts 1. Open vSwitch counts only flow entries.'] },
  '15-group-errors.json': {
    34: [S('§7.4.4 (ofp_group_mod_failed_code)'), 'GROUP_MOD with command 5 (none such): ofswitchd answers OFPGMFC_BAD_COMMAND ("unsupported command"); Open vSwitch answers OFPGMFC_BAD_BUCKET.'],
    42: [S('§7.3.4.2'), 'An ALL group with a bucket weight of 5: weight is "only defined for select groups"; Open vSwitch answers OFPGMFC_INVALID_GROUP, ofswitchd OFPGMFC_WEIGHT_UNSUPPORTED (the switch takes no weights on this group type).'],
    52: PORT0,
    58: [S('§5.6.1 / §7.4.4 (ofp_bad_action_code)'), 'A bucket with a group action to group 99, which does not exist: ofswitchd refuses it with OFPBAC_BAD_OUT_GROUP, Open vSwitch accepts the dangling reference.'],
    67: [S('§7.4.4 (ofp_group_mod_failed_code)'), 'Group 2 modified to forward to group 3, which forwards to group 2: ofswitchd refuses the loop with OFPGMFC_LOOP; Open vSwitch does not check for loops.'],
    76: [S('§6.5'), 'Deleting group 2 while group 3 forwards to it: ofswitchd refuses with OFPGMFC_CHAINED_GROUP; Open vSwitch deletes it (it did not create the chain, message 67).'],
    80: [S('§6.5'), 'Consequence of messages 52, 58, 67 and 76: the group table holds what each switch accepted.'],
  },
  '16-meters.json': { 13: DSCP, 29: BURST, 40: BURST, '*': [S('§7.3.4.4'), 'Consequence of message 13: meter 3 (a DSCP remark band) exists only in ofswitchd, so the flow that uses it (message 22), its modification (message 37) and the stats and config replies that list it differ.'] },
  '17-meter-errors.json': {
    43: [S('§7.3.4.4'), 'A meter with no bands: Open vSwitch refuses it (OFPMMFC_OUT_OF_BANDS); the spec sets no minimum number of bands and ofswitchd creates it (a meter that never drops). It then appears only in ofswitchd\'s config reply (message 69).'],
    65: METERCODE,
    69: BURST,
  },
  '18-roles-two-controllers.json': { '*': [S('§6.3.6'), 'Open vSwitch tells a controller that lost the master role with its ONF experimenter role-status message (ONFT_ROLE_STATUS, backported from OpenFlow 1.4\'s OFPT_ROLE_STATUS); OpenFlow 1.3 has no such message, and ofswitchd sends none.'] },
  '20-barriers.json': { '*': T254 },
  '21-port-mods.json': {
    29: [S('§7.3.4.3 / §7.4.4 (ofp_port_mod_failed_code)'), 'Advertise 10GB_FD|COPPER on a port whose device supports no features (supported = 0): ofswitchd answers OFPPMFC_BAD_ADVERTISE, Open vSwitch ignores the request.'],
    46: [S('§7.3.4.3 / §7.4.4 (ofp_port_mod_failed_code)'), 'config bit 0x8000 is no OFPPC_ flag: ofswitchd answers OFPPMFC_BAD_CONFIG, Open vSwitch ignores the bit.'],
    '*': [S('§7.4.3'), 'h3 takes its end of the link down: Open vSwitch sends two PORT_STATUS, first with LIVE cleared (state 0), then with LINK_DOWN; ofswitchd sends one, with LINK_DOWN.'],
  },
  '22-table-features.json': {
    37: [S('§7.4.4 (ofp_table_mod_failed_code)'), 'TABLE_MOD for table 254: Open vSwitch answers OFPTMFC_EPERM for its hidden table, ofswitchd OFPTMFC_BAD_TABLE (table 254 does not exist).'],
    '*': [S('§7.3.5.5'), 'A table-features request with a body (setting the tables\' features): the spec lets a switch refuse it; Open vSwitch answers with its Nicira experimenter error, ofswitchd with the standard OFPET_TABLE_FEATURES_FAILED.'],
  },
  '24-packet-out.json': {
    44: [S('§7.3.7 / §7.4.4 (ofp_bad_request_code)'), 'PACKET_OUT with in_port 99, a port that does not exist: ofswitchd answers OFPBRC_BAD_PORT, Open vSwitch accepts it.'],
    47: PORT0,
    50: [S('§7.3.7'), 'PACKET_OUT with in_port OFPP_ANY: in_port must be a switch port or OFPP_CONTROLLER; ofswitchd answers OFPBRC_BAD_PORT, Open vSwitch accepts it (its OpenFlow 1.0 "none").'],
    58: [S('§7.4.1'), 'A packet-in raised by a PACKET_OUT\'s own output:CONTROLLER (max_len 32), not by a table: ofswitchd sends 32 bytes, as the output action\'s max_len requires (§7.2.5: max_len is the most data sent to the controller; only OFPCML_NO_BUFFER means the complete packet), and table_id 0xff because no table was looked up (§7.4.1: table_id is the table that was looked up). Open vSwitch sends the whole 60-byte frame and says table 0.'],
    '*': [S('§7.4.1'), 'Packet-ins caused by the recording\'s hosts answering frames that PACKET_OUT sent them with forged source addresses (h2 replying to a crafted echo request, h3\'s ARP): the replay\'s host emulation (spec/conformance/hosts.ts) does not model those answers, so those packet-ins are missing from the replay. A limit of the harness, not a difference between the switches.'],
  },
  '26-queue-config.json': {},
  '27-echo-config.json': {},
  '28-ofctl-groups-meters.json': { 'conn19': BURST, '*': DSCP },
};
for (const [file, fs] of Object.entries(findings)) {
  const r = rules[file];
  if (!r) { console.error('no rules for', file); continue; }
  const devs = [];
  for (const f of fs) {
    const rule = r[f.message] ?? r[`conn${f.connection}`] ?? r['*'];
    if (!rule) { console.error('no rule', file, f.connection, f.message, f.field); continue; }
    const d = { message: f.message === -1 ? f.what : f.message, connection: f.connection, field: f.field, ovs: f.ovs, ofswitchd: f.ofswitchd, section: rule[0], why: rule[1] };
    // Values that vary run to run or are large are left out (a deviation then matches any value).
    for (const k of ['ovs', 'ofswitchd']) { const v = JSON.stringify(d[k]); if (v === undefined || v.length > 120 || v.includes('<normalized>')) delete d[k]; }
    if (typeof d.message === 'string') { delete d.ofswitchd; }
    if (!devs.some((x) => JSON.stringify(x) === JSON.stringify(d))) devs.push(d);
  }
  const path = new URL(`../../fixtures/sessions/${file}`, import.meta.url);
  const text = readFileSync(path, 'utf8');
  const m = text.match(/\n( *)"deviations": \[[^\]]*\]/);
  if (!m) { console.error('no deviations key', file); continue; }
  const ind = m[1];
  const body = devs.length === 0 ? '[]' : '[\n' + devs.map((d) => `${ind}  ${JSON.stringify(d)}`).join(',\n') + `\n${ind}]`;
  writeFileSync(path, text.replace(m[0], `\n${ind}"deviations": ${body}`));
  console.error(file, devs.length, 'deviations');
}
