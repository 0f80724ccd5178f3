/**
 * Recorded controller sessions with Open vSwitch, replayed against
 * ofswitchd (issue #8): one subtest per `fixtures/sessions/NN-name.json`.
 *
 * Each session was recorded between a real controller (os-ken apps,
 * ovs-ofctl) and ovs-vswitchd; `replay.ts` plays the controller's side
 * against an in-process ofswitchd built like the daemon's bridge and
 * compares every answer, after the normalizations it lists (each with its
 * spec section). A difference fails the subtest unless the fixture's
 * `deviations` lists it with the spec section that makes it a legitimate
 * difference; a listed deviation that no longer occurs fails too.
 *
 * The last line is the summary the README's conformance table quotes.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/paths.js';
import { describe, replaySession, type ReplayResult, type Session } from './replay.js';

const dir = join(FIXTURES, 'sessions');
const files = readdirSync(dir)
  .filter((f) => /^\d\d-.*\.json$/.test(f))
  .sort();

const results: ReplayResult[] = [];

t.test('there are recorded sessions to replay', async (t) => {
  t.ok(files.length > 0, `fixtures in ${dir}`);
});

for (const file of files) {
  const session = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Session;
  t.test(`${file}: ${session.description ?? session.name}`, async (t) => {
    for (const d of session.deviations ?? []) {
      t.match(d.section, /^OpenFlow 1\.3\.5 §\d/, `deviation on ${d.field} names its spec section`);
      t.ok(d.why.length > 20, `deviation on ${d.field} says why`);
    }
    const r = await replaySession(session, { portRange: [17500, 17549] });
    results.push(r);
    t.ok(r.sent > 0, `sent ${r.sent} recorded requests`);
    t.ok(r.compared > 0, `compared ${r.compared} of the recorded switch's messages with ofswitchd's`);
    for (const f of r.unexplained) t.fail(`unlisted difference: ${describe(f)}`);
    for (const d of r.unused) t.fail(`listed deviation did not occur: message ${d.message} ${d.field} (${d.section})`);
    t.equal(r.unexplained.length, 0, 'every difference from Open vSwitch is a listed deviation');
    t.equal(r.unused.length, 0, 'every listed deviation occurred');
  });
}

t.teardown(() => {
  const passed = results.filter((r) => r.unexplained.length === 0 && r.unused.length === 0).length;
  const deviations = results.reduce((n, r) => n + new Set(r.explained.map((e) => e.deviation)).size, 0);
  const compared = results.reduce((n, r) => n + r.compared, 0);
  const line = `conformance: ${results.length} Open vSwitch sessions replayed, ${passed} passed, ${compared} switch messages compared, ${deviations} listed deviations`;
  t.comment(line);
});
