/**
 * Group and meter commands, with ovs-ofctl's semantics:
 *
 * - add-group / mod-group / del-groups take one group (`-` reads them from
 *   standard input; del-groups without one deletes all); add-groups takes
 *   a file whose lines may start with `add`, `modify` or `delete`. Like
 *   flows, they honour `--bundle` and are all parsed before any is sent.
 * - dump-groups always asks for every group: OpenFlow 1.3's group
 *   description request has no group id (ovs-ofctl checks the argument,
 *   warns if it is not a group id, and asks for all the same).
 *   dump-group-stats reads its argument as del-groups does (`group_id=N`).
 * - add-meter / mod-meter / del-meters, dump-meters and meter-stats
 *   (`meter=N`, or every meter) and meter-features. Meters do not go in
 *   bundles (ovs-ofctl does not put them there either).
 */
import { OFPG, OFPMP } from '../../openflow/index.js';
import { parseGroup, parseMeter, type GroupCommand, type MeterCommand, type ParseOptions } from '../syntax/index.js';
import { parsing } from './flow-commands.js';
import { GROUP_PREFIXES, meaningfulLines, readSource, splitCommand } from './flow-file.js';
import { dumpAndPrint, multipartRequest, RequestBatch, sendBatch, sendChanges } from './requests.js';
import { CommandError, type Session } from './session.js';

/** A group file (`-`: stdin), each line with an optional command when `withPrefixes`. */
async function parseGroupFile(s: Session, file: string, command: GroupCommand, withPrefixes: boolean, popts: ParseOptions, batch: RequestBatch): Promise<void> {
  const text = await readSource(file, s.io.stdin);
  for (const { text: line, line: n } of meaningfulLines(text)) {
    const split = withPrefixes ? splitCommand(line, GROUP_PREFIXES) : { command, text: line };
    const c = split.command;
    if (c !== 'add' && c !== 'modify' && c !== 'delete') {
      throw new CommandError(`${file}:${n}: ${c} is an OpenFlow 1.5 group command that OpenFlow 1.3 cannot carry`);
    }
    batch.add(parsing(`${file}:${n}`, () => parseGroup(split.text, { ...popts, command: c })));
  }
}

/** How ovs-ofctl sends group mods: like flow mods. */
const GROUP_MODS = { xidStride: 2, bundlable: true, what: 'groups' } as const;

/** add-group, mod-group, del-groups: `SWITCH [GROUP | -]`. */
export async function groupModCommand(s: Session, args: readonly string[], command: GroupCommand): Promise<number> {
  const v = await s.connect(args[0]!);
  const popts = await s.parseOptions(v, 'tables+ports');
  const arg = args[1];
  const batch = new RequestBatch(s, v, GROUP_MODS);
  if (arg === '-') await parseGroupFile(s, arg, command, false, popts, batch);
  else batch.add(parsing(undefined, () => parseGroup(arg ?? '', { ...popts, command })));
  await sendBatch(s, v, batch);
  return 0;
}

/** add-groups SWITCH FILE. */
export async function addGroups(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  const popts = await s.parseOptions(v, 'tables+ports');
  const batch = new RequestBatch(s, v, GROUP_MODS);
  await parseGroupFile(s, args[1]!, 'add', true, popts, batch);
  await sendBatch(s, v, batch);
  return 0;
}

/** Whether ovs-ofctl reads `text` as a group id: a 32-bit number or ANY / ALL. */
function isGroupId(text: string): boolean {
  const t = text.toLowerCase();
  if (t === 'any' || t === 'all') return true;
  return /^(0x[0-9a-f]+|[0-9]+)$/.test(t) && BigInt(t) <= 0xffffffffn;
}

/** dump-groups SWITCH [GROUP]. */
export async function dumpGroups(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  const arg = args[1];
  if (arg !== undefined && !isGroupId(arg)) {
    s.warn(`${arg} is not a valid group ID.  (Valid group IDs are 32-bit nonnegative integers or the keywords ANY or ALL.)`);
  }
  return dumpAndPrint(s, v, multipartRequest(OFPMP.GROUP_DESC));
}

/** dump-group-stats SWITCH [GROUP]. */
export async function dumpGroupStats(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  const popts = await s.parseOptions(v, 'tables+ports');
  const group = args[1] === undefined ? OFPG.ALL : parsing(undefined, () => parseGroup(args[1]!, { ...popts, command: 'delete' })).group_id;
  return dumpAndPrint(s, v, multipartRequest(OFPMP.GROUP, { group_id: group }));
}

/** dump-group-features SWITCH. */
export async function dumpGroupFeatures(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  return dumpAndPrint(s, v, multipartRequest(OFPMP.GROUP_FEATURES));
}

/** add-meter, mod-meter, del-meters: `SWITCH [METER]`. */
export async function meterModCommand(s: Session, args: readonly string[], command: MeterCommand): Promise<number> {
  const v = await s.connect(args[0]!);
  const meter = parsing(undefined, () => parseMeter(args[1] ?? '', { command }));
  await sendChanges(s, v, [meter], { xidStride: 2, bundlable: false, what: 'meters' });
  return 0;
}

/** dump-meters / meter-stats SWITCH [METER]. */
export async function meterRequest(s: Session, args: readonly string[], mp: OFPMP.METER | OFPMP.METER_CONFIG): Promise<number> {
  const v = await s.connect(args[0]!);
  const meterId = parsing(undefined, () => parseMeter(args[1] ?? '', { command: 'delete' })).meter_id;
  return dumpAndPrint(s, v, multipartRequest(mp, { meter_id: meterId }));
}

/** meter-features SWITCH. */
export async function meterFeatures(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  return dumpAndPrint(s, v, multipartRequest(OFPMP.METER_FEATURES));
}
