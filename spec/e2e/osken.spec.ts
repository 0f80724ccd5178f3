/**
 * A real controller, os-ken (the maintained Ryu), against the daemon: the app
 * in apps/roles.py checks the features reply and drives controller roles
 * over two connections from the same switch — master handover, a stale
 * generation id, a slave's write refused — and reports what the switch
 * answered as JSON lines, asserted here.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { missing } from '../helpers/peers.js';
import { startDaemon } from '../helpers/daemon.js';
import { ROOT } from '../helpers/paths.js';

const skip = missing('osken-manager');

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// OFPET_BAD_REQUEST/OFPBRC_IS_SLAVE and OFPET_ROLE_REQUEST_FAILED/OFPRRFC_STALE.
const IS_SLAVE = { kind: 'error', type: 1, code: 10 };
const STALE = { kind: 'error', type: 11, code: 0 };
const [EQUAL, MASTER, SLAVE] = [1, 2, 3];
const NO_GEN = 2 ** 64 - 1;

t.test('os-ken: features, then roles with two controllers at once', { skip, timeout: 60_000 }, async (t) => {
  const port = await freePort();
  const osken = spawn('osken-manager', ['--ofp-tcp-listen-port', String(port), join(ROOT, 'spec', 'e2e', 'apps', 'roles.py')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  osken.stdout.on('data', (d: Buffer) => (out += d.toString()));
  osken.stderr.on('data', (d: Buffer) => (err += d.toString()));
  t.teardown(() => osken.kill('SIGKILL'));
  const d = await startDaemon([
    '--dpid', '000000000000abcd',
    '--port', '1=p1:dummy',
    '--fail-mode', 'secure',
    // Two targets for the same controller: one switch, two connections.
    '--controller', `tcp:127.0.0.1:${port}`,
    '--controller', `tcp:127.0.0.2:${port}`,
    '--max-backoff', '1',
  ]);
  t.teardown(() => d.stop('SIGKILL'));
  const deadline = Date.now() + 40_000;
  while (!out.includes('"done"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  t.ok(out.includes('"done"'), `the app finished (stderr: ${err.slice(-2000)})`);
  const features = lines.filter((l) => l.check === 'features');
  t.equal(features.length, 2, 'one features reply per connection');
  for (const f of features) {
    t.match(f, { dpid: 0xabcd, auxiliary_id: 0 });
    t.ok(typeof f.n_tables === 'number' && f.n_tables >= 1, `n_tables ${String(f.n_tables)}`);
  }
  const step = (name: string) => {
    const l = lines.find((x) => x.step === name);
    if (!l) return undefined;
    const { step: _s, ...rest } = l;
    return rest;
  };
  t.same(step('a-nochange'), { kind: 'role', role: EQUAL, generation_id: NO_GEN }, 'starts EQUAL, no generation id yet');
  t.same(step('a-master-1'), { kind: 'role', role: MASTER, generation_id: 1 });
  t.same(step('b-master-2'), { kind: 'role', role: MASTER, generation_id: 2 });
  t.same(step('a-after-handover'), { kind: 'role', role: SLAVE, generation_id: 2 }, 'the old master became slave');
  t.same(step('a-flow-mod-as-slave'), IS_SLAVE, "the slave's FLOW_MOD is refused");
  t.same(step('a-master-stale-1'), STALE, 'a stale generation id is refused');
  t.same(step('b-still-master'), { kind: 'role', role: MASTER, generation_id: 2 });
  t.same(step('b-barrier'), { kind: 'barrier' });
  t.same(step('a-master-3'), { kind: 'role', role: MASTER, generation_id: 3 });
  t.same(step('b-after-handover'), { kind: 'role', role: SLAVE, generation_id: 3 });
  t.same(step('b-equal'), { kind: 'role', role: EQUAL, generation_id: 3 });
  t.notOk(lines.some((l) => l.step === 'exception'), 'no exception in the app');
  t.equal(await d.stop(), 0);
});
