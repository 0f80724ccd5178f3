/**
 * `parseGroup`: an add-group / mod-group / del-groups argument to a
 * GROUP_MOD, as `ovs-ofctl -O OpenFlow13` builds it.
 *
 *     group_id=1,type=select,bucket=weight:10,watch_port:1,actions=output:1,bucket=output:2
 *
 * Buckets come last: everything from the first `bucket=` on is buckets,
 * each running to the next `bucket=`. Within a bucket `weight`,
 * `watch_port`, `watch_group` and `bucket_id` are settings, `actions=` starts
 * the action list, and any other key is taken as an action, so
 * `bucket=output:1` needs no `actions=`. As in ovs-ofctl, a select group's
 * buckets weigh 1 unless told otherwise, and `bucket_id` (OpenFlow 1.5) is
 * read and dropped. The OF1.5 and Open vSwitch extensions
 * (`selection_method`, `fields`, `command_bucket_id`, insert/remove bucket)
 * have no OF1.3 form and are refused.
 */
import { OFPG, OFPGC, OFPGT, OFPP, OFPT } from '../../openflow/constants.js';
import type { Bucket, GroupMod } from '../../openflow/types.js';
import { FlowSyntaxError, ignoreWarnings } from './errors.js';
import type { ParseOptions, WithoutXid } from './flow.js';
import { parseActionList } from './instructions.js';
import { parsePortNumber } from './ports.js';
import { KeyValueScanner, scanKeyValues, type KeyValue } from './scanner.js';
import { parseGroupId, parseNumeric, parseUnsigned } from './values.js';

export type GroupCommand = 'add' | 'modify' | 'delete';

export interface GroupOptions extends ParseOptions {
  command: GroupCommand;
}

const TYPES: ReadonlyMap<string, OFPGT> = new Map([
  ['all', OFPGT.ALL],
  ['select', OFPGT.SELECT],
  ['indirect', OFPGT.INDIRECT],
  ['ff', OFPGT.FF],
  ['fast_failover', OFPGT.FF],
]);

const COMMANDS: Record<GroupCommand, OFPGC> = { add: OFPGC.ADD, modify: OFPGC.MODIFY, delete: OFPGC.DELETE };

/** Parses one group; see the essay at the top. */
export function parseGroup(text: string, opts: GroupOptions): WithoutXid<GroupMod> {
  const warn = opts.warn ?? ignoreWarnings;
  const { command } = opts;
  const at = text.indexOf('bucket=');
  const head = at < 0 ? text : text.slice(0, at);
  const bucketTexts = at < 0 ? [] : text.slice(at + 'bucket='.length).split('bucket=');

  let groupId: number | undefined;
  let groupType: OFPGT | undefined;
  for (const { key, value } of scanKeyValues(head)) {
    switch (key) {
      case 'group_id':
        groupId = parseGroupId(value);
        if (groupId > OFPG.MAX && groupId !== OFPG.ALL && groupId !== OFPG.ANY) {
          throw new FlowSyntaxError(`invalid group id ${groupId}`, value);
        }
        break;
      case 'type': {
        if (command === 'delete') throw new FlowSyntaxError('type is not needed', key);
        const t = TYPES.get(value);
        if (t === undefined) throw new FlowSyntaxError(`invalid group type ${value}`, value);
        groupType = t;
        break;
      }
      case 'selection_method':
      case 'selection_method_param':
      case 'fields':
      case 'command_bucket_id':
        throw new FlowSyntaxError(`${key} is an OpenFlow 1.5 / Open vSwitch extension that OpenFlow 1.3 cannot express`, key);
      default:
        throw new FlowSyntaxError(`unknown keyword ${key}`, key);
    }
  }

  if (command === 'delete') {
    if (bucketTexts.length > 0) throw new FlowSyntaxError('bucket is not needed', 'bucket');
    return { type: OFPT.GROUP_MOD, command: COMMANDS.delete, group_type: OFPGT.ALL, group_id: groupId ?? OFPG.ALL, buckets: [] };
  }
  if (groupId === undefined) throw new FlowSyntaxError('must specify a group_id', text);
  if (groupType === undefined) throw new FlowSyntaxError('must specify a type', text);
  const type = groupType;
  const buckets = bucketTexts.map((b) => parseBucket(b, type, opts, warn));
  if (type === OFPGT.INDIRECT && buckets.length > 1) {
    throw new FlowSyntaxError('Indirect groups can have at most one bucket.', text);
  }
  return { type: OFPT.GROUP_MOD, command: COMMANDS[command], group_type: type, group_id: groupId, buckets };
}

function parseBucket(text: string, groupType: OFPGT, opts: ParseOptions, warn: (m: string) => void): Bucket {
  const select = groupType === OFPGT.SELECT;
  const bucket: Bucket = { weight: select ? 1 : 0, watch_port: OFPP.ANY, watch_group: OFPG.ANY, actions: [] };
  const actions: KeyValue[] = [];
  const scanner = new KeyValueScanner(text);
  for (let kv = scanner.next(); kv !== undefined; kv = scanner.next()) {
    if (kv.key === 'actions') {
      // Everything from here on is actions, settings' names included.
      actions.push(...scanKeyValues(`${kv.value},${scanner.rest}`));
      break;
    }
    switch (kv.key) {
      case 'weight':
        bucket.weight = parseUnsigned(kv.value, 16, 'weight');
        if (!select) throw new FlowSyntaxError('Only select groups can have bucket weights.', kv.key);
        break;
      case 'watch_port': {
        const port = parsePortNumber(kv.value, opts.ports, warn);
        if (port === undefined) throw new FlowSyntaxError(`${kv.value}: invalid watch_port`, kv.value);
        bucket.watch_port = port;
        break;
      }
      case 'watch_group':
        bucket.watch_group = Number(parseNumeric(kv.value, 32));
        break;
      case 'bucket_id':
        // OpenFlow 1.5's; ovs-ofctl reads it and sends nothing in 1.3.
        parseNumeric(kv.value, 32);
        break;
      default:
        actions.push(kv);
    }
  }
  if (groupType === OFPGT.FF && bucket.watch_port === OFPP.ANY && bucket.watch_group === OFPG.ANY) {
    throw new FlowSyntaxError('fast failover bucket requires watch_port or watch_group', text);
  }
  bucket.actions = parseActionList(actions, { warn, ...(opts.ports ? { ports: opts.ports } : {}) });
  return bucket;
}
