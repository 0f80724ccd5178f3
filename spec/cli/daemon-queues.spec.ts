/**
 * Queues in the daemon's configuration (lib/cli/daemon-queues.ts): the port
 * option syntax of the command line (`queueN.min-rate=BPS+queueN.max-rate=BPS`),
 * the config file's `"queues"` object, the text written back, the
 * refusals, and `ofswitchd --help`.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseConfigFile } from '../../lib/cli/daemon-config-file.js';
import { formatPortSpec, parsePortSpec } from '../../lib/cli/daemon-values.js';
import { createNetdev } from '../../lib/cli/daemon-ports.js';
import { queuesOf } from '../../lib/netdev/queues.js';
import { ROOT } from '../helpers/paths.js';

t.test('command line: queue options beside the type options', async (t) => {
  const s = parsePortSpec('1=eth1:system:queue1.min-rate=1000000+queue1.max-rate=2000000+queue2.min-rate=3000000');
  t.same(s, { number: 1, iface: 'eth1', type: 'system', queues: [{ id: 1, minRate: 1_000_000, maxRate: 2_000_000 }, { id: 2, minRate: 3_000_000 }] });
  t.equal(formatPortSpec(s), '1=eth1:system:queue1.min-rate=1000000+queue1.max-rate=2000000+queue2.min-rate=3000000', 'written back as given');
  t.same(parsePortSpec(formatPortSpec(s)), s, 'and read back the same');
  const vx = parsePortSpec('3=vx0:vxlan:remote_ip=192.0.2.2+queue0.max-rate=5000000+key=flow');
  t.same(vx.options, { remote_ip: '192.0.2.2', key: 'flow' }, "the type's options stay");
  t.same(vx.queues, [{ id: 0, maxRate: 5_000_000 }]);
  t.same(parsePortSpec('2=p2:dummy:queue7.min-rate=0').queues, [{ id: 7, minRate: 0 }], 'a queue with no rates');
});

t.test('command line: refusals name the port, the option and what was expected', async (t) => {
  const refuse = (text: string, re: RegExp, what: string): void => {
    t.throws(() => parsePortSpec(text), re, what);
  };
  refuse('1=eth1:system:queue1.max-rate=10M', /port 1=eth1:system: option queue1.max-rate: expected a rate in bits per second, a whole number from 1 to 100000000000000, got "10M"/, 'a rate with a unit');
  refuse('1=eth1:system:queue1.max-rate=0', /from 1 to/, 'a zero max-rate');
  refuse('1=eth1:system:queue70000.min-rate=1', /option queue70000.min-rate: expected a queue id from 0 to 61439, got "70000"/, 'a queue id htb cannot class');
  refuse('1=eth1:system:queue1.burst=1', /unknown option "queue1.burst" \(queues take queueN.min-rate and queueN.max-rate\)/, 'an unknown queue key');
  refuse('1=eth1:system:queue1.min-rate=5000+queue1.max-rate=1000', /queue 1: max-rate 1000 is below its min-rate 5000/, 'max below min');
  refuse('1=eth1:system:queue1.min-rate=1+queue1.min-rate=2', /option queue1.min-rate is given twice/, 'twice');
});

t.test('config file: "queues" on a port object, or the command-line text', async (t) => {
  const cfg = parseConfigFile(
    JSON.stringify({
      bridges: [
        {
          name: 'br0',
          ports: [
            { number: 1, iface: 'eth1', queues: { '1': { 'min-rate': 1000000, 'max-rate': '2000000' }, '2': {} } },
            '2=eth2:system:queue3.max-rate=7000000',
          ],
        },
      ],
    }),
    'c.json',
  );
  const [p1, p2] = cfg.bridges![0]!.ports!;
  t.same(p1!.queues, [{ id: 1, minRate: 1_000_000, maxRate: 2_000_000 }, { id: 2 }]);
  t.same(p2!.queues, [{ id: 3, maxRate: 7_000_000 }]);
  const bad = (queues: unknown, re: RegExp, what: string): void => {
    t.throws(() => parseConfigFile(JSON.stringify({ bridges: [{ name: 'br0', ports: [{ number: 1, iface: 'eth1', queues }] }] }), 'c.json'), re, what);
  };
  bad([1, 2], /c.json: bridges\[0\].ports\[0\]: queues: expected an object of queues by id/, 'a list');
  bad({ x: {} }, /queues: expected a queue id from 0 to 61439, got "x"/, 'a bad id');
  bad({ '1': { 'max-rate': -5 } }, /queues.1.max-rate: expected a rate in bits per second/, 'a negative rate');
  bad({ '1': { rate: 5 } }, /queues.1: unknown key "rate" \(a queue takes "min-rate" and "max-rate", in bits per second\)/, 'an unknown key');
});

t.test('a device made from a spec with queues has them (queue 0 added), one without has none', async (t) => {
  const nd = createNetdev(parsePortSpec('1=p1:dummy:queue2.max-rate=1000'));
  t.same(queuesOf(nd)?.ids, [0, 2]);
  t.equal(queuesOf(createNetdev(parsePortSpec('1=p1:dummy'))), null);
});

t.test('ofswitchd --help documents the queue options', async (t) => {
  const r = spawnSync('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" "$@"', process.execPath, join(ROOT, 'bin', 'ofswitchd'), '--help'], { encoding: 'utf8' });
  t.equal(r.status, 0);
  // commander wraps the option's help: compare with the wrapping undone.
  t.match(r.stdout.replace(/\s+/g, ' '), /queueN\.min-rate=BPS, queueN\.max-rate=BPS give the port OpenFlow queue N/);
  t.match(r.stdout, /--port 1=eth1:system:queue1\.max-rate=10000000\+queue2\.min-rate=100000000/);
});
