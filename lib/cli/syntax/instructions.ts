/**
 * An `actions=` list: ovs-ofctl's flat text to OpenFlow 1.3 instructions,
 * and the nested action lists of write_actions, group buckets and
 * packet-outs.
 *
 * ovs-ofctl lets instructions and actions share one list:
 *
 *     actions=meter:1,dec_ttl,output:2,clear_actions,write_actions(output:3),write_metadata:0x1/0x1,goto_table:5
 *
 * Every plain action joins the single apply_actions instruction. OpenFlow
 * 1.1+ executes instructions in a fixed order (meter, apply_actions,
 * clear_actions, write_actions, write_metadata, goto_table), so ovs-ofctl
 * insists that the text is written in that order and has each instruction
 * at most once, rather than silently reordering what the user wrote; we
 * do the same, with its messages. `drop` must stand alone. An empty
 * apply_actions or write_actions is left out, as ovs-ofctl leaves it out.
 */
import { OFPIT, OFPM } from '../../openflow/constants.js';
import type { Action, Instruction } from '../../openflow/types.js';
import { Checks, parseAction, type ActionContext } from './actions.js';
import { FlowSyntaxError, naming, type WarningSink } from './errors.js';
import type { PacketFacts } from './fields.js';
import type { PortNames } from './ports.js';
import { scanKeyValues, type KeyValue } from './scanner.js';
import { parseNumeric, parseTableId } from './values.js';

/** The instructions in the order OpenFlow executes them. */
const ORDER = ['meter', 'apply_actions', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table'] as const;
type InstructionName = (typeof ORDER)[number];

const INSTRUCTION_KEYS: ReadonlySet<string> = new Set(ORDER);

const DROP_ALONE = '"drop" must not be accompanied by any other action or instruction';

export interface InstructionOptions {
  /** What the match guarantees about the packet. */
  facts: PacketFacts;
  /** The flow's table, when given, for goto_table's "later table" rule. */
  tableId?: number;
  ports?: PortNames;
  tables?: ReadonlyMap<string, number>;
  warn: WarningSink;
}

/** Parses a flow's `actions=` text into instructions. */
export function parseInstructions(text: string, opts: InstructionOptions): Instruction[] {
  const ctx: ActionContext = { facts: { ...opts.facts }, checks: Checks.ALL, warn: opts.warn, ...(opts.ports ? { ports: opts.ports } : {}) };
  const seen: InstructionName[] = [];
  const apply: Action[] = [];
  let drop = false;
  let meter: number | undefined;
  let clear = false;
  let write: Action[] | undefined;
  let metadata: { metadata: bigint; metadata_mask: bigint } | undefined;
  let gotoTable: number | undefined;

  for (const kv of scanKeyValues(text)) {
    // ovs-ofctl reads action and instruction names in any case (GOTO_TABLE:1, CONTROLLER:128).
    const name = kv.key.toLowerCase();
    switch (name) {
      case 'drop':
        drop = true;
        continue;
      case 'apply_actions':
        throw new FlowSyntaxError('apply_actions is the default instruction', kv.key);
      case 'meter':
        meter = naming(kv.key, () => Number(parseNumeric(kv.value, 32)));
        break;
      case 'clear_actions':
        clear = true;
        break;
      case 'write_actions': {
        // Checked against the packet as apply-actions leave it, on a copy:
        // what write_actions does happens later.
        const nested: ActionContext = { ...ctx, facts: { ...ctx.facts }, checks: Checks.SET_FIELD };
        write = parseNestedActions(scanKeyValues(kv.value), nested, 'write_actions');
        break;
      }
      case 'write_metadata':
        metadata = naming(kv.key, () => parseWriteMetadata(kv.value));
        break;
      case 'goto_table':
        gotoTable = naming(kv.key, () => parseTableId(kv.value, opts.warn, opts.tables));
        break;
      default:
        seen.push('apply_actions');
        parseAction(kv, ctx, apply);
        continue;
    }
    seen.push(name as InstructionName);
  }
  if (drop && seen.length > 0) throw new FlowSyntaxError(DROP_ALONE, 'drop');
  checkOrder(seen);

  if (meter !== undefined && (meter === 0 || meter > OFPM.MAX)) {
    throw new FlowSyntaxError(
      `meter:${meter}: not a valid meter id (1 to ${OFPM.MAX}); actions are invalid with specified match (OFPMMFC_INVALID_METER)`,
      `meter:${meter}`,
    );
  }
  if (gotoTable !== undefined && opts.tableId !== undefined && gotoTable <= opts.tableId) {
    throw new FlowSyntaxError(
      `goto_table:${gotoTable}: must go to a table after ${opts.tableId}; actions are invalid with specified match (OFPBIC_BAD_TABLE_ID)`,
      `goto_table:${gotoTable}`,
    );
  }

  const out: Instruction[] = [];
  if (meter !== undefined) out.push({ type: OFPIT.METER, meter_id: meter });
  if (apply.length > 0) out.push({ type: OFPIT.APPLY_ACTIONS, actions: apply });
  if (clear) out.push({ type: OFPIT.CLEAR_ACTIONS, actions: [] });
  if (write !== undefined && write.length > 0) out.push({ type: OFPIT.WRITE_ACTIONS, actions: write });
  if (metadata !== undefined) out.push({ type: OFPIT.WRITE_METADATA, ...metadata });
  if (gotoTable !== undefined) out.push({ type: OFPIT.GOTO_TABLE, table_id: gotoTable });
  return out;
}

/**
 * The actions of a group bucket or a packet-out, as text or as pairs
 * already split: no instructions, and no consistency checks, as in
 * ovs-ofctl.
 */
export function parseActionList(actions: string | readonly KeyValue[], opts: { ports?: PortNames; warn: WarningSink }): Action[] {
  const ctx: ActionContext = { facts: { vlans: 0 }, checks: Checks.NONE, warn: opts.warn, ...(opts.ports ? { ports: opts.ports } : {}) };
  return parseNestedActions(typeof actions === 'string' ? scanKeyValues(actions) : actions, ctx, undefined);
}

/** A list of plain actions: inside write_actions(...), a bucket, a packet-out. */
function parseNestedActions(kvs: readonly KeyValue[], ctx: ActionContext, within: 'write_actions' | undefined): Action[] {
  const out: Action[] = [];
  let drop = false;
  for (const kv of kvs) {
    const name = kv.key.toLowerCase();
    if (name === 'drop') {
      drop = true;
      continue;
    }
    if (name === 'meter' && within !== undefined) {
      throw new FlowSyntaxError(`${within} action doesn't support nested action meter`, kv.key);
    }
    if (INSTRUCTION_KEYS.has(name)) throw new FlowSyntaxError(`${kv.key} instruction not allowed here`, kv.key);
    parseAction(kv, ctx, out);
  }
  if (drop && out.length > 0) throw new FlowSyntaxError(DROP_ALONE, 'drop');
  return out;
}

/** ovs-ofctl's rule: instructions in execution order, each at most once. */
function checkOrder(seen: readonly InstructionName[]): void {
  for (let i = 1; i < seen.length; i++) {
    const prev = seen[i - 1]!;
    const cur = seen[i]!;
    if (cur === prev) {
      if (cur === 'apply_actions') continue;
      throw new FlowSyntaxError(`duplicate ${cur} instruction not allowed, for OpenFlow 1.1+ compatibility`, cur);
    }
    if (ORDER.indexOf(cur) < ORDER.indexOf(prev)) {
      throw new FlowSyntaxError(`invalid instruction ordering: ${cur} must appear before ${prev}, for OpenFlow 1.1+ compatibility`, cur);
    }
  }
}

/** `write_metadata:VALUE[/MASK]`. */
function parseWriteMetadata(text: string): { metadata: bigint; metadata_mask: bigint } {
  const slash = text.indexOf('/');
  if (slash < 0) return { metadata: parseNumeric(text, 64), metadata_mask: 0xffffffffffffffffn };
  return { metadata: parseNumeric(text.slice(0, slash), 64), metadata_mask: parseNumeric(text.slice(slash + 1), 64) };
}
