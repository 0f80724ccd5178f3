/**
 * ofswitchd: the switch daemon. One process runs one bridge, or several
 * from a config file; each bridge is an ofproto `Bridge` with its ports and
 * a `ConnectionManager` for its controllers and listeners. The process also
 * serves a control socket for `ovs-appctl -t PATH`.
 *
 * Startup either completes — every listener bound, every port created — or
 * fails with one clear line and exit status 1 (2 for a bad command line or
 * config file), releasing whatever was set up. Controllers being down is not
 * a failure: they are retried with backoff forever, as Open vSwitch does.
 * SIGTERM, SIGINT and `ovs-appctl exit` shut down the same way: stop
 * accepting, close every OpenFlow connection, release the ports, remove the
 * control socket, exit 0.
 *
 * Ports can change while it runs: `port/add BRIDGE N=IFACE[:TYPE]` and
 * `port/del BRIDGE N|IFACE` on the control socket, or an edit of the config
 * file, which is watched. Controllers hear OFPT_PORT_STATUS (ADD, DELETE)
 * and the datapath starts or stops forwarding on the port at once; a change
 * made on the control socket is written back to the config file
 * (daemon-config-sync.ts), so a restart comes back the same.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { BusyPoll, ConnectionManager, type TlsMaterial } from '../conn/index.js';
import { trackedClassifiers } from '../datapath/change-log.js';
import { Datapath } from '../datapath/datapath.js';
import { registerDatapathCommands } from '../ctl/commands.js';
import { Bridge } from '../ofproto/bridge.js';
import { ControlServer } from './daemon-ctl.js';
import { parseDaemonArgs, type BridgeConfig, type DaemonConfig } from './daemon-config.js';
import { ConfigFileSync, diffConfigs } from './daemon-config-sync.js';
import { LOCAL_PORT, parsePortText, portLabel } from './daemon-port-text.js';
import { createNetdev, portReady, PortTypeError } from './daemon-ports.js';
import { ValueError, type PortSpec } from './daemon-values.js';
import { LinkMonitor } from '../netdev/link-monitor.js';
import type { Netdev } from '../netdev/netdev.js';
import { formatDpid } from './daemon-values.js';
import { createLogger, LogModules } from './log.js';

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

interface RunningBridge {
  config: BridgeConfig;
  bridge: Bridge;
  mgr: ConnectionManager;
  /** The bridge's fast path (lib/datapath), created once its ports exist. */
  dp?: Datapath;
  /** The ports this daemon made, by OpenFlow number: their devices are closed when they go. */
  ports: Map<number, { spec: PortSpec; netdev: Netdev }>;
  /** The device behind LOCAL when it is a real one (`LOCAL=br0:internal`). */
  local?: Netdev;
}

export interface DaemonOptions {
  /** Resolves the configuration again with new config file text (throws); enables the config file watch. */
  reparse?: (text: string) => DaemonConfig;
}

/** A running daemon; `stop()` shuts it down and resolves when everything is released. */
export class Daemon {
  private readonly bridges: RunningBridge[] = [];
  private ctl: ControlServer | undefined;
  private sync: ConfigFileSync | undefined;
  /** One rtnetlink listener for every native port of the process, made with the first one. */
  private linkMonitor: LinkMonitor | undefined;
  /** Loggers by module, for vlog/set: "ofswitchd" (this log) and "connmgr" (each bridge's connections). */
  private readonly logModules: LogModules;
  private stopping: Promise<void> | undefined;
  /** One for the process: every bridge's OpenFlow connections keep the same event loop awake. */
  private readonly busyPoll: BusyPoll;
  private resolveDone!: () => void;
  /** Resolves once the daemon has shut down (a signal, `ovs-appctl exit`, or `stop()`). */
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(
    readonly config: DaemonConfig,
    readonly log: Logger,
    readonly version: string,
    private readonly options: DaemonOptions = {},
  ) {
    this.logModules = new LogModules(log);
    this.busyPoll = new BusyPoll(config.busyPollUs);
  }

  async start(): Promise<void> {
    const tls = this.config.ssl ? readTls(this.config.ssl) : undefined;
    for (const bc of this.config.bridges) await this.startBridge(bc, tls);
    const ctl = new ControlServer(this.config.ctl);
    ctl.register('version', '', () => `ofswitchd (ofswitch) ${this.version}\n`);
    ctl.register('exit', '', () => {
      setImmediate(() => void this.stop('ovs-appctl exit'));
      return '';
    });
    // How `ofctl BRIDGE` finds a bridge's OpenFlow listeners (lib/cli/ofctl/switch-target.ts):
    // the endpoint a client uses, with the port actually bound (ptcp:0 picks one).
    ctl.register('bridge/listeners', 'BRIDGE', (args) => {
      const b = this.bridges.find((x) => x.config.name === args[0]);
      if (b === undefined) throw new Error(`no bridge named ${args[0] ?? '(none given)'}`);
      return b.mgr
        .status()
        .listeners.map((l) => `${l.target.startsWith('ptcp:') ? `tcp:${l.address}` : l.target}\n`)
        .join('');
    });
    ctl.register('port/add', 'BRIDGE N=IFACE[:TYPE[:OPTIONS]]', (args) => this.ctlAddPort(args[0]!, args[1]!), { min: 2, max: 2 });
    ctl.register('port/del', 'BRIDGE N|IFACE', (args) => this.ctlDelPort(args[0]!, args[1]!), { min: 2, max: 2 });
    registerDatapathCommands(
      ctl,
      () => this.bridges.flatMap((b) => (b.dp === undefined ? [] : [{ name: b.config.name, dp: b.dp }])),
      this.logModules,
    );
    try {
      mkdirSync(dirname(this.config.ctl), { recursive: true });
      await ctl.start();
    } catch (e) {
      throw new StartupError(`control socket: ${(e as Error).message}`);
    }
    this.ctl = ctl;
    if (this.config.configFile !== undefined && this.options.reparse !== undefined) {
      this.sync = new ConfigFileSync({
        file: this.config.configFile,
        log: this.log,
        reparse: this.options.reparse,
        apply: (next) => this.applyConfig(next),
      });
      this.sync.start();
    }
    this.log.info(
      {
        version: this.version,
        ctl: this.config.ctl,
        bridges: this.bridges.map((b) => ({
          name: b.config.name,
          dpid: formatDpid(b.config.dpid),
          failMode: b.config.failMode,
          ports: b.config.ports.map(portLabel),
          controllers: b.config.controllers,
          listeners: b.mgr.status().listeners.map((l) => `${l.target} (${l.address})`),
        })),
      },
      'ofswitchd ready',
    );
  }

  private async startBridge(bc: BridgeConfig, tls: TlsMaterial | undefined): Promise<void> {
    const localSpec = bc.ports.find((p) => p.number === LOCAL_PORT);
    // LOCAL=br0:dummy is the in-memory default the Bridge makes itself.
    let local: Netdev | undefined;
    try {
      local = localSpec !== undefined && localSpec.type !== 'dummy' ? this.openNetdev(localSpec) : undefined;
    } catch (e) {
      // Say "LOCAL", not the reserved number 4294967294.
      if (e instanceof PortTypeError) throw new PortTypeError(e.message.replace(`port ${LOCAL_PORT}=`, 'port LOCAL='));
      throw e;
    }
    const bridge = new Bridge({ datapathId: bc.dpid, name: bc.name, failMode: bc.failMode, classifier: trackedClassifiers(), localNetdev: local });
    const mgr = new ConnectionManager(bridge, {
      name: bc.name,
      probeIntervalMs: this.config.probeIntervalMs,
      maxBackoffMs: this.config.maxBackoffMs,
      minBackoffMs: Math.min(1000, this.config.maxBackoffMs),
      failMode: bc.failMode,
      packetInRateLimit: this.config.packetInRate,
      packetInBurstLimit: this.config.packetInBurst,
      packetInQueueSize: this.config.packetInQueue,
      busyPoll: this.busyPoll,
      tls,
      log: this.logModules.get('connmgr', { bridge: bc.name }),
    });
    const running: RunningBridge = { config: bc, bridge, mgr, ports: new Map(), local };
    this.bridges.push(running);
    for (const p of bc.ports) {
      if (p.number === LOCAL_PORT) continue;
      const netdev = this.openNetdev(p);
      running.ports.set(p.number, { spec: p, netdev });
      bridge.addPort(netdev, p.number);
      // A vxlan port binds its UDP sockets asynchronously: startup completes only once it can carry frames.
      await portReady(p, netdev);
    }
    running.dp = new Datapath(bridge, {
      flowLimit: this.config.flowLimit,
      maxIdleMs: this.config.maxIdleMs,
      emcInsertInvProb: this.config.emcInsertInvProb,
    }).attach();
    for (const l of bc.listen) {
      try {
        await mgr.addListener(l);
      } catch (e) {
        throw new StartupError(`bridge ${bc.name}: cannot listen on ${l}: ${(e as Error).message}`);
      }
    }
    for (const c of bc.controllers) mgr.addController(c);
    bridge.start();
    mgr.start();
  }

  /** Shuts down once; later calls wait for the same shutdown. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({ reason }, 'ofswitchd stopping');
      this.sync?.close();
      await this.ctl?.close();
      for (const b of this.bridges) {
        await b.mgr.close();
        b.dp?.detach();
        b.bridge.stop();
        for (const [no, p] of b.ports) {
          b.bridge.removePort(no);
          closeNetdev(p.netdev);
        }
        b.ports.clear();
        if (b.local !== undefined) closeNetdev(b.local);
      }
      this.linkMonitor?.close();
      this.log.info({}, 'ofswitchd stopped');
      this.resolveDone();
    })();
    return this.stopping;
  }

  status(): Array<ReturnType<ConnectionManager['status']>> {
    return this.bridges.map((b) => b.mgr.status());
  }

  /* ------------------------------------------------ run-time ports */

  /** Opens a port's device; native ones share the process's one link monitor. */
  private openNetdev(spec: PortSpec): Netdev {
    const native = spec.type === 'system' || spec.type === 'tap' || spec.type === 'internal';
    if (native) this.linkMonitor ??= new LinkMonitor();
    return createNetdev(spec, { linkMonitor: this.linkMonitor, log: this.log });
  }

  private bridgeNamed(name: string): RunningBridge {
    const b = this.bridges.find((x) => x.config.name === name);
    if (b === undefined) throw new Error(`no bridge named ${name}`);
    return b;
  }

  /** Why `spec` cannot be added to `b` (its number or interface is taken), or undefined. */
  private conflict(b: RunningBridge, spec: PortSpec): string | undefined {
    if (spec.number === LOCAL_PORT) return `LOCAL is the bridge's own port: give it with --port LOCAL=${b.config.name}:internal (or in the config file) and restart`;
    const byNo = b.bridge.ports.get(spec.number);
    if (byNo !== undefined) return `port number ${spec.number} is in use by ${byNo.name} on bridge ${b.config.name}`;
    if (spec.iface === b.config.name || b.bridge.ports.byName(spec.iface) !== undefined) {
      return `interface ${spec.iface} is already a port of bridge ${b.config.name}`;
    }
    for (const other of this.bridges) {
      if (other !== b && other.bridge.ports.byName(spec.iface) !== undefined) return `interface ${spec.iface} is already a port of bridge ${other.config.name}`;
    }
    return undefined;
  }

  /**
   * Adds a port to a running bridge: checks, opens the device and waits until
   * it can carry frames, runs `commit` (the config write-back, which may
   * refuse), then attaches it, which sends PORT_STATUS ADD and starts
   * forwarding. Any failure leaves nothing changed.
   */
  private async addPort(b: RunningBridge, spec: PortSpec, commit: () => void = () => {}): Promise<void> {
    const why = this.conflict(b, spec);
    if (why !== undefined) throw new Error(why);
    const netdev = this.openNetdev(spec);
    try {
      await portReady(spec, netdev);
      // Another change may have taken the number or name while this one waited.
      const now = this.conflict(b, spec);
      if (now !== undefined) throw new Error(now);
      commit();
    } catch (e) {
      closeNetdev(netdev);
      throw e;
    }
    b.bridge.addPort(netdev, spec.number);
    b.ports.set(spec.number, { spec, netdev });
    b.config.ports = [...b.config.ports.filter((p) => p.number !== spec.number), spec];
    this.log.info({ bridge: b.config.name, port: portLabel(spec) }, 'port added');
  }

  /** Removes a port: PORT_STATUS DELETE, the datapath lets go of it, and its device is closed. */
  private removePort(b: RunningBridge, no: number, commit: () => void = () => {}): void {
    const p = b.ports.get(no);
    if (p === undefined) throw new Error(`bridge ${b.config.name} has no port ${no}`);
    commit();
    b.bridge.removePort(no);
    b.ports.delete(no);
    closeNetdev(p.netdev);
    b.config.ports = b.config.ports.filter((x) => x.number !== no);
    this.log.info({ bridge: b.config.name, port: portLabel(p.spec) }, 'port removed');
  }

  /** Whether `b`'s run-time port changes go into the config file. */
  private persists(b: RunningBridge): boolean {
    if (this.sync === undefined) return false;
    if (b.config.portsFrom === 'flags') {
      this.log.warn({ bridge: b.config.name, file: this.config.configFile }, 'ports come from --port/OF_PORTS, which override the config file: the change is not written to it');
      return false;
    }
    return true;
  }

  private async ctlAddPort(bridgeName: string, text: string): Promise<string> {
    const b = this.bridgeNamed(bridgeName);
    let spec: PortSpec;
    try {
      spec = parsePortText(text);
    } catch (e) {
      if (e instanceof ValueError) throw new Error(e.message);
      throw e;
    }
    const persist = this.persists(b);
    await this.addPort(b, spec, () => {
      if (persist) this.sync!.writePortChange(b.config, { kind: 'add', spec, entry: text });
    });
    return '';
  }

  private ctlDelPort(bridgeName: string, which: string): string {
    const b = this.bridgeNamed(bridgeName);
    let no: number | undefined;
    if (/^\d+$/.test(which)) no = Number(which);
    else if (which === 'LOCAL' || which === b.config.name) no = LOCAL_PORT;
    else no = b.bridge.ports.byName(which)?.portNo;
    if (no === LOCAL_PORT) throw new Error(`LOCAL is the bridge's own port and cannot be removed`);
    if (no === undefined || !b.ports.has(no)) throw new Error(`bridge ${b.config.name} has no port ${which}`);
    const persist = this.persists(b);
    const number = no;
    this.removePort(b, number, () => {
      if (persist) this.sync!.writePortChange(b.config, { kind: 'del', number });
    });
    return '';
  }

  /** A new configuration from the edited file: ports change live, the rest waits for a restart. */
  private async applyConfig(next: DaemonConfig): Promise<void> {
    const file = this.config.configFile;
    const d = diffConfigs(this.config, next);
    for (const change of d.ports) {
      const b = this.bridgeNamed(change.bridge);
      for (const p of change.remove) {
        try {
          this.removePort(b, p.number);
        } catch (e) {
          this.log.error({ file, bridge: b.config.name, port: portLabel(p), problem: (e as Error).message }, 'config file: cannot remove port');
        }
      }
      for (const p of change.add) {
        try {
          await this.addPort(b, p);
        } catch (e) {
          this.log.error({ file, bridge: b.config.name, port: portLabel(p), problem: (e as Error).message }, 'config file: cannot add port');
        }
      }
    }
    if (d.restart.length > 0) {
      this.log.warn({ file, keys: d.restart }, 'config file changed settings that need a restart: they apply at the next start');
    }
    if (d.ports.length === 0 && d.restart.length === 0) this.log.info({ file }, 'config file changed; nothing differs from what runs');
  }
}

class StartupError extends Error {}

/** Releases a device's socket or TAP descriptor, for the types that hold one. */
function closeNetdev(n: Netdev): void {
  const c = (n as Partial<{ close(): void }>).close;
  if (typeof c === 'function') c.call(n);
}

function readTls(ssl: NonNullable<DaemonConfig['ssl']>): TlsMaterial {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new StartupError(`cannot read the ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  return {
    privateKey: read('private key', ssl.privateKey),
    certificate: read('certificate', ssl.certificate),
    caCertificate: read('CA certificate', ssl.caCertificate),
  };
}

/** Runs the daemon until it is told to stop; resolves with the exit status. */
export async function main(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const version = packageVersion();
  const parsed = parseDaemonArgs(argv, env, { version });
  if (parsed.kind === 'exit') {
    process.stdout.write(parsed.stdout);
    process.stderr.write(parsed.stderr);
    return parsed.code;
  }
  const log = createLogger({ level: parsed.config.logLevel });
  const daemon = new Daemon(parsed.config, log, version, {
    reparse: (text) => {
      const r = parseDaemonArgs(argv, env, { version, readFile: () => text });
      if (r.kind === 'exit') throw new Error(r.stderr.trim().replace(/^ofswitchd: /, ''));
      return r.config;
    },
  });
  const onSignal = (sig: NodeJS.Signals) => void daemon.stop(sig);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await daemon.start();
  } catch (e) {
    const known = e instanceof StartupError || e instanceof PortTypeError;
    log.fatal(known ? {} : { err: e }, `cannot start: ${(e as Error).message}`);
    await daemon.stop('startup failed');
    return 1;
  }
  await daemon.done;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return 0;
}
