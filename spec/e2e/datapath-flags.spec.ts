/**
 * ofswitchd's datapath settings take effect in a running daemon:
 * --flow-limit (megaflows at most), --max-idle (megaflow idle expiry, ms)
 * and --emc-insert-inv-prob (exact-match cache insertion 1/N, 0: off), as
 * flags, and as environment variables and config-file keys.
 *
 * Two hosts ping each other through a standalone (NORMAL) switch; what the
 * datapath did is read back through the control socket, as an operator
 * would: upcall/show, dpctl/show, dpctl/dump-flows, coverage/show. The
 * expected results come from the traffic (which megaflows a ping needs, how
 * long since its last packet), not from the code under test.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as appctl } from '../../lib/cli/appctl.js';
import { startDaemon } from '../helpers/daemon.js';
import { makeLab, ping, waitUntil } from '../helpers/forwarding.js';
import { netnsSkip } from '../helpers/netns.js';

const skip = netnsSkip('ping');

async function ctl(path: string, ...args: string[]): Promise<string> {
  let out = '';
  let err = '';
  const status = await appctl(['-t', path, ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s), env: process.env });
  if (status !== 0) throw new Error(`appctl ${args.join(' ')}: status ${status}: ${err}`);
  return out;
}

const flowLines = (dump: string): string[] => dump.split('\n').filter((l) => l.startsWith('recirc_id('));
const emcHits = (show: string): number => Number(/emc hits:(\d+)/.exec(show)?.[1] ?? NaN);
const coverage = (text: string, name: string): number => Number(new RegExp(`^${name} .*total: (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

t.test('--flow-limit, --max-idle and --emc-insert-inv-prob as flags', { skip, timeout: 120_000 }, async (t) => {
  const { sw, hosts } = await makeLab(t, 'dpf-fl', ['10.0.0.1/24', '10.0.0.2/24']);
  const [h1] = hosts as [typeof sw, typeof sw];
  const d = await startDaemon(
    ['--port', '1=p1', '--port', '2=p2', '--controller', 'none', '--flow-limit', '2', '--max-idle', '1000', '--emc-insert-inv-prob', '0'],
    {},
    15_000,
    { netns: sw.name },
  );
  t.teardown(() => d.stop('SIGKILL'));

  const shown = await ctl(d.ctl, 'upcall/show');
  t.match(shown, /flows {9}: \(current 0\) \(limit 2\)/, 'upcall/show: the flow limit given');
  t.match(shown, /max idle {6}: 1000 ms/, 'upcall/show: the idle time given');
  t.match(shown, /emc insert {4}: disabled/, 'upcall/show: the exact-match cache off');
  t.match(await ctl(d.ctl, 'dpctl/show'), /entries:0\/\d+ insert:disabled/, 'dpctl/show: the exact-match cache off');

  // A ping needs at least four megaflows (ARP request and reply, echo request and reply): two fit.
  const p = await ping(h1, '10.0.0.2', 5);
  t.equal(p.received, 5, `pings beyond the flow limit are still forwarded: 5 of 5\n${p.out}`);
  const dump = flowLines(await ctl(d.ctl, 'dpctl/dump-flows'));
  t.ok(dump.length >= 1 && dump.length <= 2, `dpctl/dump-flows: at most 2 megaflows (${dump.length})\n${dump.join('\n')}`);
  t.ok(coverage(await ctl(d.ctl, 'coverage/show'), 'upcall_flow_limit_hit') > 0, 'coverage/show: upcalls hit the flow limit');
  const afterPing = await ctl(d.ctl, 'dpctl/show');
  t.equal(emcHits(afterPing), 0, 'no exact-match cache hits with insertion off (the next test, with 1/1, has them)');
  t.match(afterPing, /entries:0\//, 'and no entries');

  // The last packet went a moment ago; with --max-idle 1000 the megaflows go within the next
  // second and a half (the sweep runs every half second), long before the default 10 s.
  const t0 = Date.now();
  const gone = await waitUntil(async () => flowLines(await ctl(d.ctl, 'dpctl/dump-flows')).length === 0, 6_000, 100);
  const took = Date.now() - t0;
  t.ok(gone, `the idle megaflows were removed (after ${took} ms of waiting)`);
  t.ok(took < 5_000, `well before the default max-idle of 10 s (${took} ms)`);
  t.match(await ctl(d.ctl, 'upcall/show'), /idle expired [1-9]/, 'upcall/show counts them as idle expired');

  t.equal(await d.stop(), 0, 'the daemon stops cleanly');
});

t.test('the same settings from the environment and the config file', { skip, timeout: 120_000 }, async (t) => {
  const { sw, hosts } = await makeLab(t, 'dpf-fe', ['10.0.0.1/24', '10.0.0.2/24']);
  const [h1] = hosts as [typeof sw, typeof sw];
  const dir = mkdtempSync(join(tmpdir(), 'dpf-flags-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ofswitchd.json');
  writeFileSync(file, JSON.stringify({ flowLimit: 1000, maxIdle: 60_000 }));
  const d = await startDaemon(['--config', file, '--port', '1=p1', '--port', '2=p2', '--controller', 'none'], { OF_EMC_INSERT_INV_PROB: '1' }, 15_000, {
    netns: sw.name,
  });
  t.teardown(() => d.stop('SIGKILL'));

  const shown = await ctl(d.ctl, 'upcall/show');
  t.match(shown, /\(limit 1000\)/, 'flowLimit from the config file');
  t.match(shown, /max idle {6}: 60000 ms/, 'maxIdle from the config file');
  t.match(shown, /emc insert {4}: 1\/1/, 'OF_EMC_INSERT_INV_PROB from the environment');

  const p = await ping(h1, '10.0.0.2', 6);
  t.equal(p.received, 6, `6 of 6\n${p.out}`);
  // Insertion on every megaflow hit: the third echo request of the flow already hits the cache.
  t.ok(emcHits(await ctl(d.ctl, 'dpctl/show')) > 0, 'exact-match cache hits with insertion 1/1');
  const before = flowLines(await ctl(d.ctl, 'dpctl/dump-flows')).length;
  t.ok(before >= 4, `every megaflow of the ping is installed under a limit of 1000 (${before})`);
  await new Promise((r) => setTimeout(r, 2_500));
  t.equal(flowLines(await ctl(d.ctl, 'dpctl/dump-flows')).length, before, 'with maxIdle 60000 nothing expires in 2.5 s');

  t.equal(await d.stop(), 0, 'the daemon stops cleanly');
});
