/**
 * Two bridges of one ofswitchd joined by a patch pair, from a config file:
 * h1 on br0, h2 on br1, and the only way between them is pa <-> pb. Judged
 * by the hosts (ping) and by ovs-ofctl (ports listed, counters counted).
 * TCP ports 17010-17011 (tag p1), namespaces p1-pt-*.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from '../helpers/daemon.js';
import { makeLab, ovsOfctlIn, ping } from '../helpers/forwarding.js';
import { netnsSkip, type Netns } from '../helpers/netns.js';

const skip = netnsSkip('ping', 'ovs-ofctl');
const BR0 = 'tcp:127.0.0.1:17010';
const BR1 = 'tcp:127.0.0.1:17011';

t.test('a patch pair joins two bridges: hosts on each ping each other', { skip, timeout: 120_000 }, async (t) => {
  const { sw, hosts } = await makeLab(t, 'p1-pt', ['10.0.0.1/24', '10.0.0.2/24']);
  const [h1] = hosts as [Netns, Netns];
  const dir = mkdtempSync('/tmp/p1-patch-');
  const file = join(dir, 'ofswitchd.json');
  const config = {
    bridges: [
      { name: 'br0', failMode: 'secure', listen: ['ptcp:17010:127.0.0.1'], ports: ['1=p1', '2=pa:patch:peer=pb'] },
      { name: 'br1', failMode: 'secure', listen: ['ptcp:17011:127.0.0.1'], ports: ['1=p2', { number: 2, iface: 'pb', type: 'patch', options: { peer: 'pa' } }] },
    ],
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  const d = await startDaemon(['--config', file], {}, 15_000, { netns: sw.name, addListen: false });
  t.teardown(() => d.stop('SIGKILL'));

  // br0 by explicit flows, br1 as a learning switch: the patch port is an ordinary port to both.
  for (const f of ['in_port=1,actions=output:2', 'in_port=2,actions=output:1']) {
    const r = await ovsOfctlIn(sw, 'add-flow', BR0, f);
    t.equal(r.code, 0, r.stderr);
  }
  t.equal((await ovsOfctlIn(sw, 'add-flow', BR1, 'actions=NORMAL')).code, 0);

  const show0 = await ovsOfctlIn(sw, 'show', BR0);
  t.match(show0.stdout, / 2\(pa\): addr:/, 'ovs-ofctl show lists the patch port');
  t.notMatch(show0.stdout.split(' 2(pa)')[1]?.split('\n').slice(0, 3).join('\n') ?? '', /LINK_DOWN/, 'its link is up (both ends exist)');
  const desc = await ovsOfctlIn(sw, 'dump-ports-desc', BR1);
  t.match(desc.stdout, / 2\(pb\): addr:/, 'dump-ports-desc lists the other end');

  const p = await ping(h1, '10.0.0.2', 3);
  t.equal(p.received, 3, `h1 (br0) pings h2 (br1) across the patch pair\n${p.out}`);

  const ports0 = await ovsOfctlIn(sw, 'dump-ports', BR0, '2');
  const ports1 = await ovsOfctlIn(sw, 'dump-ports', BR1, '2');
  const count = (out: string, dir: 'rx' | 'tx') => Number(new RegExp(`${dir} pkts=(\\d+)`).exec(out)?.[1] ?? -1);
  // 3 echo requests one way, 3 replies the other, plus ARP.
  t.ok(count(ports0.stdout, 'tx') >= 4, `pa sent the requests (and ARP): ${ports0.stdout}`);
  t.ok(count(ports0.stdout, 'rx') >= 4, `pa received the replies: ${ports0.stdout}`);
  t.equal(count(ports1.stdout, 'rx'), count(ports0.stdout, 'tx'), 'what pa sent is what pb received');
  t.equal(count(ports1.stdout, 'tx'), count(ports0.stdout, 'rx'), 'and back');
  t.equal(await d.stop(), 0, 'the daemon stops cleanly');
});
