/**
 * `parseFlow`: one add-flow / mod-flows / del-flows argument to a FLOW_MOD,
 * exactly as `ovs-ofctl -O OpenFlow13` builds it.
 *
 * A flow is `key=value` pairs (commas and/or spaces between them) with, for
 * add and modify, `actions=` last: ovs-ofctl finds the first "action" in
 * the text, takes everything after the `=` that follows it as the action
 * list, and parses the rest as the match and the flow's settings.
 *
 * What each command accepts, and what the FLOW_MOD then carries, follows
 * ovs-ofctl:
 * - add: `cookie=V` is the new cookie (a mask is an error); idle/hard
 *   timeouts, priority and flags; the table defaults to 0.
 * - modify: `cookie=V/M` selects flows by cookie; a bare `cookie=V` (the new
 *   cookie) has no place in an OpenFlow 1.3 FLOW_MOD and is dropped, as
 *   ovs-ofctl drops it; the table defaults to 0.
 * - delete: no actions, timeouts or flags; `priority` only when strict;
 *   `out_port` and `out_group` select flows; the table defaults to all (255).
 * A keyword a command does not take is an "unknown keyword", as in ovs-ofctl.
 *
 * The match is built in match.ts, the actions in instructions.ts; this file
 * only dispatches keywords and fills the FLOW_MOD header.
 */
import { OFP_DEFAULT_PRIORITY, OFP_NO_BUFFER, OFPFC, OFPFF, OFPG, OFPP, OFPT, OFPTT } from '../../openflow/constants.js';
import type { FlowMod } from '../../openflow/types.js';
import { FlowSyntaxError, ignoreWarnings, type WarningSink } from './errors.js';
import { fieldByName, isOvsExtensionField, SHORTHANDS } from './fields.js';
import { parseInstructions } from './instructions.js';
import { MatchBuilder } from './match.js';
import { parsePortNumber, type PortNames } from './ports.js';
import { scanKeyValues } from './scanner.js';
import { parseGroupId, parseNumeric, parseTableId, parseUnsigned } from './values.js';

/** The flow-mod commands, by the names ovs-ofctl's flow files use. */
export type FlowCommand = 'add' | 'modify' | 'modify_strict' | 'delete' | 'delete_strict';

export interface ParseOptions {
  /** The switch's port names (from PORT_DESC), for `in_port=eth0`, `output:eth0`. */
  ports?: PortNames;
  /** The switch's table names (from TABLE_FEATURES), for `table=name`. */
  tables?: ReadonlyMap<string, number>;
  /** Where to report what ovs-ofctl would log without failing. */
  warn?: WarningSink;
}

export interface FlowOptions extends ParseOptions {
  command: FlowCommand;
}

/** A message without its transaction id, which the connection assigns. */
export type WithoutXid<T> = Omit<T, 'xid'>;

const FLAGS: ReadonlyMap<string, number> = new Map([
  ['send_flow_rem', OFPFF.SEND_FLOW_REM],
  ['check_overlap', OFPFF.CHECK_OVERLAP],
  ['reset_counts', OFPFF.RESET_COUNTS],
  ['no_packet_counts', OFPFF.NO_PKT_COUNTS],
  ['no_byte_counts', OFPFF.NO_BYT_COUNTS],
]);

/** What dump-flows prints and ovs-ofctl ignores on input, so its output can be fed back. */
const IGNORED = new Set(['duration', 'n_packets', 'n_bytes', 'idle_age', 'hard_age']);

const COMMAND_CODES: Record<FlowCommand, OFPFC> = {
  add: OFPFC.ADD,
  modify: OFPFC.MODIFY,
  modify_strict: OFPFC.MODIFY_STRICT,
  delete: OFPFC.DELETE,
  delete_strict: OFPFC.DELETE_STRICT,
};

/** Which keywords each command takes besides match fields. */
function allows(command: FlowCommand, key: string): boolean {
  const isAdd = command === 'add';
  const isModify = command === 'modify' || command === 'modify_strict';
  const isDelete = command === 'delete' || command === 'delete_strict';
  switch (key) {
    case 'table':
    case 'cookie':
      return true;
    case 'priority':
      return command !== 'delete';
    case 'idle_timeout':
    case 'hard_timeout':
    case 'importance':
      return isAdd || isModify;
    case 'out_port':
    case 'out_group':
      return isDelete;
    default:
      return FLAGS.has(key) ? isAdd || isModify : false;
  }
}

/** Parses one flow; see the essay at the top. */
export function parseFlow(text: string, opts: FlowOptions): WithoutXid<FlowMod> {
  const warn = opts.warn ?? ignoreWarnings;
  const { command } = opts;
  const isDelete = command === 'delete' || command === 'delete_strict';

  let matchText = text;
  let actionsText = '';
  if (!isDelete) {
    const at = text.indexOf('action');
    const eq = at < 0 ? -1 : text.indexOf('=', at);
    if (eq < 0) throw new FlowSyntaxError('must specify an action', text);
    matchText = text.slice(0, at);
    actionsText = text.slice(eq + 1);
  }

  const match = new MatchBuilder();
  const vctx = { warn, ...(opts.ports ? { ports: opts.ports } : {}) };
  let tableId: number | undefined;
  let priority = OFP_DEFAULT_PRIORITY;
  let idleTimeout = 0;
  let hardTimeout = 0;
  let flags = 0;
  let cookie = 0n;
  let cookieMask = 0n;
  let outPort: number = OFPP.ANY;
  let outGroup: number = OFPG.ANY;

  for (const { key, value } of scanKeyValues(matchText)) {
    const shorthand = SHORTHANDS.get(key);
    if (shorthand !== undefined) {
      match.setShorthand(key, shorthand.dlType, shorthand.nwProto);
      continue;
    }
    if (key === 'eth') continue; // packet_type=(0,0): every OpenFlow 1.3 packet is Ethernet.
    const flag = FLAGS.get(key);
    if (flag !== undefined && allows(command, key)) {
      flags |= flag;
      continue;
    }
    const field = fieldByName(key);
    if (value === '' && field === undefined) throw new FlowSyntaxError(`field ${key} missing value`, key);
    if (field !== undefined) {
      // ovs-ofctl reads a field without a value as "0/0": matching anything.
      match.setField(field, key, value === '' ? '0/0' : value, vctx);
      continue;
    }
    if (IGNORED.has(key)) continue;
    if (!allows(command, key)) {
      if (isOvsExtensionField(key)) {
        throw new FlowSyntaxError(`${key} is an Open vSwitch extension field that OpenFlow 1.3 cannot match`, key);
      }
      throw new FlowSyntaxError(`unknown keyword ${key}`, key);
    }
    switch (key) {
      case 'table':
        tableId = parseTableId(value, warn, opts.tables);
        break;
      case 'priority':
        priority = parseUnsigned(value, 16, 'priority');
        break;
      case 'idle_timeout':
        idleTimeout = parseUnsigned(value, 16, 'idle_timeout');
        break;
      case 'hard_timeout':
        hardTimeout = parseUnsigned(value, 16, 'hard_timeout');
        break;
      case 'importance':
        parseUnsigned(value, 16, 'importance');
        warn('importance is an OpenFlow 1.4 feature; an OpenFlow 1.3 flow_mod cannot carry it');
        break;
      case 'cookie': {
        const slash = value.indexOf('/');
        if (slash >= 0) {
          if (command === 'add') throw new FlowSyntaxError('flow additions cannot use a cookie mask', value);
          cookieMask = parseNumeric(value.slice(slash + 1), 64);
          cookie = parseNumeric(value.slice(0, slash), 64) & cookieMask;
        } else if (isDelete) {
          throw new FlowSyntaxError(
            `cannot set cookie (to match on a cookie, specify a mask, e.g. cookie=${value}/-1)`,
            value,
          );
        } else if (command === 'add') {
          cookie = parseNumeric(value, 64);
        } else {
          parseNumeric(value, 64);
          warn('mod-flows cannot change a cookie in OpenFlow 1.3; the new cookie is ignored');
        }
        break;
      }
      case 'out_port': {
        const port = parsePortNumber(value, opts.ports, warn);
        if (port === undefined) throw new FlowSyntaxError(`${value} is not a valid OpenFlow port`, value);
        outPort = port;
        break;
      }
      case 'out_group':
        outGroup = parseGroupId(value);
        break;
      default:
        throw new FlowSyntaxError(`unknown keyword ${key}`, key);
    }
  }

  const instructions = isDelete
    ? []
    : parseInstructions(actionsText, {
        facts: match.facts(),
        warn,
        ...(tableId !== undefined && tableId !== OFPTT.ALL ? { tableId } : {}),
        ...(opts.ports ? { ports: opts.ports } : {}),
        ...(opts.tables ? { tables: opts.tables } : {}),
      });
  const defaultTable = isDelete ? OFPTT.ALL : 0;

  return {
    type: OFPT.FLOW_MOD,
    cookie,
    cookie_mask: cookieMask,
    table_id: tableId === undefined || (tableId === OFPTT.ALL && !isDelete) ? defaultTable : tableId,
    command: COMMAND_CODES[command],
    idle_timeout: idleTimeout,
    hard_timeout: hardTimeout,
    priority,
    buffer_id: OFP_NO_BUFFER,
    out_port: outPort,
    out_group: outGroup,
    flags,
    match: match.toOxm(warn),
    instructions,
  };
}
