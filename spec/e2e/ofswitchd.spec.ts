/**
 * The daemon as a user runs it (`node bin/ofswitchd`), with the real Bridge,
 * looked at by Open vSwitch's own tools: ovs-ofctl over its listener and
 * ovs-appctl over its control socket. Then a clean shutdown.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { missing, ovsEnv, run } from '../helpers/peers.js';
import { startDaemon } from '../helpers/daemon.js';

const noOfctl = missing('ovs-ofctl');

t.test('ovs-ofctl show, dump-desc, dump-tables, dump-ports-desc succeed', { skip: noOfctl }, async (t) => {
  const d = await startDaemon(['--port', '1=p1:dummy', '--port', '2=p2:dummy', '--dpid', '00000000000000ab', '--fail-mode', 'secure', '--controller', 'tcp:127.0.0.1:1']);
  t.teardown(() => d.stop('SIGKILL'));
  const target = `tcp:127.0.0.1:${d.port}`;
  const env = ovsEnv();
  const ofctl = (...args: string[]) => run('ovs-ofctl', ['-O', 'OpenFlow13', ...args], { env });
  const show = await ofctl('show', target);
  t.equal(show.code, 0, show.stderr);
  t.match(show.stdout, /dpid:00000000000000ab/);
  t.match(show.stdout, / 1\(p1\): addr:/);
  t.match(show.stdout, / 2\(p2\): addr:/);
  t.match(show.stdout, / LOCAL\(br0\): addr:/);
  for (const cmd of ['dump-desc', 'dump-tables', 'dump-ports-desc']) {
    const r = await ofctl(cmd, target);
    t.equal(r.code, 0, `${cmd}: ${r.stderr}`);
  }
  t.match((await ofctl('dump-desc', target)).stdout, /DP Description: br0/);
  const add = await ofctl('add-flow', target, 'priority=7,in_port=1,actions=output:2');
  t.equal(add.code, 0, add.stderr);
  const flows = await ofctl('dump-flows', target);
  t.match(flows.stdout, /priority=7,in_port=1 actions=output:2/);
  t.equal(await d.stop('SIGTERM'), 0, 'SIGTERM: exit 0');
  t.notOk(existsSync(d.ctl), 'the control socket was removed');
  t.ok(d.logs.some((l) => l.msg === 'ofswitchd stopped'));
});

t.test('ofctl finds a bridge by name through the control socket (bridge/listeners)', async (t) => {
  const d = await startDaemon(['--port', '1=p1:dummy', '--controller', 'tcp:127.0.0.1:1']);
  t.teardown(() => d.stop('SIGKILL'));
  // Run the commands as a user's shell does: through /bin/sh with a plain
  // environment, since tap instruments node children it spawns directly, and
  // its hooks do not load an extensionless ES module main.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, OFSWITCH_RUNDIR: dirname(d.ctl) };
  const cli = (bin: string, ...args: string[]) =>
    run('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" "$@"', process.execPath, join(ROOT, 'bin', bin), ...args], { env });
  const listeners = await cli('ofswitch-appctl', '-t', d.ctl, 'bridge/listeners', 'br0');
  t.equal(listeners.stdout, `tcp:127.0.0.1:${d.port}\n`, 'the bound endpoint, not ptcp:0');
  const show = await cli('ofctl', 'show', 'br0');
  t.equal(show.code, 0, show.stderr);
  t.match(show.stdout, / 1\(p1\): addr:/);
  const none = await cli('ofctl', 'show', 'br9');
  t.equal(none.code, 1, 'an unknown bridge is an error');
});

t.test('ovs-appctl version and exit on the control socket', { skip: missing('ovs-appctl') }, async (t) => {
  const d = await startDaemon(['--controller', 'tcp:127.0.0.1:1']);
  t.teardown(() => d.stop('SIGKILL'));
  const env = ovsEnv();
  const v = await run('ovs-appctl', ['-t', d.ctl, 'version'], { env });
  t.equal(v.code, 0, v.stderr);
  t.match(v.stdout, /^ofswitchd \(ofswitch\) \d+\.\d+\.\d+/);
  const bad = await run('ovs-appctl', ['-t', d.ctl, 'no/such'], { env });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /"no\/such" is not a valid command/);
  const x = await run('ovs-appctl', ['-t', d.ctl, 'exit'], { env });
  t.equal(x.code, 0, x.stderr);
  t.equal(await d.exited, 0, 'exit: clean shutdown, status 0');
});

t.test('SIGINT shuts down cleanly too; a second daemon cannot steal the socket', async (t) => {
  const d = await startDaemon(['--controller', 'tcp:127.0.0.1:1', '--port', '1=p:dummy']);
  t.teardown(() => d.stop('SIGKILL'));
  const clash = await startDaemon(['--controller', 'tcp:127.0.0.1:1', '--ctl', d.ctl]).catch((e: Error) => e);
  t.ok(clash instanceof Error, 'refused');
  t.match(String(clash), /another process is listening there/);
  t.equal(await d.stop('SIGINT'), 0);
});

t.test('a port whose interface does not exist is refused with a clear error', async (t) => {
  const e = await startDaemon(['--port', '1=no-such-if9']).catch((err: Error) => err);
  t.ok(e instanceof Error);
  t.match(String(e), /port 1=no-such-if9:system: (no interface named no-such-if9|.*need root)/);
  t.match(String(e), /exited \(1\)/);
});

t.test('a bad command line exits 2 with one line', async (t) => {
  const e = await startDaemon(['--controller', 'foo']).catch((err: Error) => err);
  t.match(String(e), /exited \(2\)/);
  t.match(String(e), /ofswitchd: --controller: expected "tcp:HOST\[:PORT\]" or "ssl:HOST\[:PORT\]", got "foo"/);
});
