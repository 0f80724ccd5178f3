/**
 * The datapath's daemon settings in ofswitchd's configuration: defaults
 * (Open vSwitch's other_config defaults), the flag > environment > config
 * file precedence the other settings have, and refusals that name the
 * source. That they take effect in a running daemon: spec/e2e/datapath-flags.
 */
import t from 'tap';
import { parseDaemonArgs, type DaemonConfig } from '../../lib/cli/daemon-config.js';

function parse(argv: string[], env: Record<string, string> = {}, file?: object): DaemonConfig | string {
  const r = parseDaemonArgs(file === undefined ? argv : ['--config', 'c.json', ...argv], env, {
    readFile: () => JSON.stringify(file),
    isRoot: false,
  });
  return r.kind === 'run' ? r.config : r.stderr.trim();
}

const settings = (c: DaemonConfig | string): unknown => (typeof c === 'string' ? c : [c.flowLimit, c.maxIdleMs, c.emcInsertInvProb]);

t.test('defaults are Open vSwitch\'s: flow-limit 200000, max-idle 10000 ms, emc-insert-inv-prob 100', async (t) => {
  t.same(settings(parse([])), [200_000, 10_000, 100]);
});

t.test('flags, environment variables and config-file keys, in that precedence', async (t) => {
  t.same(settings(parse(['--flow-limit', '5000', '--max-idle', '1500', '--emc-insert-inv-prob', '0'])), [5000, 1500, 0]);
  t.same(settings(parse([], { OF_FLOW_LIMIT: '7', OF_MAX_IDLE: '2000', OF_EMC_INSERT_INV_PROB: '1' })), [7, 2000, 1]);
  t.same(settings(parse([], {}, { flowLimit: 9, maxIdle: 3000, emcInsertInvProb: 20 })), [9, 3000, 20]);
  t.same(settings(parse(['--flow-limit', '1'], { OF_FLOW_LIMIT: '2', OF_MAX_IDLE: '4000' }, { flowLimit: 3, maxIdle: 5000, emcInsertInvProb: 6 })), [1, 4000, 6]);
});

t.test('out-of-range and malformed values are refused, naming where they came from', async (t) => {
  t.match(parse(['--flow-limit=-1']), /--flow-limit: expected a whole number from 0 to 10000000, got "-1"/);
  t.match(parse(['--max-idle', '50']), /--max-idle: expected a whole number from 100 to 86400000, got "50"/);
  t.match(parse([], { OF_EMC_INSERT_INV_PROB: 'often' }), /OF_EMC_INSERT_INV_PROB: expected a whole number/);
  t.match(parse([], {}, { maxIdle: 1.5 }), /maxIdle/);
  t.match(parse([], {}, { flowLimit: 'lots' }), /flowLimit/);
});
