/**
 * The control socket's datapath commands, through both clients: our
 * ofswitch-appctl (lib/cli/appctl.ts, and the bin shim) and, when it is
 * installed, Open vSwitch's own ovs-appctl, which must print exactly what
 * ours prints and exit with the same status.
 */
import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../lib/cli/appctl.js';
import { ControlServer } from '../../lib/cli/daemon-ctl.js';
import { registerDatapathCommands } from '../../lib/ctl/commands.js';
import { buildFrame } from '../datapath/frames.js';
import { testSwitch } from '../datapath/harness.js';
import { which } from '../helpers/peers.js';
import { ROOT } from '../helpers/paths.js';

async function client(args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await run(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), env: process.env });
  return { status, out, err };
}

t.test('datapath commands over the control socket, ours and ovs-appctl alike', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ofsw-ctl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ofswitchd.ctl');
  const sw = testSwitch();
  await sw.flows(['in_port=1,tcp,actions=set_field:10.0.0.9->ip_src,output:2', 'in_port=2,actions=NORMAL']);
  sw.send(1, buildFrame({ l4: 'tcp' }));
  sw.send(2, buildFrame({ l4: 'udp' }));
  const logger = { level: 'info' };
  const ctl = new ControlServer(path);
  ctl.register('version', '', () => 'ofswitchd (ofswitch) test\n');
  registerDatapathCommands(ctl, () => [{ name: 'br0', dp: sw.dp }], logger);
  await ctl.start();
  t.teardown(() => ctl.close());

  const trace = await client(['-t', path, 'ofproto/trace', 'br0', 'in_port=1,tcp,nw_src=1.2.3.4,tp_dst=80']);
  t.equal(trace.status, 0);
  t.match(trace.out, /Datapath actions: set\(ipv4\(src=10\.0\.0\.9\)\),2\n$/);
  const dump = await client(['-t', path, 'dpctl/dump-flows']);
  t.match(dump.out, /^recirc_id\(0\),in_port\(1\),eth_type\(0x0800\),ipv4\(src=10\.0\.0\.1,proto=6,frag=no\), packets:1, bytes:\d+, used:0\.000s, flags:S, actions:set\(ipv4\(src=10\.0\.0\.9\)\),2\n/m);
  t.match((await client(['-t', path, 'dpctl/show'])).out, /lookups: hit:0 missed:2 lost:0\n {2}flows: 2\n/);
  t.match((await client(['-t', path, 'upcall/show'])).out, /flows {9}: \(current 2\) \(limit 200000\)/);
  t.match((await client(['-t', path, 'coverage/show'])).out, /^Event coverage, avg rate over last: 5 seconds, last minute, last hour, {2}hash=[0-9a-f]{8}:\n/);
  t.match((await client(['-t', path, 'fdb/show', 'br0'])).out, /\n {4}2 {5}0 {2}00:00:00:00:00:01 {2}0\n/);
  t.equal((await client(['-t', path, 'vlog/set', 'ANY:console:dbg'])).status, 0);
  t.equal(logger.level, 'debug', 'vlog/set reached the logger');
  t.match((await client(['-t', path, 'list-commands'])).out, /ofproto\/trace +bridge br_flow \[packet\]\n/);

  const bad = await client(['-t', path, 'no/such']);
  t.equal(bad.status, 2, 'an error from the daemon: status 2');
  t.match(bad.err, /"no\/such" is not a valid command/);
  const badFlow = await client(['-t', path, 'ofproto/trace', 'br0', 'in_port=1,bogus=3']);
  t.equal(badFlow.status, 2);
  t.match(badFlow.err, /bogus/);
  const gone = await client(['-t', join(dir, 'nothing.ctl'), 'version']);
  t.equal(gone.status, 1, 'no daemon: status 1');
  t.match(gone.err, /cannot connect to ".*nothing\.ctl" \(No such file or directory\)/);

  const ovsAppctl = which('ovs-appctl');
  if (ovsAppctl === undefined) {
    t.comment('ovs-appctl is not installed: the cross-check with Open vSwitch is skipped');
    return;
  }
  for (const args of [['version'], ['ofproto/trace', 'br0', 'in_port=1,tcp,nw_src=1.2.3.4,tp_dst=80'], ['dpctl/dump-flows'], ['dpctl/show'], ['no/such']]) {
    const ours = await client(['-t', path, ...args]);
    // Asynchronously: the server answering it runs in this process.
    const theirs = await new Promise<{ status: number; stdout: string }>((resolve) =>
      execFile(ovsAppctl, ['-t', path, ...args], (err, stdout) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout })),
    );
    t.equal(theirs.status, ours.status, `ovs-appctl ${args[0]}: same status`);
    t.equal(theirs.stdout, ours.out, `ovs-appctl ${args[0]}: same output`);
  }
});

t.test('bin/ofswitch-appctl --help shows usage and examples', async (t) => {
  // Through sh, as a user runs it: the test runner wraps node children to load its hooks into them.
  const r = spawnSync('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" "$@"', process.execPath, join(ROOT, 'bin', 'ofswitch-appctl'), '--help'], { encoding: 'utf8' });
  t.equal(r.status, 0);
  t.match(r.stdout, /Usage: ofswitch-appctl \[options\] COMMAND \[ARG\.\.\.\]/);
  t.match(r.stdout, /-t, --target <target>/);
  t.match(r.stdout, /Examples:\n/);
  t.match(r.stdout, /ofswitch-appctl ofproto\/trace br0/);
});
