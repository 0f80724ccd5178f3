/**
 * One ofctl run: its options, its output streams, its connection to the
 * switch, and the switch's port and table names.
 *
 * Names. ovs-ofctl accepts port and table names wherever it reads a flow
 * (`in_port=eth0`, `table=acl`) and prints port names with `--names` (the
 * default on a terminal), so before such commands it asks the switch for
 * its PORT_DESC and TABLE_FEATURES, each on a connection of its own. We
 * ask on the command's one connection, but spend the xids ovs-ofctl's extra
 * HELLOs would have taken (`skipXids`), so that the xids it prints in reply
 * headers and error messages (`OFPST_FLOW reply (OF1.3) (xid=0x6)`) come
 * out the same. Like ovs-ofctl, a lookup the switch refuses yields no
 * names rather than an error, and each lookup happens at most once a run.
 */
import { OFPMP, OFPT, type Port } from '../../openflow/index.js';
import type { ParseOptions } from '../syntax/index.js';
import type { PrintOptions, SortCriterion } from '../print/index.js';
import { decodeReply, ErrorReply, Vconn, type DumpStream } from '../vconn.js';
import { EARLY_REQUEST_XID, type EarlyConnection } from '../ofctl-early.js';
import type { Output } from './output.js';
import { resolveSwitch } from './switch-target.js';

/** struct ofp_multipart_reply, 16 bytes; struct ofp_table_features without properties, 64 bytes. */
const OFP_MULTIPART_REPLY_LEN = 16;
const OFP_TABLE_FEATURES_LEN = 64;

export interface OfctlOptions {
  /** `--strict`: mod-flows and del-flows match exactly. */
  readonly strict: boolean;
  /** `--readd`: replace-flows re-adds flows that are already right. */
  readonly readd: boolean;
  /** `--bundle`: flow and group changes go in one atomic ONF bundle. */
  readonly bundle: boolean;
  /** `--names` / `--no-names` (by default, names when stdout is a terminal). */
  readonly names: boolean;
  /** `--no-stats` hides dump-flows' counters. */
  readonly showStats: boolean;
  /** `--sort` / `--rsort`, in the order given. */
  readonly sort: readonly SortCriterion[];
  /** `--timeout`: the longest any wait may take, in ms (0: forever). */
  readonly timeoutMs: number;
  /** ovs-ofctl's verbosity: 0, plus one per `-m`. */
  readonly verbosity: number;
  /** `--timestamp`: monitor prints the time before each message. */
  readonly timestamp: boolean;
}

export interface OfctlIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly isRoot: boolean;
  /** The program's name in messages ("ofctl"). */
  readonly program: string;
}

/** A failure that ends the command: printed as "ofctl: MESSAGE", exit `status`. */
export class CommandError extends Error {
  override readonly name = 'CommandError';

  constructor(
    message: string,
    readonly status = 1,
  ) {
    super(message);
  }
}

/** The switch's ports, as PORT_DESC gave them. */
export interface PortTable {
  readonly ports: readonly Port[];
  /** For reading: name → number. */
  readonly byName: ReadonlyMap<string, number>;
  /** For printing: number → name. */
  readonly byNumber: ReadonlyMap<number, string>;
}

/** The lookups a command does before parsing its arguments, in ovs-ofctl's order. */
export type Lookups = 'none' | 'ports' | 'ports+tables' | 'tables+ports';

export class Session {
  private vconn: Vconn | undefined;
  private vconnName: string | undefined;
  private portTable: PortTable | undefined;
  private tableNames: ReadonlyMap<string, number> | undefined;
  private tableIds: ReadonlyMap<number, string> | undefined;
  /** The replies to the request ofctl-early.ts sent, until a command takes them. */
  private earlyDump: DumpStream | undefined;

  constructor(
    readonly opts: OfctlOptions,
    readonly io: OfctlIo,
    /** A connection bin/ofctl opened before ofctl was loaded (ofctl-early.ts), if it did. */
    private early?: EarlyConnection,
  ) {}

  /** Prints a warning the way ovs-ofctl logs one, and carries on. */
  readonly warn = (message: string): void => {
    this.io.stderr.write(`${this.io.program}: warning: ${message}\n`);
  };

  /** The connection to `name`, opened on first use. */
  async connect(name: string): Promise<Vconn> {
    if (this.vconn && this.vconnName === name) return this.vconn;
    this.vconn?.close();
    const early = this.early;
    this.early = undefined;
    if (early && early.name === name) {
      const { vconn, dump } = await Vconn.adopt(early, EARLY_REQUEST_XID, { name, timeoutMs: this.opts.timeoutMs });
      this.vconn = vconn;
      this.earlyDump = dump;
    } else {
      early?.socket.destroy();
      const endpoint = await resolveSwitch(name, { env: this.io.env, isRoot: this.io.isRoot });
      this.vconn = await Vconn.open(endpoint, { name, timeoutMs: this.opts.timeoutMs });
    }
    this.vconnName = name;
    this.portTable = undefined;
    this.tableNames = undefined;
    this.tableIds = undefined;
    return this.vconn;
  }

  close(): void {
    this.vconn?.close();
    this.vconn = undefined;
    this.early?.socket.destroy();
  }

  /** The flow dump ofctl-early.ts asked for, once: the request (xid 2) has been sent already. */
  takeEarlyDump(): DumpStream | undefined {
    const d = this.earlyDump;
    this.earlyDump = undefined;
    return d;
  }

  /** The switch's ports (one PORT_DESC, xids as ovs-ofctl's side connection spends them). */
  async ports(v: Vconn): Promise<PortTable> {
    if (this.portTable) return this.portTable;
    v.skipXids(1);
    const ports: Port[] = [];
    try {
      await v.dump({ type: OFPT.MULTIPART_REQUEST, xid: v.allocXid(), flags: 0, mp_type: OFPMP.PORT_DESC }, (m) => {
        const msg = decodeReply(m);
        if (msg.type === OFPT.MULTIPART_REPLY && msg.mp_type === OFPMP.PORT_DESC) ports.push(...msg.body);
      });
    } catch (e) {
      if (!isRequestFailure(e)) throw e;
    }
    const byName = new Map<string, number>();
    const byNumber = new Map<number, string>();
    for (const p of ports) {
      const name = p.name.replace(/\0.*$/s, '');
      byName.set(name, p.port_no >>> 0);
      byNumber.set(p.port_no >>> 0, name);
    }
    this.portTable = { ports, byName, byNumber };
    return this.portTable;
  }

  /** The switch's table names, where it has named its tables. */
  async tables(v: Vconn): Promise<ReadonlyMap<string, number>> {
    if (this.tableNames) return this.tableNames;
    v.skipXids(1);
    const names = new Map<string, number>();
    const ids = new Map<number, string>();
    try {
      await v.dump({ type: OFPT.MULTIPART_REQUEST, xid: v.allocXid(), flags: 0, mp_type: OFPMP.TABLE_FEATURES, body: [] }, (m) => {
        for (const [name, id] of tableNamesOf(m.raw)) {
          if (name === '') continue;
          names.set(name, id);
          ids.set(id, name);
        }
      });
    } catch (e) {
      if (!isRequestFailure(e)) throw e;
    }
    this.tableNames = names;
    this.tableIds = ids;
    return names;
  }

  /** Table number → name for printing with `--names` (empty without it). */
  async tableNamesToShow(v: Vconn): Promise<ReadonlyMap<number, string>> {
    if (!this.opts.names) return new Map();
    await this.tables(v);
    return this.tableIds ?? new Map();
  }

  /** What the flow parsers need to accept names, after the lookups ovs-ofctl does for the command. */
  async parseOptions(v: Vconn, lookups: Lookups): Promise<ParseOptions> {
    let ports: PortTable | undefined;
    let tables: ReadonlyMap<string, number> | undefined;
    switch (lookups) {
      case 'none':
        break;
      case 'ports':
        ports = await this.ports(v);
        break;
      case 'ports+tables':
        ports = await this.ports(v);
        tables = await this.tables(v);
        break;
      case 'tables+ports':
        tables = await this.tables(v);
        ports = await this.ports(v);
        break;
    }
    return {
      warn: this.warn,
      ...(ports ? { ports: ports.byName } : {}),
      ...(tables ? { tables } : {}),
    };
  }

  /** How to print for this run: with port names when `--names` asks (looking them up once). */
  async printOptions(v: Vconn | undefined, verbosity = this.opts.verbosity + 1): Promise<PrintOptions> {
    if (!this.opts.names || v === undefined) return { verbosity };
    const ports = await this.ports(v);
    return { verbosity, portNames: ports.byNumber };
  }
}

/** A request the switch answered with an error, or whose reply we could not decode. */
function isRequestFailure(e: unknown): boolean {
  return e instanceof ErrorReply || (e instanceof Error && e.name === 'OfpError');
}

/**
 * The (name, table_id) of each struct ofp_table_features (64 bytes +
 * properties) in a TABLE_FEATURES reply. Only the names are wanted, and a
 * switch with 254 tables sends a quarter of a megabyte of properties, so
 * this walks the entries by their length fields instead of decoding them.
 */
function tableNamesOf(raw: Buffer): [string, number][] {
  const out: [string, number][] = [];
  let off = OFP_MULTIPART_REPLY_LEN;
  while (off + OFP_TABLE_FEATURES_LEN <= raw.length) {
    const len = raw.readUInt16BE(off);
    if (len < OFP_TABLE_FEATURES_LEN || off + len > raw.length) break;
    const nameBytes = raw.subarray(off + 8, off + 8 + 32);
    const nul = nameBytes.indexOf(0);
    out.push([nameBytes.subarray(0, nul < 0 ? 32 : nul).toString('utf8'), raw[off + 2]!]);
    off += len;
  }
  return out;
}
