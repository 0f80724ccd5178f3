/**
 * Keeping the daemon and its config file (--config FILE) in step, both ways.
 *
 * Out: a port added or removed at run time (port/add, port/del) is written
 * into FILE, so that the next start comes back with the same ports. Only the
 * bridge's "ports" list changes; every other key stays as it was (the text
 * is re-serialised, keeping key order and the file's indentation). The write
 * is atomic (daemon-atomic-write.ts): a reader never sees half a file.
 *
 * In: FILE is watched (its directory, since editors and our own writer
 * replace it by rename, which a watch on the old inode would miss). Changes
 * are debounced, then the whole command line is resolved again with the new
 * text, so flags and environment keep their precedence; `diffConfigs` says
 * what differs from what runs: ports are added and removed live, anything
 * else is reported as needing a restart. A file that does not parse changes
 * nothing; the complaint names the file, the key and what was expected.
 *
 * Our own write-backs do not loop: the text last written (or read) is
 * remembered and an event that finds the same text is ignored; and a
 * write-back describes what already runs, so it would diff to nothing anyway.
 */
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from './daemon-atomic-write.js';
import type { BridgeConfig, DaemonConfig } from './daemon-config.js';
import { entryPortNumber, LOCAL_PORT, portLabel } from './daemon-port-text.js';
import type { PortSpec } from './daemon-values.js';

/** What a new config asks of a running daemon. */
export interface ConfigDiff {
  /** Per bridge (by name), the ports to remove and to add, in that order. */
  ports: Array<{ bridge: string; remove: PortSpec[]; add: PortSpec[] }>;
  /** Keys whose new value applies only at the next start, e.g. "bridges[br0].controllers". */
  restart: string[];
}

/** JSON with bigints (dpid), for comparing values. */
function same(a: unknown, b: unknown): boolean {
  const j = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return j(a) === j(b);
}

const TOP_KEYS = ['ctl', 'logLevel', 'probeIntervalMs', 'maxBackoffMs', 'packetInRate', 'packetInBurst', 'packetInQueue', 'flowLimit', 'maxIdleMs', 'emcInsertInvProb', 'busyPollUs', 'ssl'] as const;
const BRIDGE_KEYS = ['dpid', 'controllers', 'listen', 'failMode'] as const;

export function diffConfigs(cur: DaemonConfig, next: DaemonConfig): ConfigDiff {
  const out: ConfigDiff = { ports: [], restart: [] };
  for (const k of TOP_KEYS) if (!same(cur[k], next[k])) out.restart.push(k);
  for (const nb of next.bridges) {
    const cb = cur.bridges.find((b) => b.name === nb.name);
    if (cb === undefined) {
      out.restart.push(`bridges[${nb.name}] (a new bridge)`);
      continue;
    }
    for (const k of BRIDGE_KEYS) if (!same(cb[k], nb[k])) out.restart.push(`bridges[${nb.name}].${k}`);
    // Ports from --port/OF_PORTS override the file's, and may have changed at run time since.
    if (nb.portsFrom === 'flags') continue;
    const local = (b: BridgeConfig) => b.ports.find((p) => p.number === LOCAL_PORT);
    if (!same(local(cb), local(nb))) out.restart.push(`bridges[${nb.name}].ports[LOCAL]`);
    const byNo = (b: BridgeConfig) => new Map(b.ports.filter((p) => p.number !== LOCAL_PORT).map((p) => [p.number, p]));
    const have = byNo(cb);
    const want = byNo(nb);
    const remove: PortSpec[] = [];
    const add: PortSpec[] = [];
    for (const [no, p] of have) {
      const w = want.get(no);
      if (w === undefined || !same(p, w)) remove.push(p);
    }
    for (const [no, p] of want) {
      const h = have.get(no);
      if (h === undefined || !same(p, h)) add.push(p);
    }
    if (remove.length > 0 || add.length > 0) out.ports.push({ bridge: nb.name, remove, add });
  }
  for (const cb of cur.bridges) {
    if (!next.bridges.some((b) => b.name === cb.name)) out.restart.push(`bridges[${cb.name}] (removed)`);
  }
  return out;
}

/** A run-time port change to record in the file. */
export type PortChange = { kind: 'add'; spec: PortSpec; entry: unknown } | { kind: 'del'; number: number };

export interface ConfigSyncOptions {
  file: string;
  log: Logger;
  /** Resolves the whole configuration again with `text` as the file's content; throws ConfigError if it is invalid. */
  reparse: (text: string) => DaemonConfig;
  /** Applies a valid new configuration (the daemon diffs it against what runs); reports its own failures. */
  apply: (next: DaemonConfig) => void | Promise<void>;
  /** Quiet time after the last change event before the file is read (default 200 ms). */
  debounceMs?: number;
}

type Json = Record<string, unknown>;

export class ConfigFileSync {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The file's text as we last read or wrote it. */
  private lastText: string | undefined;
  private readonly name: string;
  /** Reloads apply one after another, each against what the previous left running. */
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ConfigSyncOptions) {
    this.name = basename(opts.file);
  }

  /** Starts watching; the text read now is the baseline. */
  start(): void {
    this.lastText = this.read();
    this.watcher = watch(dirname(this.opts.file), { persistent: false }, (_event, name) => {
      if (name !== null && name.toString() !== this.name) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.reload(), this.opts.debounceMs ?? 200);
    });
    this.watcher.on('error', (err) => this.opts.log.error({ file: this.opts.file, err: err.message }, 'config file: cannot watch it any more'));
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  /**
   * Records a port change of `bridge` in the file; throws (leaving the file
   * as it was) if the file cannot be read as JSON or written.
   */
  writePortChange(bridge: BridgeConfig, change: PortChange): void {
    const file = this.opts.file;
    const text = this.read();
    if (text === undefined) throw new Error(`${file}: cannot read it`);
    // A file that would not start the daemon is the user's to fix first: adding to it would hide that.
    try {
      this.opts.reparse(text);
    } catch (e) {
      throw new Error(`cannot record the change: ${(e as Error).message}`);
    }
    let doc: Json;
    try {
      doc = JSON.parse(text) as Json;
    } catch (e) {
      throw new Error(`${file}: not valid JSON now (${(e as Error).message}), so the change cannot be recorded`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`${file}: expected an object`);
    if (doc.bridges === undefined) {
      // The file had no bridge list, so the bridge used the defaults; a list
      // changes defaults (controllers and listeners become none), so it
      // spells out the ones in effect.
      doc.bridges = [{ name: bridge.name, controllers: bridge.controllers, listen: bridge.listen, ports: [] }];
    }
    const list = doc.bridges as Json[];
    const b = Array.isArray(list) ? list.find((x) => typeof x === 'object' && x !== null && x.name === bridge.name) : undefined;
    if (b === undefined) throw new Error(`${file}: has no bridge named ${bridge.name}`);
    const number = change.kind === 'add' ? change.spec.number : change.number;
    const ports = (Array.isArray(b.ports) ? (b.ports as unknown[]) : []).filter((e) => entryPortNumber(e) !== number);
    if (change.kind === 'add') ports.push(change.entry);
    b.ports = ports;
    const out = `${JSON.stringify(doc, null, indentOf(text))}\n`;
    writeFileAtomic(file, out);
    this.lastText = out;
    this.opts.log.info(
      { file, bridge: bridge.name, port: change.kind === 'add' ? portLabel(change.spec) : number, change: change.kind },
      'config file updated',
    );
  }

  private read(): string | undefined {
    try {
      return readFileSync(this.opts.file, 'utf8');
    } catch {
      return undefined;
    }
  }

  private reload(): void {
    const { file, log } = this.opts;
    const text = this.read();
    // Gone for a moment (being replaced); the rename brings another event.
    if (text === undefined || text === this.lastText) return;
    this.lastText = text;
    let next: DaemonConfig;
    try {
      next = this.opts.reparse(text);
    } catch (e) {
      log.error({ file, problem: (e as Error).message }, 'config file changed but is not valid: nothing applied');
      return;
    }
    this.applying = this.applying.then(() => this.opts.apply(next)).catch((e: unknown) => log.error({ file, err: e }, 'config file: applying the change failed'));
  }
}

/** The indentation the file uses (its first indented line), so a write-back does not reformat it. */
function indentOf(text: string): string | number {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1]! : 2;
}
