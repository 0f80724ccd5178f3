/**
 * ofctl against ovs-ofctl on a private Open vSwitch: the second half of
 * ofctl-cases.ts (see ofctl-ovs.spec.ts), plus a few cases over TCP.
 * Skips, saying why, when not root or Open vSwitch is not installed.
 */
import t from 'tap';
import { OvsInstance } from '../helpers/ovs-instance.js';
import { CASES } from './ofctl-cases.js';
import { runDifferential, selectedCases, type Target } from './ofctl-harness.js';

const cases = selectedCases(CASES.slice(Math.ceil(CASES.length / 2)));

t.test('ofctl and ovs-ofctl against Open vSwitch (continued)', { skip: OvsInstance.skipReason() }, async (t) => {
  const ovs = await OvsInstance.start();
  t.teardown(() => ovs.stop());
  await runDifferential(t, { name: 'ovs unix', sw: ovs.mgmt('br0'), env: ovs.env }, cases);
  const tcp: Target = { name: 'ovs tcp', sw: ovs.tcp('br0'), env: ovs.env, prefix: ovs.netnsExec() };
  await runDifferential(t, tcp, cases.filter((c) => ['switch errors', 'meters'].includes(c.name)));
});
