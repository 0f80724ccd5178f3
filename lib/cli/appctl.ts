/**
 * ofswitch-appctl: sends one command to a running ofswitchd over its
 * control socket, as `ovs-appctl -t SOCKET COMMAND ARGS...` does (and
 * either tool works with either daemon): JSON-RPC 1.0 over a Unix stream
 * socket, the request `{"id":0,"method":COMMAND,"params":[ARGS...]}`, the
 * reply `{"id":0,"result":TEXT,"error":null}` or a null result and an
 * error text.
 *
 * Exit status as ovs-appctl's: 0 with the result on stdout; 2 when the
 * daemon reports an error (printed on stderr); 1 when the daemon cannot
 * be reached or the command line is wrong.
 */
import { connect } from 'node:net';
import { Command, CommanderError } from 'commander';
import { defaultRunDir } from './daemon-config.js';
import { JsonSplitter } from './daemon-ctl.js';
import { readFileSync } from 'node:fs';

const PROGRAM = 'ofswitch-appctl';

const EXAMPLES = `
Examples:
  # What the running daemon would do with a TCP packet from port 1:
  ${PROGRAM} ofproto/trace br0 'in_port=1,tcp,nw_dst=10.0.0.2,tp_dst=80'
  # The same, for a packet given in hex:
  ${PROGRAM} ofproto/trace br0 in_port=1 0000000000020000000000010800450000...
  # The megaflows in the datapath, with counters, and the cache statistics:
  ${PROGRAM} dpctl/dump-flows
  ${PROGRAM} dpctl/show -s
  ${PROGRAM} upcall/show
  ${PROGRAM} coverage/show
  # Debug logging, then back:
  ${PROGRAM} vlog/set dbg
  ${PROGRAM} vlog/set info
  # A daemon with another control socket (also: ovs-appctl -t PATH ...):
  ${PROGRAM} -t /run/ofswitch/ofswitchd.ctl list-commands

The target (-t) is a socket path, or a daemon name looked up as
RUNDIR/NAME.ctl, where RUNDIR is $OFSWITCH_RUNDIR, /var/run/ofswitch for
root, else $XDG_RUNTIME_DIR or /tmp. The default is ofswitchd.
`;

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export interface AppctlIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

/** The socket path for `-t TARGET`. */
export function targetPath(target: string, env: NodeJS.ProcessEnv): string {
  if (target.includes('/')) return target;
  return `${defaultRunDir(env, process.getuid?.() === 0)}/${target}.ctl`;
}

export interface RpcReply {
  result: string | null;
  error: string | null;
}

/** Sends one request and waits for its reply (or rejects: connection failure, timeout). */
export function transact(path: string, method: string, params: readonly string[], timeoutMs = 0): Promise<RpcReply> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    const splitter = new JsonSplitter();
    let timer: NodeJS.Timeout | undefined;
    const done = (f: () => void): void => {
      if (timer) clearTimeout(timer);
      sock.destroy();
      f();
    };
    if (timeoutMs > 0) timer = setTimeout(() => done(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`))), timeoutMs);
    sock.on('connect', () => sock.write(JSON.stringify({ id: 0, method, params })));
    sock.on('error', (e: NodeJS.ErrnoException) => done(() => reject(new Error(`cannot connect to "${path}" (${e.code === 'ENOENT' ? 'No such file or directory' : e.code === 'ECONNREFUSED' ? 'Connection refused' : e.message})`))));
    sock.on('data', (chunk: Buffer) => {
      let values: string[];
      try {
        values = splitter.push(chunk.toString('utf8'));
      } catch (e) {
        done(() => reject(e as Error));
        return;
      }
      for (const v of values) {
        const msg = JSON.parse(v) as { id?: unknown; result?: unknown; error?: unknown };
        if (msg.id !== 0) continue;
        done(() =>
          resolve({
            result: typeof msg.result === 'string' ? msg.result : null,
            error: msg.error === null || msg.error === undefined ? null : String(msg.error),
          }),
        );
        return;
      }
    });
    sock.on('end', () => done(() => reject(new Error(`"${path}": connection closed before a reply`))));
  });
}

function buildProgram(): Command {
  return new Command(PROGRAM)
    .usage('[options] COMMAND [ARG...]')
    .description('Sends COMMAND to a running ofswitchd (or ovs-vswitchd) and prints its reply.')
    .option('-t, --target <target>', 'the daemon: a control socket path or a daemon name', 'ofswitchd')
    .option('-T, --timeout <secs>', 'give up after this many seconds (0: wait forever)', '0')
    .version(packageVersion(), '-V, --version')
    .argument('[command]', 'the command (list-commands lists them)')
    .argument('[args...]', "the command's arguments")
    .allowUnknownOption(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .addHelpText('after', EXAMPLES);
}

export async function run(argv: readonly string[], io: AppctlIo): Promise<number> {
  const program = buildProgram();
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') {
      io.stdout(program.helpInformation() + EXAMPLES);
      return 0;
    }
    if (e.code === 'commander.version') {
      io.stdout(`${PROGRAM} (ofswitch) ${packageVersion()}\n`);
      return 0;
    }
    io.stderr(`${PROGRAM}: ${e.message.replace(/^error: /, '')}\n`);
    return 1;
  }
  const o = program.opts<{ target: string; timeout: string }>();
  const [command, ...args] = program.args;
  if (command === undefined) {
    io.stderr(`${PROGRAM}: at least one non-option argument is required (use --help for help)\n`);
    return 1;
  }
  const secs = Number(o.timeout);
  if (!Number.isFinite(secs) || secs < 0) {
    io.stderr(`${PROGRAM}: ${o.timeout}: invalid timeout\n`);
    return 1;
  }
  const path = targetPath(o.target, io.env);
  let reply: RpcReply;
  try {
    reply = await transact(path, command, args, secs * 1000);
  } catch (e) {
    io.stderr(`${PROGRAM}: ${(e as Error).message}\n`);
    return 1;
  }
  if (reply.error !== null) {
    io.stderr(reply.error.endsWith('\n') ? reply.error : `${reply.error}\n`);
    io.stderr(`${PROGRAM}: ${o.target}: server returned an error\n`);
    return 2;
  }
  io.stdout(reply.result ?? '');
  return 0;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const out: string[] = [];
  const status = await run(argv, {
    stdout: (s) => out.push(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
  });
  await new Promise<void>((resolve) => process.stdout.write(out.join(''), () => resolve()));
  return status;
}
