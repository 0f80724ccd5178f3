/**
 * The pieces behind run-time port changes and config file sync: the atomic
 * file writer, the write-back of a port change into a config file, the diff
 * between a running and a re-read configuration, and the command-line
 * values that came with them (`--controller none`, `LOCAL=br0:internal`).
 */
import t from 'tap';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { writeFileAtomic } from '../../lib/cli/daemon-atomic-write.js';
import { parseDaemonArgs, type DaemonConfig } from '../../lib/cli/daemon-config.js';
import { ConfigFileSync, diffConfigs } from '../../lib/cli/daemon-config-sync.js';
import { LOCAL_PORT, parsePortText, portLabel } from '../../lib/cli/daemon-port-text.js';

const dir = () => mkdtempSync(join(tmpdir(), 'p2-sync-'));
const silent = pino({ level: 'silent' });

function config(argv: string[], env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): DaemonConfig {
  const r = parseDaemonArgs(argv, env, { isRoot: false, readFile: (p) => {
    const f = Object.entries(files).find(([k]) => p.endsWith(k));
    if (f === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return f[1];
  } });
  if (r.kind !== 'run') throw new Error(r.stderr);
  return r.config;
}

function refusal(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = parseDaemonArgs(argv, env, { isRoot: false });
  if (r.kind !== 'exit') throw new Error('accepted');
  return r.stderr;
}

t.test('writeFileAtomic: the new text, the old mode, no temporary file left', async (t) => {
  const d = dir();
  const f = join(d, 'c.json');
  writeFileSync(f, 'old');
  chmodSync(f, 0o640);
  writeFileAtomic(f, 'new text\n');
  t.equal(readFileSync(f, 'utf8'), 'new text\n');
  t.equal(statSync(f).mode & 0o777, 0o640, 'permission bits kept (not cut by the umask)');
  t.same(readdirSync(d), ['c.json'], 'only the file itself');
  const fresh = join(d, 'new.json');
  writeFileAtomic(fresh, '{}');
  t.equal(readFileSync(fresh, 'utf8'), '{}', 'creates a file that was not there');
});

t.test('writeFileAtomic: a failed rename leaves the old file and no temporary file', async (t) => {
  const d = dir();
  // A directory where the file should be: rename(2) of a file over it fails (EISDIR).
  const f = join(d, 'c.json');
  mkdirSync(f);
  writeFileSync(join(f, 'inside'), 'x');
  t.throws(() => writeFileAtomic(f, 'new'), { code: 'EISDIR' });
  t.same(readdirSync(d), ['c.json'], 'the temporary file was removed');
  t.ok(statSync(f).isDirectory(), 'what was there is untouched');
});

t.test('writeFileAtomic: a reader never sees a partial file', async (t) => {
  const d = dir();
  const f = join(d, 'c.json');
  const a = JSON.stringify({ v: 'a'.repeat(200_000) });
  const b = JSON.stringify({ v: 'b'.repeat(300_000) });
  writeFileAtomic(f, a);
  // Each read happens between whole writes (one thread), but the replacement
  // is a new inode: a descriptor opened before keeps reading the old text whole.
  const { openSync, readSync, closeSync } = await import('node:fs');
  const fd = openSync(f, 'r');
  writeFileAtomic(f, b);
  const buf = Buffer.alloc(a.length + 10);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  t.equal(buf.subarray(0, n).toString(), a, 'an open reader still has the whole old file');
  t.equal(readFileSync(f, 'utf8'), b, 'a new reader gets the whole new one');
});

t.test('port texts: LOCAL and the usual N=IFACE[:TYPE]', async (t) => {
  t.same(parsePortText('LOCAL=br0:internal'), { number: LOCAL_PORT, iface: 'br0', type: 'internal' });
  t.same(parsePortText('LOCAL=br0'), { number: LOCAL_PORT, iface: 'br0', type: 'internal' }, 'internal by default');
  t.equal(portLabel(parsePortText('LOCAL=br0:dummy')), 'LOCAL=br0:dummy');
  t.throws(() => parsePortText('LOCAL=br0:system'), /expected "LOCAL=BRIDGE\[:TYPE\]" with TYPE internal or dummy/);
  t.same(parsePortText('3=eth3'), { number: 3, iface: 'eth3', type: 'system' });
  const c = config(['--port', 'LOCAL=br0:internal', '--port', '1=p1:dummy']);
  t.same(c.bridges[0]!.ports.map(portLabel), ['LOCAL=br0:internal', '1=p1:dummy']);
  t.match(refusal(['--port', 'LOCAL=brX:internal']), /LOCAL is bridge br0's own port, so its interface is "br0", not "brX"/);
  const f = config(['--config', 'c.json'], {}, { 'c.json': JSON.stringify({ bridges: [{ name: 'sw1', ports: ['LOCAL=sw1:internal'] }] }) });
  t.equal(f.bridges[0]!.ports[0]!.number, LOCAL_PORT, 'in a config file too');
});

t.test('--controller none, OF_CONTROLLER=none, "controllers": []: no controller', async (t) => {
  t.same(config(['--controller', 'none']).bridges[0]!.controllers, []);
  t.same(config([], { OF_CONTROLLER: 'none' }).bridges[0]!.controllers, []);
  t.same(config(['--config', 'c.json'], {}, { 'c.json': '{"bridges":[{"name":"br0","controllers":[]}]}' }).bridges[0]!.controllers, []);
  t.same(config([]).bridges[0]!.controllers, ['tcp:127.0.0.1:6653'], 'the default is unchanged');
  t.match(refusal(['--controller', 'none', '--controller', 'tcp:127.0.0.1:1']), /"none" means no controller, so it cannot be given with others/);
  const help = parseDaemonArgs(['--help'], {});
  // Commander wraps long lines: compare with the wrapping undone.
  const text = (help.kind === 'exit' ? help.stdout : '').replace(/\s+/g, ' ');
  t.match(text, /"none" for no controller/);
  t.match(text, /LOCAL=BRIDGE:internal/);
  t.match(text, /port\/add br0 3=eth3/);
});

t.test('diffConfigs: ports by number; anything else needs a restart', async (t) => {
  const file = (o: unknown) => ({ 'c.json': JSON.stringify(o) });
  const cur = config(['--config', 'c.json'], {}, file({ probeInterval: 5, bridges: [{ name: 'br0', ports: ['1=p1:dummy', '2=p2:dummy', '3=p3:dummy'] }] }));
  const next = config(['--config', 'c.json'], {}, file({ probeInterval: 6, bridges: [{ name: 'br0', controllers: ['tcp:127.0.0.1:1'], ports: ['1=p1:dummy', '2=q2:dummy', '4=p4:dummy', 'LOCAL=br0'] }] }));
  const d = diffConfigs(cur, next);
  t.same(d.ports, [{ bridge: 'br0', remove: [{ number: 2, iface: 'p2', type: 'dummy' }, { number: 3, iface: 'p3', type: 'dummy' }], add: [{ number: 2, iface: 'q2', type: 'dummy' }, { number: 4, iface: 'p4', type: 'dummy' }] }]);
  t.same(d.restart, ['probeIntervalMs', 'bridges[br0].controllers', 'bridges[br0].ports[LOCAL]']);
  t.same(diffConfigs(cur, cur), { ports: [], restart: [] }, 'the same config: nothing');
  const flagged = config(['--config', 'c.json', '--port', '9=p9:dummy'], {}, file({ bridges: [{ name: 'br0', ports: ['1=p1:dummy'] }] }));
  t.same(diffConfigs(flagged, { ...flagged, bridges: [{ ...flagged.bridges[0]!, ports: [] }] }).ports, [], 'ports from --port are not the file\'s to change');
  const two = config(['--config', 'c.json'], {}, file({ bridges: [{ name: 'br0' }, { name: 'br1' }] }));
  t.same(diffConfigs(cur, two).restart.filter((k) => k.startsWith('bridges[br1]')), ['bridges[br1] (a new bridge)']);
});

t.test('writePortChange: only the bridge\'s ports change; entries stay as written; indentation kept', async (t) => {
  const d = dir();
  const f = join(d, 'c.json');
  const original = { logLevel: 'warn', probeInterval: 7, bridges: [{ name: 'br0', dpid: '00000000000000aa', ports: ['1=p1:dummy', { number: 2, iface: 'p2', type: 'dummy' }] }, { name: 'br1', ports: ['1=x1:dummy'] }] };
  writeFileSync(f, JSON.stringify(original, null, 4));
  const reparse = (text: string) => config(['--config', f], {}, { [f]: text });
  const sync = new ConfigFileSync({ file: f, log: silent, reparse, apply: () => {} });
  const cfg = reparse(readFileSync(f, 'utf8'));
  sync.writePortChange(cfg.bridges[0]!, { kind: 'add', spec: parsePortText('3=p3:dummy'), entry: '3=p3:dummy' });
  sync.writePortChange(cfg.bridges[0]!, { kind: 'del', number: 1 });
  const text = readFileSync(f, 'utf8');
  t.same(JSON.parse(text), { ...original, bridges: [{ ...original.bridges[0], ports: [{ number: 2, iface: 'p2', type: 'dummy' }, '3=p3:dummy'] }, original.bridges[1]] });
  t.match(text, /\n {4}"logLevel"/, 'four-space indentation, as the file had');
  sync.writePortChange(cfg.bridges[0]!, { kind: 'add', spec: parsePortText('2=p2b:dummy'), entry: '2=p2b:dummy' });
  t.same((JSON.parse(readFileSync(f, 'utf8')) as typeof original).bridges[0]!.ports, ['3=p3:dummy', '2=p2b:dummy'], 'an entry with the same number is replaced, never doubled');

  writeFileSync(f, '{"bridges": [{"name": "br0", "ports": ["1=p1:dummy"], "typo": 1}]}');
  t.throws(() => sync.writePortChange(cfg.bridges[0]!, { kind: 'del', number: 1 }), /cannot record the change: .*typo: unknown key/);
  t.equal(readFileSync(f, 'utf8'), '{"bridges": [{"name": "br0", "ports": ["1=p1:dummy"], "typo": 1}]}', 'an invalid file is left alone');
});

t.test('writePortChange: a file without a bridge list gets one that keeps what ran', async (t) => {
  const d = dir();
  const f = join(d, 'c.json');
  writeFileSync(f, '{"logLevel": "info"}\n');
  const reparse = (text: string) => config(['--config', f], {}, { [f]: text });
  const cfg = reparse(readFileSync(f, 'utf8'));
  const sync = new ConfigFileSync({ file: f, log: silent, reparse, apply: () => {} });
  sync.writePortChange(cfg.bridges[0]!, { kind: 'add', spec: parsePortText('1=p1:dummy'), entry: '1=p1:dummy' });
  const after = reparse(readFileSync(f, 'utf8'));
  t.same(after.bridges[0]!.ports.map(portLabel), ['1=p1:dummy']);
  t.same(after.bridges[0]!.controllers, cfg.bridges[0]!.controllers, 'the default controller is spelled out, not lost');
  t.same(after.bridges[0]!.listen, cfg.bridges[0]!.listen, 'and the default listener');
  t.same(diffConfigs(cfg, after).restart, [], 'nothing else differs');
});

t.test('ConfigFileSync: an edit is applied once, after the debounce; its own writes are not', async (t) => {
  const d = dir();
  const f = join(d, 'c.json');
  writeFileSync(f, '{"bridges": [{"name": "br0", "ports": ["1=p1:dummy"]}]}');
  const reparse = (text: string) => config(['--config', f], {}, { [f]: text });
  const applied: DaemonConfig[] = [];
  const sync = new ConfigFileSync({ file: f, log: silent, reparse, apply: (c) => void applied.push(c), debounceMs: 50 });
  sync.start();
  t.teardown(() => sync.close());
  const cfg = reparse(readFileSync(f, 'utf8'));
  sync.writePortChange(cfg.bridges[0]!, { kind: 'add', spec: parsePortText('2=p2:dummy'), entry: '2=p2:dummy' });
  await new Promise((r) => setTimeout(r, 300));
  t.equal(applied.length, 0, 'its own write-back is not applied again');
  // Several quick writes: one reload.
  for (const n of [3, 4, 5]) writeFileSync(f, JSON.stringify({ bridges: [{ name: 'br0', ports: ['1=p1:dummy', `${n}=p${n}:dummy`] }] }));
  await new Promise((r) => setTimeout(r, 400));
  t.equal(applied.length, 1, 'debounced to one reload');
  t.same(applied[0]!.bridges[0]!.ports.map(portLabel), ['1=p1:dummy', '5=p5:dummy'], 'of the last text');
});
