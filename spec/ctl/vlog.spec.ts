/**
 * vlog/set and vlog/list on a running ofswitchd, through ovs-appctl (the
 * real client) when it is installed: levels are per module, as in Open
 * vSwitch, so `vlog/set connmgr:dbg` makes the connection manager talk
 * while the daemon's own module stays at info.
 */
import t from 'tap';
import { connect } from 'node:net';
import { once } from 'node:events';
import { startDaemon } from '../helpers/daemon.js';
import { missing, run } from '../helpers/peers.js';

const skip = missing('ovs-appctl');

t.test('vlog: per-module levels through ovs-appctl', { skip }, async (t) => {
  const d = await startDaemon(['--controller', 'tcp:127.0.0.1:1', '--max-backoff', '1', '--port', '1=p1:dummy']);
  t.teardown(() => d.stop('SIGKILL'));
  const appctl = (...args: string[]) => run('ovs-appctl', ['-t', d.ctl, ...args]);

  const list0 = await appctl('vlog/list');
  t.equal(list0.code, 0, list0.stderr);
  t.match(list0.stdout, /^ +console +syslog +file\n +-+ +-+ +-+\n/, "Open vSwitch's header");
  t.match(list0.stdout, /\nconnmgr +INFO /);
  t.match(list0.stdout, /\nofswitchd +INFO /);

  t.equal((await appctl('vlog/set', 'connmgr:console:dbg')).code, 0);
  const list1 = (await appctl('vlog/list')).stdout;
  t.match(list1, /\nconnmgr +DBG /, 'connmgr now at debug');
  t.match(list1, /\nofswitchd +INFO /, 'the other module is unchanged');

  // A passive connection is logged at debug by the connection manager only.
  const before = d.logs.length;
  const s = connect(d.port, '127.0.0.1');
  await once(s, 'connect');
  const deadline = Date.now() + 5000;
  while (!d.logs.slice(before).some((l) => l.msg === 'connection opened') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  s.destroy();
  const opened = d.logs.slice(before).find((l) => l.msg === 'connection opened');
  t.ok(opened, 'a debug line from connmgr appeared');
  t.match(opened, { module: 'connmgr', bridge: 'br0', level: 20 });

  const bad = await appctl('vlog/set', 'nosuchmodule:dbg');
  t.not(bad.code, 0, 'an unknown module is an error');
  t.match(bad.stderr, /"nosuchmodule" is not a module/);

  t.equal((await appctl('vlog/set', 'ANY:warn')).code, 0);
  t.match((await appctl('vlog/list')).stdout, /\nconnmgr +WARN .*\nofswitchd +WARN /s);
});
