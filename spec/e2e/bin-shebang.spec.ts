/**
 * bin/ofswitchd runs as a program of its own: its first line starts node
 * with the daemon's flags (a larger young generation), and the helpers that
 * start `process.execPath bin/ofswitchd` for tests and benchmarks read the
 * same flags from that line.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DAEMON_NODE_FLAGS, ROOT } from '../helpers/paths.js';

const BIN = join(ROOT, 'bin', 'ofswitchd');

t.test('the helpers start the daemon with the flags of its first line', async (t) => {
  t.same(DAEMON_NODE_FLAGS, ['--max-semi-space-size=64']);
});

t.test('executed directly (env -S), bin/ofswitchd starts', async (t) => {
  const r = spawnSync('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" "$@"', BIN, '--version'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^\d+\.\d+\.\d+/);
});
