/**
 * `npm run bench`'s summary: a bench's headline line survives the trip
 * through stdout, the summary table puts each figure beside its peer's with
 * the advantage computed the right way round for each unit, and run-all
 * itself runs only the benches named, echoes their output, and ends with
 * the table (bench/layout, the quickest, as the real bench it runs).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { advantage, HEADLINE_MARKER, parseHeadline, summaryTable, type Headline } from '../../bench/lib/headline.js';

const runAll = fileURLToPath(new URL('../../bench/run-all.js', import.meta.url));

function runNode(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" "$@"', process.execPath, ...args], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fig = (over: Partial<Headline>): Headline => ({
  name: 'x',
  unit: 'Mpps',
  ours: 2,
  peer: 1,
  peerName: 'OVS',
  better: 'higher',
  ...over,
});

t.test('a headline line parses back to what was reported; other lines do not parse', async (t) => {
  const report = { bench: 'forward', figures: [fig({ name: 'a' }), fig({ name: 'b', peer: null })] };
  t.same(parseHeadline(`${HEADLINE_MARKER} ${JSON.stringify(report)}`), report);
  t.equal(parseHeadline('64-byte UDP, 1 flow  0.025 Mpps'), null);
  t.equal(parseHeadline(`${HEADLINE_MARKER} {not json`), null);
  t.equal(parseHeadline(`${HEADLINE_MARKER} {"figures":[]}`), null, 'no bench name');
});

t.test('advantage is ours/peer when higher is better and peer/ours when lower is', async (t) => {
  t.equal(advantage(fig({ ours: 3, peer: 2, better: 'higher' })), '1.50x');
  t.equal(advantage(fig({ ours: 0.5, peer: 2, better: 'lower' })), '4.00x');
  t.equal(advantage(fig({ ours: 4, peer: 2, better: 'lower' })), '0.50x');
  t.equal(advantage(fig({ peer: null })), '-');
  t.equal(advantage(fig({ ours: 0 })), '-');
});

t.test('the summary table has a row per figure, the machine, and the notes', async (t) => {
  const md = summaryTable(
    [
      { bench: 'forward', figures: [fig({ name: 'UDP, 1 flow', ours: 0.0251, peer: 0.0226 }), fig({ name: 'ping', unit: 'ms', ours: 0.21, peer: 1.0, better: 'lower' })], notes: ['OVS 3.1.0'] },
      { bench: 'codec', figures: [fig({ name: 'flow_mod', unit: 'msg/s', ours: 612345.6, peer: 20000, peerName: 'os-ken' })] },
    ],
    'TEST CPU, 2 cores',
  );
  const lines = md.split('\n');
  t.match(lines[0], /TEST CPU, 2 cores/);
  t.ok(lines.includes('| forward | UDP, 1 flow | Mpps (higher is better) | 0.0251 | OVS | 0.0226 | 1.11x |'));
  t.ok(lines.includes('| forward | ping | ms (lower is better) | 0.21 | OVS | 1 | 4.76x |'));
  t.ok(lines.includes('| codec | flow_mod | msg/s (higher is better) | 612,346 | os-ken | 20,000 | 30.62x |'));
  t.ok(lines.includes('- forward: OVS 3.1.0'));
});

t.test('run-all runs the benches named and ends with their table', async (t) => {
  const r = runNode([runAll, 'layout']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^machine: .+ cores, .*Linux .*Node\.js v\d+/m);
  t.match(r.stdout, /== bench\/layout/);
  t.notMatch(r.stdout, /== bench\/codec/, 'only the bench named');
  t.notMatch(r.stdout, new RegExp(HEADLINE_MARKER), 'headline lines are consumed, not echoed');
  const rows = r.stdout.split('\n').filter((l) => l.startsWith('| layout |'));
  t.equal(rows.length, 4, 'one row per struct and direction');
  for (const row of rows) t.match(row, /\| buffer-layout \| [\d,]+ \| \d+\.\d\dx \|$/);
});

t.test('run-all refuses a bench that does not exist', async (t) => {
  const r = runNode([runAll, 'no-such-bench']);
  t.equal(r.status, 2);
  t.match(r.stderr, /no such bench: no-such-bench/);
});
