/**
 * ofctl against ovs-ofctl on ofswitchd: the second half of ofctl-cases.ts
 * (see ofctl-ofswitchd.spec.ts). Needs ovs-ofctl (skips without it).
 */
import t from 'tap';
import { missing } from '../helpers/peers.js';
import { CASES } from './ofctl-cases.js';
import { runAgainstOfswitchd, selectedCases } from './ofctl-harness.js';

t.test('ofctl and ovs-ofctl against ofswitchd (continued)', { skip: missing('ovs-ofctl') }, async (t) => {
  await runAgainstOfswitchd(t, selectedCases(CASES.slice(Math.ceil(CASES.length / 2))));
});
