/**
 * The recorded sessions, in fixture order. Each has a name (the fixture's
 * file name), a description, the client that speaks to the switch, and
 * `run(ctx)`, the steps (see SessionContext in scripts/record-session):
 * start an os-ken app and point the bridge at it, run ovs-ofctl commands
 * against the bridge's ptcp listener (SWITCH), send host traffic, and wait
 * for the app's markers. Traffic given to `ctx.host` is written into the
 * fixture so that a replay can send the same frames.
 */
import { execFileSync } from 'node:child_process';

const OSKEN = (() => {
  try {
    return execFileSync('/usr/bin/python3', ['-c', 'import os_ken; print(os_ken.__version__)'], { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
})();
const OFCTL = (() => {
  try {
    return execFileSync('ovs-ofctl', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'ovs-ofctl';
  }
})();

/** A session driven by one os-ken app; `during` runs between the app's "ready" marker and its "done". */
function app(name, file, description, { during, controllers, queues } = {}) {
  return {
    name,
    description,
    queues,
    client: `os-ken ${OSKEN} app scripts/sessions/apps/${file}`,
    async run(ctx) {
      const a = await ctx.startApp(file);
      ctx.controllers(controllers ?? ['tcp:127.0.0.1:6653']);
      if (during) {
        await ctx.marker(a, 'ready');
        await during(ctx, a);
        ctx.signal('traffic-done');
      }
      await ctx.marker(a, 'done', 120_000);
    },
  };
}

/** A session of ovs-ofctl commands, one connection each. */
function ofctl(name, description, run, { queues } = {}) {
  return { name, description, queues, client: `${OFCTL} -O OpenFlow13 (one connection per command)`, run };
}

export const SESSIONS = [
  app(
    '01-handshake',
    'handshake.py',
    'Handshake and feature discovery: HELLO, FEATURES_REQUEST and port descriptions (os-ken), then get/set/get config, description, features again, table stats, an echo with payload, a barrier.',
  ),
  ofctl('02-ofctl-add-dump-flows', 'ovs-ofctl adds two flows, dumps them, deletes one with --strict, dumps again, deletes all.', async (ctx) => {
    await ctx.ofctl('add-flow', 'SWITCH', 'priority=100,in_port=1,actions=output:2');
    await ctx.ofctl('add-flow', 'SWITCH', 'table=0,priority=200,ip,nw_dst=10.0.0.3,actions=output:3');
    await ctx.ofctl('dump-flows', 'SWITCH');
    await ctx.ofctl('--strict', 'del-flows', 'SWITCH', 'priority=100,in_port=1');
    await ctx.ofctl('dump-flows', 'SWITCH');
    await ctx.ofctl('del-flows', 'SWITCH');
    await ctx.ofctl('dump-flows', 'SWITCH');
  }),
];

const ping = (ctx, from, to, opts = '-c 1 -W 1') => ctx.host(from, `ping ${opts} 10.0.0.${to}`);

SESSIONS.push(
  app(
    '03-osken-l2-learning',
    'l2_learning.py',
    'An os-ken L2 learning switch with real pings: table-miss flow, ARP and ICMP packet-ins, floods and unicasts by packet-out, per-destination flow installs, and flow stats at the end.',
    {
      during: async (ctx) => {
        await ping(ctx, 'h1', 2, '-c 2 -i 0.3 -W 1');
        await ping(ctx, 'h2', 3, '-c 2 -i 0.3 -W 1');
        await ping(ctx, 'h3', 1, '-c 2 -i 0.3 -W 1');
        await ping(ctx, 'h1', 2, '-c 1 -W 1');
      },
    },
  ),
  app('04-flow-mod-add-flags', 'flow_mod_add.py', 'OFPFC_ADD with every flag (SEND_FLOW_REM, CHECK_OVERLAP accepted and refused with OFPFMFC_OVERLAP, RESET_COUNTS, NO_PKT_COUNTS, NO_BYT_COUNTS), cookies and timeouts, re-adding existing flows, with pings between h1 and h2 counting through them.', {
    during: async (ctx) => {
      await ping(ctx, 'h1', 2, '-c 2 -i 0.3 -W 1');
    },
  }),
  app('05-flow-mod-modify', 'flow_mod_modify.py', 'OFPFC_MODIFY (loose, by cookie mask, with RESET_COUNTS) and OFPFC_MODIFY_STRICT (hit and miss), after pings gave the flows counters; flow stats after each.', {
    during: async (ctx) => {
      await ping(ctx, 'h1', 2, '-c 2 -i 0.3 -W 1');
    },
  }),
  app('06-flow-mod-delete', 'flow_mod_delete.py', 'OFPFC_DELETE and OFPFC_DELETE_STRICT by match, priority, out_port, out_group, cookie mask and table (OFPTT_ALL), with OFPT_FLOW_REMOVED (reason DELETE) for SEND_FLOW_REM flows.'),
  app('07-flow-mod-errors', 'flow_mod_errors.py', 'Flow mods built to be refused, each followed by a barrier (table 254 and OFPTT_ALL, unknown command, undefined flags, unknown buffer, missing prerequisites, a bad VLAN value, a value outside its mask, a duplicated field, fields out of order, in_port 0, an unknown field, an unknown OXM class, an overlap with CHECK_OVERLAP), next to accepted ones; the OFPT_ERROR replies are what Open vSwitch answered (it accepts some of them).'),
  app('08-action-errors', 'action_errors.py', 'Instructions and actions built to be refused (output to port 0 and OFPP_ANY, an unknown group, goto-table backwards, to itself and past the last table, an unknown meter, two apply-actions, set-field without prerequisites, push_vlan with a bad ethertype, set_queue to an unknown queue, an unknown experimenter action, unknown instruction and action types), next to accepted ones; the errors are what Open vSwitch answered (it accepts some of them).'),
  app('09-flow-timeouts', 'flow_timeouts.py', 'Idle and hard timeouts with OFPFF_SEND_FLOW_REM: OFPT_FLOW_REMOVED with reasons IDLE_TIMEOUT and HARD_TIMEOUT, an idle flow kept alive by a ping for a while.', {
    during: async (ctx) => {
      await ping(ctx, 'h1', 2, '-c 4 -i 0.5 -W 1');
    },
  }),
  ofctl('10-ofctl-multipart', 'Every multipart request ovs-ofctl makes (desc, flows, aggregate, tables, ports, port descriptions, queues, groups, group stats and features, meters, meter stats and features, table features is session 22) against a bridge with a group, a meter, flows and queues.', async (ctx) => {
    await ctx.ofctl('add-group', 'SWITCH', 'group_id=1,type=all,bucket=output:2,bucket=output:3');
    await ctx.ofctl('add-meter', 'SWITCH', 'meter=1,pktps,stats,band=type=drop,rate=1000');
    await ctx.ofctl('add-flow', 'SWITCH', 'priority=10,in_port=1,actions=group:1');
    await ctx.ofctl('add-flow', 'SWITCH', 'priority=10,in_port=2,actions=meter:1,output:1');
    await ctx.ofctl('add-flow', 'SWITCH', 'priority=10,in_port=3,actions=set_queue:1,output:1');
    await ping(ctx, 'h1', 2, '-c 1 -W 1');
    for (const c of [
      ['dump-desc'], ['dump-flows'], ['dump-flows', 'in_port=2'], ['dump-aggregate'], ['dump-tables'],
      ['dump-ports'], ['dump-ports', '1'], ['dump-ports-desc'], ['dump-ports-desc', '2'], ['queue-stats'], ['queue-stats', '1', '1'],
      ['queue-get-config', '1'], ['dump-groups'], ['dump-group-stats'], ['dump-group-features'], ['dump-meters'], ['meter-stats'],
      ['meter-features'], ['show'], ['get-frags'],
    ]) {
      await ctx.ofctl(c[0], 'SWITCH', ...c.slice(1));
    }
  }, { queues: true }),
  app('11-multipart-all', 'multipart_all.py', 'Every multipart request type from os-ken (desc, flow with filters, aggregate, table, port stats, queue stats, group, group desc, group features, meter, meter config, meter features, port desc, experimenter) after a ping moved the counters; port 1 has two queues.', {
    queues: true,
    during: async (ctx) => {
      await ping(ctx, 'h1', 2, '-c 2 -i 0.3 -W 1');
      await ping(ctx, 'h3', 1, '-c 1 -W 1');
    },
  }),
  ofctl('12-ofctl-flow-mods', 'ovs-ofctl flow mods: add-flow with send_flow_rem, check_overlap (accepted and refused), reset_counts, no_packet_counts, no_byte_counts, cookies, timeouts; mod-flows loose and --strict; del-flows by cookie mask, out_port and --strict; a flow the switch refuses (unknown meter, unknown group).', async (ctx) => {
    await ctx.ofctl('add-flow', 'SWITCH', 'cookie=0x1,priority=10,in_port=1,send_flow_rem,actions=output:2');
    await ctx.ofctl('add-flow', 'SWITCH', 'cookie=0x2,priority=10,in_port=2,no_packet_counts,no_byte_counts,actions=output:1');
    await ctx.ofctl('add-flow', 'SWITCH', 'cookie=0x3,priority=10,ip,check_overlap,actions=output:3');
    await ctx.ofctl('add-flow', 'SWITCH', 'cookie=0x4,priority=10,in_port=3,idle_timeout=60,hard_timeout=120,check_overlap,actions=output:1');
    await ping(ctx, 'h1', 2, '-c 1 -W 1');
    await ctx.ofctl('add-flow', 'SWITCH', 'cookie=0x5,priority=10,in_port=1,reset_counts,actions=output:2,output:3');
    await ctx.ofctl('dump-flows', 'SWITCH');
    await ctx.ofctl('mod-flows', 'SWITCH', 'in_port=2,actions=output:3');
    await ctx.ofctl('--strict', 'mod-flows', 'SWITCH', 'priority=10,in_port=3,actions=drop');
    await ctx.ofctl('mod-flows', 'SWITCH', 'cookie=0x4/0xf,actions=output:2');
    await ctx.ofctl('dump-flows', 'SWITCH', 'cookie=0x1/0xf');
    await ctx.ofctl('del-flows', 'SWITCH', 'out_port=3');
    await ctx.ofctl('--strict', 'del-flows', 'SWITCH', 'priority=10,in_port=2');
    await ctx.ofctl('add-flow', 'SWITCH', 'priority=10,in_port=1,actions=meter:7,output:2');
    await ctx.ofctl('add-flow', 'SWITCH', 'priority=10,in_port=1,actions=group:7');
    await ctx.ofctl('add-flow', 'SWITCH', 'table=2,priority=10,in_port=1,actions=goto_table:1');
    await ctx.ofctl('dump-flows', 'SWITCH');
    await ctx.ofctl('del-flows', 'SWITCH', 'cookie=0x0/0x0');
    await ctx.ofctl('dump-aggregate', 'SWITCH');
  }),
  app('13-multipart-errors', 'multipart_errors.py', 'Multipart requests refused or answered empty: unknown port, queue, table, group and meter; an unknown multipart type; a request flagged OFPMPF_REQ_MORE.'),
  app('14-groups', 'groups.py', 'Groups of every type (ALL, SELECT, INDIRECT, FAST_FAILOVER, a chain INDIRECT → FF) with pings through them, group stats, descriptions and features, modifies (buckets, type change) and deletes (one, then OFPG_ALL).', {
    during: async (ctx) => {
      await ping(ctx, 'h1', 2, '-c 2 -i 0.3 -W 1');
      await ping(ctx, 'h2', 1, '-c 1 -W 1');
      await ping(ctx, 'h3', 1, '-c 1 -W 1');
    },
  }),
  app('15-group-errors', 'group_errors.py', 'Group mods built to be refused (an existing group, modify and delete of unknown groups, OFPG_ALL and OFPG_ANY as ids, an unknown type and command, a fast-failover bucket watching nothing, a weight in an ALL group, INDIRECT with two and with no buckets, output to port 0, zero weights, a chain to a missing group, a loop, watches of an unknown port and of a group), next to accepted ones; the errors are what Open vSwitch answered (it accepts some of them).'),
  app('16-meters', 'meters.py', 'Meters (kbps and pktps, burst, stats, drop bands; a DSCP-remark band, which the userspace datapath refuses with OFPMMFC_BAD_BAND, so the flow using it is refused too) with a fast ping through them (the 5 pkt/s meter drops), meter stats, config and features, modify and delete (one, OFPM_ALL).', {
    during: async (ctx) => {
      await ping(ctx, 'h1', 2, '-c 20 -i 0.02 -W 1 -q');
      await ping(ctx, 'h2', 1, '-c 3 -i 0.2 -W 1');
    },
  }),
  app('17-meter-errors', 'meter_errors.py', 'Meter mods built to be refused (an existing meter, modify and delete of unknown meters, ids 0, OFPM_CONTROLLER and past the maximum, kbps with pktps, no rate flag, a zero rate, no bands, a burst size without OFPMF_BURST, an unknown command, two equal bands, an undefined flag, an unknown band type) and a flow naming a missing meter; the errors are what Open vSwitch answered (it accepts some of them).'),
  app('18-roles-two-controllers', 'roles.py', 'Controller roles with two os-ken connections from the same bridge (targets tcp:127.0.0.1:6653 and tcp:127.0.0.2:6653): NOCHANGE, MASTER hand-over by generation id, requests from the slave refused with OFPBRC_IS_SLAVE, stale generation (OFPRRFC_STALE), bad role, EQUAL and SLAVE; a ping brings packet-ins to the connections whose role allows them.', {
    controllers: ['tcp:127.0.0.1:6653', 'tcp:127.0.0.2:6653'],
    during: async (ctx) => {
      await ping(ctx, 'h1', 2, '-c 1 -W 1');
    },
  }),
  app('19-async-config', 'async_config.py', 'OFPT_GET_ASYNC_REQUEST and OFPT_SET_ASYNC: masks letting through only ACTION packet-ins, MODIFY port status and DELETE flow-removed; pings, port mods and a flow delete show which events come; all masks off, then other masks.', {
    during: async (ctx) => {
      await ping(ctx, 'h1', 2, '-c 1 -W 1');
      await ping(ctx, 'h3', 1, '-c 1 -W 1');
    },
  }),
  app('20-barriers', 'barriers.py', 'Barriers interleaved with flow mods (including a refused one), back-to-back barriers, a multipart request between, and flow stats between runs.'),
  app('21-port-mods', 'port_mods.py', 'Port mods: PORT_DOWN and up (with OFPT_PORT_STATUS), NO_RECV/NO_FWD/NO_PACKET_IN, advertised features, unknown port (OFPPMFC_BAD_PORT), wrong hardware address (OFPPMFC_BAD_HW_ADDR), OFPP_LOCAL, an unknown config bit; a ping while port 2 is down; h3 link down and up from the host side.', {
    during: async (ctx, a) => {
      await ping(ctx, 'h1', 2, '-c 1 -W 1');
      ctx.signal('traffic-done');
      await ctx.marker(a, 'ready2');
      await ctx.host('h3', 'ip link set h3 down; sleep 1; ip link set h3 up; sleep 0.5');
      ctx.signal('link-done');
    },
  }),
);

/** Lines for ovs-ofctl add-flows: enough flows that a flow-stats reply needs several OFPMPF_REPLY_MORE parts. */
const LARGE_TABLE = 2000;
function largeTable() {
  const lines = [];
  for (let i = 0; i < LARGE_TABLE; i++) {
    lines.push(`table=0,priority=${100 + (i % 7)},ip,nw_dst=10.1.${Math.floor(i / 250)}.${i % 250},actions=output:${1 + (i % 3)}`);
  }
  return lines.join('\n') + '\n';
}

SESSIONS.push(
  app('22-table-features', 'table_features.py', 'OFPMP_TABLE_FEATURES request with an empty body (the switch describes its 254 tables in many OFPMPF_REPLY_MORE parts), table stats, OFPT_TABLE_MOD, and a table-features request with a body.'),
  ofctl('23-large-flow-table', `A flow table of ${LARGE_TABLE} flows added with ovs-ofctl add-flows; dump-flows (the flow-stats reply is split with OFPMPF_REPLY_MORE), dump-aggregate, dump-tables, a filtered dump, then del-flows.`, async (ctx) => {
    ctx.file('flows.txt', largeTable(), `${LARGE_TABLE} lines "table=0,priority=<100 + i % 7>,ip,nw_dst=10.1.<i / 250>.<i % 250>,actions=output:<1 + i % 3>" for i = 0..${LARGE_TABLE - 1}`);
    await ctx.ofctl('add-flows', 'SWITCH', 'flows.txt');
    await ctx.ofctl('dump-flows', 'SWITCH');
    await ctx.ofctl('dump-aggregate', 'SWITCH');
    await ctx.ofctl('dump-tables', 'SWITCH');
    await ctx.ofctl('dump-flows', 'SWITCH', 'ip,nw_dst=10.1.3.0/24');
    await ctx.ofctl('del-flows', 'SWITCH');
    await ctx.ofctl('dump-aggregate', 'SWITCH');
  }),
  app('24-packet-out', 'packet_out.py', 'OFPT_PACKET_OUT to a port, FLOOD, ALL, TABLE (a flow sends it back as an OFPR_ACTION packet-in), IN_PORT, CONTROLLER, LOCAL, with set-field, with no actions; meant to be refused: an unknown buffer (OFPBRC_BUFFER_UNKNOWN), in_port 99, output to port 0 and in_port OFPP_ANY (Open vSwitch accepts these three); then table-miss packet-ins (OFPR_NO_MATCH) from a ping with miss_send_len 64.', {
    during: async (ctx) => {
      await ping(ctx, 'h3', 1, '-c 1 -W 1');
    },
  }),
  app('25-pipeline', 'pipeline.py', 'A four-table pipeline (write-metadata, goto-table, write/apply/clear actions, push/pop VLAN, set-field, dec TTL) carrying pings between the three hosts; per-table flow stats and table stats.', {
    during: async (ctx) => {
      await ping(ctx, 'h1', 2, '-c 2 -i 0.3 -W 1');
      await ping(ctx, 'h1', 3, '-c 1 -W 1');
      await ping(ctx, 'h2', 3, '-c 1 -W 1');
    },
  }),
  app('26-queue-config', 'queue_config.py', 'OFPT_QUEUE_GET_CONFIG_REQUEST for a port with two queues, one with none, OFPP_ANY and an unknown port; a set-queue flow with a ping through it; queue stats.', {
    queues: true,
    during: async (ctx) => {
      await ping(ctx, 'h2', 1, '-c 2 -i 0.3 -W 1');
    },
  }),
  app('27-echo-config', 'echo_config.py', 'Echo requests with empty and 1 KiB payloads, the switch\'s own echo requests after 5 s of silence, and OFPT_SET_CONFIG with each fragment mode and several miss_send_len values, each followed by a get-config.'),
  ofctl('28-ofctl-groups-meters', 'ovs-ofctl group and meter commands: add-group of every type, mod-group, dump-groups, dump-group-stats, del-groups; add-meter (kbps, pktps, burst, stats), mod-meter, dump-meters, meter-stats, del-meter; refused ones (existing group, unknown meter modify).', async (ctx) => {
    await ctx.ofctl('add-group', 'SWITCH', 'group_id=1,type=all,bucket=output:1,bucket=output:2');
    await ctx.ofctl('add-group', 'SWITCH', 'group_id=2,type=select,bucket=weight:10,output:1,bucket=weight:20,output:3');
    await ctx.ofctl('add-group', 'SWITCH', 'group_id=3,type=indirect,bucket=set_field:00:00:00:00:00:02->eth_dst,output:2');
    await ctx.ofctl('add-group', 'SWITCH', 'group_id=4,type=ff,bucket=watch_port:2,output:2,bucket=watch_port:3,output:3');
    await ctx.ofctl('add-group', 'SWITCH', 'group_id=1,type=all,bucket=output:3');
    await ctx.ofctl('mod-group', 'SWITCH', 'group_id=1,type=all,bucket=output:3');
    await ctx.ofctl('mod-group', 'SWITCH', 'group_id=9,type=all,bucket=output:3');
    await ctx.ofctl('add-flow', 'SWITCH', 'priority=10,in_port=1,actions=group:2');
    await ctx.ofctl('dump-groups', 'SWITCH');
    await ctx.ofctl('dump-group-stats', 'SWITCH');
    await ctx.ofctl('dump-groups', 'SWITCH', '3');
    await ctx.ofctl('del-groups', 'SWITCH', 'group_id=3');
    await ctx.ofctl('del-groups', 'SWITCH');
    await ctx.ofctl('add-meter', 'SWITCH', 'meter=1,kbps,band=type=drop,rate=1000');
    await ctx.ofctl('add-meter', 'SWITCH', 'meter=2,pktps,burst,stats,band=type=drop,rate=100,burst_size=10');
    await ctx.ofctl('add-meter', 'SWITCH', 'meter=3,kbps,band=type=dscp_remark,rate=500,prec_level=2');
    await ctx.ofctl('mod-meter', 'SWITCH', 'meter=1,kbps,band=type=drop,rate=2000');
    await ctx.ofctl('mod-meter', 'SWITCH', 'meter=9,kbps,band=type=drop,rate=2000');
    await ctx.ofctl('add-flow', 'SWITCH', 'priority=10,in_port=2,actions=meter:2,output:1');
    await ctx.ofctl('dump-meters', 'SWITCH');
    await ctx.ofctl('meter-stats', 'SWITCH');
    await ctx.ofctl('dump-meter', 'SWITCH', 'meter=2');
    await ctx.ofctl('del-meter', 'SWITCH', 'meter=2');
    await ctx.ofctl('del-meters', 'SWITCH');
    await ctx.ofctl('dump-flows', 'SWITCH');
  }),
  ofctl('29-ofctl-ports-packets', 'ovs-ofctl mod-port (down, up, no-receive, no-forward, no-packet-in and back, and an unknown port), port descriptions between, packet-out with several action lists (a port, flood, set-field then two ports, and in_port 99), and port stats.', async (ctx) => {
    await ctx.ofctl('mod-port', 'SWITCH', '2', 'down');
    await ctx.ofctl('dump-ports-desc', 'SWITCH', '2');
    await ctx.ofctl('mod-port', 'SWITCH', '2', 'up');
    await ctx.ofctl('mod-port', 'SWITCH', '3', 'no-receive');
    await ctx.ofctl('mod-port', 'SWITCH', '3', 'no-forward');
    await ctx.ofctl('mod-port', 'SWITCH', '3', 'no-packet-in');
    await ctx.ofctl('dump-ports-desc', 'SWITCH', '3');
    await ctx.ofctl('mod-port', 'SWITCH', '3', 'receive');
    await ctx.ofctl('mod-port', 'SWITCH', '3', 'forward');
    await ctx.ofctl('mod-port', 'SWITCH', '3', 'packet-in');
    await ctx.ofctl('mod-port', 'SWITCH', '9', 'down');
    const arp = 'ffffffffffff000000000009080600010800060400010000000000090a0000090000000000000a000002';
    await ctx.ofctl('packet-out', 'SWITCH', 'in_port=controller', 'actions=output:2', arp);
    await ctx.ofctl('packet-out', 'SWITCH', 'in_port=1', 'actions=flood', arp);
    await ctx.ofctl('packet-out', 'SWITCH', 'in_port=controller', 'actions=set_field:00:00:00:00:00:0a->eth_src,output:2,output:3', arp);
    await ctx.ofctl('packet-out', 'SWITCH', 'in_port=99', 'actions=output:2', arp);
    await ctx.ofctl('dump-ports', 'SWITCH');
  }),
);
