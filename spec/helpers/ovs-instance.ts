/**
 * A private Open vSwitch for tests and benchmarks: its own ovsdb-server and
 * ovs-vswitchd (userspace datapath, no kernel module), in a fresh run
 * directory, with bridges of in-memory ("dummy") ports that speak OpenFlow
 * 1.3 only, fail-mode secure, and no controller.
 *
 *     const ovs = await OvsInstance.start();          // br0 with ports 1..3
 *     await ovs.ofctl(['dump-flows', ovs.mgmt('br0')]);
 *     await ovs.stop();
 *
 * ovs-vswitchd runs in a network namespace of its own: its userspace
 * datapath creates tap devices with fixed names (`ovs-netdev`, one per
 * bridge), so two instances, or an instance and any other Open vSwitch,
 * cannot share one. Each bridge is reachable from anywhere through its
 * management socket (`mgmt()`, a `unix:` target, as `ovs-ofctl br0` finds
 * it), and with `tcp: true` from inside the namespace through a `ptcp:`
 * listener on 127.0.0.1 (`tcp()`; run clients with the `netnsExec()`
 * prefix). `env` points ovs-ofctl, ovs-vsctl and ovs-appctl at this
 * instance (OVS_RUNDIR and friends), so bridge names resolve here and
 * nowhere else.
 *
 * Robustness, since many tests may run at once and some die half way:
 * every instance has its own directory and ports; `start()` waits until
 * each bridge answers OpenFlow before returning and cleans up after itself
 * if anything fails; `stop()` asks both daemons to exit and kills what is
 * left by pid; and an exit hook kills the daemons of instances a crashed
 * test never stopped. `skipReason()` says why a test cannot run here (not
 * root, Open vSwitch not installed) so it can skip with that message.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from './peers.js';

const SCHEMA_PATHS = ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema'];
/** Bridge N's ptcp: listener is on this port + N, inside the instance's namespace. */
const TCP_BASE_PORT = 6634;
const BINARIES = ['ovsdb-tool', 'ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-appctl', 'ovs-ofctl', 'ip'];

export interface OvsBridgeOptions {
  readonly name: string;
  /** 16 hex digits; by default 0000000000000001, 2, ... in bridge order. */
  readonly dpid?: string;
  /** How many dummy ports (OpenFlow ports 1..N, named pN, or BRIDGE-pN after the first bridge). Default 3. */
  readonly ports?: number;
}

export interface OvsInstanceOptions {
  readonly bridges?: readonly OvsBridgeOptions[];
  /** Also listen on ptcp:PORT:127.0.0.1 for each bridge (default true). */
  readonly tcp?: boolean;
  /** Keep the run directory after stop() (for looking at logs). */
  readonly keepDir?: boolean;
}

export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Instances not yet stopped, killed when the process exits. The one piece
 * of module state here, on purpose: the exit hook must find the daemons of
 * instances a failed test never stopped, wherever they were made.
 */
const live = new Set<OvsInstance>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const i of live) i.killNow();
  });
}

function runFile(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000, input?: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, [...args], { env, timeout: timeoutMs, maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ status: code, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined);
    if (input !== undefined) child.stdin?.end(input);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class OvsInstance {
  private readonly tcpPorts = new Map<string, number>();
  private stopped = false;
  private netnsCreated = false;

  private constructor(
    /** The run, log and database directory. */
    readonly dir: string,
    /** Environment for ovs-* tools aimed at this instance. */
    readonly env: NodeJS.ProcessEnv,
    readonly bridges: readonly Required<OvsBridgeOptions>[],
    private readonly keepDir: boolean,
    /** The network namespace ovs-vswitchd runs in. */
    readonly netns: string,
  ) {}

  /** The prefix that runs a command inside the instance's network namespace (for tcp() targets). */
  netnsExec(): string[] {
    return ['ip', 'netns', 'exec', this.netns];
  }

  /** Why this machine cannot run an instance, or false if it can. */
  static skipReason(): string | false {
    if (process.getuid?.() !== 0) return 'needs root to run a private Open vSwitch';
    const gone = BINARIES.filter((b) => which(b) === undefined);
    if (gone.length) return `needs Open vSwitch (${gone.join(', ')} missing; apt-get install openvswitch-switch)`;
    if (!SCHEMA_PATHS.some((p) => existsSync(p))) return 'needs the Open vSwitch schema (vswitch.ovsschema)';
    return false;
  }

  static async start(opts: OvsInstanceOptions = {}): Promise<OvsInstance> {
    const reason = OvsInstance.skipReason();
    if (reason) throw new Error(`OvsInstance: ${reason}`);
    const dir = mkdtempSync(join(tmpdir(), 'ofswitch-ovs-'));
    const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir };
    const bridges = (opts.bridges ?? [{ name: 'br0' }]).map((b, i) => ({
      name: b.name,
      dpid: b.dpid ?? (i + 1).toString(16).padStart(16, '0'),
      ports: b.ports ?? 3,
    }));
    const netns = `ofsw-${randomBytes(4).toString('hex')}`;
    const inst = new OvsInstance(dir, env, bridges, opts.keepDir ?? false, netns);
    live.add(inst);
    installExitHook();
    try {
      await inst.boot(opts.tcp ?? true);
    } catch (e) {
      await inst.stop();
      throw e;
    }
    return inst;
  }

  private async must(cmd: string, args: readonly string[]): Promise<string> {
    const r = await runFile(cmd, args, this.env);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  private async boot(tcp: boolean): Promise<void> {
    const d = this.dir;
    const schema = SCHEMA_PATHS.find((p) => existsSync(p))!;
    await this.must('ovsdb-tool', ['create', join(d, 'conf.db'), schema]);
    await this.must('ovsdb-server', [
      join(d, 'conf.db'),
      `--remote=punix:${join(d, 'db.sock')}`,
      `--pidfile=${join(d, 'ovsdb.pid')}`,
      `--unixctl=${join(d, 'ovsdb.ctl')}`,
      `--log-file=${join(d, 'ovsdb.log')}`,
      '--detach',
    ]);
    await this.vsctl('--no-wait', 'init');
    await this.must('ip', ['netns', 'add', this.netns]);
    this.netnsCreated = true;
    await this.must('ip', ['-n', this.netns, 'link', 'set', 'lo', 'up']);
    await this.must('ip', [
      'netns',
      'exec',
      this.netns,
      'ovs-vswitchd',
      `unix:${join(d, 'db.sock')}`,
      `--pidfile=${join(d, 'vswitchd.pid')}`,
      `--unixctl=${join(d, 'vswitchd.ctl')}`,
      `--log-file=${join(d, 'vswitchd.log')}`,
      '--disable-system',
      '--enable-dummy',
      '--detach',
    ]);
    for (const [i, b] of this.bridges.entries()) {
      const args = [
        'add-br', b.name, '--', 'set', 'bridge', b.name, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure',
        `other-config:datapath-id=${b.dpid}`, 'other-config:disable-in-band=true',
      ];
      for (let p = 1; p <= b.ports; p++) {
        const port = i === 0 ? `p${p}` : `${b.name}-p${p}`;
        args.push('--', 'add-port', b.name, port, '--', 'set', 'interface', port, 'type=dummy', `ofport_request=${p}`);
      }
      await this.vsctl(...args);
      if (tcp) await this.listenTcp(b.name, i);
      await this.waitReady(b.name);
    }
  }

  /** Adds a ptcp listener; the namespace is the instance's own, so fixed ports are free. */
  private async listenTcp(bridge: string, index: number): Promise<void> {
    const port = TCP_BASE_PORT + index;
    await this.vsctl('set-controller', bridge, `ptcp:${port}:127.0.0.1`);
    this.tcpPorts.set(bridge, port);
    if (!(await this.answers(`tcp:127.0.0.1:${port}`, true))) throw new Error(`OvsInstance: ${bridge} never listened on TCP`);
  }

  private async answers(target: string, inNetns = false): Promise<boolean> {
    const probe = ['ovs-ofctl', '-O', 'OpenFlow13', '-t', '2', 'probe', target];
    const argv = inNetns ? [...this.netnsExec(), ...probe] : probe;
    for (let i = 0; i < 50; i++) {
      const r = await runFile(argv[0]!, argv.slice(1), this.env, 5000);
      if (r.status === 0) return true;
      await sleep(100);
    }
    return false;
  }

  private async waitReady(bridge: string): Promise<void> {
    if (!(await this.answers(this.mgmt(bridge)))) throw new Error(`OvsInstance: ${bridge} does not answer OpenFlow`);
  }

  /** `unix:RUNDIR/BRIDGE.mgmt`, the bridge's management socket. */
  mgmt(bridge = 'br0'): string {
    return `unix:${join(this.dir, `${bridge}.mgmt`)}`;
  }

  /**
   * `tcp:127.0.0.1:PORT`, the bridge's TCP listener (start with tcp: true,
   * the default); reachable only inside the namespace (`netnsExec()`).
   */
  tcp(bridge = 'br0'): string {
    const port = this.tcpPorts.get(bridge);
    if (port === undefined) throw new Error(`OvsInstance: ${bridge} has no TCP listener`);
    return `tcp:127.0.0.1:${port}`;
  }

  vsctl(...args: string[]): Promise<string> {
    return this.must('ovs-vsctl', [`--db=unix:${join(this.dir, 'db.sock')}`, '--timeout=20', ...args]);
  }

  /** Runs `ovs-appctl -t vswitchd.ctl ARGS`. */
  appctl(...args: string[]): Promise<CommandResult> {
    return runFile('ovs-appctl', ['-t', join(this.dir, 'vswitchd.ctl'), ...args], this.env);
  }

  /** Runs ovs-ofctl (add -O OpenFlow13 yourself) with this instance's environment. */
  ofctl(args: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
    return runFile('ovs-ofctl', args, this.env, opts.timeoutMs ?? 60_000, opts.input);
  }

  /** Removes every flow, group and meter of a bridge. */
  async reset(bridge = 'br0'): Promise<void> {
    for (const cmd of ['del-flows', 'del-groups', 'del-meters']) {
      const r = await this.ofctl(['-O', 'OpenFlow13', cmd, this.mgmt(bridge)]);
      if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
    }
  }

  /** The tail of ovs-vswitchd's log, for failure messages. */
  log(lines = 40): string {
    try {
      return readFileSync(join(this.dir, 'vswitchd.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    for (const ctl of ['vswitchd.ctl', 'ovsdb.ctl']) {
      if (existsSync(join(this.dir, ctl))) await runFile('ovs-appctl', ['-t', join(this.dir, ctl), 'exit'], this.env, 10_000);
    }
    this.killNow();
    if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kills both daemons by pid and removes the namespace, synchronously (also from the exit hook). */
  killNow(): void {
    for (const pidFile of ['vswitchd.pid', 'ovsdb.pid']) {
      try {
        const pid = Number(readFileSync(join(this.dir, pidFile), 'utf8').trim());
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch {
        // Not running, or already gone.
      }
    }
    if (this.netnsCreated) {
      spawnSync('ip', ['netns', 'del', this.netns], { stdio: 'ignore' });
      this.netnsCreated = false;
    }
  }
}
