/**
 * ofctl against ovs-ofctl on our own switch: `node bin/ofswitchd` with
 * three in-memory ports, reached over TCP, and the first half of the cases
 * of ofctl-cases.ts (ofctl-ofswitchd-more.spec.ts runs the rest, so that
 * each file stays well inside the test runner's time limit). The same
 * comparison as against Open vSwitch: same lines, same exit status, same
 * state afterwards; both tools print whatever the switch says.
 *
 * Needs ovs-ofctl (skips without it).
 */
import t from 'tap';
import { missing } from '../helpers/peers.js';
import { CASES } from './ofctl-cases.js';
import { runAgainstOfswitchd, selectedCases } from './ofctl-harness.js';

t.test('ofctl and ovs-ofctl against ofswitchd', { skip: missing('ovs-ofctl') }, async (t) => {
  await runAgainstOfswitchd(t, selectedCases(CASES.slice(0, Math.ceil(CASES.length / 2))));
});
