/**
 * ofctl against ovs-ofctl, on a private Open vSwitch (first half of
 * ofctl-cases.ts; ofctl-ovs-more.spec.ts runs the rest, so that each file
 * stays well inside the test runner's time limit): every case runs through
 * both tools against the same bridge, from the same state, and must print
 * the same lines (durations masked), exit with the same status and leave
 * the same flows, groups and meters. The bridge is reached through its
 * management socket (`unix:`), and a few cases again over TCP and by
 * bridge name.
 *
 * Skips, saying why, when not root or Open vSwitch is not installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { OvsInstance } from '../helpers/ovs-instance.js';
import { CASES } from './ofctl-cases.js';
import { runDifferential, selectedCases, type Target } from './ofctl-harness.js';

const cases = selectedCases(CASES.slice(0, Math.ceil(CASES.length / 2)));

t.test('ofctl and ovs-ofctl against Open vSwitch', { skip: OvsInstance.skipReason() }, async (t) => {
  const ovs = await OvsInstance.start();
  t.teardown(() => ovs.stop());
  await runDifferential(t, { name: 'ovs unix', sw: ovs.mgmt('br0'), env: ovs.env }, cases);
  const again = cases.filter((c) => ['show', 'add-flows', 'dump-flows options'].includes(c.name));
  const tcp: Target = { name: 'ovs tcp', sw: ovs.tcp('br0'), env: ovs.env, prefix: ovs.netnsExec() };
  await runDifferential(t, tcp, again);
  // ofctl looks for a local ofswitchd (OFSWITCH_RUNDIR) before Open vSwitch:
  // point it at an empty directory, or any ofswitchd another test runs at the
  // same time under the default run directory would answer for br0.
  const noOfswitchd = mkdtempSync(join(tmpdir(), 'ofctl-no-ofswitchd-'));
  t.teardown(() => rmSync(noOfswitchd, { recursive: true, force: true }));
  await runDifferential(t, { name: 'ovs bridge name', sw: 'br0', env: { ...ovs.env, OFSWITCH_RUNDIR: noOfswitchd } }, again);
});
