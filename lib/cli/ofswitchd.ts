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
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConnectionManager, type TlsMaterial } from '../conn/index.js';
import { trackedClassifiers } from '../datapath/change-log.js';
import { Datapath } from '../datapath/datapath.js';
import { registerDatapathCommands } from '../ctl/commands.js';
import { Bridge } from '../ofproto/bridge.js';
import { ControlServer } from './daemon-ctl.js';
import { parseDaemonArgs, type BridgeConfig, type DaemonConfig } from './daemon-config.js';
import { createNetdev, PortTypeError } from './daemon-ports.js';
import { LinkMonitor } from '../netdev/link-monitor.js';
import type { Netdev } from '../netdev/netdev.js';
import { formatDpid } from './daemon-values.js';
import { createLogger } from './log.js';

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
  /** The devices this daemon opened, closed at shutdown. */
  netdevs: Netdev[];
}

/** A running daemon; `stop()` shuts it down and resolves when everything is released. */
export class Daemon {
  private readonly bridges: RunningBridge[] = [];
  private ctl: ControlServer | undefined;
  /** One rtnetlink listener for every native port of the process, made with the first one. */
  private linkMonitor: LinkMonitor | undefined;
  private stopping: Promise<void> | undefined;
  private resolveDone!: () => void;
  /** Resolves once the daemon has shut down (a signal, `ovs-appctl exit`, or `stop()`). */
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(
    readonly config: DaemonConfig,
    readonly log: Logger,
    readonly version: string,
  ) {}

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
    registerDatapathCommands(
      ctl,
      () => this.bridges.flatMap((b) => (b.dp === undefined ? [] : [{ name: b.config.name, dp: b.dp }])),
      this.log,
    );
    try {
      mkdirSync(dirname(this.config.ctl), { recursive: true });
      await ctl.start();
    } catch (e) {
      throw new StartupError(`control socket: ${(e as Error).message}`);
    }
    this.ctl = ctl;
    this.log.info(
      {
        version: this.version,
        ctl: this.config.ctl,
        bridges: this.bridges.map((b) => ({
          name: b.config.name,
          dpid: formatDpid(b.config.dpid),
          failMode: b.config.failMode,
          ports: b.config.ports.map((p) => `${p.number}=${p.iface}:${p.type}`),
          controllers: b.config.controllers,
          listeners: b.mgr.status().listeners.map((l) => `${l.target} (${l.address})`),
        })),
      },
      'ofswitchd ready',
    );
  }

  private async startBridge(bc: BridgeConfig, tls: TlsMaterial | undefined): Promise<void> {
    const bridge = new Bridge({ datapathId: bc.dpid, name: bc.name, failMode: bc.failMode, classifier: trackedClassifiers() });
    const mgr = new ConnectionManager(bridge, {
      name: bc.name,
      probeIntervalMs: this.config.probeIntervalMs,
      maxBackoffMs: this.config.maxBackoffMs,
      minBackoffMs: Math.min(1000, this.config.maxBackoffMs),
      failMode: bc.failMode,
      packetInRateLimit: this.config.packetInRate,
      packetInBurstLimit: this.config.packetInBurst,
      packetInQueueSize: this.config.packetInQueue,
      tls,
      log: this.log.child({ bridge: bc.name }),
    });
    const running: RunningBridge = { config: bc, bridge, mgr, netdevs: [] };
    this.bridges.push(running);
    for (const p of bc.ports) {
      const needsMonitor = p.type === 'system' || p.type === 'tap' || p.type === 'internal';
      if (needsMonitor) this.linkMonitor ??= new LinkMonitor();
      const netdev = createNetdev(p, { linkMonitor: this.linkMonitor });
      running.netdevs.push(netdev);
      bridge.addPort(netdev, p.number);
    }
    running.dp = new Datapath(bridge).attach();
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
      await this.ctl?.close();
      for (const b of this.bridges) {
        await b.mgr.close();
        b.dp?.detach();
        b.bridge.stop();
        for (const p of b.config.ports) b.bridge.removePort(p.number);
        for (const n of b.netdevs) closeNetdev(n);
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
  const daemon = new Daemon(parsed.config, log, version);
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
