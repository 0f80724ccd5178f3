// Replays sessions with no deviations listed and writes what differs to a findings file: step 1 of regenerating fixtures' deviations after re-recording.
// Usage: node scripts/sessions/deviations-findings.mjs FINDINGS.json SESSION.json...   (after npm run build)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { replaySession } from '../../dist/spec/conformance/replay.js';
const out = {};
const [findingsFile, ...files] = process.argv.slice(2);
for (const f of files) {
  const s = JSON.parse(readFileSync(new URL(`../../fixtures/sessions/${f}`, import.meta.url)));
  s.deviations = [];
  const r = await replaySession(s, { portRange: [17500, 17549] });
  out[f] = r.unexplained;
  console.error(f, r.unexplained.length);
}
writeFileSync(findingsFile, JSON.stringify(out, null, 1));
process.exit(0);
