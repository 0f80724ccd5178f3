/**
 * The daemon's control socket, speaking what `ovs-appctl -t PATH` speaks:
 * JSON-RPC 1.0 over a Unix stream socket, requests
 * `{"id":0,"method":"version","params":[]}` and replies
 * `{"id":0,"result":"...","error":null}` (or a null result and an error
 * string, which ovs-appctl prints before exiting 2). Messages are JSON values
 * laid end to end with no delimiter, as Open vSwitch's jsonrpc writes them,
 * so the reader finds each value's end by counting brackets outside strings.
 *
 * This module serves `list-commands`; the daemon registers the rest
 * (`version`, `exit`, `port/add`, `port/del`, the datapath's commands), each
 * with its usage and, optionally, its argument counts, which are checked
 * here with ovs-appctl's wording.
 */
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { lstatSync, unlinkSync } from 'node:fs';

/** A command: gets its arguments, returns the text to print or throws to report an error. */
export type CtlHandler = (args: string[]) => string | Promise<string>;

export interface CtlCommand {
  usage: string;
  run: CtlHandler;
  /** Argument counts checked before `run`, with ovs-appctl's wording. */
  minArgs?: number;
  maxArgs?: number;
}

/** The largest request we buffer before giving up on a client. */
const MAX_REQUEST = 1024 * 1024;

export class ControlServer {
  private server: Server | undefined;
  private readonly clients = new Set<Socket>();
  private readonly commands = new Map<string, CtlCommand>();

  constructor(readonly path: string) {
    this.register('list-commands', '', () => {
      const names = [...this.commands.keys()].sort();
      return `The available commands are:\n${names.map((n) => `  ${n.padEnd(24)}${this.commands.get(n)!.usage}`.trimEnd()).join('\n')}\n`;
    });
  }

  register(name: string, usage: string, run: CtlHandler, arity: { min?: number; max?: number } = {}): void {
    this.commands.set(name, { usage, run, minArgs: arity.min, maxArgs: arity.max });
  }

  /** Listens at `path`; refuses if a live daemon already answers there, removes a stale socket. */
  async start(): Promise<void> {
    if (await isLive(this.path)) throw new Error(`${this.path}: another process is listening there`);
    try {
      if (lstatSync(this.path).isSocket()) unlinkSync(this.path);
    } catch {
      // Nothing there.
    }
    const server = createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    // Let a last reply (to `exit`) reach its client; a client that lingers is cut off.
    const closed = s ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve();
    for (const c of this.clients) c.end();
    const cutoff = setTimeout(() => {
      for (const c of this.clients) c.destroy();
    }, 500);
    await closed;
    clearTimeout(cutoff);
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }

  private accept(s: Socket): void {
    this.clients.add(s);
    s.on('close', () => this.clients.delete(s));
    s.on('error', () => s.destroy());
    const splitter = new JsonSplitter();
    s.on('data', (chunk: Buffer) => {
      let values: string[];
      try {
        values = splitter.push(chunk.toString('utf8'));
      } catch {
        s.destroy();
        return;
      }
      for (const v of values) void this.handle(s, v);
    });
  }

  private async handle(s: Socket, text: string): Promise<void> {
    let req: { id?: unknown; method?: unknown; params?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      s.destroy();
      return;
    }
    const id = req.id ?? null;
    const reply = (result: string | null, error: string | null) => {
      if (!s.destroyed) s.write(JSON.stringify({ id, result, error }));
    };
    // ovs-appctl prints an error as it comes, then its own line: end ours with a newline.
    const fail = (error: string) => reply(null, error.endsWith('\n') ? error : `${error}\n`);
    if (typeof req.method !== 'string') {
      reply(null, 'request without a method');
      return;
    }
    const cmd = this.commands.get(req.method);
    if (!cmd) {
      reply(null, `"${req.method}" is not a valid command (use "list-commands" to see a list of valid commands)`);
      return;
    }
    const args = Array.isArray(req.params) ? req.params.map(String) : [];
    // As Open vSwitch's unixctl words it (lib/unixctl.c), so scripts see the same text.
    if (cmd.minArgs !== undefined && args.length < cmd.minArgs) {
      fail(`"${req.method}" command requires at least ${cmd.minArgs} arguments`);
      return;
    }
    if (cmd.maxArgs !== undefined && args.length > cmd.maxArgs) {
      fail(`"${req.method}" command takes at most ${cmd.maxArgs} arguments`);
      return;
    }
    try {
      reply(await cmd.run(args), null);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    }
  }
}

/** Cuts a stream of concatenated JSON values into their texts. */
export class JsonSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;

  push(text: string): string[] {
    this.buf += text;
    if (this.buf.length > MAX_REQUEST) throw new Error('request too large');
    const out: string[] = [];
    for (let i = this.scanned; i < this.buf.length; i++) {
      const ch = this.buf[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === '"') this.inString = true;
      else if (ch === '{' || ch === '[') {
        if (this.depth++ === 0) this.start = i;
      } else if (ch === '}' || ch === ']') {
        if (this.depth === 0) throw new Error('unbalanced JSON');
        if (--this.depth === 0) {
          out.push(this.buf.slice(this.start, i + 1));
          this.buf = this.buf.slice(i + 1);
          i = -1;
        }
      } else if (this.depth === 0 && !/\s/.test(ch)) {
        throw new Error('expected a JSON object');
      }
    }
    this.scanned = this.buf.length;
    return out;
  }
}

function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
