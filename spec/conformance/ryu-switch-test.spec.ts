/**
 * The os-ken (Ryu) OpenFlow Switch Test Tool against ofswitchd, on real
 * ports: scripts/conformance-ryu runs ../shared/rig/ryu-switch-test with
 * ofswitchd as the target switch and an Open vSwitch userspace bridge as
 * the tester, in a private network namespace, on the match/ and action/
 * directories (no throughput cases; group/ and meter/ run on demand with
 * `npm run conformance:ryu`).
 *
 * The goal is ERROR(0). Until it is reached, each directory's number of
 * passing cases is held as a floor (PASS_FLOOR, the score when the floor
 * was last raised): a regression below it fails, and every failing case is
 * printed with the tool's reason. Raise the floor whenever the score rises.
 * Still failing when the floor was set (issue #8; match 712, action 210):
 * the 16 SCTP set_field cases (os-ken's expected SCTP checksum is not a
 * CRC32c: under Python 3 it checksums the text of repr(bytes)), and the two
 * match/ ICMP cases that pop_mpls a 60-byte frame and send the 56 bytes left
 * to the CONTROLLER: os-ken expects the packet-in data padded to 60 because
 * its packet library pads every Ethernet frame it builds, but a packet-in
 * carries the packet as the switch holds it (OF1.3.5 §7.4.1), and Open
 * vSwitch sends the same 56 bytes (total_len=56). Frames the switch outputs
 * are padded to 60 on system and TAP ports, as a NIC pads them on the wire
 * (spec/e2e/tx-padding.spec.ts).
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { netnsSkip } from '../helpers/netns.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const script = join(root, 'scripts', 'conformance-ryu');

/** Cases in each directory (the tool's own count), and the passes held as a floor until all pass. */
const DIRS: Record<string, { cases: number; floor: number }> = {
  match: { cases: 714, floor: 708 },
  action: { cases: 226, floor: 206 },
};

const skip = netnsSkip('osken-manager', 'ovs-vswitchd', 'ovsdb-server');

t.test('ryu switch test: match/ and action/ against ofswitchd', { skip, timeout: 3_600_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'conformance-ryu-'));
  // A plain environment: the target is a node CLI, and nothing of tap's instrumentation may reach it.
  const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
  const started = Date.now();
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const p = spawn(script, ['--out', out, ...Object.keys(DIRS)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let so = '';
    p.stdout.on('data', (d: Buffer) => (so += d.toString()));
    p.stderr.on('data', () => {});
    p.on('close', (c) => resolve({ code: c, stdout: so }));
  });
  const secs = Math.round((Date.now() - started) / 1000);
  t.comment(stdout.trimEnd());
  t.comment(`took ${secs}s; logs in ${out}`);
  for (const [dir, want] of Object.entries(DIRS)) {
    const m = new RegExp(`^${dir}\\s+OK\\((\\d+)\\) / ERROR\\((\\d+)\\)`, 'm').exec(stdout);
    t.ok(m, `${dir}: scored`);
    if (m === null) continue;
    const ok = Number(m[1]);
    const err = Number(m[2]);
    t.equal(ok + err, want.cases, `${dir}: every case ran`);
    if (err === 0) t.pass(`${dir}: ERROR(0)`);
    else t.ok(ok >= want.floor, `${dir}: OK(${ok}) / ERROR(${err}), floor ${want.floor} (goal ERROR(0))`);
  }
  const allPassed = /ERROR\(0\)\s*$/.test(stdout.split('\n').find((l) => l.startsWith('total')) ?? '');
  t.equal(code === 0, allPassed, 'exit status agrees with the total');
});
