/**
 * The daemon's JSON config file. Every command-line flag has a key; bridges
 * are a list, so one daemon can run several:
 *
 *   {
 *     "logLevel": "info",
 *     "ctl": "/run/ofswitch/ofswitchd.ctl",
 *     "probeInterval": 5, "maxBackoff": 8,
 *     "packetInRate": 0, "packetInBurst": 0, "packetInQueue": 100,
 *     "flowLimit": 200000, "maxIdle": 10000, "emcInsertInvProb": 100, "busyPoll": 50,
 *     "ssl": { "privateKey": "sw-key.pem", "certificate": "sw-cert.pem", "caCertificate": "ca.pem" },
 *     "bridges": [
 *       { "name": "br0", "dpid": "0000000000000001", "failMode": "secure",
 *         "controllers": ["tcp:192.0.2.1:6653"], "listen": ["ptcp:6634:127.0.0.1"],
 *         "ports": ["1=p1:dummy", { "number": 2, "iface": "p2", "type": "dummy" },
 *                   { "number": 3, "iface": "vx0", "type": "vxlan", "options": { "remote_ip": "192.0.2.2", "key": "flow" } },
 *                   { "number": 4, "iface": "eth1", "queues": { "1": { "min-rate": 1000000, "max-rate": 10000000 } } }] }
 *     ]
 *   }
 *
 * Validation names the file, the key and what was expected, e.g.
 * `config.json: bridges[0].controllers[1]: expected "tcp:HOST[:PORT]" or
 * "ssl:HOST[:PORT]", got "foo"`. Unknown keys are refused rather than
 * ignored: a typo must not silently fall back to a default. Relative paths
 * are relative to the file's directory.
 */
import { dirname, resolve } from 'node:path';
import type { LogLevel } from './log.js';
import { MAX_BUSY_POLL_US } from '../conn/busy-poll.js';
import { MAX_EMC_INSERT_INV_PROB, MAX_FLOW_LIMIT, MAX_MAX_IDLE_MS, MIN_MAX_IDLE_MS } from './daemon-datapath-values.js';
import {
  checkPortOptions,
  parseBridgeName,
  parseController,
  parseCount,
  parseDpid,
  parseFailMode,
  parseIfaceName,
  parseListen,
  parseLogLevel,
  parsePortNumber,
  parseSeconds,
  PORT_TYPES,
  ValueError,
  type FailMode,
  type PortSpec,
  type PortType,
} from './daemon-values.js';
import { parsePortText } from './daemon-port-text.js';
import { parseQueuesObject } from './daemon-queues.js';

export class ConfigError extends Error {}

export interface SslPaths {
  privateKey: string;
  certificate: string;
  caCertificate: string;
}

export interface FileBridge {
  name: string;
  dpid?: bigint;
  controllers?: string[];
  listen?: string[];
  ports?: PortSpec[];
  failMode?: FailMode;
}

export interface FileConfig {
  logLevel?: LogLevel;
  ctl?: string;
  probeInterval?: number;
  maxBackoff?: number;
  packetInRate?: number;
  packetInBurst?: number;
  packetInQueue?: number;
  flowLimit?: number;
  /** Milliseconds. */
  maxIdle?: number;
  emcInsertInvProb?: number;
  /** Microseconds. */
  busyPoll?: number;
  ssl?: SslPaths;
  bridges?: FileBridge[];
}

type Obj = Record<string, unknown>;

class Checker {
  constructor(
    private readonly file: string,
    private readonly dir: string,
  ) {}

  fail(path: string, what: string): never {
    throw new ConfigError(`${this.file}: ${path}: ${what}`);
  }

  obj(v: unknown, path: string, keys: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `expected an object, got ${JSON.stringify(v)}`);
    for (const k of Object.keys(v)) {
      if (!keys.includes(k)) this.fail(path === '' ? k : `${path}.${k}`, `unknown key (known: ${keys.join(', ')})`);
    }
    return v as Obj;
  }

  arr(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `expected a list, got ${JSON.stringify(v)}`);
    return v;
  }

  str(v: unknown, path: string): string {
    if (typeof v !== 'string') this.fail(path, `expected a string, got ${JSON.stringify(v)}`);
    return v;
  }

  path(v: unknown, path: string): string {
    const s = this.str(v, path);
    if (s === '') this.fail(path, 'expected a file name, got ""');
    return resolve(this.dir, s);
  }

  /** Runs a value parser, prefixing its complaint with the file and key. */
  value<T>(path: string, parse: () => T): T {
    try {
      return parse();
    } catch (e) {
      if (e instanceof ValueError) this.fail(path, e.message);
      throw e;
    }
  }

  num(v: unknown, path: string, parse: (x: string | number) => number): number {
    if (typeof v !== 'number' && typeof v !== 'string') this.fail(path, `expected a number, got ${JSON.stringify(v)}`);
    return this.value(path, () => parse(v));
  }
}

const TOP_KEYS = ['logLevel', 'ctl', 'probeInterval', 'maxBackoff', 'packetInRate', 'packetInBurst', 'packetInQueue', 'flowLimit', 'maxIdle', 'emcInsertInvProb', 'busyPoll', 'ssl', 'bridges'] as const;
const BRIDGE_KEYS = ['name', 'dpid', 'controllers', 'listen', 'ports', 'failMode'] as const;

export function parseConfigFile(text: string, file: string): FileConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const c = new Checker(file, dirname(resolve(file)));
  const top = c.obj(json, '', TOP_KEYS);
  const out: FileConfig = {};
  if (top.logLevel !== undefined) out.logLevel = c.value('logLevel', () => parseLogLevel(c.str(top.logLevel, 'logLevel')));
  if (top.ctl !== undefined) out.ctl = c.path(top.ctl, 'ctl');
  if (top.probeInterval !== undefined) out.probeInterval = c.num(top.probeInterval, 'probeInterval', (x) => parseSeconds(x, 0, 86400));
  if (top.maxBackoff !== undefined) out.maxBackoff = c.num(top.maxBackoff, 'maxBackoff', (x) => parseSeconds(x, 1, 3600));
  if (top.packetInRate !== undefined) out.packetInRate = c.num(top.packetInRate, 'packetInRate', (x) => parseCount(x, 0, 10_000_000));
  if (top.packetInBurst !== undefined) out.packetInBurst = c.num(top.packetInBurst, 'packetInBurst', (x) => parseCount(x, 0, 10_000_000));
  if (top.packetInQueue !== undefined) out.packetInQueue = c.num(top.packetInQueue, 'packetInQueue', (x) => parseCount(x, 1, 1_000_000));
  if (top.flowLimit !== undefined) out.flowLimit = c.num(top.flowLimit, 'flowLimit', (x) => parseCount(x, 0, MAX_FLOW_LIMIT));
  if (top.maxIdle !== undefined) out.maxIdle = c.num(top.maxIdle, 'maxIdle', (x) => parseCount(x, MIN_MAX_IDLE_MS, MAX_MAX_IDLE_MS));
  if (top.emcInsertInvProb !== undefined) out.emcInsertInvProb = c.num(top.emcInsertInvProb, 'emcInsertInvProb', (x) => parseCount(x, 0, MAX_EMC_INSERT_INV_PROB));
  if (top.busyPoll !== undefined) out.busyPoll = c.num(top.busyPoll, 'busyPoll', (x) => parseCount(x, 0, MAX_BUSY_POLL_US));
  if (top.ssl !== undefined) {
    const s = c.obj(top.ssl, 'ssl', ['privateKey', 'certificate', 'caCertificate']);
    for (const k of ['privateKey', 'certificate', 'caCertificate'] as const) if (s[k] === undefined) c.fail(`ssl.${k}`, 'missing');
    out.ssl = {
      privateKey: c.path(s.privateKey, 'ssl.privateKey'),
      certificate: c.path(s.certificate, 'ssl.certificate'),
      caCertificate: c.path(s.caCertificate, 'ssl.caCertificate'),
    };
  }
  if (top.bridges !== undefined) {
    const list = c.arr(top.bridges, 'bridges');
    if (list.length === 0) c.fail('bridges', 'expected at least one bridge');
    out.bridges = list.map((b, i) => parseBridge(c, b, `bridges[${i}]`));
    const names = new Set<string>();
    out.bridges.forEach((b, i) => {
      if (names.has(b.name)) c.fail(`bridges[${i}].name`, `bridge ${JSON.stringify(b.name)} is listed twice`);
      names.add(b.name);
    });
  }
  return out;
}

function parseBridge(c: Checker, v: unknown, at: string): FileBridge {
  const b = c.obj(v, at, BRIDGE_KEYS);
  if (b.name === undefined) c.fail(`${at}.name`, 'missing');
  const out: FileBridge = { name: c.value(`${at}.name`, () => parseBridgeName(c.str(b.name, `${at}.name`))) };
  if (b.dpid !== undefined) out.dpid = c.value(`${at}.dpid`, () => parseDpid(c.str(b.dpid, `${at}.dpid`)));
  if (b.failMode !== undefined) out.failMode = c.value(`${at}.failMode`, () => parseFailMode(c.str(b.failMode, `${at}.failMode`)));
  if (b.controllers !== undefined) {
    out.controllers = c.arr(b.controllers, `${at}.controllers`).map((x, i) => {
      const p = `${at}.controllers[${i}]`;
      return c.value(p, () => parseController(c.str(x, p)));
    });
  }
  if (b.listen !== undefined) {
    out.listen = c.arr(b.listen, `${at}.listen`).map((x, i) => {
      const p = `${at}.listen[${i}]`;
      return c.value(p, () => parseListen(c.str(x, p)));
    });
  }
  if (b.ports !== undefined) {
    out.ports = c.arr(b.ports, `${at}.ports`).map((x, i) => parsePort(c, x, `${at}.ports[${i}]`));
  }
  return out;
}

function parsePort(c: Checker, v: unknown, at: string): PortSpec {
  // "LOCAL=br0:internal" too (daemon-port-text.ts).
  if (typeof v === 'string') return c.value(at, () => parsePortText(v));
  const o = c.obj(v, at, ['number', 'iface', 'type', 'options', 'queues']);
  if (o.number === undefined) c.fail(`${at}.number`, 'missing');
  if (o.iface === undefined) c.fail(`${at}.iface`, 'missing');
  const number = c.num(o.number, `${at}.number`, (x) => parsePortNumber(String(x)));
  const iface = c.value(`${at}.iface`, () => parseIfaceName(c.str(o.iface, `${at}.iface`)));
  let type: PortType = 'system';
  if (o.type !== undefined) {
    const t = c.str(o.type, `${at}.type`);
    if (!(PORT_TYPES as readonly string[]).includes(t)) c.fail(`${at}.type`, `expected one of ${PORT_TYPES.join(', ')}, got ${JSON.stringify(t)}`);
    type = t as PortType;
  }
  const spec: PortSpec = { number, iface, type };
  if (o.options !== undefined) {
    // { "remote_ip": "192.0.2.2", "dst_port": 4789 }: numbers are taken as their text.
    const raw = o.options;
    const opts = c.obj(raw, `${at}.options`, typeof raw === 'object' && raw !== null ? Object.keys(raw) : []);
    spec.options = {};
    for (const [k, x] of Object.entries(opts)) {
      if (typeof x !== 'string' && typeof x !== 'number') c.fail(`${at}.options.${k}`, `expected a string, got ${JSON.stringify(x)}`);
      spec.options[k] = String(x);
    }
  }
  c.value(at, () => checkPortOptions(spec));
  // { "1": { "min-rate": 1000000, "max-rate": 2000000 } } (daemon-queues.ts).
  if (o.queues !== undefined) spec.queues = c.value(at, () => parseQueuesObject(o.queues, 'queues'));
  return spec;
}
