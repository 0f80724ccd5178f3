/**
 * The ipv6_exthdr rules of lib/packet/ipv6-ext.ts, by hand: each case is
 * a chain of Next Header values and the OFPIEH bits the essay's rules give
 * it, worked out from OpenFlow 1.3 §7.2.3.8 and RFC 8200 §4.1. (The corpus
 * test holds the extractor to a second implementation of the same rules in
 * scripts/record-packet-corpus, on real frames.)
 */
import t from 'tap';
import { OFPIEH } from '../../lib/openflow/constants.js';
import { EXTHDR_START, IEH, exthdrBits, exthdrStep } from '../../lib/packet/ipv6-ext.js';

const HOP = 0;
const ROUTING = 43;
const FRAG = 44;
const ESP = 50;
const AH = 51;
const NONE = 59;
const DEST = 60;
const TCP = 6;

const bits = (...chain: number[]): number => exthdrBits(chain.reduce(exthdrStep, EXTHDR_START));
const names = (b: number): string =>
  Object.entries(OFPIEH)
    .filter(([k, v]) => typeof v === 'number' && Number.isNaN(Number(k)) && (b & v) !== 0)
    .map(([k]) => k)
    .join('|') || 'none';

t.test('IEH is enum ofp_ipv6exthdr_flags', async (t) => {
  t.equal(IEH.NONEXT, OFPIEH.NONEXT);
  t.equal(IEH.ESP, OFPIEH.ESP);
  t.equal(IEH.AUTH, OFPIEH.AUTH);
  t.equal(IEH.DEST, OFPIEH.DEST);
  t.equal(IEH.FRAG, OFPIEH.FRAG);
  t.equal(IEH.ROUTER, OFPIEH.ROUTER);
  t.equal(IEH.HOP, OFPIEH.HOP);
  t.equal(IEH.UNREP, OFPIEH.UNREP);
  t.equal(IEH.UNSEQ, OFPIEH.UNSEQ);
});

const CASES: [string, number[], number][] = [
  ['no extension headers', [TCP], 0],
  ['No Next Header at once', [NONE], IEH.NONEXT],
  ['the whole RFC 8200 order', [HOP, DEST, ROUTING, FRAG, AH, ESP], IEH.HOP | IEH.DEST | IEH.ROUTER | IEH.FRAG | IEH.AUTH | IEH.ESP],
  ['the whole order with a final Destination Options', [HOP, DEST, ROUTING, FRAG, AH, DEST, TCP], IEH.HOP | IEH.DEST | IEH.ROUTER | IEH.FRAG | IEH.AUTH],
  ['Destination Options before a Fragment header, no routing', [DEST, FRAG, TCP], IEH.DEST | IEH.FRAG],
  ['Destination Options alone', [DEST, TCP], IEH.DEST],
  ['two Destination Options around Routing', [DEST, ROUTING, DEST, TCP], IEH.DEST | IEH.ROUTER],
  ['two Destination Options in a row', [DEST, DEST, TCP], IEH.DEST],
  ['three Destination Options: unexpected repeat', [DEST, DEST, DEST, TCP], IEH.DEST | IEH.UNREP],
  ['two Destination Options before Routing: out of order', [DEST, DEST, ROUTING, TCP], IEH.DEST | IEH.ROUTER | IEH.UNSEQ],
  ['Hop-by-Hop not first: UNSEQ and no HOP', [DEST, HOP, TCP], IEH.DEST | IEH.UNSEQ],
  ['Hop-by-Hop twice', [HOP, HOP, TCP], IEH.HOP | IEH.UNREP | IEH.UNSEQ],
  ['Routing twice', [ROUTING, ROUTING, TCP], IEH.ROUTER | IEH.UNREP],
  ['Fragment twice', [FRAG, FRAG, TCP], IEH.FRAG | IEH.UNREP],
  ['AH twice', [AH, AH, TCP], IEH.AUTH | IEH.UNREP],
  ['Routing after Fragment', [FRAG, ROUTING, TCP], IEH.FRAG | IEH.ROUTER | IEH.UNSEQ],
  ['Fragment after AH', [AH, FRAG, TCP], IEH.AUTH | IEH.FRAG | IEH.UNSEQ],
  ['Fragment after a final Destination Options', [ROUTING, DEST, FRAG, TCP], IEH.ROUTER | IEH.DEST | IEH.FRAG | IEH.UNSEQ],
  ['AH after a final Destination Options', [DEST, DEST, AH, TCP], IEH.DEST | IEH.AUTH | IEH.UNSEQ],
  ['Hop-by-Hop then No Next Header', [HOP, NONE], IEH.HOP | IEH.NONEXT],
  ['ESP after Destination Options', [HOP, DEST, ESP], IEH.HOP | IEH.DEST | IEH.ESP],
  ['ESP first', [ESP], IEH.ESP],
];

for (const [what, chain, want] of CASES) {
  t.test(`exthdrStep(): ${what}`, async (t) => {
    const got = bits(...chain);
    t.equal(names(got), names(want), `chain ${chain.join(',')}`);
  });
}

t.test('exthdrStep() leaves the state alone for upper-layer protocols', async (t) => {
  const s = [HOP, DEST].reduce(exthdrStep, EXTHDR_START);
  for (const p of [TCP, 17, 58, 132, 47, 41]) t.equal(exthdrStep(s, p), s, `protocol ${p}`);
});
