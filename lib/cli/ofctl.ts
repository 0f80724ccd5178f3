/**
 * ofctl: an ovs-ofctl-compatible command line for any OpenFlow 1.3 switch.
 *
 *     ofctl [OPTIONS] COMMAND SWITCH [ARGS...]
 *
 * What it prints is what `ovs-ofctl -O OpenFlow13` prints for the same
 * switch, line for line, and it exits with the same status; the commands
 * live in ofctl/ (commands.ts lists them), the connection in vconn.ts, the
 * flow syntax in syntax/ and the printing in print/. This file reads the
 * command line: options anywhere, as ovs-ofctl's getopt takes them
 * (`dump-flows br0 --rsort=priority`), ovs-ofctl's option names, and
 * `-O OpenFlow13`, which is accepted and is the only version we speak.
 *
 * `--sort[=FIELD]` and `--rsort[=FIELD]` take their field only after `=`
 * (a following word is the command), may be repeated, and apply in order;
 * they are taken out before commander sees the rest.
 *
 * Exit status: 0, or 1 for any failure (a bad flow, a switch error, no
 * switch), or 2 from diff-flows when the flows differ; as ovs-ofctl.
 *
 * Start-up is kept short because ofctl is run by scripts in loops: this
 * module loads only what every command needs, each command's module is
 * loaded when it runs (ofctl/commands.ts), and bin/ofctl lets
 * `dump-flows SWITCH` ask the switch before any of that (ofctl-early.ts)
 * and, unless standard output is a terminal, print the replies without
 * loading this module at all (ofctl/lean-dump.ts), handing over to it
 * only for what that lean path does not know.
 *
 * Module map (lib/cli/ofctl/): commands.ts (the table, --help),
 * session.ts (options, connection, name lookups and their xids),
 * requests.ts (dumps and changes, as ovs-ofctl reports them), bundle.ts
 * (--bundle), flow-commands.ts, flow-diff.ts, flow-file.ts,
 * group-meter-commands.ts, switch-commands.ts, monitor-print.ts,
 * fast-flow-stats.ts + flow-reply-core.ts + ascii-out.ts (dump-flows at
 * volume), lean-dump.ts + lean-text.ts (dump-flows before ofctl is
 * loaded), table-names.ts,
 * switch-target.ts (SWITCH arguments), output.ts, progress.ts, prefetch.ts,
 * replies.ts.
 */
import { Command, CommanderError, Option } from 'commander';
import type { SortCriterion } from './print/index.js';
import { TargetError } from './ofctl/switch-target.js';
import { commandsHelp, findCommand } from './ofctl/commands.js';
import { Output } from './ofctl/output.js';
import { CommandError, Session, type OfctlIo, type OfctlOptions } from './ofctl/session.js';
import { readFileSync } from 'node:fs';
import { VconnError } from './vconn.js';
import type { EarlyConnection } from './ofctl-early.js';

const PROGRAM = 'ofctl';

export interface OfctlStreams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Pulls `--sort[=F]` / `--rsort[=F]` out of argv, keeping their order. */
function takeSortOptions(argv: readonly string[]): { rest: string[]; sort: SortCriterion[] } {
  const rest: string[] = [];
  const sort: SortCriterion[] = [];
  let afterDashes = false;
  for (const a of argv) {
    const m = afterDashes ? null : /^--(r?sort)(?:=(.*))?$/.exec(a);
    if (a === '--') afterDashes = true;
    if (!m) {
      rest.push(a);
      continue;
    }
    // Checked by dump-flows, the one command that sorts, when it loads the printer.
    const field = m[2] ?? 'priority';
    sort.push({ field, order: m[1] === 'sort' ? 'asc' : 'desc' });
  }
  return { rest, sort };
}

function buildProgram(version: string): Command {
  const count = (_: unknown, previous: number): number => previous + 1;
  return new Command(PROGRAM)
    .description('Administer an OpenFlow 1.3 switch, as ovs-ofctl does: the same commands, the same output.')
    .usage('[OPTIONS] COMMAND SWITCH [ARGS...]')
    .argument('[command]', 'what to do (see Commands below)')
    .argument('[args...]', 'the switch, then the command\'s arguments')
    .option('-O, --protocols <versions>', 'OpenFlow versions to allow; must include OpenFlow13, the only one spoken')
    .option('--strict', 'mod-flows, del-flows: match flows exactly (priority included)')
    .option('--readd', 'replace-flows: re-add flows that are already right (resets their counters)')
    .option('--bundle', 'add-flow(s), mod-flows, del-flows, replace-flows, group changes: all or nothing, in one ONF bundle')
    .option('--names', 'show port names instead of numbers (the default on a terminal)')
    .option('--no-names', 'show port numbers')
    .option('--stats', 'dump-flows: show statistics (the default)')
    .option('--no-stats', 'dump-flows: leave out duration, packet and byte counts')
    .addOption(new Option('--sort[=FIELD]', 'dump-flows: sort by FIELD ascending (priority if none); repeatable'))
    .addOption(new Option('--rsort[=FIELD]', 'dump-flows: sort by FIELD descending (priority if none); repeatable'))
    .option('-t, --timeout <secs>', 'give up after SECS seconds')
    .option('--timestamp', 'monitor: print a timestamp before each message')
    .option('-m, --more', 'more verbose printing of messages (repeatable)', count, 0)
    .option('-F, --flow-format <format>', 'accepted for compatibility; flows are always OXM')
    .option('-P, --packet-in-format <format>', 'accepted for compatibility (standard only): packet-ins are OpenFlow 1.3\'s')
    .option('--color [when]', 'accepted for compatibility; output is never colored')
    .option('-v, --verbose [spec]', 'accepted for compatibility (ovs-ofctl logging)')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', commandsHelp())
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
}

interface RawOptions {
  protocols?: string;
  strict?: boolean;
  readd?: boolean;
  bundle?: boolean;
  names?: boolean;
  stats?: boolean;
  timeout?: string;
  timestamp?: boolean;
  more: number;
  flowFormat?: string;
  packetInFormat?: string;
}

function checkProtocols(text: string | undefined): void {
  if (text === undefined) return;
  const versions = text.split(',').map((v) => v.trim().toLowerCase());
  if (!versions.includes('openflow13')) {
    throw new CommandError(`${text}: ofctl speaks only OpenFlow 1.3; use -O OpenFlow13`);
  }
}

/**
 * Runs ofctl with `argv` (without node and the script); resolves with the
 * exit status. `early` is the connection bin/ofctl may have opened before
 * loading this module (ofctl-early.ts).
 */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  streams: OfctlStreams = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
  early?: EarlyConnection,
): Promise<number> {
  const stdout = new Output(streams.stdout, streams.stdout.isTTY === true);
  const stderr = new Output(streams.stderr, streams.stderr.isTTY === true);
  const fail = (message: string, status = 1): number => {
    if (message !== '') stderr.write(`${PROGRAM}: ${message}\n`);
    return status;
  };
  let status: number;
  try {
    status = await run(argv, env, streams.stdin, stdout, stderr, fail, early);
  } catch (e) {
    if (e instanceof CommandError) status = fail(e.message, e.status);
    else if (e instanceof VconnError || e instanceof TargetError) status = fail(e.message);
    else status = fail(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  await stdout.end();
  await stderr.end();
  return status;
}

async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin: NodeJS.ReadableStream,
  stdout: Output,
  stderr: Output,
  fail: (message: string, status?: number) => number,
  early: EarlyConnection | undefined,
): Promise<number> {
  const { rest, sort } = takeSortOptions(argv);
  const program = buildProgram(packageVersion());
  try {
    program.parse([...rest], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') {
      stdout.write(program.helpInformation() + commandsHelp());
      return 0;
    }
    if (e.code === 'commander.version') {
      stdout.write(`${PROGRAM} (ofswitch) ${packageVersion()}\nOpenFlow versions 0x4:0x4\n`);
      return 0;
    }
    throw new CommandError(e.message.replace(/^error: /, ''));
  }
  const o = program.opts<RawOptions>();
  checkProtocols(o.protocols);
  if (o.packetInFormat !== undefined && o.packetInFormat !== 'standard' && o.packetInFormat !== 'openflow10') {
    throw new CommandError(`${o.packetInFormat}: only the standard (OpenFlow 1.3) packet-in format is supported`);
  }
  const [name, ...args] = program.args;
  if (name === undefined) throw new CommandError('missing command name; use --help for help');
  const spec = findCommand(name);
  if (spec === undefined) throw new CommandError(`unknown command '${name}'; use --help for help`);
  if (args.length < spec.min) {
    throw new CommandError(`'${name}' command requires at least ${spec.min} argument${spec.min === 1 ? '' : 's'}`);
  }
  if (args.length > spec.max) throw new CommandError(`'${name}' command takes at most ${spec.max} argument${spec.max === 1 ? '' : 's'}`);
  const timeoutSecs = o.timeout === undefined ? 0 : Number(o.timeout);
  if (!Number.isFinite(timeoutSecs) || timeoutSecs < 0) throw new CommandError(`value ${o.timeout} on -t or --timeout is invalid`);
  const opts: OfctlOptions = {
    strict: o.strict === true,
    readd: o.readd === true,
    bundle: o.bundle === true,
    names: o.names ?? stdout.isTTY,
    showStats: o.stats !== false,
    sort,
    timeoutMs: timeoutSecs * 1000,
    verbosity: o.more,
    timestamp: o.timestamp === true,
  };
  const io: OfctlIo = { stdout, stderr, stdin, env, isRoot: process.getuid?.() === 0, program: PROGRAM };
  const session = new Session(opts, io, early);
  let timer: NodeJS.Timeout | undefined;
  try {
    const running = spec.run(session, args);
    if (timeoutSecs <= 0) return await running;
    const expired = new Promise<number>((resolve) => {
      timer = setTimeout(() => resolve(fail(`timed out after ${timeoutSecs} s`)), timeoutSecs * 1000);
    });
    return await Promise.race([running, expired]);
  } finally {
    if (timer) clearTimeout(timer);
    session.close();
  }
}
