/**
 * diff-flows and replace-flows: two sets of flows (a switch's and a
 * file's, or any two of either) compared flow by flow, as ovs-ofctl
 * compares them.
 *
 * A flow's identity is its table, priority and match; two flows with the
 * same identity are two versions of one entry, and they are equal when
 * their cookies, idle and hard timeouts and actions are (flags are not
 * compared, as in ovs-ofctl). Within one source a later flow replaces an
 * earlier one of the same identity. diff-flows prints, for each entry
 * whose versions differ, `-` and the first source's version, `+` and the
 * second's:
 *
 *     -table=2 priority=7,in_port=2 cookie=0x5 idle_timeout=10 actions=drop
 *     +table=2 priority=7,in_port=2 cookie=0x6 idle_timeout=10 actions=drop
 *
 * and exits 2 if it printed anything. replace-flows sends DELETE_STRICT
 * for every switch flow the file lacks, then ADD for every file flow the
 * switch lacks or has differently (every file flow with `--readd`).
 *
 * Order. ovs-ofctl walks its entries the way its classifiers (one per
 * table) store them: table by table; within a table, grouped by match
 * shape (the set of fields matched, and their masks), groups by the
 * highest priority in them (ties in the order the shapes first appeared),
 * entries in a group in the order they first appeared. We walk them the
 * same way, so both the printed diff and the sequence of flow_mods come
 * out in ovs-ofctl's order.
 */
import { OFP_NO_BUFFER, OFPFC, OFPG, OFPP, OFPT, type FlowMod, type Instruction, type Match } from '../../openflow/index.js';
import { formatActions, formatMatch, type PrintOptions } from '../print/index.js';
import { ovsMatchFromOxm } from '../print/oxm-match.js';
import type { ParseOptions, WithoutXid } from '../syntax/index.js';
import { allFlowsRequest, collectFlows, readFlowFile } from './flow-commands.js';
import { sendChanges } from './requests.js';
import type { Session } from './session.js';

/** One source's version of a flow. */
interface FlowVersion {
  readonly tableId: number;
  readonly priority: number;
  readonly match: Match;
  readonly cookie: bigint;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly flags: number;
  readonly instructions: Instruction[];
}

interface Shape {
  readonly order: number;
  maxPriority: number;
  readonly entries: Entry[];
}

interface Entry {
  readonly versions: [FlowVersion | undefined, FlowVersion | undefined];
}

/** The flows of two sources, keyed by identity; see the essay at the top. */
export class FlowTable {
  private readonly entries = new Map<string, Entry>();
  /** Per table, its shapes by key. */
  private readonly tables = new Map<number, Map<string, Shape>>();

  /** How to print (with --names, the port names of the switch the flows came from). */
  popts: PrintOptions = {};

  insert(version: FlowVersion, index: 0 | 1): void {
    // The identity is the match as numbers, whatever the printing options.
    const matchText = formatMatch(version.match, version.priority);
    const key = `${version.tableId} ${matchText}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { versions: [undefined, undefined] };
      this.entries.set(key, entry);
      let shapes = this.tables.get(version.tableId);
      if (shapes === undefined) {
        shapes = new Map();
        this.tables.set(version.tableId, shapes);
      }
      const shapeKey = matchShape(version.match);
      let shape = shapes.get(shapeKey);
      if (shape === undefined) {
        shape = { order: shapes.size, maxPriority: version.priority, entries: [] };
        shapes.set(shapeKey, shape);
      }
      shape.maxPriority = Math.max(shape.maxPriority, version.priority);
      shape.entries.push(entry);
    }
    entry.versions[index] = version;
  }

  /** Entries in ovs-ofctl's order. */
  *walk(): Generator<Entry> {
    for (const id of [...this.tables.keys()].sort((a, b) => a - b)) {
      const shapes = [...this.tables.get(id)!.values()].sort((a, b) => b.maxPriority - a.maxPriority || a.order - b.order);
      for (const shape of shapes) yield* shape.entries;
    }
  }

  /** One version as diff-flows prints it, with its `-` or `+`. */
  format(v: FlowVersion, prefix: string): string {
    let s = prefix;
    if (v.tableId !== 0) s += `table=${v.tableId} `;
    s += formatMatch(v.match, v.priority, this.popts);
    if (v.cookie !== 0n) s += ` cookie=0x${v.cookie.toString(16)}`;
    if (v.idleTimeout !== 0) s += ` idle_timeout=${v.idleTimeout}`;
    if (v.hardTimeout !== 0) s += ` hard_timeout=${v.hardTimeout}`;
    return `${s} actions=${formatActions(v.instructions, this.popts)}\n`;
  }

  equal(a: FlowVersion, b: FlowVersion): boolean {
    return (
      a.cookie === b.cookie &&
      a.idleTimeout === b.idleTimeout &&
      a.hardTimeout === b.hardTimeout &&
      a.tableId === b.tableId &&
      formatActions(a.instructions) === formatActions(b.instructions)
    );
  }
}

/** The fields a match matches and how (their masks), as Open vSwitch's classifier groups rules. */
function matchShape(match: Match): string {
  const m = ovsMatchFromOxm(match, false) as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(m).sort()) {
    const v = m[key];
    if (v !== null && typeof v === 'object' && 'mask' in v) parts.push(`${key}/${String((v as { mask: unknown }).mask)}`);
    else if (Array.isArray(v)) parts.push(`${key}/${v.map((x: unknown) => (x && typeof x === 'object' && 'mask' in x ? String((x as { mask: unknown }).mask) : '-')).join(':')}`);
    else parts.push(key);
  }
  return parts.join(' ');
}

function versionOfFlowMod(fm: WithoutXid<FlowMod>): FlowVersion {
  return {
    tableId: fm.table_id,
    priority: fm.priority,
    match: fm.match,
    cookie: fm.cookie,
    idleTimeout: fm.idle_timeout,
    hardTimeout: fm.hard_timeout,
    flags: fm.flags,
    instructions: fm.instructions,
  };
}

/**
 * Whether a diff-flows argument is a file: it starts with `/` or `.`, or
 * has no colon and names something that exists; otherwise it is a switch.
 */
async function isFile(source: string): Promise<boolean> {
  if (source.startsWith('/') || source.startsWith('.')) return true;
  if (source.includes(':')) return false;
  const { stat } = await import('node:fs/promises');
  return stat(source).then(
    (st) => !st.isSocket(),
    () => false,
  );
}

/** Reads a switch's flows into the table. */
async function readSwitch(s: Session, name: string, table: FlowTable, index: 0 | 1): Promise<void> {
  const v = await s.connect(name);
  for (const f of await collectFlows(s, v, allFlowsRequest())) {
    table.insert(
      {
        tableId: f.table_id,
        priority: f.priority,
        match: f.match,
        cookie: f.cookie,
        idleTimeout: f.idle_timeout,
        hardTimeout: f.hard_timeout,
        flags: f.flags,
        instructions: f.instructions,
      },
      index,
    );
  }
}

async function readFile(s: Session, file: string, table: FlowTable, index: 0 | 1, popts: ParseOptions): Promise<void> {
  for (const fm of await readFlowFile(s, file, popts)) table.insert(versionOfFlowMod(fm), index);
}

/** diff-flows SOURCE1 SOURCE2: exit 2 when they differ. */
export async function diffFlows(s: Session, args: readonly string[]): Promise<number> {
  const table = new FlowTable();
  let names = false;
  for (const [i, source] of args.entries()) {
    const index = i as 0 | 1;
    if (await isFile(source)) {
      await readFile(s, source, table, index, { warn: s.warn });
    } else {
      await readSwitch(s, source, table, index);
      // With --names, the ports are named as the (first) switch names them.
      if (!names) table.popts = await s.printOptions(await s.connect(source));
      names = true;
    }
  }
  let differ = false;
  const out = s.io.stdout;
  for (const e of table.walk()) {
    const [a, b] = e.versions;
    if (a && b && table.equal(a, b)) continue;
    differ = true;
    if (a) out.write(table.format(a, '-'));
    if (b) out.write(table.format(b, '+'));
  }
  return differ ? 2 : 0;
}

function flowModOf(v: FlowVersion, command: OFPFC.ADD | OFPFC.DELETE_STRICT): WithoutXid<FlowMod> {
  return {
    type: OFPT.FLOW_MOD,
    cookie: command === OFPFC.ADD ? v.cookie : 0n,
    cookie_mask: 0n,
    table_id: v.tableId,
    command,
    idle_timeout: v.idleTimeout,
    hard_timeout: v.hardTimeout,
    priority: v.priority,
    buffer_id: OFP_NO_BUFFER,
    out_port: OFPP.ANY,
    out_group: OFPG.ANY,
    flags: v.flags,
    match: v.match,
    instructions: command === OFPFC.ADD ? v.instructions : [],
  };
}

/** replace-flows SWITCH FILE. */
export async function replaceFlows(s: Session, args: readonly string[]): Promise<number> {
  const [name, file] = args as [string, string];
  const v = await s.connect(name);
  const popts = await s.parseOptions(v, 'ports+tables');
  const table = new FlowTable();
  // ovs-ofctl files the file's flows first, so they set the walk's order.
  await readFile(s, file, table, 1, popts);
  await readSwitch(s, name, table, 0);

  const requests: WithoutXid<FlowMod>[] = [];
  for (const e of table.walk()) {
    const [sw, f] = e.versions;
    if (sw && !f) requests.push(flowModOf(sw, OFPFC.DELETE_STRICT));
  }
  for (const e of table.walk()) {
    const [sw, f] = e.versions;
    if (f && (s.opts.readd || !sw || !table.equal(sw, f))) requests.push(flowModOf(f, OFPFC.ADD));
  }
  await sendChanges(s, v, requests, { xidStride: 1, bundlable: true, what: 'flows' });
  return 0;
}
