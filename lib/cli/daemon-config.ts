/**
 * ofswitchd's configuration: command-line flags, environment variables and
 * a JSON config file merged into one `DaemonConfig`.
 *
 * Precedence, highest first: flag, environment variable, config file,
 * built-in default. The built-in defaults make a fresh machine work: bridge
 * "br0", listening on ptcp:6634:127.0.0.1, connecting to tcp:127.0.0.1:6653,
 * fail mode standalone (as Open vSwitch). Per-bridge flags (--bridge,
 * --dpid, --controller, --listen, --port, --fail-mode) describe the single
 * bridge; with a config file that lists several bridges they are refused,
 * since it would be unclear which bridge they mean.
 *
 * Parsing never exits or prints: it returns either a config or what to
 * print and the exit status, so that it can be tested.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseConfigFile, ConfigError, type FileConfig, type SslPaths } from './daemon-config-file.js';
import {
  defaultDpid,
  parseBridgeName,
  parseController,
  parseCount,
  parseDpid,
  parseFailMode,
  parseListen,
  parseLogLevel,
  parseSeconds,
  splitList,
  ValueError,
  type FailMode,
  type PortSpec,
} from './daemon-values.js';
import {
  DEFAULT_EMC_INSERT_INV_PROB,
  DEFAULT_FLOW_LIMIT,
  DEFAULT_MAX_IDLE_MS,
  MAX_EMC_INSERT_INV_PROB,
  MAX_FLOW_LIMIT,
  MAX_MAX_IDLE_MS,
  MIN_MAX_IDLE_MS,
} from './daemon-datapath-values.js';
import type { LogLevel } from './log.js';
import { DEFAULT_BUSY_POLL_US, MAX_BUSY_POLL_US } from '../conn/busy-poll.js';
import { LOCAL_PORT, parsePortText } from './daemon-port-text.js';

export { ConfigError };

export interface BridgeConfig {
  name: string;
  dpid: bigint;
  controllers: string[];
  listen: string[];
  ports: PortSpec[];
  failMode: FailMode;
  /**
   * Where the ports came from. Run-time port changes are written back to
   * the config file only when they came from it (or from nowhere): ports
   * from --port or OF_PORTS would override the file at the next start.
   */
  portsFrom: 'flags' | 'file';
}

export interface DaemonConfig {
  bridges: BridgeConfig[];
  /** The control socket (ovs-appctl's -t target). */
  ctl: string;
  logLevel: LogLevel;
  probeIntervalMs: number;
  maxBackoffMs: number;
  packetInRate: number;
  packetInBurst: number;
  packetInQueue: number;
  /** The datapath (lib/datapath): megaflow limit, megaflow idle expiry (ms), exact-match cache insertion 1/N (0: off). */
  flowLimit: number;
  maxIdleMs: number;
  emcInsertInvProb: number;
  /** Microseconds the event loop keeps polling after OpenFlow input (lib/conn/busy-poll.ts); 0: off. */
  busyPollUs: number;
  ssl: SslPaths | undefined;
  /** The config file (absolute), when there is one: run-time changes go back to it, and its changes come in. */
  configFile?: string;
}

export type ParseResult = { kind: 'run'; config: DaemonConfig } | { kind: 'exit'; code: number; stdout: string; stderr: string };

export const DEFAULT_BRIDGE = 'br0';
export const DEFAULT_LISTEN = 'ptcp:6634:127.0.0.1';
export const DEFAULT_CONTROLLER = 'tcp:127.0.0.1:6653';
/** `--controller none`: no controller at all (fail mode standalone then forwards NORMAL at once). */
export const NO_CONTROLLER = 'none';

/** Where the control socket goes by default: $OFSWITCH_RUNDIR, else /var/run/ofswitch for root, else $XDG_RUNTIME_DIR or /tmp. */
export function defaultRunDir(env: NodeJS.ProcessEnv, isRoot: boolean): string {
  if (env.OFSWITCH_RUNDIR) return env.OFSWITCH_RUNDIR;
  if (isRoot) return '/var/run/ofswitch';
  return env.XDG_RUNTIME_DIR || '/tmp';
}

interface Spec {
  flag: string;
  key: string;
  env: string;
  help: string;
  repeat?: boolean;
}

/** Every option, its environment variable, and what it means. */
const SPECS: Spec[] = [
  { flag: '--config <file>', key: 'config', env: 'OF_CONFIG', help: 'JSON config file (every flag has a key; several bridges allowed)' },
  { flag: '--bridge <name>', key: 'bridge', env: 'OF_BRIDGE', help: `bridge name (default ${DEFAULT_BRIDGE})` },
  { flag: '--dpid <hex>', key: 'dpid', env: 'OF_DPID', help: "datapath id, up to 16 hex digits (default: from the bridge's MAC, which is derived from its name)" },
  { flag: '--controller <target>', key: 'controller', env: 'OF_CONTROLLER', help: `controller to connect to: tcp:HOST[:PORT] or ssl:HOST[:PORT] (repeatable; default ${DEFAULT_CONTROLLER}), or "none" for no controller: with fail mode standalone the bridge then forwards as a learning switch at once`, repeat: true },
  { flag: '--listen <target>', key: 'listen', env: 'OF_LISTEN', help: `where to accept OpenFlow clients such as ovs-ofctl: ptcp:PORT[:IP], pssl:PORT[:IP] or punix:PATH (repeatable; default ${DEFAULT_LISTEN})`, repeat: true },
  { flag: '--port <N=IFACE[:TYPE[:OPTS]]>', key: 'port', env: 'OF_PORTS', help: 'a port: OpenFlow number N, interface IFACE, TYPE system (default), tap, internal, patch, vxlan or dummy, OPTS KEY=VALUE options separated by "+" (patch: peer=IFACE; vxlan: remote_ip=IP, local_ip=IP, dst_port=4789, key=flow|VNI; any type: queueN.min-rate=BPS, queueN.max-rate=BPS give the port OpenFlow queue N (0-61439, bits per second) for set_queue, with queue 0 the default; system ports shape them with an htb qdisc, other types only count per queue) (repeatable); LOCAL=BRIDGE:internal makes the bridge\'s own port a TAP device named after it (default: in memory)', repeat: true },
  { flag: '--fail-mode <mode>', key: 'failMode', env: 'OF_FAIL_MODE', help: 'secure (keep the flow tables without a controller) or standalone (forward as a learning switch after 3 probe intervals without one; the default)' },
  { flag: '--ctl <path>', key: 'ctl', env: 'OF_CTL', help: 'control socket for ovs-appctl -t PATH (default RUNDIR/ofswitchd.ctl)' },
  { flag: '--log-level <level>', key: 'logLevel', env: 'OF_LOG_LEVEL', help: 'trace, debug, info (default), warn, error, fatal or silent' },
  { flag: '--probe-interval <seconds>', key: 'probeInterval', env: 'OF_PROBE_INTERVAL', help: 'idle time before an ECHO_REQUEST probe; no answer within the same time drops the connection (default 5, 0 disables)' },
  { flag: '--max-backoff <seconds>', key: 'maxBackoff', env: 'OF_MAX_BACKOFF', help: 'longest wait between attempts to reach a controller (default 8; waits start at 1 and double)' },
  { flag: '--packet-in-rate <pps>', key: 'packetInRate', env: 'OF_PACKET_IN_RATE', help: 'packet-ins per second per connection (default 0: unlimited)' },
  { flag: '--packet-in-burst <n>', key: 'packetInBurst', env: 'OF_PACKET_IN_BURST', help: 'packet-in burst with a rate limit (default rate/4)' },
  { flag: '--packet-in-queue <n>', key: 'packetInQueue', env: 'OF_PACKET_IN_QUEUE', help: 'packet-ins waiting to be sent per connection before new ones are dropped (default 100)' },
  { flag: '--flow-limit <n>', key: 'flowLimit', env: 'OF_FLOW_LIMIT', help: 'most megaflows in the datapath at once; a miss beyond it is forwarded but not cached (default 200000, as Open vSwitch\'s other_config:flow-limit)' },
  { flag: '--max-idle <ms>', key: 'maxIdle', env: 'OF_MAX_IDLE', help: 'milliseconds a megaflow may go unused before it is removed (default 10000, as other_config:max-idle)' },
  { flag: '--emc-insert-inv-prob <n>', key: 'emcInsertInvProb', env: 'OF_EMC_INSERT_INV_PROB', help: 'a megaflow hit enters the exact-match cache with probability 1/N (default 100, as other_config:emc-insert-inv-prob; 0 disables the cache)' },
  { flag: '--busy-poll <us>', key: 'busyPoll', env: 'OF_BUSY_POLL', help: `microseconds to keep polling, without sleeping, after OpenFlow input, so that a peer waiting on each reply (ovs-ofctl add-flows without --bundle) finds the switch awake; costs at most that much CPU per burst of input (default ${DEFAULT_BUSY_POLL_US}, 0 disables)` },
  { flag: '--private-key <file>', key: 'privateKey', env: 'OF_PRIVATE_KEY', help: "the switch's TLS private key (PEM), for ssl: and pssl:" },
  { flag: '--certificate <file>', key: 'certificate', env: 'OF_CERTIFICATE', help: "the switch's TLS certificate (PEM)" },
  { flag: '--ca-cert <file>', key: 'caCert', env: 'OF_CA_CERT', help: 'CA certificate (PEM) that peers must be signed by' },
];

const EXAMPLES = `
Examples:
  # Bridge br0 with two in-memory ports, managed by a controller on this host:
  ofswitchd --port 1=p1:dummy --port 2=p2:dummy --controller tcp:127.0.0.1:6653

  # Then, from another terminal, look at it as you would at Open vSwitch:
  ovs-ofctl -O OpenFlow13 show tcp:127.0.0.1:6634

  # The same with environment variables (as test rigs pass them):
  OF_DPID=0000000000000001 OF_CONTROLLER=tcp:127.0.0.1:6653 OF_PORTS=1=p1:dummy,2=p2:dummy ofswitchd

  # A VXLAN tunnel to 192.0.2.2 whose VNI is the packet's tunnel_id (options joined by "+"):
  ofswitchd --port 1=eth1 --port 2=vx0:vxlan:remote_ip=192.0.2.2+key=flow

  # Queues on eth1 for set_queue: queue 1 held to 10 Mbit/s, queue 2 guaranteed 100 Mbit/s:
  ofswitchd --port 1=eth1:system:queue1.max-rate=10000000+queue2.min-rate=100000000 --port 2=eth2

  # TLS both ways (the controller's certificate must be signed by ca.pem):
  ofswitchd --controller ssl:192.0.2.10:6653 --private-key sw-key.pem --certificate sw-cert.pem --ca-cert ca.pem

  # Several bridges, or everything in one place:
  ofswitchd --config /etc/ofswitch/ofswitchd.json

  # No controller: a standalone learning switch at once; LOCAL as a TAP device br0:
  ofswitchd --controller none --port 1=eth1 --port 2=eth2 --port LOCAL=br0:internal

  # Add and remove ports while it runs (written back to --config FILE, if any;
  # edits to FILE are applied too: ports live, other keys at the next start):
  ovs-appctl -t /var/run/ofswitch/ofswitchd.ctl port/add br0 3=eth3
  ovs-appctl -t /var/run/ofswitch/ofswitchd.ctl port/del br0 eth3

  # Ask the running daemon its version, or to exit (ovs-appctl speaks to it):
  ovs-appctl -t /var/run/ofswitch/ofswitchd.ctl version

Logs are JSON lines on stderr (human-readable on a terminal); SIGTERM or
SIGINT closes connections and ports and exits 0.
`;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function buildCommand(version: string): Command {
  const cmd = new Command('ofswitchd')
    .description('An OpenFlow 1.3 software switch: one bridge by default, several with --config.')
    .version(version, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .addHelpText('after', EXAMPLES);
  for (const s of SPECS) {
    const o = new Option(s.flag, `${s.help} [env ${s.env}]`);
    if (s.repeat) o.argParser(collect);
    cmd.addOption(o);
  }
  return cmd;
}

/** Parses argv (without node and script) and env into a config, or says what to print and exit with. */
export function parseDaemonArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: { version?: string; readFile?: (path: string) => string; isRoot?: boolean } = {},
): ParseResult {
  const version = opts.version ?? '0.0.0';
  const cmd = buildCommand(version);
  let out = '';
  let err = '';
  cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version';
      return { kind: 'exit', code: ok ? 0 : 2, stdout: out, stderr: ok ? err : err || `${e.message}\n` };
    }
    throw e;
  }
  try {
    return { kind: 'run', config: resolveConfig(cmd.opts(), env, opts.readFile ?? ((p) => readFileSync(p, 'utf8')), opts.isRoot ?? process.getuid?.() === 0) };
  } catch (e) {
    if (e instanceof ConfigError) return { kind: 'exit', code: 2, stdout: '', stderr: `ofswitchd: ${e.message}\n` };
    throw e;
  }
}

type Raw = Record<string, string | string[] | undefined>;

/** A flag's value, else its environment variable's (lists split on commas), else undefined. */
function pick(raw: Raw, env: NodeJS.ProcessEnv, spec: Spec): { value: string | string[]; where: string } | undefined {
  const v = raw[spec.key];
  if (v !== undefined) return { value: v, where: spec.flag.split(' ')[0]! };
  const e = env[spec.env];
  if (e === undefined || e === '') return undefined;
  return { value: spec.repeat ? splitList(e) : e, where: spec.env };
}

function check<T>(where: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ValueError) throw new ConfigError(`${where}: ${e.message}`);
    throw e;
  }
}

function resolveConfig(raw: Raw, env: NodeJS.ProcessEnv, readFile: (p: string) => string, isRoot: boolean): DaemonConfig {
  const get = (key: string) => pick(raw, env, SPECS.find((s) => s.key === key)!);
  const one = (key: string): { value: string; where: string } | undefined => {
    const p = get(key);
    return p === undefined ? undefined : { value: p.value as string, where: p.where };
  };
  const many = (key: string): { value: string[]; where: string } | undefined => {
    const p = get(key);
    return p === undefined ? undefined : { value: p.value as string[], where: p.where };
  };

  let file: FileConfig = {};
  const cfg = one('config');
  if (cfg) {
    let text: string;
    try {
      text = readFile(cfg.value);
    } catch (e) {
      throw new ConfigError(`${cfg.value}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    file = parseConfigFile(text, cfg.value);
  }

  // Per-bridge settings from flags/env.
  const bridgeFlags = ['bridge', 'dpid', 'controller', 'listen', 'port', 'failMode'].map((k) => [k, get(k)] as const).filter(([, v]) => v !== undefined);
  const fileBridges = file.bridges ?? [{ name: DEFAULT_BRIDGE }];
  if (bridgeFlags.length > 0 && fileBridges.length > 1) {
    throw new ConfigError(`${bridgeFlags[0]![1]!.where} applies to a single bridge, but ${cfg!.value} lists ${fileBridges.length}; put it in the file`);
  }
  const name = one('bridge');
  const dpid = one('dpid');
  const controllers = many('controller');
  const listen = many('listen');
  const ports = many('port');
  const failMode = one('failMode');
  const bridges: BridgeConfig[] = fileBridges.map((fb) => {
    const bname = name ? check(name.where, () => parseBridgeName(name.value)) : fb.name;
    const b: BridgeConfig = {
      name: bname,
      dpid: dpid ? check(dpid.where, () => parseDpid(dpid.value)) : (fb.dpid ?? defaultDpid(bname)),
      controllers: controllers ? parseControllers(controllers.value, controllers.where) : (fb.controllers ?? (file.bridges ? [] : [DEFAULT_CONTROLLER])),
      listen: listen ? listen.value.map((l) => check(listen.where, () => parseListen(l))) : (fb.listen ?? (file.bridges ? [] : [DEFAULT_LISTEN])),
      ports: ports ? ports.value.map((p) => check(ports.where, () => parsePortText(p))) : (fb.ports ?? []),
      failMode: failMode ? check(failMode.where, () => parseFailMode(failMode.value)) : (fb.failMode ?? 'standalone'),
      portsFrom: ports ? 'flags' : 'file',
    };
    checkPorts(b, ports?.where ?? `bridge ${bname}`);
    return b;
  });

  const num = (key: string, fileValue: number | undefined, fallback: number, parse: (s: string) => number): number => {
    const p = one(key);
    return p ? check(p.where, () => parse(p.value)) : (fileValue ?? fallback);
  };
  const logLevel = one('logLevel');
  const ctl = one('ctl');
  const sslFlags = (['privateKey', 'certificate', 'caCert'] as const).map((k) => one(k));
  let ssl = file.ssl;
  if (sslFlags.some((f) => f !== undefined)) {
    if (sslFlags.some((f) => f === undefined)) {
      throw new ConfigError('--private-key, --certificate and --ca-cert go together: give all three');
    }
    ssl = { privateKey: sslFlags[0]!.value, certificate: sslFlags[1]!.value, caCertificate: sslFlags[2]!.value };
  }
  const config: DaemonConfig = {
    bridges,
    ctl: ctl?.value ?? file.ctl ?? join(defaultRunDir(env, isRoot), 'ofswitchd.ctl'),
    logLevel: logLevel ? check(logLevel.where, () => parseLogLevel(logLevel.value)) : (file.logLevel ?? 'info'),
    probeIntervalMs: 1000 * num('probeInterval', file.probeInterval, 5, (s) => parseSeconds(s, 0, 86400)),
    maxBackoffMs: 1000 * num('maxBackoff', file.maxBackoff, 8, (s) => parseSeconds(s, 1, 3600)),
    packetInRate: num('packetInRate', file.packetInRate, 0, (s) => parseCount(s, 0, 10_000_000)),
    packetInBurst: num('packetInBurst', file.packetInBurst, 0, (s) => parseCount(s, 0, 10_000_000)),
    packetInQueue: num('packetInQueue', file.packetInQueue, 100, (s) => parseCount(s, 1, 1_000_000)),
    flowLimit: num('flowLimit', file.flowLimit, DEFAULT_FLOW_LIMIT, (s) => parseCount(s, 0, MAX_FLOW_LIMIT)),
    maxIdleMs: num('maxIdle', file.maxIdle, DEFAULT_MAX_IDLE_MS, (s) => parseCount(s, MIN_MAX_IDLE_MS, MAX_MAX_IDLE_MS)),
    emcInsertInvProb: num('emcInsertInvProb', file.emcInsertInvProb, DEFAULT_EMC_INSERT_INV_PROB, (s) => parseCount(s, 0, MAX_EMC_INSERT_INV_PROB)),
    busyPollUs: num('busyPoll', file.busyPoll, DEFAULT_BUSY_POLL_US, (s) => parseCount(s, 0, MAX_BUSY_POLL_US)),
    ssl,
    configFile: cfg ? resolve(cfg.value) : undefined,
  };
  const needsSsl = bridges.flatMap((b) => [...b.controllers, ...b.listen]).find((t) => t.startsWith('ssl:') || t.startsWith('pssl:'));
  if (needsSsl && !config.ssl) {
    throw new ConfigError(`${needsSsl} needs --private-key, --certificate and --ca-cert (or "ssl" in the config file)`);
  }
  return config;
}

/** Controller targets; "none" alone means none at all. */
function parseControllers(list: string[], where: string): string[] {
  if (list.includes(NO_CONTROLLER)) {
    if (list.length > 1) throw new ConfigError(`${where}: "${NO_CONTROLLER}" means no controller, so it cannot be given with others`);
    return [];
  }
  return list.map((c) => check(where, () => parseController(c)));
}

function checkPorts(b: BridgeConfig, where: string): void {
  const numbers = new Set<number>();
  const names = new Set<string>([b.name]);
  for (const p of b.ports) {
    if (p.number === LOCAL_PORT) {
      // The bridge's own port: Open vSwitch names its internal device after the bridge.
      if (p.iface !== b.name) throw new ConfigError(`${where}: LOCAL is bridge ${b.name}'s own port, so its interface is ${JSON.stringify(b.name)}, not ${JSON.stringify(p.iface)}`);
      if (numbers.has(p.number)) throw new ConfigError(`${where}: LOCAL is given twice`);
      numbers.add(p.number);
      continue;
    }
    if (numbers.has(p.number)) throw new ConfigError(`${where}: port number ${p.number} is used twice`);
    if (names.has(p.iface)) throw new ConfigError(`${where}: interface ${JSON.stringify(p.iface)} is used twice (or is the bridge's own name)`);
    numbers.add(p.number);
    names.add(p.iface);
  }
}
