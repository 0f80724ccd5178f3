/**
 * The flow table commands: add-flow, add-flows, mod-flows, del-flows,
 * dump-flows and dump-aggregate, with ovs-ofctl's semantics.
 *
 * - add-flow / mod-flows / del-flows take one flow, or `-` to read flows
 *   from standard input; add-flows takes a file, whose lines may start with
 *   a flow_mod command (flow-file.ts). `--strict` makes mod-flows and
 *   del-flows MODIFY_STRICT / DELETE_STRICT. Every flow of a file is parsed
 *   before anything is sent: a bad line ("FILE:LINE: message") sends
 *   nothing.
 * - dump-flows / dump-aggregate read their optional FLOW the way del-flows
 *   does (table, out_port, out_group, cookie=V/M and match fields; no
 *   priority) and send it as a flow statistics request, which OpenFlow 1.3
 *   matches loosely. By default each reply message is printed as it comes,
 *   header and all, as ovs-ofctl does; `--sort`/`--rsort`, `--names` and
 *   `--no-stats` gather every flow first and print bare flow lines.
 *
 * The names lookups (lookups in session.ts) are the ones ovs-ofctl does for
 * each command, so xids match its.
 */
import { OFPMP, OFPT, type FlowMod, type FlowStats, type FlowStatsRequest, type MultipartRequest } from '../../openflow/index.js';
import { formatBytes, formatFlowStats, isSortField, sortFlowStats } from '../print/index.js';
import type { FlowCommand, FlowOptions, ParseOptions, WithoutXid } from '../syntax/index.js';
import { FlowSyntaxError } from '../syntax/errors.js';

/** The flow parser, loaded when a command has a flow to read (a plain `dump-flows SWITCH` has none). */
async function flowParser(): Promise<typeof import('../syntax/flow.js')['parseFlow']> {
  return (await import('../syntax/flow.js')).parseFlow;
}
import { decodeReply, ErrorReply, type DumpStream, type Vconn } from '../vconn.js';
import { FLOW_PREFIXES, meaningfulLines, readSource, splitCommand } from './flow-file.js';
import { dumpAndPrint, multipartRequest, RequestBatch, sendBatch, withXid, type Unsent } from './requests.js';
import { Progress } from './progress.js';
import type { EarlyDump } from './prefetch.js';
import { CommandError, type Session } from './session.js';
import { nameTables } from './table-names.js';
import { FlowReplyPrinter, MAX_TEXT_PER_BYTE } from './fast-flow-stats.js';
import { AsciiOut } from './ascii-out.js';

/** Runs a parser, turning its syntax errors into the command's failure ("FILE:LINE: " first when from a file). */
export function parsing<T>(where: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FlowSyntaxError) throw new CommandError(where ? `${where}: ${e.message}` : e.message);
    throw e;
  }
}

/**
 * Parses every flow of a file (`-`: stdin), handing each to `sink` in
 * order; `withPrefixes` lets lines choose their command (add-flows). A bad
 * line fails the whole file before the caller has sent anything.
 */
export async function parseFlowFile(
  s: Session,
  file: string,
  command: FlowCommand,
  withPrefixes: boolean,
  popts: ParseOptions,
  sink: (fm: WithoutXid<FlowMod>) => void,
): Promise<void> {
  const parseFlow = await flowParser();
  const text = await readSource(file, s.io.stdin);
  const lines = meaningfulLines(text);
  const progress = new Progress(s.io.stderr, s.io.program, `reading ${file}`, lines.length);
  // One options object per command, not per line: a file may have 100,000 lines.
  const options = new Map<FlowCommand, FlowOptions>();
  const optionsFor = (c: FlowCommand): FlowOptions => {
    let o = options.get(c);
    if (o === undefined) options.set(c, (o = { ...popts, command: c }));
    return o;
  };
  try {
    for (let i = 0; i < lines.length; i++) {
      const { text: line, line: n } = lines[i]!;
      const { command: c, text: flow } = withPrefixes ? splitCommand(line, FLOW_PREFIXES) : { command, text: line };
      let fm: WithoutXid<FlowMod>;
      try {
        fm = parseFlow(flow, optionsFor(c));
      } catch (e) {
        if (e instanceof FlowSyntaxError) throw new CommandError(`${file}:${n}: ${e.message}`);
        throw e;
      }
      sink(fm);
      if ((i & 4095) === 4095) progress.update(i + 1);
    }
  } finally {
    progress.done();
  }
}

/** A file's flows, as objects (for diff-flows and replace-flows). */
export async function readFlowFile(s: Session, file: string, popts: ParseOptions): Promise<WithoutXid<FlowMod>[]> {
  const flows: WithoutXid<FlowMod>[] = [];
  await parseFlowFile(s, file, 'add', false, popts, (fm) => flows.push(fm));
  return flows;
}

type FlowModKind = 'add' | 'modify' | 'delete';

/** How ovs-ofctl sends flow mods: each with a barrier of its own (so every other xid), bundled with --bundle. */
const FLOW_MODS = { xidStride: 2, bundlable: true, what: 'flows' } as const;

function commandFor(kind: FlowModKind, strict: boolean): FlowCommand {
  if (kind === 'add') return 'add';
  return strict ? (`${kind}_strict` as FlowCommand) : kind;
}

/** add-flow, mod-flows, del-flows: `SWITCH [FLOW | -]`. */
export async function flowModCommand(s: Session, args: readonly string[], kind: FlowModKind): Promise<number> {
  const v = await s.connect(args[0]!);
  const popts = await s.parseOptions(v, 'tables+ports');
  const command = commandFor(kind, s.opts.strict);
  const arg = args[1];
  const batch = new RequestBatch(s, v, FLOW_MODS);
  const parseFlow = await flowParser();
  if (arg === '-') await parseFlowFile(s, arg, command, false, popts, (fm) => batch.add(fm));
  else batch.add(parsing(undefined, () => parseFlow(arg ?? '', { ...popts, command })));
  await sendBatch(s, v, batch);
  return 0;
}

/** add-flows SWITCH FILE. */
export async function addFlows(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  const popts = await s.parseOptions(v, 'tables+ports');
  const batch = new RequestBatch(s, v, FLOW_MODS);
  await parseFlowFile(s, args[1]!, 'add', true, popts, (fm) => batch.add(fm));
  await sendBatch(s, v, batch);
  return 0;
}

/** The flow statistics request for dump-flows' or dump-aggregate's FLOW argument. */
export async function flowStatsRequest(flow: string | undefined, popts: ParseOptions): Promise<FlowStatsRequest> {
  const parseFlow = await flowParser();
  const fm = parsing(undefined, () => parseFlow(flow ?? '', { ...popts, command: 'delete' }));
  return {
    table_id: fm.table_id,
    out_port: fm.out_port,
    out_group: fm.out_group,
    cookie: fm.cookie,
    cookie_mask: fm.cookie_mask,
    match: fm.match,
  };
}

function statsRequest(mp: OFPMP.FLOW | OFPMP.AGGREGATE, body: FlowStatsRequest): Unsent {
  return multipartRequest(mp, body);
}

/** dump-flows SWITCH [FLOW]; `early` is the request prefetch.ts already sent, if it did. */
export async function dumpFlows(s: Session, args: readonly string[], early?: EarlyDump): Promise<number> {
  for (const c of s.opts.sort) if (!isSortField(c.field)) throw new CommandError(`${c.field}: unknown field for sorting`);
  const v = await s.connect(args[0]!);
  if (early) return printFlowReplies(s, v, early.stream);
  const popts = args[1] === undefined ? {} : await s.parseOptions(v, 'ports+tables');
  const request = statsRequest(OFPMP.FLOW, await flowStatsRequest(args[1], popts));
  if (s.opts.sort.length === 0 && !s.opts.names && s.opts.showStats) return printFlowReplies(s, v, v.dumpStream(withXid(request, v.allocXid())));

  const xid = v.allocXid();
  const flows = await collectFlows(s, v, request, xid);
  // ovs-ofctl looks up names only now, to print: tables, then ports.
  const tableNames = await s.tableNamesToShow(v);
  const print = { ...(await s.printOptions(v)), showStats: s.opts.showStats };
  const out = s.io.stdout;
  for (const f of s.opts.sort.length ? sortFlowStats(flows, s.opts.sort) : flows) {
    out.write(` ${nameTables(formatFlowStats(f, print), f.table_id, tableNames)}\n`);
  }
  return 0;
}

/**
 * dump-flows' default output: each reply message as ovs-ofctl prints it,
 * through the fast path (fast-flow-stats.ts) where it applies.
 */
async function printFlowReplies(s: Session, v: Vconn, stream: DumpStream): Promise<number> {
  const popts = await s.printOptions(v);
  const fast = new FlowReplyPrinter(popts);
  const out = s.io.stdout;
  const bytes = new AsciiOut((b) => out.writeBytes(b), 2 * MAX_TEXT_PER_BYTE * 0x10000, MAX_TEXT_PER_BYTE * 0x10000);
  try {
    await stream.consume((m) => {
      if (fast.writeFlowReply(m.raw, bytes)) return;
      bytes.flush();
      out.write(formatBytes(m.raw, popts));
    });
  } catch (e) {
    if (!(e instanceof ErrorReply)) throw e;
    bytes.flush();
    out.write(formatBytes(e.raw, popts));
  }
  bytes.flush();
  return 0;
}

/** Every flow a flow statistics request returns; a switch error fails as ovs-ofctl's "dump flows (Protocol error)". */
export async function collectFlows(s: Session, v: Vconn, request: Unsent, xid = v.allocXid()): Promise<FlowStats[]> {
  const flows: FlowStats[] = [];
  try {
    await v.dump({ ...request, xid } as MultipartRequest, (m) => {
      const msg = decodeReply(m);
      if (msg.type === OFPT.MULTIPART_REPLY && msg.mp_type === OFPMP.FLOW) for (const f of msg.body) flows.push(f);
    });
  } catch (e) {
    if (!(e instanceof ErrorReply)) throw e;
    // ovs-ofctl logs this as a warning, then prints the message's text.
    s.warn(`received bad reply: ${formatBytes(e.raw, { verbosity: 1 }).replace(/\n$/, '')}`);
    throw new CommandError('dump flows (Protocol error)');
  }
  return flows;
}

/** Every flow of the switch, as replace-flows and diff-flows read it. */
export function allFlowsRequest(): Unsent {
  return statsRequest(OFPMP.FLOW, { table_id: 0xff, out_port: 0xffffffff, out_group: 0xffffffff, cookie: 0n, cookie_mask: 0n, match: [] });
}

/** dump-aggregate SWITCH [FLOW]. */
export async function dumpAggregate(s: Session, args: readonly string[]): Promise<number> {
  const v = await s.connect(args[0]!);
  const popts = args[1] === undefined ? {} : await s.parseOptions(v, 'ports+tables');
  return dumpAndPrint(s, v, statsRequest(OFPMP.AGGREGATE, await flowStatsRequest(args[1], popts)));
}
